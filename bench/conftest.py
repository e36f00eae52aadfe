"""pytest configuration for motorx's session benchmarks (``bench/`` only).

Run from the repository root, naming the directory explicitly (pyproject's
``testpaths`` only lists ``tests``)::

    python -m pytest bench -p no:cacheprovider --benchmark-json=bench.json
    python bench/report.py bench.json

Every benchmark round runs ``--bench-ops`` operations (default 1000) inside one
``loop.run_until_complete`` call, so pytest-benchmark's own table is *per
round*; the per-operation view is printed at the end of the run and by
``bench/report.py``.

pyproject turns every warning into an error.  That stays in force here (an
unclosed client's ResourceWarning must still fail a benchmark); the only
exception is Motor's own DeprecationWarnings, for the Motor baseline only.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import pytest

try:
    import pytest_benchmark  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise pytest.UsageError(
        "motorx's benchmarks need pytest-benchmark: pip install 'motorx[bench]'"
    ) from exc

DEFAULT_OPS = 1000

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


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS_KEY] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(_MOTOR_DEPRECATIONS)


@pytest.fixture
def bench_ops(request: pytest.FixtureRequest) -> int:
    ops = request.config.getoption("--bench-ops")
    if ops < 1:
        raise pytest.UsageError("--bench-ops must be at least 1")
    return int(ops)


@pytest.fixture
def record_bench(request: pytest.FixtureRequest) -> Any:
    """Call with the finished ``benchmark`` fixture to add it to the end-of-run summary."""

    def record(benchmark: Any) -> None:
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
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.py")
    spec = importlib.util.spec_from_file_location("_motorx_bench_report", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS_KEY, [])
    if not results:
        return
    report = _load_report()
    terminalreporter.section("motorx session benchmarks: per operation")
    for line in report.render({"benchmarks": results}):
        terminalreporter.write_line(line)
