#!/usr/bin/env python
"""Per-operation report of motorx's session benchmarks, against the issue's targets.

Usage (from the repository root)::

    python -m pytest bench -p no:cacheprovider --benchmark-json=bench.json
    python bench/report.py bench.json

For each path it prints the per-operation median of every implementation
(the round median divided by the round's ``ops_per_round``), the ratios
motorx/pymongo and motor/motorx, and whether each target is met (judged on
medians; the ratio of per-op minimums is printed beside each, as the figure a
noisy shared machine moves least):

* session start + end, empty transaction: motorx within 10% of PyMongo Async
  (motorx/pymongo <= 1.10);
* with_transaction(noop): motorx no slower than PyMongo's own pure-Python
  ``with_transaction`` (motorx/pymongo <= 1.00);
* all three: an order of magnitude faster than Motor (motor/motorx >= 10).

It is a report, not a test: it exits 0 whether targets are met or not.  It
exits 2 only when the file cannot be read or holds none of these benchmarks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Optional

# (path, title, max motorx/pymongo, what that bound means)
PATHS = [
    ("session-start-end", "(1) session start + end", 1.10, "within 10% of PyMongo Async"),
    ("empty-transaction", "(2) empty transaction (start + commit)", 1.10, "within 10% of PyMongo Async"),
    ("with-transaction-noop", "(3) with_transaction(noop)", 1.00, "no slower than PyMongo's with_transaction"),
]
MOTOR_MIN_SPEEDUP = 10.0
SUBJECT, BASELINE, LEGACY = "motorx", "pymongo", "motor"
IMPL_ORDER = [SUBJECT, BASELINE, LEGACY, "motorx-tornado"]


def _fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 1e-3:
        return "%8.3f ms" % (seconds * 1e3)
    return "%8.3f us" % (seconds * 1e6)


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
    """``{path: {impl: per-op stats}}`` from a pytest-benchmark JSON document."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for bench in data.get("benchmarks", []):
        row = _per_op(bench)
        if row is not None:
            table.setdefault(row["path"], {})[row["impl"]] = row
    return table


def _ratio(
    num: Optional[dict[str, Any]], den: Optional[dict[str, Any]], stat: str = "median"
) -> Optional[float]:
    if num is None or den is None or num.get(stat) is None or not den.get(stat):
        return None
    return float(num[stat] / den[stat])


def _fmt_ratio(value: Optional[float], digits: int) -> str:
    return "n/a" if value is None else "%.*f" % (digits, value)


def _verdict(ok: Optional[bool]) -> str:
    return "n/a (not measured)" if ok is None else ("MET" if ok else "MISSED")


def render(data: Mapping[str, Any]) -> list[str]:
    """The report as lines of text (also used for pytest's end-of-run summary)."""
    table = collect(data)
    lines: list[str] = []
    machine = data.get("machine_info") or {}
    if machine:
        cpu = (machine.get("cpu") or {}).get("brand_raw") or machine.get("processor") or "?"
        count = (machine.get("cpu") or {}).get("count")
        lines.append(
            "machine: %s%s, %s %s"
            % (
                cpu,
                " (%s cores)" % count if count else "",
                machine.get("python_implementation", "Python"),
                machine.get("python_version", "?"),
            )
        )
    versions = next(
        (
            b["extra_info"]["versions"]
            for b in data.get("benchmarks", [])
            if (b.get("extra_info") or {}).get("versions")
        ),
        None,
    )
    if versions:
        lines.append("versions: " + ", ".join("%s %s" % kv for kv in sorted(versions.items())))
    ops = sorted({row["ops"] for rows in table.values() for row in rows.values()})
    if ops:
        lines.append("per-op time = round median / ops per round (%s)" % ", ".join(map(str, ops)))

    met = total = 0
    for path, title, max_ratio, meaning in PATHS:
        rows = table.get(path)
        lines.append("")
        lines.append(title)
        if not rows:
            lines.append("  not measured")
            continue
        impls = [i for i in IMPL_ORDER if i in rows] + sorted(set(rows) - set(IMPL_ORDER))
        for impl in impls:
            row = rows[impl]
            lines.append(
                "  %-15s median %s   min %s   IQR %s   (%s rounds)"
                % (impl, _fmt_time(row["median"]), _fmt_time(row["min"]), _fmt_time(row["iqr"]), row["rounds"])
            )
        subject = rows.get(SUBJECT)
        vs_pymongo = _ratio(subject, rows.get(BASELINE))
        vs_motor = _ratio(rows.get(LEGACY), subject)
        ok_pymongo = None if vs_pymongo is None else vs_pymongo <= max_ratio
        ok_motor = None if vs_motor is None else vs_motor >= MOTOR_MIN_SPEEDUP
        min_pymongo = _ratio(subject, rows.get(BASELINE), "min")
        min_motor = _ratio(rows.get(LEGACY), subject, "min")
        # The verdict is on medians; the ratio of minimums is shown beside it
        # because on a shared machine it is the figure least moved by noise.
        lines.append(
            "  motorx/pymongo = %s (of minimums %s)   target <= %.2f, %s: %s"
            % (
                _fmt_ratio(vs_pymongo, 3),
                _fmt_ratio(min_pymongo, 3),
                max_ratio,
                meaning,
                _verdict(ok_pymongo),
            )
        )
        lines.append(
            "  motor/motorx   = %s (of minimums %s)   target >= %.0f, an order of magnitude faster than Motor: %s"
            % (
                _fmt_ratio(vs_motor, 1),
                _fmt_ratio(min_motor, 1),
                MOTOR_MIN_SPEEDUP,
                _verdict(ok_motor),
            )
        )
        if (ok_pymongo is not None and min_pymongo is not None and ok_pymongo != (min_pymongo <= max_ratio)) or (
            ok_motor is not None and min_motor is not None and ok_motor != (min_motor >= MOTOR_MIN_SPEEDUP)
        ):
            lines.append("  note: medians and minimums disagree on a target: a noisy run, rerun to confirm")
        for ok in (ok_pymongo, ok_motor):
            if ok is not None:
                total += 1
                met += ok
    lines.append("")
    missing = 2 * len(PATHS) - total
    lines.append(
        "targets met: %d of %d%s" % (met, total, " (%d not measured)" % missing if missing else "")
    )
    return lines


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", help="a pytest-benchmark --benchmark-json file")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        with open(args.json, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        print("report.py: cannot read %s: %s" % (args.json, exc), file=sys.stderr)
        return 2
    if not isinstance(data, dict) or not collect(data):
        print("report.py: %s holds no motorx session benchmarks" % args.json, file=sys.stderr)
        return 2
    print("\n".join(render(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
