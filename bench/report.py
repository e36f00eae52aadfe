#!/usr/bin/env python
"""Report of motorx's benchmarks: motorx against PyMongo Async and Motor, as ratios.

Usage (from the repository root; ``scripts/bench`` runs all of it)::

    python -m pytest bench -p no:cacheprovider --benchmark-json=bench/results/run.json
    python bench/report.py bench/results/run.json --markdown out.md --chart out.png [--readme README.md]

It prints the comparison (medians, and the ratios motorx/PyMongo Async and
motorx/Motor) and, on request, writes it as a Markdown table, draws it as a
PNG chart (matplotlib), and replaces the README's benchmark section (between
``<!-- bench:start -->`` and ``<!-- bench:end -->``) with the table, the chart
and the machine and date the figures came from.

Figures:

* no I/O: the per-operation median (round median / operations per round) of
  session start + end, the empty transaction, ``with_transaction`` with a
  no-op callback, and the ``_txcore`` decision step; and, informational, what
  Motor's call model (a started Future per call) costs: a no-op operation, and
  one that awaits once, as a Future against the coroutine awaited directly, with
  the per-call difference on the Python the run used;
* end to end: client CPU microseconds per operation (median over rounds),
  throughput (median over rounds), p50 and p99 latency over all operations;
  the client-CPU target against PyMongo Async depends on the run's Python
  (``cpu_target``);
* contention: callback attempts, retries, p99 latency, wall time, final counter.

Ratios: where the implementations' rounds were interleaved (no-I/O times,
client CPU) a ratio is the median of the per-round ratios, each round's
implementations having run back to back, so drifting load from elsewhere
cancels; the Markdown gives their interquartile range beside it.  Other ratios
are of the figures shown.

The issue's targets are judged on these ratios and printed beside each one, but
this is a report, not a test: it exits 0 whether targets are met or not.  It
exits 2 only when the file cannot be read or holds none of these benchmarks.
(The contention benchmark itself fails the run on a lost update.)
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

SUBJECT, BASELINE, LEGACY = "motorx", "pymongo", "motor"
# PyMongo Async handed its inherited transaction options already resolved, as
# motorx hands them: the like-for-like measure of motorx's own layer.
LIKE_FOR_LIKE = "pymongo-resolved"
IMPL_ORDER = [SUBJECT, BASELINE, LEGACY, "motorx-tornado", LIKE_FOR_LIKE]
IMPL_TITLES = {SUBJECT: "motorx", BASELINE: "PyMongo Async", LEGACY: "Motor 3.7"}
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"

# No-I/O paths: (path, title, max motorx/pymongo or None, max motorx/motor)
NO_IO = [
    ("session-start-end", "session start + end", 1.10, 0.10),
    ("empty-transaction", "empty transaction (start + commit)", 1.10, 0.10),
    ("with-transaction-noop", "with_transaction(no-op)", 1.00, 0.10),
    ("txcore-decision", "_txcore decision step", None, 0.10),
    # Informational: the call model alone (bench/test_session_bench.py, CallModel).
    # motorx's column: a started Future; PyMongo Async's: the coroutine awaited;
    # Motor's: its executor Future.
    ("call-model", "call model, no-op: Future / coroutine / executor Future", None, None),
    ("call-model-suspending", "call model, awaiting once: Future / coroutine", None, None),
]
CALL_MODEL = {
    "call-model": "call model, no-op",
    "call-model-suspending": "call model, awaiting once",
}
# End-to-end cases: (case, title)
E2E = [
    ("txn-c1", "txn, 1 task"),
    ("txn-c16", "txn, 16 tasks"),
    ("txn-c128", "txn, 128 tasks"),
    ("tornado-txn-c16", "tornado txn, 16 tasks"),
    ("find-one", "find_one"),
    ("cursor-1000", "cursor read, 1,000 docs"),
]
E2E_SECTION = (
    "End to end (embedded server in its own process; txn = start session, "
    "with_transaction(insert + update), end session)"
)
TXN_CASES = {"txn-c1", "txn-c16", "txn-c128", "tornado-txn-c16"}
CPU_TARGET_MOTOR = 0.50  # client CPU per transaction: max motorx/motor
# The call-model issue's client-CPU targets (transactions and find_one) against
# PyMongo Async: every call motorx makes returns a started Future (the issue
# set 1.05 where Python has eager tasks, 3.12+, and 1.08 before).
CPU_TARGET_EAGER, CPU_TARGET_SCHEDULED = 1.05, 1.08
CPU_TARGET_CASES = TXN_CASES | {"find-one"}
CONTENTION_RETRIES_TARGET = 1 / 3  # motorx's retries <= a third of Motor's
CONTENTION_EXPECTED = 1000


@dataclass
class Row:
    """One line of the comparison: a figure for each implementation."""

    section: str
    title: str
    unit: str
    values: dict[str, Optional[float]]
    higher_is_better: bool = False
    target_pymongo: Optional[float] = None  # max motorx/pymongo (min when higher is better)
    target_motor: Optional[float] = None
    chart: bool = False
    fmt: str = "%.3g"
    # Per-round figures of each implementation, in round order, when the
    # rounds were interleaved: round i of each ran back to back.
    rounds: Optional[dict[str, list[float]]] = None

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
        """The median of the per-round ratios when there are rounds, else of the medians."""
        paired = self.paired(other)
        if paired is not None:
            return _quantile(paired, 0.5)
        a, b = self.values.get(SUBJECT), self.values.get(other)
        if a is None or b is None or b == 0 or _isnan(a) or _isnan(b):
            return None
        return float(a) / float(b)

    def ratio_iqr(self, other: str) -> Optional[tuple[float, float]]:
        """The interquartile range of the per-round ratios: how much a round swings."""
        paired = self.paired(other)
        if paired is None:
            return None
        return _quantile(paired, 0.25), _quantile(paired, 0.75)

    def verdict(self, other: str) -> Optional[bool]:
        target = self.target_pymongo if other == BASELINE else self.target_motor
        ratio = self.ratio(other)
        if target is None or ratio is None:
            return None
        return ratio >= target if self.higher_is_better else ratio <= target


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _quantile(ordered: list[float], q: float) -> float:
    """Quantile of a sorted list, linear between closest ranks."""
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# -- reading pytest-benchmark JSON ------------------------------------------------------


def _per_op(bench: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    extra = bench.get("extra_info") or {}
    path, impl, ops = extra.get("path"), extra.get("impl"), extra.get("ops_per_round")
    stats = bench.get("stats") or {}
    if not path or not impl or not ops or "median" not in stats:
        return None
    return {
        "path": path,
        "impl": impl,
        "ops": int(ops),
        "median": stats["median"] / ops,
        "min": stats["min"] / ops if "min" in stats else None,
        "iqr": stats["iqr"] / ops if "iqr" in stats else None,
        "rounds": stats.get("rounds"),
    }


def collect(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{path: {impl: per-op stats}}`` of the no-I/O benchmarks.

    Interleaved benchmarks carry every implementation's per-op figures in
    ``extra_info["impls"]``; a benchmark of one implementation (``impl`` and
    ``ops_per_round`` in ``extra_info``) is divided out from its own stats.
    """
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for bench in data.get("benchmarks", []):
        extra = bench.get("extra_info") or {}
        if extra.get("kind") == "e2e":
            continue
        if extra.get("path") and isinstance(extra.get("impls"), dict):
            for impl, figures in extra["impls"].items():
                table.setdefault(extra["path"], {})[impl] = {"path": extra["path"], "impl": impl, **figures}
            continue
        row = _per_op(bench)
        if row is not None:
            table.setdefault(row["path"], {})[row["impl"]] = row
    return table


