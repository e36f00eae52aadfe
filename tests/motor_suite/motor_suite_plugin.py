"""pytest plugin that runs Motor 3.7.1's own test suite against motorx.

Loaded with ``-p motor_suite_plugin`` by ``tests/motor_suite/run.py`` (never
by the repository's own suite: this file is not a test module).  It

* aliases the module name ``motor`` to ``motorx``: ``import motor.core``
  gives the very module object ``motorx.core`` (a meta-path finder, so every
  ``motor.X`` that motorx has resolves to ``motorx.X``, and nothing else
  does).  Real Motor must not be installed: the plugin refuses to start if
  it is (``MOTOR_SUITE_TARGET=motor`` runs the suite on real Motor instead,
  for the baseline, and then aliases nothing);
* tells the suite's ``get_command_line`` helper that the server has test
  commands on when ``MOTOR_SUITE_TEST_COMMANDS=1`` (SecantusDB's
  ``getCmdLineOpts`` does not list ``enableTestCommands``, so the nine
  maxTimeMS cursor tests would skip themselves);
* exempts "unclosed transport" ResourceWarnings, the asyncio form of the
  "unclosed <socket.socket" that Motor's configuration already ignores;
* turns every test listed in ``expected_failures.txt`` into a strict xfail
  (one that passes fails the run), requires each listed skip to skip and
  every skip to be listed, and prints the counts at the end.  Any other
  outcome fails the run.
"""

from __future__ import annotations

import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

HERE = Path(__file__).resolve().parent
EXPECTED_FILE = Path(os.environ.get("MOTOR_SUITE_EXPECTED", HERE / "expected_failures.txt"))
TARGET = os.environ.get("MOTOR_SUITE_TARGET", "motorx")
# "embedded": the SecantusDB server; "uri": the server MONGODB_URI names.
SERVER = os.environ.get("MOTOR_SUITE_SERVER", "embedded")
KINDS = ("motorx", "server", "skip")


# --- motor -> motorx ------------------------------------------------------

class MotorAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``motor`` and ``motor.X`` are ``motorx`` and ``motorx.X`` (same objects)."""

    @staticmethod
    def target(fullname: str) -> Optional[str]:
        if fullname == "motor":
            return "motorx"
        if fullname.startswith("motor."):
            return "motorx" + fullname[len("motor"):]
        return None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        real = self.target(fullname)
        if real is None:
            return None
        if real not in sys.modules and importlib.util.find_spec(real) is None:
            return None  # ModuleNotFoundError: No module named 'motor.X'
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        # The motorx module itself; importlib keeps its own __name__/__spec__
        # (it only fills attributes that are missing) and stores it in
        # sys.modules under the motor name too.
        return importlib.import_module(self.target(spec.name))  # type: ignore[arg-type]

    def exec_module(self, module: Any) -> None:
        pass  # already executed as motorx.X


def install_alias() -> None:
    try:
        dist = importlib.metadata.distribution("motor")
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        raise pytest.UsageError(
            "real Motor %s is installed in %s: the motorx run must not be able to import it"
            % (dist.version, sys.prefix)
        )
    for name in [n for n in sys.modules if n == "motor" or n.startswith("motor.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, MotorAlias())
    import motor  # noqa: F401
    import motorx

    assert sys.modules["motor"] is motorx, "motor is not aliased to motorx"


# --- get_command_line: the server has test commands --------------------------

def patch_get_command_line() -> None:
    """Make the suite's ``get_command_line`` report enableTestCommands=1.

    The test modules bind the helper with ``from ... import get_command_line``
    at import time, so after collection every module global that is one of
    the suite's originals is replaced (the tests look it up when they run).
    """
    originals = {}
    for pkg in ("test.asyncio_tests", "test.tornado_tests"):
        mod = sys.modules.get(pkg)
        if mod is not None and hasattr(mod, "get_command_line"):
            originals[id(mod.get_command_line)] = mod.get_command_line

    def wrap(orig: Any) -> Any:
        async def get_command_line(client: Any) -> Any:
            reply = await orig(client)
            reply.setdefault("parsed", {}).setdefault("setParameter", {})["enableTestCommands"] = "1"
            return reply

        get_command_line.__wrapped__ = orig  # type: ignore[attr-defined]
        return get_command_line

    wrapped = {key: wrap(orig) for key, orig in originals.items()}
    for name, mod in list(sys.modules.items()):
        if not (name == "test" or name.startswith("test.")) or mod is None:
            continue
        fn = getattr(mod, "get_command_line", None)
        if fn is not None and id(fn) in wrapped:
            mod.get_command_line = wrapped[id(fn)]


# --- the expected outcomes ------------------------------------------------------

def load_expected(path: Path) -> Dict[str, Tuple[str, str]]:
    """``kind | test id | reason`` lines; ``#`` starts a comment."""
    expected: Dict[str, Tuple[str, str]] = {}
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3 or parts[0] not in KINDS or not parts[1] or not parts[2]:
            raise pytest.UsageError("%s:%d: expected 'kind | test id | reason' with kind in %s: %r"
                                    % (path, lineno, "/".join(KINDS), raw))
        if parts[1] in expected:
            raise pytest.UsageError("%s:%d: %s listed twice" % (path, lineno, parts[1]))
        expected[parts[1]] = (parts[0], parts[2])
    return expected


