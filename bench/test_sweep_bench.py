"""Concurrency sweep: how each driver's cost grows from 1 to 5,000 concurrent tasks.

For each number of tasks N (quick mode: a short version), each driver's
round on a fresh server of its own (with ``MONGODB_URI``, that one server):
N tasks on one client, each running transactions one after another (start
session, ``with_transaction`` with an insert and an update, end session), at
least ``TXNS_PER_ROUND`` transactions a round.  Every driver's round runs in
a process of its own (``bench/sweep_worker.py``), so its peak RSS is its own
and its client CPU (``getrusage`` of that process) is nobody else's; the
drivers' rounds are interleaved in rotating order, as in the other cases.

Per driver and N, in ``extra_info["impls"]``: client CPU per transaction and
throughput (medians over rounds, with the per-round figures), p50/p99
latency over every committed transaction of every round, peak RSS and its
growth over the timed round (medians over rounds), and errors by kind.  A driver that fails transactions is
reported as failing with what it failed with (Motor 3.7 at 1,000 tasks and
more: its thread pool keeps about a thousand transactions open at once and
the server runs out of storage sessions), never dropped.  A worker that
crashes counts as every transaction of its round failed.  The run fails
only if motorx's or PyMongo Async's worker crashes or their data check
finds a lost or doubled write.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

pytest.importorskip("pytest_benchmark")

import test_e2e_bench as e2e  # noqa: E402 - bench/ is on sys.path for its conftest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "sweep_worker.py")
DRIVERS = ["motorx", "pymongo", "motor"]
MUST_NOT_FAIL = ("motorx", "pymongo")

# Quick mode: one small N and the N at which Motor starts failing (a round at
# 1,000 tasks takes ~10 s per driver on 2 cores, most of quick mode's sweep).
TASKS = {"quick": (10, 1000), "full": (1, 10, 100, 1000, 5000)}
# Three rounds at least: the report pairs rounds for its ratios from three on.
ROUNDS = {"quick": 3, "full": 5}
ROUNDS_AT_5000 = {"quick": 3, "full": 3}  # a 5,000-task round of all three takes about a minute
TXNS_PER_ROUND = 200
WORKER_TIMEOUT = 900.0  # seconds; Motor collapsing at 5,000 tasks is slow, not stuck


def _per_task(tasks: int) -> int:
    return max(1, math.ceil(TXNS_PER_ROUND / tasks))


def run_worker(driver: str, tasks: int, uri: str) -> dict[str, Any]:
    """One round of ``driver`` in its own process; a crash is reported as the round failing."""
    per_task = _per_task(tasks)
    try:
        done = subprocess.run(
            [sys.executable, WORKER, driver, str(tasks), str(per_task), uri],
            capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False,
        )
        output, problem = done.stdout.strip().splitlines(), done.stderr.strip()
        if done.returncode == 0 and output:
            return dict(json.loads(output[-1]))
        problem = "exit status %d: %s" % (done.returncode, problem.splitlines()[-1] if problem else "no output")
    except subprocess.TimeoutExpired:
        problem = "no result within %.0f s" % WORKER_TIMEOUT
    return {"transactions": tasks * per_task, "failed": tasks * per_task,
            "errors": {"worker crashed (%s)" % problem: 1}, "crashed": problem}


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One driver's rounds at one N: medians over rounds, percentiles over all transactions."""
    ran = [r for r in rounds if "crashed" not in r]
    latencies = sorted(x for r in ran for x in r["latencies"])
    errors: Counter[str] = Counter()
    for r in rounds:
        errors.update(r["errors"])

    def per_round(key: str) -> list[float]:
        return [float(r[key]) for r in ran if r.get(key) is not None]

    return {
        "rounds": len(rounds),
        "transactions": sum(r["transactions"] for r in rounds),
        "failed": sum(r["failed"] for r in rounds),
        "errors": dict(errors),
        "crashed": [r["crashed"] for r in rounds if "crashed" in r],
        "data_check": [r["data_check"] for r in ran if r.get("data_check")],
        "cpu_us": e2e._median(per_round("cpu_us")),
        "round_cpu_us": per_round("cpu_us"),
        "throughput": e2e._median(per_round("throughput")),
        "round_throughput": per_round("throughput"),
        "p50_ms": e2e._percentile(latencies, 50) * 1e3 if latencies else None,
        "p99_ms": e2e._percentile(latencies, 99) * 1e3 if latencies else None,
        "samples": len(latencies),
        "rss_peak_mb": e2e._median(per_round("rss_peak_mb")),
        "round_rss_peak_mb": per_round("rss_peak_mb"),
        "rss_growth_mb": e2e._median([r["rss_peak_mb"] - r["rss_before_round_mb"] for r in ran]),
    }


def _brief(figures: dict[str, Any]) -> str:
    if "crashed" in figures:
        return "crashed"
    text = "%.0f µs/txn" % figures["cpu_us"]
    return text + (", %d failed" % figures["failed"] if figures["failed"] else "")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "tasks" in metafunc.fixturenames:
        metafunc.parametrize("tasks", TASKS[metafunc.config.getoption("--bench-mode")])


def test_sweep(
    benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, fresh_bench_server: Any, tasks: int
) -> None:
    benchmark.group = "sweep-c%d" % tasks
    rounds = (ROUNDS_AT_5000 if tasks >= 5000 else ROUNDS)[bench_mode]
    results: dict[str, list[dict[str, Any]]] = {d: [] for d in DRIVERS}
    name = "sweep, %s tasks" % "{:,}".format(tasks)
    steps = itertools.count(1)
    counter = itertools.count(1)

    def interleaved_round() -> None:
        done = next(counter)
        for driver in e2e.rotated(DRIVERS, done - 1):
            # A server of its own for every driver's round: on one server per
            # N, each round met what the rounds before left (their writes,
            # Motor's transactions left open until the server expired them)
            # and client CPU per transaction rose round by round.
            with fresh_bench_server() as uri:
                results[driver].append(run_worker(driver, tasks, uri))
            progress.step(name, next(steps), rounds * len(DRIVERS), "round %d/%d, %s %s" % (
                done, rounds, driver, _brief(results[driver][-1])))

    benchmark.pedantic(interleaved_round, rounds=rounds, iterations=1)
    impls = {driver: merge(rs) for driver, rs in results.items()}
    benchmark.extra_info.update({
        "kind": "sweep", "tasks": tasks, "per_task": _per_task(tasks), "mode": bench_mode,
        "interleaved": True, "versions": e2e._versions(), "impls": impls,
    })
    record_bench(benchmark)
    for driver in MUST_NOT_FAIL:
        assert not impls[driver]["crashed"], "%s's worker crashed: %s" % (driver, impls[driver]["crashed"])
        assert not impls[driver]["data_check"], impls[driver]["data_check"]
