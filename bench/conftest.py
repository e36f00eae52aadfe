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

import contextlib
import datetime
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from typing import Any, Optional

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
SERVER_LAUNCHER = os.path.join(HERE, "secantusd-bench")

# Warnings issued from Motor's own modules ("motor.core", "motor.frameworks.asyncio",
# ...): the regex is anchored at the module name's start and needs the dot, so
# motorx's modules ("motorx.*") are not covered.
_MOTOR_DEPRECATIONS = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:motor\.")

_RESULTS_KEY = pytest.StashKey[list]()
_PROGRESS_KEY = pytest.StashKey["Progress"]()


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
    config.stash[_PROGRESS_KEY] = Progress(config)


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


def _embedded_server_module() -> Any:
    return _load_module("_motorx_bench_embedded_server", os.path.join(ROOT, "tests", "embedded_server.py"))


@contextlib.contextmanager
def bench_server() -> Iterator[str]:
    """A server for end-to-end benchmarks, in a process of its own; yields its URI.

    ``$MONGODB_URI`` if set (then every call yields that same server);
    otherwise a new embedded SecantusDB server on a free port, started as the
    test suite starts it (``tests/embedded_server.py``) but through
    ``bench/secantusd-bench``, which keeps full garbage collections from
    pausing its reads, and stopped by PID on exit.  No server is a failure,
    not a skip: a benchmark run that silently dropped its end-to-end half
    would publish a table with holes.
    """
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    embedded = _embedded_server_module()
    secantusd = embedded.find_secantusd()
    if secantusd is None:
        pytest.fail(
            "the end-to-end benchmarks need a server: set MOTORX_SECANTUSD to secantusd-py "
            "(scripts/bench installs it) or MONGODB_URI",
            pytrace=False,
        )
    os.environ["MOTORX_SECANTUSD"] = secantusd  # where the launcher finds its interpreter
    server = embedded.EmbeddedServer(SERVER_LAUNCHER)
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


def server_setting() -> str:
    """What server the end-to-end benchmarks use, as the report names it (in the JSON's machine_info)."""
    return "MONGODB_URI" if os.environ.get("MONGODB_URI") else "embedded, no full GC"


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    machine_info["bench_server"] = server_setting()


@pytest.fixture(scope="session")
def bench_uri() -> Iterator[str]:
    """The server most end-to-end benchmarks share (the sweep starts one per driver round)."""
    with bench_server() as uri:
        yield uri


@pytest.fixture(scope="session")
def fresh_bench_server() -> Any:
    """``bench_server``, for a benchmark that needs a new server of its own."""
    return bench_server


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


# -- progress ---------------------------------------------------------------------


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return "%d s" % seconds
    return "%d min %02d s" % divmod(seconds, 60)


class Progress:
    """Lines on stderr while the benchmarks run: which case, how far, what is left.

    A case reports each step (a round, or one driver's run) with ``step``;
    what is left of the case is estimated from its own steps so far, what is
    left of the run from how long the remaining cases took in the last run of
    the same mode (kept in ``.benchmarks/``, which git ignores).
    """

    MIN_INTERVAL = 1.0  # seconds between two lines of one case (no-I/O rounds take milliseconds)

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        mode = config.getoption("--bench-mode")
        self.path = os.path.join(ROOT, ".benchmarks", "motorx-durations-%s.json" % mode)
        try:
            with open(self.path, encoding="utf-8") as f:
                self.previous: dict[str, float] = json.load(f)
        except (OSError, ValueError):
            self.previous = {}
        self.durations: dict[str, float] = {}
        self.items: list[str] = []
        self.current: Optional[str] = None
        self.run_start = self.case_start = self.last_line = time.monotonic()

    def write(self, text: str) -> None:
        line = "[bench %s] %s\n" % (_duration(time.monotonic() - self.run_start), text)
        # Past pytest's output capture: the line must reach the terminal now.
        capture = self.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            sys.stderr.write(line)
            sys.stderr.flush()

    def _left_after_current(self) -> str:
        rest = self.items[self.items.index(self.current) + 1:] if self.current in self.items else []
        known = [self.previous[n] for n in rest if n in self.previous]
        cases = "%d case%s" % (len(rest), "" if len(rest) == 1 else "s")
        if not known:
            return "%s more, not timed before" % cases if rest else ""
        text = "the %s after it took %s last time" % (cases, _duration(sum(known)))
        if len(known) < len(rest):
            text += " (%d not timed before)" % (len(rest) - len(known))
        return text

    def start(self, nodeid: str) -> None:
        self.current, self.case_start = nodeid, time.monotonic()
        position = self.items.index(nodeid) + 1 if nodeid in self.items else 0
        last = self.previous.get(nodeid)
        self.write("case %d of %d: %s%s" % (
            position, len(self.items), nodeid.split("::")[-1],
            "" if last is None else " (%s last time)" % _duration(last)))

    def step(self, case: str, done: int, total: int, detail: str) -> None:
        """Step ``done`` of ``total`` of ``case`` finished; ``detail`` says which, and what it measured."""
        now = time.monotonic()
        if done < total and now - self.last_line < self.MIN_INTERVAL:
            return
        self.last_line = now
        left = (now - self.case_start) / max(done, 1) * (total - done)
        after = self._left_after_current()
        self.write("%s: %s; ~%s left in this case%s" % (
            case, detail, _duration(left), "; " + after if after else ""))

    def finish(self, nodeid: str, passed: bool) -> None:
        if passed:
            self.durations[nodeid] = time.monotonic() - self.case_start

    def save(self) -> None:
        if not self.durations:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump({**self.previous, **self.durations}, f, indent=1)


@pytest.fixture
def progress(pytestconfig: pytest.Config) -> Progress:
    """The run's progress reporter: call ``progress.step(case, done, total, detail)``."""
    return pytestconfig.stash[_PROGRESS_KEY]


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[_PROGRESS_KEY].items = [item.nodeid for item in session.items]


def pytest_runtest_protocol(item: pytest.Item) -> None:
    item.config.stash[_PROGRESS_KEY].start(item.nodeid)  # before its fixtures start a server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    report = yield
    if report.when == "call":
        item.config.stash[_PROGRESS_KEY].finish(item.nodeid, report.passed)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_PROGRESS_KEY].save()


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Optional[tuple[str, str, str]]:
    # The progress lines say what passed; a dot per case would only break them up.
    if report.when == "call" and report.passed:
        return "passed", "", "PASSED"
    return None