class Outcomes:
    def __init__(self, expected: Dict[str, Tuple[str, str]], enforce: bool) -> None:
        self.expected = expected
        self.enforce = enforce  # False on real Motor (the baseline run)
        self.outcome: Dict[str, str] = {}
        self.detail: Dict[str, str] = {}
        self.problems: List[str] = []

    def strict(self, kind: str) -> bool:
        # A SecantusDB limit or skip is only known on SecantusDB: on the
        # server MONGODB_URI names, such a test may pass.
        return kind == "motorx" or SERVER == "embedded"


_state: Optional[Outcomes] = None


def pytest_configure(config: pytest.Config) -> None:
    global _state
    if TARGET == "motorx":
        install_alias()
        # Motor's configuration ignores "unclosed <socket.socket" for the
        # clients its tests never close: Motor's synchronous sockets.  Such a
        # client's connections are asyncio transports on motorx, and warn
        # "unclosed transport" instead: the same leak, the same exemption.
        config.addinivalue_line("filterwarnings", "ignore:unclosed transport <_SelectorSocketTransport:ResourceWarning")
    elif TARGET != "motor":
        raise pytest.UsageError("MOTOR_SUITE_TARGET must be motorx or motor, not %r" % TARGET)
    expected = load_expected(EXPECTED_FILE) if TARGET == "motorx" else {}
    _state = Outcomes(expected, enforce=TARGET == "motorx")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: List[pytest.Item]) -> None:
    assert _state is not None
    if os.environ.get("MOTOR_SUITE_TEST_COMMANDS") == "1":
        patch_get_command_line()
    if os.environ.get("MOTOR_SUITE_FULL") == "1":  # the whole suite was asked for
        ids = {item.nodeid for item in items}
        for nodeid in _state.expected:
            if nodeid not in ids:
                _state.problems.append("listed in %s but not collected: %s" % (EXPECTED_FILE.name, nodeid))
    for item in items:
        entry = _state.expected.get(item.nodeid)
        if entry is not None and entry[0] in ("motorx", "server"):
            item.add_marker(pytest.mark.xfail(reason="[%s] %s" % entry, strict=_state.strict(entry[0])))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that fails to import: its tests cannot run (an error)."""
    assert _state is not None
    if report.failed:
        _state.outcome[report.nodeid] = "error"
        text = str(report.longrepr).strip()
        _state.detail[report.nodeid] = "collection: " + (text.splitlines()[-1][:300] if text else "")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    assert _state is not None
    nodeid = report.nodeid
    if report.when == "call" or (report.when == "setup" and not report.passed) or (report.when == "teardown" and report.failed):
        if report.skipped and hasattr(report, "wasxfail"):
            outcome = "xfailed"
        elif report.passed and hasattr(report, "wasxfail"):
            outcome = "xpassed"
        elif report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
            outcome = "xpassed"
        elif report.skipped:
            outcome = "skipped"
        elif report.failed and report.when == "teardown":
            outcome = "error"
        else:
            outcome = report.outcome
        previous = _state.outcome.get(nodeid)
        if previous in ("failed", "error", "xpassed"):
            return  # a teardown error does not hide the call's failure
        _state.outcome[nodeid] = outcome
        if outcome in ("failed", "error", "skipped", "xfailed"):
            longrepr = report.longrepr
            if isinstance(longrepr, tuple):
                text = longrepr[2]
            elif hasattr(longrepr, "reprcrash") and longrepr.reprcrash is not None:  # type: ignore[union-attr]
                text = longrepr.reprcrash.message  # type: ignore[union-attr]
            else:
                text = str(longrepr)
            _state.detail[nodeid] = text.strip().splitlines()[-1][:300] if text.strip() else ""


def _judge() -> Tuple[Dict[str, int], List[str]]:
    assert _state is not None
    counts = {k: 0 for k in ("passed", "failed", "error", "xfailed", "xpassed", "skipped")}
    problems = list(_state.problems)
    for nodeid, outcome in sorted(_state.outcome.items()):
        counts[outcome] = counts.get(outcome, 0) + 1
        if not _state.enforce:
            continue
        kind, reason = _state.expected.get(nodeid, (None, None))
        detail = _state.detail.get(nodeid, "")
        if outcome == "skipped":
            if kind is None:
                problems.append("skipped but not listed as 'skip': %s (%s)" % (nodeid, detail))
            elif kind != "skip":
                problems.append("skipped but listed as %r: %s (%s)" % (kind, nodeid, detail))
        elif kind == "skip" and SERVER == "embedded":
            problems.append("listed as 'skip' but %s: %s" % (outcome, nodeid))
        if outcome in ("failed", "error"):
            problems.append("%s: %s (%s)" % (outcome.upper(), nodeid, detail))
        elif outcome == "xpassed":
            problems.append("XPASS (listed as %r, remove it from %s): %s" % (kind, EXPECTED_FILE.name, nodeid))
    return counts, problems


def _is_leaked_transport(unraisable: Any) -> bool:
    exc = getattr(unraisable, "exc_value", None)
    return isinstance(exc, ResourceWarning) and str(exc).startswith("unclosed transport <_SelectorSocketTransport")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The transports of clients Motor's tests never close are collected at
    # the end, after pytest stopped applying the per-test exemption above:
    # the same exemption, from here to the end of the run.
    pytest_hook = sys.unraisablehook

    def drop_leaked_transports(unraisable: Any) -> None:
        if not _is_leaked_transport(unraisable):
            pytest_hook(unraisable)

    sys.unraisablehook = drop_leaked_transports
    gc.collect()
    assert _state is not None
    out = os.environ.get("MOTOR_SUITE_OUTCOMES")
    if out:
        Path(out).write_text(json.dumps(
            {k: {"outcome": v, "detail": _state.detail.get(k, "")} for k, v in sorted(_state.outcome.items())},
            indent=1,
        ))
    counts, problems = _judge()
    if problems and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    assert _state is not None
    counts, problems = _judge()
    tr = terminalreporter
    tr.section("Motor 3.7.1's suite on %s" % ("motorx" if TARGET == "motorx" else "real Motor"))
    if _state.enforce:
        by_kind = {k: 0 for k in KINDS}
        for nodeid, outcome in _state.outcome.items():
            kind = _state.expected.get(nodeid, (None,))[0]
            if kind is not None and (outcome == "xfailed" or (kind == "skip" and outcome == "skipped")):
                by_kind[kind] += 1
        tr.write_line("expected not to pass (%s): %d motorx differences, %d server limits (xfailed); %d expected skips"
                      % (EXPECTED_FILE.name, by_kind["motorx"], by_kind["server"], by_kind["skip"]))
    for problem in problems:
        tr.write_line("UNEXPECTED " + problem)
    tr.write_line("motor-suite: %d passed, %d failed, %d errors, %d xfailed, %d xpassed, %d skipped%s"
                  % (counts["passed"], counts["failed"], counts["error"], counts["xfailed"],
                     counts["xpassed"], counts["skipped"],
                     "" if not _state.enforce else (" -- OK" if not problems else " -- %d unexpected" % len(problems))))