def collect_e2e(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{case: {impl: extra_info}}`` of the end-to-end benchmarks."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for bench in data.get("benchmarks", []):
        extra = bench.get("extra_info") or {}
        if extra.get("kind") == "e2e" and extra.get("case"):
            for impl, figures in (extra.get("impls") or {}).items():
                table.setdefault(extra["case"], {})[impl] = figures
    return table


def _rounds(impls: Mapping[str, Mapping[str, Any]], key: str) -> Optional[dict[str, list[float]]]:
    found = {k: [float(x) for x in v[key]] for k, v in impls.items() if isinstance(v.get(key), list)}
    return found or None


def python_version(data: Mapping[str, Any]) -> Optional[tuple[int, int]]:
    """(major, minor) of the Python the run used, as pytest-benchmark recorded it."""
    raw = (data.get("machine_info") or {}).get("python_version")
    match = re.match(r"(\d+)\.(\d+)", str(raw or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def has_eager_tasks(data: Mapping[str, Any]) -> Optional[bool]:
    version = python_version(data)
    return None if version is None else version >= (3, 12)


def cpu_target(data: Mapping[str, Any]) -> float:
    """The end-to-end client-CPU target against PyMongo Async for this run's Python.

    An unknown Python gets the stricter (eager) target.
    """
    return CPU_TARGET_SCHEDULED if has_eager_tasks(data) is False else CPU_TARGET_EAGER


def cpu_target_note(data: Mapping[str, Any]) -> str:
    """One line: which client-CPU target applies to this run, and why."""
    version = (data.get("machine_info") or {}).get("python_version") or "unknown"
    eager = has_eager_tasks(data)
    which = {True: "eager tasks", False: "no eager tasks", None: "unknown Python"}[eager]
    return (
        "Client-CPU target against PyMongo Async (transactions, find_one): ≤ %.2f here "
        "(Python %s, %s). motorx's every call returns a started Future, as Motor's does: "
        "≤ %.2f where Python has eager tasks (3.12+), ≤ %.2f before (the call-model "
        "issue's targets)."
        % (cpu_target(data), version, which, CPU_TARGET_EAGER, CPU_TARGET_SCHEDULED)
    )


def _call_model_cost(impls: Mapping[str, Mapping[str, Any]]) -> Optional[float]:
    """motorx minus PyMongo, µs per call: the median of per-round differences."""
    mine, theirs = impls.get(SUBJECT, {}), impls.get(BASELINE, {})
    a, b = mine.get("round_us"), theirs.get("round_us")
    if isinstance(a, list) and isinstance(b, list) and a and len(a) == len(b):
        return _quantile(sorted(float(x) - float(y) for x, y in zip(a, b)), 0.5)
    if "median" in mine and "median" in theirs:
        return (float(mine["median"]) - float(theirs["median"])) * 1e6
    return None


def rows(data: Mapping[str, Any]) -> list[Row]:
    """Every figure of the run, in report order."""
    out: list[Row] = []
    no_io = collect(data)
    eager = has_eager_tasks(data)
    version = python_version(data)
    python = "Python %d.%d" % version if version else "Python ?"
    for path, title, max_pymongo, max_motor in NO_IO:
        impls = no_io.get(path, {})
        if impls:
            out.append(
                Row("No I/O (per operation, median)", title, "µs",
                    {k: v["median"] * 1e6 for k, v in impls.items()},
                    target_pymongo=max_pymongo, target_motor=max_motor,
                    chart=path not in CALL_MODEL,
                    rounds=_rounds(impls, "round_us"))
            )
            if path in CALL_MODEL:
                # Informational: what the started Future adds to each call, on this Python.
                cost = _call_model_cost(impls)
                out.append(
                    Row("No I/O (per operation, median)",
                        "%s: the Future's cost per call, %s (%s)" % (
                            CALL_MODEL[path], python,
                            {True: "eager tasks", False: "no eager tasks", None: "?"}[eager]),
                        "µs", {SUBJECT: cost})
                )
            like = impls.get(LIKE_FOR_LIKE)
            if like is not None and SUBJECT in impls:
                # Informational, no target: PyMongo Async's column is the
                # like-for-like run, so the ratio is motorx's own layer.
                pair = {SUBJECT: impls[SUBJECT], BASELINE: like}
                out.append(
                    Row("No I/O (per operation, median)",
                        "%s, PyMongo also given resolved options" % title, "µs",
                        {k: v["median"] * 1e6 for k, v in pair.items()},
                        rounds=_rounds(pair, "round_us"))
                )
    e2e = collect_e2e(data)
    for case, title in E2E:
        impls = e2e.get(case, {})
        if not impls:
            continue

        def get(key: str, impls: dict[str, dict[str, Any]] = impls) -> dict[str, Optional[float]]:
            return {k: (None if v.get(key) is None else float(v[key])) for k, v in impls.items()}

        txn = case in TXN_CASES
        targeted = case in CPU_TARGET_CASES
        unit_op = "txn" if txn else ("read" if case == "cursor-1000" else "op")
        section = E2E_SECTION
        out.append(
            Row(section, "%s: client CPU" % title, "µs/%s" % unit_op, get("cpu_us"),
                target_pymongo=cpu_target(data) if targeted else None,
                target_motor=CPU_TARGET_MOTOR if txn else None, chart=True, fmt="%.0f",
                rounds=_rounds(impls, "round_cpu_us"))
        )
        out.append(Row(section, "%s: throughput" % title, "%s/s" % unit_op, get("throughput"),
                       higher_is_better=True, fmt="%.0f"))
        out.append(Row(section, "%s: p50 latency" % title, "ms", get("p50_ms"), fmt="%.3g"))
        out.append(Row(section, "%s: p99 latency" % title, "ms", get("p99_ms"), fmt="%.3g"))
    contention = e2e.get("contention", {})
    if contention:
        section = "Contention: 100 tasks x 10 with_transaction increments of one document"

        def cget(key: str) -> dict[str, Optional[float]]:
            return {k: (None if v.get(key) is None else float(v[key])) for k, v in contention.items()}

        # Attempts and retries per run of 1,000 increments: the median over rounds.
        for figures in contention.values():
            rounds = figures.get("round_attempts")
            if rounds and "attempts_total" not in figures:  # files written before the fix
                ordered = sorted(rounds)
                mid = len(ordered) // 2
                per_round = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
                figures["attempts"] = per_round
                figures["retries"] = per_round - CONTENTION_EXPECTED

        out.append(Row(section, "callback attempts per run", "", cget("attempts"), fmt="%.0f"))
        out.append(Row(section, "retries per run", "", cget("retries"),
                       target_motor=CONTENTION_RETRIES_TARGET, chart=True, fmt="%.0f"))
        out.append(Row(section, "p99 latency", "ms", cget("p99_ms"), fmt="%.0f"))
        out.append(Row(section, "wall time", "s", cget("wall_s"), chart=True, fmt="%.2f"))
        out.append(Row(section, "final counter (must be 1000)", "", cget("final_counter"), fmt="%.0f"))
    return out


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
    for bench in data.get("benchmarks", []):
        versions = (bench.get("extra_info") or {}).get("versions")
        if versions:
            return ", ".join(
                "%s %s" % (IMPL_TITLES.get(k, k) if k != LEGACY else "Motor", v)
                for k, v in sorted(versions.items())
            )
    return ""


def mode_of(data: Mapping[str, Any]) -> str:
    for bench in data.get("benchmarks", []):
        mode = (bench.get("extra_info") or {}).get("mode")
        if mode:
            return str(mode)
    return "unknown"


# -- text --------------------------------------------------------------------------------


def _fmt(row: Row, value: Optional[float]) -> str:
    if value is None or _isnan(value):
        return "n/a"
    return row.fmt % value


def _fmt_ratio(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    # Three decimals: a ratio printed as 1.10 must not hide a 1.104 that misses a 1.10 target.
    return "%.3f" % value if value >= 0.1 else "%.3g" % value


def _target_text(row: Row, other: str) -> str:
    target = row.target_pymongo if other == BASELINE else row.target_motor
    if target is None:
        return ""
    verdict = row.verdict(other)
    sign = "≥" if row.higher_is_better else "≤"
    return "%s %.2f %s" % (sign, target, {True: "met", False: "MISSED", None: "n/a"}[verdict])


def render(data: Mapping[str, Any]) -> list[str]:
    """The report as plain text lines (also pytest's end-of-run summary)."""
    lines = [
        "machine: " + machine_line(data),
        "date: %s, mode: %s" % (run_date(data), mode_of(data)),
    ]
    versions = versions_line(data)
    if versions:
        lines.append("versions: " + versions)
    lines.append("ratios are motorx / other: below 1 motorx is faster or uses less CPU "
                 "(throughput: above 1 motorx is faster)")
    section = None
    met = total = 0
    for row in rows(data):
        if row.section != section:
            section = row.section
            lines.append("")
            lines.append(section)
            if section == E2E_SECTION:
                lines.append("  " + cpu_target_note(data))
            lines.append("  %-44s %9s %9s %9s   %-21s %-21s" % (
                "", "motorx", "pymongo", "motor", "motorx/pymongo", "motorx/motor"))
        title = row.title + (" (%s)" % row.unit if row.unit else "")
        lines.append(
            "  %-44s %9s %9s %9s   %-21s %-21s"
            % (
                title,
                _fmt(row, row.values.get(SUBJECT)),
                _fmt(row, row.values.get(BASELINE)),
                _fmt(row, row.values.get(LEGACY)),
                ("%s %s" % (_fmt_ratio(row.ratio(BASELINE)), _target_text(row, BASELINE))).strip(),
                ("%s %s" % (_fmt_ratio(row.ratio(LEGACY)), _target_text(row, LEGACY))).strip(),
            )
        )
        for other in (BASELINE, LEGACY):
            verdict = row.verdict(other)
            if verdict is not None:
                total += 1
                met += verdict
    lines.append("")
    lines.append("targets met: %d of %d (medians of per-round ratios where rounds were "
                 "interleaved; a report, not a test)" % (met, total))
    return lines


# -- Markdown ---------------------------------------------------------------------------


def _md_ratio(row: Row, other: str) -> str:
    text = _fmt_ratio(row.ratio(other))
    spread = row.ratio_iqr(other)
    if spread is not None:
        text += " (%s-%s)" % (_fmt_ratio(spread[0]), _fmt_ratio(spread[1]))
    return ("%s %s" % (text, _target_text(row, other))).strip()


def markdown(data: Mapping[str, Any], chart_path: Optional[str] = None) -> str:
    out = [
        "Machine: %s. Date: %s (%s mode). %s." % (
            machine_line(data), run_date(data), mode_of(data), versions_line(data)),
        "",
        (
            "How: the three drivers run in the same process and the same run, on one "
            "event loop per case, their rounds interleaved in rotating order so load from "
            "elsewhere lands on all alike. The server is the embedded SecantusDB (a "
            "MongoDB-wire server written in Python) in its own process, so client CPU "
            "(`resource.getrusage` of the benchmark process, all threads: Motor's executor "
            "threads count) excludes it; absolute latencies and throughput are bounded by "
            "that server, the ratios are the point. No-I/O figures are per-operation "
            "medians; end-to-end CPU and throughput are medians over rounds, latencies "
            "percentiles over all operations."
        ),
        "",
        (
            "Ratios are motorx / other: below 1 motorx is faster, uses less client CPU or "
            "retries less (throughput: above 1 is faster). Where rounds were interleaved "
            "(no-I/O times, client CPU) the ratio is the median of the per-round ratios, "
            "round i of each driver having run back to back, and the brackets give their "
            "interquartile range: how far one round swings on this machine. Elsewhere it is "
            "the ratio of the figures shown. The issue's target and its "
            "verdict follow each ratio; targets are reported, never asserted. The "
            "contention run fails if any driver loses an update."
        ),
        "",
    ]
    section = None
    for row in rows(data):
        if row.section != section:
            if section is not None:
                out.append("")
            section = row.section
            out.append("**%s**" % section)
            out.append("")
            if section == E2E_SECTION:
                out.append(cpu_target_note(data))
                out.append("")
            out.append("| figure | motorx | PyMongo Async | Motor 3.7 | motorx / PyMongo Async | motorx / Motor |")
            out.append("| --- | ---: | ---: | ---: | --- | --- |")
        title = row.title + (" (%s)" % row.unit if row.unit else "")
        out.append(
            "| %s | %s | %s | %s | %s | %s |"
            % (
                title,
                _fmt(row, row.values.get(SUBJECT)),
                _fmt(row, row.values.get(BASELINE)),
                _fmt(row, row.values.get(LEGACY)),
                _md_ratio(row, BASELINE),
                _md_ratio(row, LEGACY),
            )
        )
    if chart_path:
        out.append("")
        out.append("![motorx / PyMongo Async and motorx / Motor](%s)" % chart_path)
    return "\n".join(out) + "\n"


# -- chart --------------------------------------------------------------------------------


def chart(data: Mapping[str, Any], path: str) -> None:
    """Horizontal bars of motorx/PyMongo Async and motorx/Motor, log scale, 1 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picked = [r for r in rows(data) if r.chart]
    labels = [
        ("contention: " if r.section.startswith("Contention") else "")
        + r.title
        + (" (%s)" % r.unit if r.unit else "")
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
        "(a few minutes on 2 cores) and prints this comparison; `scripts/bench --full` "
        "wrote the figures below (JSON, Markdown and chart in `bench/results/`).\n\n"
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


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", help="a pytest-benchmark --benchmark-json file")
    parser.add_argument("--markdown", help="write the comparison as a Markdown table here")
    parser.add_argument("--chart", help="draw the ratios as a PNG chart here")
    parser.add_argument("--chart-link", help="the chart's path as the README links it")
    parser.add_argument("--readme", help="replace this README's bench section with the table and chart")
    parser.add_argument("--command", default="scripts/bench --full", help="the command named in the README")
    parser.add_argument("--compact", action="store_true", help="rewrite the JSON without bulky fields")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        with open(args.json, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        print("report.py: cannot read %s: %s" % (args.json, exc), file=sys.stderr)
        return 2
    if not isinstance(data, dict) or not rows(data):
        print("report.py: %s holds no motorx benchmarks" % args.json, file=sys.stderr)
        return 2
    if args.compact:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(compact(data), f, indent=1)
            f.write("\n")
    print("\n".join(render(data)))
    if args.chart:
        chart(data, args.chart)
        print("\nchart: %s" % args.chart)
    link = args.chart_link or args.chart
    table = markdown(data, link)
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
