#!/usr/bin/env python
"""Report of motorx's benchmarks: motorx against PyMongo Async and Motor, as ratios.

Usage (from the repository root; ``scripts/bench`` runs all of it)::

    python -m pytest bench -p no:cacheprovider --benchmark-json=bench/results/run.json
    python bench/report.py bench/results/run.json --markdown out.md --chart out.png [--readme README.md]

It prints the comparison and, on request, writes it as Markdown, draws it as
PNG charts (matplotlib: the ratios, and the concurrency sweep against the
number of tasks), and replaces the README's benchmark section (between
``<!-- bench:start -->`` and ``<!-- bench:end -->``) with them.

What it shows:

* the project's benchmark targets (``Target``: a bound on a ratio, with the
  reason it is set), each with its measured ratio and verdict;
* no I/O, motorx's own layer like for like: session start + end, the empty
  transaction and ``with_transaction`` with a no-op callback, motorx without
  Motor's call model, against PyMongo Async; what the call model adds as
  rows of their own;
* no I/O as each driver's users write it, the ``_txcore`` decision step, and
  what the call model costs per call, awaited at once and as a kept Future
  (the call-model rows);
* end to end: client CPU per operation (median over rounds), throughput
  (median over rounds), p50 and p99 latency over all operations, with the
  number of operations they come from; the client-CPU target against PyMongo
  Async depends on the run's Python (``cpu_target``);
* end to end on a Python with eager tasks (3.12+): the call model's
  client-CPU rows again, from a second run of those cases under that Python
  (``--eager``; ``scripts/bench --full`` makes it), held to the eager target;
* on uvloop: motorx and PyMongo Async on uvloop, against PyMongo Async on
  asyncio's default loop;
* the concurrency sweep (1 to 5,000 tasks): every figure per number of tasks,
  peak RSS and errors by type; a driver that failed transactions is marked;
* contention: callback attempts, retries, p99 latency, wall time, final counter.

Ratios: where the implementations' rounds were interleaved (no-I/O times,
client CPU) a ratio is the median of the per-round ratios, each round's
implementations having run back to back, so drifting load from elsewhere
cancels; their interquartile range is given beside it.  Other ratios are of
the figures shown.  In quick mode a ratio that misses its target while the
target lies within that range reads "within noise".

This is a report, not a test: it exits 0 whether targets are met or not.  It
exits 2 only when the file cannot be read or holds none of these benchmarks.
(The benchmarks themselves fail the run on a lost write.)
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Optional

SUBJECT, BASELINE, LEGACY = "motorx", "pymongo", "motor"
COLUMNS = [(SUBJECT, "motorx"), (BASELINE, "PyMongo Async"), (LEGACY, "Motor 3.7")]
# motorx without the Future around end_session/commit_transaction: against
# PyMongo Async, the like-for-like measure of motorx's own layer (both start
# transactions the same way, PyMongo resolving what they inherit).
LAYER = "motorx-layer"
FUTURE = "motorx-future"  # the call-model benchmarks: the call kept, then awaited
UVLOOP_MOTORX, UVLOOP_PYMONGO = "motorx-uvloop", "pymongo-uvloop"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
MET, MISSED, WITHIN_NOISE = "met", "MISSED", "within noise"


# -- the project's benchmark targets ---------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A bound on motorx / other (or, with a unit, on motorx minus other), and why the project sets it."""

    limit: float
    reason: str
    higher_is_better: bool = False
    unit: str = ""  # set: the bound is on the difference motorx - other, in this unit

    @property
    def on_difference(self) -> bool:
        return bool(self.unit)

    def holds(self, measured: float) -> bool:
        return measured >= self.limit if self.higher_is_better else measured <= self.limit

    def text(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        return "%s %g %s" % (sign, self.limit, self.unit) if self.on_difference else "%s %.2f" % (sign, self.limit)


SESSION_LAYER = Target(
    1.10, "a motorx session is Motor's API over PyMongo's session: the wrapper may add a tenth at most")
TXN_LAYER = Target(
    1.15, "the session layer (the state machine, Motor's plain start_transaction applied at the "
    "next await, the gate every operation passes) may add 15 % to PyMongo's own transaction at most")
NO_IO_MOTOR = Target(
    0.10, "Motor hands every call to a thread pool; on native asyncio a call should cost a tenth of that")
DECISION_MOTOR = Target(
    0.10, "the compiled core is there to make with_transaction's retry decisions cheap")
CPU_EAGER = Target(
    1.05, "Motor's call model puts a started Future around every call; end to end that may cost "
    "5 % at most where Python has eager tasks (3.12+)")
CPU_SCHEDULED = Target(
    1.08, "Motor's call model puts a started Future around every call; end to end that may cost "
    "8 % at most where Python has no eager tasks (before 3.12) and the Future is scheduled")
CPU_MOTOR = Target(
    0.50, "what dropping Motor's thread hop per call was expected to save (out of reach: PyMongo "
    "Async itself does not use half Motor's client CPU)")
UVLOOP = Target(
    0.85, "most of a transaction's client CPU is PyMongo's command path and asyncio: a worker that "
    "turns uvloop on should spend 15 % less than one on PyMongo Async and the default loop")
SWEEP_FLAT = Target(
    1.05, "motorx is for high-throughput workers: its cost per transaction must not grow faster "
    "than PyMongo Async's with concurrency")
SWEEP_FLAT_TASKS = 5000
SESSION_MEMORY = Target(
    100, "a worker holds thousands of open sessions: motorx's wrapper and core may add 100 bytes "
    "to PyMongo's session at most", unit="B")
CONTENTION_RETRIES = Target(
    1 / 3, "with the specification's backoff between retries, contended transactions retry a third "
    "as often as Motor's, which retries at once")


# -- rows -----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the comparison: a figure for each column (motorx, PyMongo Async, Motor)."""

    section: str
    title: str
    unit: str
    values: dict[str, Any]  # a float, or text (the sweep's errors)
    higher_is_better: bool = False
    targets: dict[str, Target] = field(default_factory=dict)  # by the column motorx is held against
    chart: bool = False
    fmt: str = ""  # a %-format; empty: three significant digits, no exponent
    # Per-round figures of each column, in round order, when the rounds were
    # interleaved: round i of each ran back to back.
    rounds: Optional[dict[str, list[float]]] = None
    failing: frozenset[str] = frozenset()  # columns whose driver failed operations here

    def paired(self, other: str) -> Optional[list[float]]:
        """motorx/other of each round, sorted: rounds next to each other in time.

        Load from elsewhere on a shared machine drifts over a run; a ratio
        taken within each round cancels that drift where a ratio of two
        medians over the whole run does not.
        """
        if not self.rounds:
            return None
        mine, theirs = self.rounds.get(SUBJECT), self.rounds.get(other)
        if not mine or not theirs or len(mine) != len(theirs) or len(mine) < 3:
            return None
        if any(b <= 0 for b in theirs):
            return None
        return sorted(a / b for a, b in zip(mine, theirs))

    def ratio(self, other: str) -> Optional[float]:
        """The median of the per-round ratios when there are rounds, else of the figures."""
        paired = self.paired(other)
        if paired is not None:
            return _quantile(paired, 0.5)
        a, b = _as_number(self.values.get(SUBJECT)), _as_number(self.values.get(other))
        if a is None or not b:
            return None
        return a / b

    def difference(self, other: str) -> Optional[float]:
        """motorx's figure minus the other's."""
        a, b = _as_number(self.values.get(SUBJECT)), _as_number(self.values.get(other))
        return None if a is None or b is None else a - b

    def measured(self, other: str) -> Optional[float]:
        """What the target against ``other`` is held to: the ratio, or the difference."""
        target = self.targets.get(other)
        return self.difference(other) if target is not None and target.on_difference else self.ratio(other)

    def ratio_iqr(self, other: str) -> Optional[tuple[float, float]]:
        """The interquartile range of the per-round ratios: how much a round swings."""
        paired = self.paired(other)
        if paired is None:
            return None
        return _quantile(paired, 0.25), _quantile(paired, 0.75)

    def verdict(self, other: str, quick: bool = False) -> Optional[str]:
        """MET, MISSED, or (quick mode) WITHIN_NOISE when the target lies inside the round spread."""
        target, measured = self.targets.get(other), self.measured(other)
        if target is None or measured is None:
            return None
        if target.holds(measured):
            return MET
        spread = None if target.on_difference else self.ratio_iqr(other)
        if quick and spread is not None and target.holds(spread[1] if target.higher_is_better else spread[0]):
            return WITHIN_NOISE
        return MISSED

    def label(self) -> str:
        return self.title + (" (%s)" % self.unit if self.unit else "")


def _as_number(value: Any) -> Optional[float]:
    """The figure as a float; None for a missing figure, NaN, or text."""
    if isinstance(value, (int, float)) and not math.isnan(value):
        return float(value)
    return None


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Quantile of a sorted list, linear between closest ranks."""
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _median(values: Sequence[float]) -> Optional[float]:
    return _quantile(sorted(values), 0.5) if values else None


# -- reading pytest-benchmark JSON ------------------------------------------------------


def _benchmarks(data: Mapping[str, Any], kind: Optional[str]) -> Iterable[dict[str, Any]]:
    """The ``extra_info`` of each benchmark of ``kind`` (None: the no-I/O ones, which have none)."""
    for bench in data.get("benchmarks", []):
        extra = bench.get("extra_info") or {}
        if extra.get("kind") == kind and isinstance(extra.get("impls"), dict):
            yield extra


def collect(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{path: {impl: per-op figures}}`` of the no-I/O benchmarks."""
    return {extra["path"]: extra["impls"] for extra in _benchmarks(data, None) if extra.get("path")}


def collect_e2e(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{case: {lane: figures}}`` of the end-to-end benchmarks."""
    return {extra["case"]: extra["impls"] for extra in _benchmarks(data, "e2e") if extra.get("case")}


def collect_sweep(data: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """``{tasks: extra_info}`` of the concurrency sweep."""
    return {int(extra["tasks"]): extra for extra in _benchmarks(data, "sweep")}


def _extra_of(data: Mapping[str, Any], case: str) -> dict[str, Any]:
    for extra in _benchmarks(data, "e2e"):
        if extra.get("case") == case:
            return extra
    return {}


def _rounds(impls: Mapping[str, Mapping[str, Any]], key: str) -> Optional[dict[str, list[float]]]:
    found = {k: [float(x) for x in v[key]] for k, v in impls.items() if isinstance(v.get(key), list)}
    return found or None


def _columns(
    impls: Mapping[str, Mapping[str, Any]], key: str, lanes: Mapping[str, str]
) -> tuple[dict[str, Any], Optional[dict[str, list[float]]]]:
    """Figures and per-round figures of ``key``, the lane ``lanes[column]`` in each column."""
    picked = {column: impls[lane] for column, lane in lanes.items() if lane in impls}
    return {c: v.get(key) for c, v in picked.items()}, _rounds(picked, "round_" + key)


def python_version(data: Mapping[str, Any]) -> Optional[tuple[int, int]]:
    """(major, minor) of the Python the run used, as pytest-benchmark recorded it."""
    raw = (data.get("machine_info") or {}).get("python_version")
    match = re.match(r"(\d+)\.(\d+)", str(raw or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def has_eager_tasks(data: Mapping[str, Any]) -> Optional[bool]:
    version = python_version(data)
    return None if version is None else version >= (3, 12)


def cpu_target(data: Mapping[str, Any]) -> Target:
    """The end-to-end client-CPU target against PyMongo Async for this run's Python.

    An unknown Python gets the stricter (eager) target.
    """
    return CPU_SCHEDULED if has_eager_tasks(data) is False else CPU_EAGER


def cpu_target_note(data: Mapping[str, Any]) -> str:
    """One line: which client-CPU target applies to this run, and why."""
    version = (data.get("machine_info") or {}).get("python_version") or "unknown"
    which = {True: "eager tasks", False: "no eager tasks", None: "unknown Python"}[has_eager_tasks(data)]
    return (
        "Client CPU against PyMongo Async (transactions and find_one): target %s here "
        "(Python %s, %s); %s where Python has eager tasks (3.12+), %s before."
        % (cpu_target(data).text(), version, which, CPU_EAGER.text(), CPU_SCHEDULED.text())
    )


def mode_of(data: Mapping[str, Any]) -> str:
    for bench in data.get("benchmarks", []):
        mode = (bench.get("extra_info") or {}).get("mode")
        if mode:
            return str(mode)
    return "unknown"


def is_quick(data: Mapping[str, Any]) -> bool:
    return mode_of(data) == "quick"


# -- the figures, section by section ---------------------------------------------------

NO_IO_LAYER = "No I/O: motorx's own layer, like for like (µs per operation, median)"
NO_IO_LAYER_NOTE = (
    "motorx here calls end_session and commit_transaction as the methods Motor's call model "
    "wraps, leaving the call model out (what it adds as users write the calls is the row after "
    "each path); both start transactions the same way (PyMongo resolves what they inherit). "
    "with_transaction is a coroutine function, as in Motor, and commits without a Future."
)
NO_IO_WRITTEN = "No I/O: as each driver's users write it (µs per operation, median)"
NO_IO_WRITTEN_NOTE = (
    "motorx with Motor's call model (end_session and commit_transaction awaited at once, as users "
    "write them: no Future is built), "
    "PyMongo Async with its own defaults, Motor with its thread pool."
)
E2E_SECTION = (
    "End to end (txn = start session, with_transaction(insert + update), end session)"
)
UVLOOP_SECTION = "On uvloop (txn, 16 tasks)"
UVLOOP_NOTE = (
    "The 16-task transaction case with motorx and PyMongo Async on uvloop and PyMongo Async on "
    "asyncio's default loop, interleaved; the target holds motorx on uvloop against PyMongo Async "
    "as it runs by default."
)
SWEEP_SECTION = "Concurrency sweep (txn = start session, with_transaction(insert + update), end session)"
SWEEP_NOTE = (
    "N tasks on one client, each running its transactions one after another; every driver's "
    "round on a fresh server and in a process of its own (so peak RSS is its own), the drivers' "
    "rounds interleaved. * marks a driver that failed transactions at that N (the errors rows "
    "say with what); its other figures are of what it attempted."
)

# (path, title, like-for-like columns or None, target against PyMongo Async)
NO_IO_PATHS = [
    ("session-start-end", "session start + end", {SUBJECT: LAYER, BASELINE: BASELINE}, SESSION_LAYER),
    ("empty-transaction", "empty transaction (start + commit)",
     {SUBJECT: LAYER, BASELINE: BASELINE}, TXN_LAYER),
    ("with-transaction-noop", "with_transaction(no-op)",
     {SUBJECT: SUBJECT, BASELINE: BASELINE}, TXN_LAYER),
]
CALL_MODEL = {
    "call-model": "call model, no-op: awaited at once / coroutine / executor Future",
    "call-model-suspending": "call model, awaiting once: awaited at once / coroutine",
}
# End-to-end cases: (case, title, unit of one operation, CPU target against PyMongo Async?, against Motor?)
E2E = [
    ("txn-c1", "txn, 1 task", "txn", True, True),
    ("txn-c16", "txn, 16 tasks", "txn", True, True),
    ("txn-c128", "txn, 128 tasks", "txn", True, True),
    ("tornado-txn-c16", "tornado txn, 16 tasks", "txn", True, True),
    ("find-one", "find_one, 1 task", "op", True, False),
    ("find-one-c16", "find_one, 16 tasks", "op", True, False),
    ("find-one-c128", "find_one, 128 tasks", "op", True, False),
    ("cursor-1000", "cursor read, 1,000 docs", "read", False, False),
]
MAIN_COLUMNS = {SUBJECT: SUBJECT, BASELINE: BASELINE, LEGACY: LEGACY}


def _per_op_us(impls: Mapping[str, Mapping[str, Any]], lanes: Mapping[str, str]) -> tuple[dict[str, Any], Any]:
    picked = {column: impls[lane] for column, lane in lanes.items() if lane in impls}
    return {c: v["median"] * 1e6 for c, v in picked.items()}, _rounds(picked, "round_us")


def _difference_us(impls: Mapping[str, Mapping[str, Any]], a: str, b: str) -> Optional[float]:
    """``a`` minus ``b``, µs per operation: the median of per-round differences."""
    mine, theirs = impls.get(a, {}), impls.get(b, {})
    ra, rb = mine.get("round_us"), theirs.get("round_us")
    if isinstance(ra, list) and isinstance(rb, list) and ra and len(ra) == len(rb):
        return _median([float(x) - float(y) for x, y in zip(ra, rb)])
    if "median" in mine and "median" in theirs:
        return (float(mine["median"]) - float(theirs["median"])) * 1e6
    return None


def _python_label(data: Mapping[str, Any]) -> str:
    version = python_version(data)
    eager = {True: "eager tasks", False: "no eager tasks", None: "?"}[has_eager_tasks(data)]
    return "%s (%s)" % ("Python %d.%d" % version if version else "Python ?", eager)


def no_io_rows(data: Mapping[str, Any]) -> list[Row]:
    no_io = collect(data)
    layer: list[Row] = []
    written: list[Row] = []
    for path, title, like, target in NO_IO_PATHS:
        impls = no_io.get(path, {})
        if not impls:
            continue
        if all(lane in impls for lane in like.values()):
            values, rounds = _per_op_us(impls, like)
            layer.append(Row(NO_IO_LAYER, title, "", values, targets={BASELINE: target},
                             rounds=rounds, chart=True))
        if like[SUBJECT] == LAYER and LAYER in impls:
            layer.append(Row(NO_IO_LAYER, "%s: Motor's call model, motorx as written minus its layer"
                             % title, "", {SUBJECT: _difference_us(impls, SUBJECT, LAYER)}))
        values, rounds = _per_op_us(impls, MAIN_COLUMNS)
        written.append(Row(NO_IO_WRITTEN, title, "", values, targets={LEGACY: NO_IO_MOTOR}, rounds=rounds))
    decision = no_io.get("txcore-decision", {})
    if decision:
        values, rounds = _per_op_us(decision, MAIN_COLUMNS)
        written.append(Row(NO_IO_WRITTEN, "_txcore decision step", "", values,
                           targets={LEGACY: DECISION_MOTOR}, rounds=rounds))
    for path, title in CALL_MODEL.items():
        impls = no_io.get(path, {})
        if impls:
            values, rounds = _per_op_us(impls, MAIN_COLUMNS)
            written.append(Row(NO_IO_WRITTEN, title, "", values, rounds=rounds))
            kind, python = title.split(":")[0], _python_label(data)
            written.append(Row(NO_IO_WRITTEN, "%s: awaited at once, cost per call, %s" % (kind, python),
                               "", {SUBJECT: _difference_us(impls, SUBJECT, BASELINE)}))
            if FUTURE in impls:
                written.append(Row(NO_IO_WRITTEN, "%s: kept, then awaited (a Future), cost per call, %s"
                                   % (kind, python), "", {SUBJECT: _difference_us(impls, FUTURE, BASELINE)}))
    return layer + written


def _latency_rows(section: str, title: str, impls: Mapping[str, Mapping[str, Any]],
                  lanes: Mapping[str, str], failing: frozenset[str] = frozenset()) -> list[Row]:
    """p50 and p99 rows; with too few samples for a p99 to be other than the slowest, it says so."""
    p50, _ = _columns(impls, "p50_ms", lanes)
    p99, _ = _columns(impls, "p99_ms", lanes)
    counts = [int(v["samples"]) for v in impls.values() if isinstance(v.get("samples"), int)]
    samples = min(counts) if counts else None
    if samples is None:
        p99_title, p99_unit = "%s: p99 latency" % title, "ms"
    elif samples > 100:  # nearest rank: with 100 samples or fewer the p99 is the slowest one
        p99_title, p99_unit = "%s: p99 latency" % title, "ms, %s samples" % "{:,}".format(samples)
    else:
        p99_title, p99_unit = "%s: slowest latency" % title, "ms, of %d: too few for a p99" % samples
    return [Row(section, "%s: p50 latency" % title, "ms", p50, failing=failing),
            Row(section, p99_title, p99_unit, p99, failing=failing)]


def e2e_rows(data: Mapping[str, Any]) -> list[Row]:
    out: list[Row] = []
    e2e = collect_e2e(data)
    for case, title, unit, pymongo_target, motor_target in E2E:
        impls = e2e.get(case, {})
        if not impls:
            continue
        cpu, cpu_rounds = _columns(impls, "cpu_us", MAIN_COLUMNS)
        targets = {}
        if pymongo_target:
            targets[BASELINE] = cpu_target(data)
        if motor_target:
            targets[LEGACY] = CPU_MOTOR
        out.append(Row(E2E_SECTION, "%s: client CPU" % title, "µs/%s" % unit, cpu, targets=targets,
                       chart=True, fmt="%.0f", rounds=cpu_rounds))
        throughput, _ = _columns(impls, "throughput", MAIN_COLUMNS)
        out.append(Row(E2E_SECTION, "%s: throughput" % title, "%s/s" % unit, throughput,
                       higher_is_better=True, fmt="%.0f"))
        out.extend(_latency_rows(E2E_SECTION, title, impls, MAIN_COLUMNS))
    return out


# The key under which main() records the run on a Python with eager tasks in the main run's JSON.
EAGER_RUN = "eager_run"


def eager_section(eager: Mapping[str, Any]) -> str:
    return "End to end on %s: client CPU, the call model's cases" % _python_label(eager)


def eager_rows(data: Mapping[str, Any]) -> list[Row]:
    """The client-CPU rows held against PyMongo Async, from the run on a Python with eager tasks."""
    eager = data.get(EAGER_RUN)
    if not eager:
        return []
    section = eager_section(eager)
    return [replace(row, section=section, targets={BASELINE: row.targets[BASELINE]})
            for row in e2e_rows(eager) if BASELINE in row.targets]


def uvloop_rows(data: Mapping[str, Any]) -> list[Row]:
    impls = collect_e2e(data).get("uvloop-txn-c16", {})
    if not impls:
        return []

    def cpu_row(title: str, lanes: dict[str, str], targets: dict[str, Target]) -> Row:
        picked = {column: impls[lane] for column, lane in lanes.items() if lane in impls}
        return Row(UVLOOP_SECTION, title, "µs/txn", {c: v.get("cpu_us") for c, v in picked.items()},
                   targets=targets, fmt="%.0f", chart=bool(targets), rounds=_rounds(picked, "round_cpu_us"))

    both = {SUBJECT: UVLOOP_MOTORX, BASELINE: UVLOOP_PYMONGO}
    throughput, _ = _columns(impls, "throughput", both)
    return [
        cpu_row("client CPU, motorx on uvloop / PyMongo Async on the default loop",
                {SUBJECT: UVLOOP_MOTORX, BASELINE: BASELINE}, {BASELINE: UVLOOP}),
        cpu_row("client CPU, both on uvloop", both, {}),
        cpu_row("client CPU, PyMongo Async: uvloop / default loop",
                {SUBJECT: UVLOOP_PYMONGO, BASELINE: BASELINE}, {}),
        Row(UVLOOP_SECTION, "throughput, both on uvloop", "txn/s", throughput, higher_is_better=True, fmt="%.0f"),
    ]


def _errors_text(figures: Mapping[str, Any]) -> str:
    errors = figures.get("errors") or {}
    failed = int(figures.get("failed") or 0)
    if not failed and not errors:
        return "none"
    kinds = ", ".join("%s %d" % (kind, count) for kind, count in sorted(errors.items(), key=lambda kv: -kv[1]))
    return "%d of %d failed: %s" % (failed, int(figures.get("transactions") or 0), kinds)


SWEEP_FIGURES = [
    # (key, title, unit, format, higher is better)
    ("cpu_us", "client CPU", "µs/txn", "%.0f", False),
    ("throughput", "throughput", "txn/s", "%.0f", True),
    ("p50_ms", "p50 latency", "ms", "", False),
    ("p99_ms", "p99 latency", "ms", "", False),
    ("rss_peak_mb", "peak RSS", "MB", "%.0f", False),
    ("rss_growth_mb", "RSS growth over the round", "MB", "%.1f", False),
]


def _tasks(n: int) -> str:
    return "%s task%s" % ("{:,}".format(n), "" if n == 1 else "s")


def sweep_rows(data: Mapping[str, Any]) -> list[Row]:
    sweep = collect_sweep(data)
    out: list[Row] = []
    for key, title, unit, fmt, higher in SWEEP_FIGURES:
        for n, extra in sorted(sweep.items()):
            impls = extra["impls"]
            failing = frozenset(c for c in MAIN_COLUMNS if (impls.get(c) or {}).get("failed"))
            values, rounds = _columns(impls, key, MAIN_COLUMNS)
            targets = {BASELINE: SWEEP_FLAT} if key == "cpu_us" and n == SWEEP_FLAT_TASKS else {}
            out.append(Row(SWEEP_SECTION, "%s: %s" % (title, _tasks(n)), unit, values, higher_is_better=higher,
                           targets=targets, fmt=fmt, rounds=rounds, failing=failing))
    for n, extra in sorted(sweep.items()):
        impls = extra["impls"]
        out.append(Row(SWEEP_SECTION, "errors: %s" % _tasks(n), "",
                       {c: _errors_text(impls[c]) for c in MAIN_COLUMNS if c in impls}))
    return out


def contention_rows(data: Mapping[str, Any]) -> list[Row]:
    contention = collect_e2e(data).get("contention", {})
    if not contention:
        return []
    extra = _extra_of(data, "contention")
    tasks, increments = int(extra.get("tasks") or 100), int(extra.get("increments") or 10)
    expected = tasks * increments
    section = "Contention: %d tasks x %d with_transaction increments of one document" % (tasks, increments)

    def get(key: str) -> dict[str, Any]:
        return {k: v.get(key) for k, v in contention.items() if k in MAIN_COLUMNS}

    return [
        Row(section, "callback attempts per run", "", get("attempts"), fmt="%.0f"),
        Row(section, "retries per run", "", get("retries"), targets={LEGACY: CONTENTION_RETRIES},
            chart=True, fmt="%.0f"),
        Row(section, "p99 latency", "ms, %s samples" % "{:,}".format(expected), get("p99_ms"), fmt="%.0f"),
        Row(section, "wall time", "s", get("wall_s"), chart=True, fmt="%.2f"),
        Row(section, "final counter (must be %d)" % expected, "", get("final_counter"), fmt="%.0f"),
    ]


MEMORY_SECTION = "Memory: an open session, idle"
MEMORY_NOTE = (
    "Bytes allocated per open session (started, no operation run yet), as each driver's users "
    "start one, with tracemalloc over %s sessions kept alive: motorx's session object, its "
    "compiled core and the PyMongo session it wraps, against PyMongo's session alone."
)


def memory_rows(data: Mapping[str, Any]) -> list[Row]:
    for extra in _benchmarks(data, "memory"):
        if extra.get("case") == "open-session":
            values = {c: v.get("bytes") for c, v in extra["impls"].items() if c in MAIN_COLUMNS}
            return [Row(MEMORY_SECTION, "memory per open session", "B", values,
                        targets={BASELINE: SESSION_MEMORY}, fmt="%.0f")]
    return []


def rows(data: Mapping[str, Any]) -> list[Row]:
    """Every figure of the run, in report order."""
    return (no_io_rows(data) + e2e_rows(data) + eager_rows(data) + uvloop_rows(data)
            + sweep_rows(data) + memory_rows(data) + contention_rows(data))


SECTION_NOTES = {
    NO_IO_LAYER: [NO_IO_LAYER_NOTE],
    NO_IO_WRITTEN: [NO_IO_WRITTEN_NOTE],
    UVLOOP_SECTION: [UVLOOP_NOTE],
    SWEEP_SECTION: [SWEEP_NOTE],
}


EAGER_NOTE = (
    "The transaction and find_one cases of the section above, run again right after it under "
    "this Python (%s), their rounds interleaved as there."
)


def section_notes(data: Mapping[str, Any], section: str) -> list[str]:
    if section == E2E_SECTION:
        return [cpu_target_note(data)]
    eager = data.get(EAGER_RUN)
    if eager and section == eager_section(eager):
        return [EAGER_NOTE % versions_line(eager), cpu_target_note(eager)]
    if section == MEMORY_SECTION:
        sessions = next((e.get("sessions") for e in _benchmarks(data, "memory")), None)
        return [MEMORY_NOTE % ("{:,}".format(sessions) if sessions else "many")]
    return SECTION_NOTES.get(section, [])


@dataclass
class Verdict:
    row: Row
    other: str
    target: Target
    verdict: str


def verdicts(data: Mapping[str, Any], all_rows: Optional[list[Row]] = None) -> list[Verdict]:
    """Every target of the run with its verdict, in report order."""
    quick = is_quick(data)
    out = []
    for row in rows(data) if all_rows is None else all_rows:
        for other, target in row.targets.items():
            verdict = row.verdict(other, quick)
            if verdict is not None:
                out.append(Verdict(row, other, target, verdict))
    return out


def noise_note(data: Mapping[str, Any], all_rows: list[Row]) -> Optional[str]:
    """For a quick run: how far its per-round ratios swing, and what that does to verdicts."""
    if not is_quick(data):
        return None
    swings = []
    for row in all_rows:
        if BASELINE not in row.targets:
            continue
        spread, ratio = row.ratio_iqr(BASELINE), row.ratio(BASELINE)
        if spread is not None and ratio:
            swings.append(((spread[1] - spread[0]) / 2 / ratio, row))
    if not swings:
        return None
    swings.sort(key=lambda s: s[0])
    typical = _quantile([s for s, _ in swings], 0.5)
    widest, widest_row = swings[-1]
    return (
        "This is a quick run (few rounds): one round's ratio against PyMongo Async swings by "
        "±%.0f %% (half the interquartile range, median over the rows with a target; up to ±%.0f %%, %s). A target "
        "missed by a ratio whose interquartile range still reaches it reads \"%s\"; `scripts/bench "
        "--full` runs enough rounds to decide." % (typical * 100, widest * 100, widest_row.title, WITHIN_NOISE)
    )


# -- machine and versions --------------------------------------------------------------


def machine_line(data: Mapping[str, Any]) -> str:
    machine = data.get("machine_info") or {}
    cpu = (machine.get("cpu") or {}).get("brand_raw") or machine.get("processor") or "unknown CPU"
    count = (machine.get("cpu") or {}).get("count")
    return "%s%s, %s %s %s, %s %s" % (
        cpu,
        " (%s cores)" % count if count else "",
        machine.get("system", ""),
        machine.get("machine", ""),
        machine.get("release", ""),
        machine.get("python_implementation", "Python"),
        machine.get("python_version", "?"),
    )


def run_date(data: Mapping[str, Any]) -> str:
    raw = data.get("datetime")
    if not raw:
        return "unknown date"
    try:
        return datetime.datetime.fromisoformat(raw).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(raw)


def versions_line(data: Mapping[str, Any]) -> str:
    titles = {SUBJECT: "motorx", BASELINE: "PyMongo Async", LEGACY: "Motor"}
    for bench in data.get("benchmarks", []):
        versions = (bench.get("extra_info") or {}).get("versions")
        if versions:
            return ", ".join("%s %s" % (titles.get(k, k), v) for k, v in sorted(versions.items()))
    return ""


# -- tables, for Markdown and for a terminal -------------------------------------------------


@dataclass
class Table:
    header: list[str]
    cells: list[list[str]]
    right: frozenset[int] = frozenset()  # right-aligned columns

    def markdown(self) -> list[str]:
        def line(cells: Sequence[str]) -> str:
            return "| %s |" % " | ".join(c.replace("|", "\\|") for c in cells)

        rule = ["---:" if i in self.right else "---" for i in range(len(self.header))]
        return [line(self.header), line(rule)] + [line(r) for r in self.cells]

    def text(self, indent: str = "  ") -> list[str]:
        widths = [max(len(r[i]) for r in [self.header, *self.cells]) for i in range(len(self.header))]

        def line(cells: Sequence[str]) -> str:
            return indent + "  ".join(
                c.rjust(w) if i in self.right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
            ).rstrip()

        return [line(self.header)] + [line(r) for r in self.cells]


def _fmt(row: Row, column: str) -> str:
    value = row.values.get(column)
    if isinstance(value, str):
        return value
    number = _as_number(value)
    if number is None:
        return "n/a"
    text = row.fmt % number if row.fmt else _significant(number)
    return text + (" *" if column in row.failing else "")


def _significant(value: float) -> str:
    """Three significant digits, never an exponent (1.23, 12.3, 123, 12345)."""
    return "%.0f" % value if abs(value) >= 100 else "%.3g" % value


def _fmt_ratio(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    # Three decimals: a ratio printed as 1.10 must not hide a 1.104 that misses a 1.10 target.
    return "%.3f" % value if value >= 0.1 else "%.3g" % value


def ratio_text(row: Row, other: str) -> str:
    """The ratio, with the interquartile range of the per-round ratios when there is one."""
    ratio = row.ratio(other)
    if ratio is None:
        return ""
    spread = row.ratio_iqr(other)
    return _fmt_ratio(ratio) + ("" if spread is None else " (%s-%s)" % tuple(map(_fmt_ratio, spread)))


def figures_table(section_rows: list[Row]) -> Table:
    return Table(
        ["figure", "motorx", "PyMongo Async", "Motor 3.7", "motorx / PyMongo Async", "motorx / Motor"],
        [[row.label(), _fmt(row, SUBJECT), _fmt(row, BASELINE), _fmt(row, LEGACY),
          ratio_text(row, BASELINE), ratio_text(row, LEGACY)] for row in section_rows],
        right=frozenset({1, 2, 3}),
    )


SECTION_SHORT = {
    NO_IO_LAYER: "no I/O, own layer",
    NO_IO_WRITTEN: "no I/O, as written",
    E2E_SECTION: "end to end",
    UVLOOP_SECTION: "uvloop, txn, 16 tasks",
    SWEEP_SECTION: "sweep",
    MEMORY_SECTION: "memory",
}


def target_name(v: Verdict) -> str:
    against = dict(COLUMNS)[v.other]
    heading = v.row.section.split(":")[0]
    short = SECTION_SHORT.get(v.row.section, heading[:1].lower() + heading[1:])
    return "%s, %s: motorx %s %s %s" % (
        short, v.row.title, "-" if v.target.on_difference else "/", against, v.target.text())


def measured_text(v: Verdict) -> str:
    if v.target.on_difference:
        difference = v.row.difference(v.other)
        return "" if difference is None else "%+.0f %s" % (difference, v.target.unit)
    return ratio_text(v.row, v.other)


def targets_table(found: list[Verdict]) -> Table:
    return Table(["target", "measured", "verdict", "why"],
                 [[target_name(v), measured_text(v), v.verdict, v.target.reason] for v in found])


def tally(found: list[Verdict]) -> str:
    counts = {word: sum(v.verdict == word for v in found) for word in (MET, WITHIN_NOISE, MISSED)}
    return "%d targets: %d met, %d within noise, %d missed; reported, never asserted" % (
        len(found), counts[MET], counts[WITHIN_NOISE], counts[MISSED])


def _sections(all_rows: list[Row]) -> list[tuple[str, list[Row]]]:
    out: list[tuple[str, list[Row]]] = []
    for row in all_rows:
        if not out or out[-1][0] != row.section:
            out.append((row.section, []))
        out[-1][1].append(row)
    return out


# The end-to-end server, as bench/conftest.py records it in machine_info["bench_server"].
SERVERS = {
    "embedded, no full GC": (
        "the embedded SecantusDB (a MongoDB-wire server written in Python) in its own process, "
        "run without full garbage collections (`bench/server_gc.py`, a benchmark setting) so "
        "none lands in one driver's reads"
    ),
    "MONGODB_URI": "the server at `$MONGODB_URI`",
}
EMBEDDED_BEFORE_THE_SETTING = (
    "the embedded SecantusDB (a MongoDB-wire server written in Python) in its own process, "
    "with Python's default garbage collection"
)


def how(data: Mapping[str, Any]) -> str:
    server = SERVERS.get(str((data.get("machine_info") or {}).get("bench_server")), EMBEDDED_BEFORE_THE_SETTING)
    return (
        "the three drivers run in the same process and the same run, their rounds interleaved: "
        "each round runs in slices the drivers take turns at, in rotating order, so load from "
        "elsewhere lands on all alike. The server is %s; client CPU "
        "(`resource.getrusage` of the benchmark process, all threads: Motor's executor threads "
        "count) excludes it, and absolute latencies and throughput are bounded by it: the ratios "
        "are the point." % server
    )
RATIOS = (
    "Ratios are motorx / other: below 1 motorx is faster, uses less client CPU or retries less "
    "(throughput: above 1 is faster). Where rounds were interleaved (no-I/O times, client CPU) "
    "the ratio is the median of the per-round ratios, and the brackets give their interquartile "
    "range: how far one round swings on this machine. Elsewhere it is the ratio of the figures shown."
)


def render(data: Mapping[str, Any]) -> list[str]:
    """The report as plain text lines, for a terminal."""
    all_rows = rows(data)
    found = verdicts(data, all_rows)
    lines = [
        "motorx against PyMongo Async and Motor 3.7: %s mode, %s" % (mode_of(data), run_date(data)),
        "machine: " + machine_line(data),
    ]
    versions = versions_line(data)
    if versions:
        lines.append("versions: " + versions)
    lines += ["", RATIOS]
    noise = noise_note(data, all_rows)
    if noise:
        lines += ["", noise]
    if found:
        lines += ["", "The project's benchmark targets"]
        width = max(len(v.verdict) for v in found)
        for v in found:
            lines.append("  %s  %s: %s" % (v.verdict.ljust(width), target_name(v), measured_text(v)))
            lines.append("  %s  why: %s" % (" " * width, v.target.reason))
        lines.append("  " + tally(found) + ".")
    for section, section_rows in _sections(all_rows):
        lines += ["", section]
        lines += ["  " + note for note in section_notes(data, section)]
        lines += figures_table(section_rows).text()
    return lines


def markdown(data: Mapping[str, Any], chart_paths: Sequence[str] = ()) -> str:
    all_rows = rows(data)
    found = verdicts(data, all_rows)
    out = [
        "Machine: %s. Date: %s (%s mode). %s." % (
            machine_line(data), run_date(data), mode_of(data), versions_line(data)),
        "",
        "How: " + how(data),
        "",
        RATIOS,
        "",
    ]
    noise = noise_note(data, all_rows)
    if noise:
        out += [noise, ""]
    if found:
        out += ["**The project's benchmark targets** (%s)" % tally(found), ""]
        out += targets_table(found).markdown() + [""]
    for section, section_rows in _sections(all_rows):
        out += ["**%s**" % section, ""]
        for note in section_notes(data, section):
            out += [note, ""]
        out += figures_table(section_rows).markdown() + [""]
    for path in chart_paths:
        out += ["![motorx benchmarks](%s)" % path, ""]
    return "\n".join(out).rstrip("\n") + "\n"


# -- charts --------------------------------------------------------------------------------


def chart(data: Mapping[str, Any], path: str) -> None:
    """Horizontal bars of motorx/PyMongo Async and motorx/Motor, log scale, 1 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picked = [r for r in rows(data) if r.chart]
    eager = data.get(EAGER_RUN)
    eager_prefix = "%s: " % _python_label(eager) if eager else ""
    labels = [
        ("contention: " if r.section.startswith("Contention") else
         "no I/O, own layer: " if r.section == NO_IO_LAYER else
         "uvloop: " if r.section == UVLOOP_SECTION else
         eager_prefix if eager and r.section == eager_section(eager) else "")
        + r.label()
        for r in picked
    ]
    series = [(BASELINE, "motorx / PyMongo Async", "#4c72b0"), (LEGACY, "motorx / Motor 3.7", "#dd8452")]
    height = 0.38
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(picked) + 1.6))
    for offset, (other, label, color) in enumerate(series):
        values = [r.ratio(other) for r in picked]
        ys = [i + (offset - 0.5) * height for i in range(len(picked))]
        ax.barh([y for y, v in zip(ys, values) if v], [v for v in values if v],
                height=height, label=label, color=color)
        for y, v in zip(ys, values):
            if v:
                ax.text(v, y, " %s" % _fmt_ratio(v), va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(picked)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ratio (log scale); left of 1: motorx faster / less CPU / fewer retries")
    fig.suptitle("motorx vs PyMongo Async and Motor: %s, %s mode" % (run_date(data), mode_of(data)), fontsize=10)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.text(0.01, 0.005, machine_line(data), fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def sweep_chart(data: Mapping[str, Any], path: str) -> bool:
    """Each sweep figure against the number of tasks, a line per driver; False if there is no sweep."""
    sweep = collect_sweep(data)
    if not sweep:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted(sweep)
    columns = 3
    grid_rows = math.ceil(len(SWEEP_FIGURES) / columns)
    fig, grid = plt.subplots(grid_rows, columns, figsize=(11, 3.3 * grid_rows), squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[len(SWEEP_FIGURES):]:
        ax.set_visible(False)
    colors = {SUBJECT: "#4c72b0", BASELINE: "#55a868", LEGACY: "#dd8452"}
    for ax, (key, title, unit, _fmt_, _higher) in zip(axes, SWEEP_FIGURES):
        for column, name in COLUMNS:
            points = [(n, sweep[n]["impls"].get(column) or {}) for n in ns]
            xs = [n for n, f in points if _as_number(f.get(key)) is not None]
            ys = [f[key] for n, f in points if _as_number(f.get(key)) is not None]
            ax.plot(xs, ys, marker="o", color=colors[column], label=name)
            failed = [(n, f[key]) for n, f in points if _as_number(f.get(key)) is not None and f.get("failed")]
            if failed:
                ax.scatter(*zip(*failed), marker="x", s=80, color="red", zorder=3,
                           label="failed transactions" if column == LEGACY else None)
        plotted = [y for line in ax.get_lines() for y in line.get_ydata()]
        if not plotted:  # a figure this run did not record
            ax.set_visible(False)
            continue
        ax.set_xscale("log")
        ax.set_xticks(ns, ["{:,}".format(n) for n in ns])
        ax.minorticks_off()
        if key.endswith("_ms") and min(plotted) > 0:  # latencies span orders of magnitude
            ax.set_yscale("log")
        ax.set_title("%s (%s)" % (title, unit), fontsize=9)
        ax.set_xlabel("tasks", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.suptitle("Concurrency sweep: %s, %s mode" % (run_date(data), mode_of(data)), fontsize=10)
    fig.text(0.01, 0.005, machine_line(data), fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def sweep_chart_path(chart_path: str) -> str:
    """Where the sweep chart goes beside the ratio chart: ``x.png`` -> ``x.sweep.png``."""
    stem, dot, ext = chart_path.rpartition(".")
    return "%s.sweep.%s" % (stem, ext) if dot else chart_path + ".sweep"


# -- README ---------------------------------------------------------------------------


def update_readme(readme_path: str, table: str, command: str) -> None:
    """Replace the text between the bench markers; nothing else in the file changes."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise SystemExit("report.py: %s has no %s ... %s section" % (readme_path, README_START, README_END))
    intro = (
        "motorx against Motor 3.7.1 and PyMongo Async, measured by `bench/` "
        "(pytest-benchmark). `scripts/bench` sets everything up, runs the quick mode "
        "(5-6 minutes on 2 cores) and prints this comparison; `scripts/bench --full` "
        "wrote the figures below (JSON, Markdown and charts in `bench/results/`).\n\n"
    )
    body = "%s\n<!-- written by bench/report.py from `%s`; do not edit by hand -->\n\n%s%s%s" % (
        README_START, command, intro, table, README_END)
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(pattern.sub(lambda _: body, text, count=1))


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON without the bulky parts (CPU flag list, raw round times) for committing."""
    cpu = (data.get("machine_info") or {}).get("cpu")
    if isinstance(cpu, dict):
        cpu.pop("flags", None)
    for bench in data.get("benchmarks", []):
        (bench.get("stats") or {}).pop("data", None)
    return data


class _Unusable(Exception):
    """A file the report cannot use; the message says which and why."""


def _read_run(path: str) -> dict[str, Any]:
    """A --benchmark-json file's contents."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise _Unusable("cannot read %s: %s" % (path, exc)) from exc
    if not isinstance(data, dict):
        raise _Unusable("%s holds no motorx benchmarks" % path)
    return data


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", help="a pytest-benchmark --benchmark-json file")
    parser.add_argument("--markdown", help="write the comparison as Markdown here")
    parser.add_argument("--chart", help="draw the ratios as a PNG chart here (the sweep beside it, NAME.sweep.png)")
    parser.add_argument("--chart-link", help="the ratio chart's path as the README links it")
    parser.add_argument("--readme", help="replace this README's bench section with the tables and charts")
    parser.add_argument("--command", default="scripts/bench --full", help="the command named in the README")
    parser.add_argument("--compact", action="store_true", help="rewrite the JSON without bulky fields")
    parser.add_argument("--eager", help="the end-to-end cases run again on a Python with eager tasks "
                        "(3.12+): a second --benchmark-json file, recorded in the first")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        data = _read_run(args.json)
        if not rows(data):
            raise _Unusable("%s holds no motorx benchmarks" % args.json)
        if args.eager:
            eager = _read_run(args.eager)
            if not collect_e2e(eager):
                raise _Unusable("%s holds no end-to-end benchmarks" % args.eager)
            if has_eager_tasks(eager) is not True:
                raise _Unusable("%s ran on Python %s, which has no eager tasks"
                                % (args.eager, (eager.get("machine_info") or {}).get("python_version")))
            data[EAGER_RUN] = compact(eager) if args.compact else eager
    except _Unusable as exc:
        print("report.py: %s" % exc, file=sys.stderr)
        return 2
    if args.compact:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(compact(data), f, indent=1)
            f.write("\n")
    print("\n".join(render(data)))
    links = []
    if args.chart:
        chart(data, args.chart)
        links.append(args.chart_link or args.chart)
        print("\nchart: %s" % args.chart)
        if sweep_chart(data, sweep_chart_path(args.chart)):
            links.append(sweep_chart_path(links[0]))
            print("chart: %s" % sweep_chart_path(args.chart))
    table = markdown(data, links)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)
        print("markdown: %s" % args.markdown)
    if args.readme:
        update_readme(args.readme, table, args.command)
        print("README section updated: %s" % args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
