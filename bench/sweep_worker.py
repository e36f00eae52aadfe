"""One driver's round of the concurrency sweep, in a process of its own.

``bench/test_sweep_bench.py`` runs it once per driver and round::

    python bench/sweep_worker.py DRIVER TASKS PER_TASK URI

It runs the end-to-end transaction case (``test_e2e_bench.TransactionCase``:
start session, ``with_transaction`` with an insert and an update, end
session) on TASKS concurrent tasks, PER_TASK transactions each, after a
warm-up of up to 100 tasks, and prints one JSON object on its last line: the
round's figures (``Tally.extra``), its latencies, the errors by kind (a
failed transaction is counted, not raised), the process's peak RSS, and the
data check (every committed transaction's writes stored exactly once).  A
process of its own, so that the peak RSS is this driver's alone and no
driver's garbage is collected on another's clock.
"""

from __future__ import annotations

import json
import resource
import sys
import warnings
from collections import Counter
from typing import Any, Optional

WARM_UP_TASKS = 100  # enough to fill the connection pool (PyMongo's default maxPoolSize)


def _status_mb(field: str) -> Optional[float]:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status in MB (None where there is none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start the peak RSS (VmHWM) again from the current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a worker
    # forked from a large pytest process would report the parent's size.
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    # ru_maxrss is in KiB on Linux (bytes on macOS, where this overstates it 1024-fold).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(driver: str, tasks: int, per_task: int, uri: str) -> dict[str, Any]:
    # Motor 3.7's own DeprecationWarnings are not this benchmark's business.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import test_e2e_bench as bench  # bench/ is sys.path[0] for a script in it

    runner = bench.Runner("asyncio")
    case = bench.TransactionCase(runner, bench.DRIVERS[driver], uri, "sweep-c%d" % tasks, tasks, per_task)
    case.errors = Counter()
    try:
        runner.run(case.setup)
        case.tasks, case.per_task = min(tasks, WARM_UP_TASKS), 1
        case.one_round()  # warm-up: connections, server sessions, caches; not tallied
        case.tasks, case.per_task = tasks, per_task
        case.errors.clear()
        peak_is_the_rounds = _reset_peak_rss()
        rss_before = _status_mb("VmRSS") or _peak_rss_mb()
        case.timing = True
        case.one_round()
        figures = case.tally.extra()
        figures.update(
            {
                "transactions": tasks * per_task,
                "failed": sum(case.errors.values()),
                "errors": dict(case.errors),
                "latencies": case.tally.latencies,
                "rss_peak_mb": _peak_rss_mb(),  # the round's own peak where it could be reset
                "rss_peak_is_the_rounds": peak_is_the_rounds,
                "rss_before_round_mb": rss_before,
                "data_check": None,
            }
        )
        try:
            runner.run(case.verify)
        except AssertionError as exc:
            figures["data_check"] = str(exc)
        return figures
    finally:
        runner.run(case.teardown)
        runner.close()


if __name__ == "__main__":
    driver_name, task_count, txns_per_task, server_uri = sys.argv[1:5]
    print(json.dumps(run(driver_name, int(task_count), int(txns_per_task), server_uri)))
