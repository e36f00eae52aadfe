"""pytest configuration for motorx's benchmarks (``bench/`` only).

Run from the repository root, naming the directory explicitly (pyproject's
``testpaths`` only lists ``tests``); ``scripts/bench`` does all of this::

    python -m pytest bench -p no:cacheprovider --benchmark-json=bench/results/run.json
    python bench/report.py bench/results/run.json

No-I/O benchmarks (``test_session_bench.py``): every round runs
``--bench-ops`` operations inside one ``loop.run_until_complete`` call, so
pytest-benchmark's own table is *per round*; the per-operation view is printed
at the end of the run and by ``bench/report.py``.

End-to-end benchmarks (``test_e2e_bench.py``) need a MongoDB-wire server: the
embedded SecantusDB server is started once per run in its own process (or
``$MONGODB_URI`` is used).  ``--bench-mode quick`` (the default) runs few
rounds; ``--bench-mode full`` is for published figures.

pyproject turns every warning into an error.  That stays in force here (an
unclosed client's ResourceWarning must still fail a benchmark); the only
exception is Motor's own DeprecationWarnings, for the Motor baseline only.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import sys
from typing import Any

import pytest

try:
    import pytest_benchmark  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise pytest.UsageError(
        "motorx's benchmarks need pytest-benchmark: pip install 'motorx[bench]'"
    ) from exc

DEFAULT_OPS = 1000
MODES = ("quick", "full")
NO_IO_ROUNDS = {"quick": 25, "full": 60}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Warnings issued from Motor's own modules ("motor.core", "motor.frameworks.asyncio",
# ...): the regex is anchored at the module name's start and needs the dot, so
# motorx's modules ("motorx.*") are not covered.
_MOTOR_DEPRECATIONS = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:motor\.")

_RESULTS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("motorx-bench", "motorx session benchmarks")
    group.addoption(
        "--bench-ops",
        type=int,
        default=int(os.environ.get("MOTORX_BENCH_OPS", DEFAULT_OPS)),
        help="operations per benchmark round, all run in one run_until_complete "
        "(default %(default)s; env MOTORX_BENCH_OPS)",
    )
    group.addoption(
        "--bench-rounds",
        type=int,
        default=None,
        help="interleaved rounds of the no-I/O benchmarks (default: %d in quick mode, "
        "%d in full mode)" % (NO_IO_ROUNDS["quick"], NO_IO_ROUNDS["full"]),
    )
    group.addoption(
        "--bench-no-summary",
        action="store_true",
        help="leave out the comparison at the end of the run (scripts/bench prints it with bench/report.py)",
    )
    group.addoption(
        "--bench-mode",
        choices=MODES,
        default=os.environ.get("MOTORX_BENCH_MODE", "quick"),
        help="rounds of the end-to-end benchmarks: quick (a few minutes on 2 cores) "
        "or full (for publishing) (default %(default)s; env MOTORX_BENCH_MODE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS_KEY] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(HERE + os.sep):
            item.add_marker(_MOTOR_DEPRECATIONS)


@pytest.fixture
def bench_ops(request: pytest.FixtureRequest) -> int:
    ops = request.config.getoption("--bench-ops")
    if ops < 1:
        raise pytest.UsageError("--bench-ops must be at least 1")
    return int(ops)


@pytest.fixture(scope="session")
def bench_mode(pytestconfig: pytest.Config) -> str:
    mode = pytestconfig.getoption("--bench-mode")
    if mode not in MODES:
        raise pytest.UsageError("--bench-mode must be one of %s" % ", ".join(MODES))
    return str(mode)


@pytest.fixture(scope="session")
def bench_rounds(pytestconfig: pytest.Config, bench_mode: str) -> int:
    rounds = pytestconfig.getoption("--bench-rounds")
    if rounds is None:
        return NO_IO_ROUNDS[bench_mode]
    if rounds < 1:
        raise pytest.UsageError("--bench-rounds must be at least 1")
    return int(rounds)


def _load_module(name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: dataclasses look their module up in sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bench_uri() -> Any:
    """The server for the end-to-end benchmarks, in a separate process.

    ``$MONGODB_URI`` if set; otherwise the embedded SecantusDB server, started
    exactly as the test suite starts it (``tests/embedded_server.py``) and
    stopped by PID at the end of the run.  No server is a failure, not a skip:
    a benchmark run that silently dropped its end-to-end half would publish a
    table with holes.
    """
    embedded = _load_module(
        "_motorx_bench_embedded_server", os.path.join(ROOT, "tests", "embedded_server.py")
    )
    with embedded.server_uri() as uri:
        if uri is None:
            pytest.fail(
                "the end-to-end benchmarks need a server: set MOTORX_SECANTUSD to secantusd-py "
                "(scripts/bench installs it) or MONGODB_URI",
                pytrace=False,
            )
        yield uri


@pytest.fixture
def record_bench(request: pytest.FixtureRequest) -> Any:
    """Call with the finished ``benchmark`` fixture to add it to the end-of-run summary."""

    def record(benchmark: Any) -> None:
        benchmark.extra_info.setdefault("mode", request.config.getoption("--bench-mode"))
        meta = getattr(benchmark, "stats", None)
        stats = getattr(meta, "stats", None)
        if stats is None:  # --benchmark-disable: the body ran once, untimed
            return
        request.config.stash[_RESULTS_KEY].append(
            {
                "name": benchmark.name,
                "group": benchmark.group,
                "extra_info": dict(benchmark.extra_info),
                "stats": {
                    "median": stats.median,
                    "min": stats.min,
                    "iqr": stats.iqr,
                    "rounds": stats.rounds,
                },
            }
        )

    return record


def _load_report() -> Any:
    return _load_module("_motorx_bench_report", os.path.join(HERE, "report.py"))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS_KEY, [])
    if not results or config.getoption("--bench-no-summary"):
        return
    report = _load_report()
    terminalreporter.section("motorx against PyMongo Async and Motor")
    summary = {
        "benchmarks": results,
        "datetime": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machine_info": {
            "system": platform.system(),
            "machine": platform.machine(),
            "release": platform.release(),
            "python_implementation": platform.python_implementation(),
            "python_version": platform.python_version(),
            "cpu": {"count": os.cpu_count()},
        },
    }
    for line in report.render(summary):
        terminalreporter.write_line(line)
