#!/usr/bin/env python
"""Profile the end-to-end transaction case (cProfile): where does client CPU go?

Runs the ``txn`` workload of ``test_e2e_bench.py`` (start a session,
``with_transaction`` with an insert and an update, end the session) for one
implementation under cProfile and prints the functions with the most own time,
plus Python function calls and CPU microseconds per transaction::

    python bench/profile_e2e.py motorx pymongo --tasks 16 --txns 400

Starts the embedded server like the benchmarks (or uses ``$MONGODB_URI``).
Profiling inflates every call, so compare implementations by their call counts
and relative shares, not by the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
# The test suite's server helper (tests/embedded_server.py), as bench/demo.py uses it.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from embedded_server import server_uri  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profile(bench: Any, uri: str, impl: str, tasks: int, txns: int, top: int) -> None:
    runner = bench.Runner("asyncio")
    case = bench.TransactionCase(runner, bench.DRIVERS[impl], uri, "profile", tasks, max(1, txns // tasks))
    try:
        runner.run(case.setup)
        case.one_round()  # warm-up
        profiler = cProfile.Profile()
        cpu0 = _cpu()
        profiler.enable()
        case.one_round()
        profiler.disable()
        cpu = _cpu() - cpu0
        done = case.tasks * case.per_task
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        calls = sum(v[1] for v in stats.stats.values())  # type: ignore[attr-defined]
        print("=== %s: %d transactions on %d tasks: %.0f Python calls and %.0f CPU us per transaction (profiled)"
              % (impl, done, tasks, calls / done, cpu / done * 1e6))
        stats.sort_stats("tottime").print_stats(top)
        text = out.getvalue()
        print(text[text.index("ncalls"):] if "ncalls" in text else text)
        runner.run(case.verify)
    finally:
        runner.run(case.teardown)
        runner.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("impls", nargs="+", choices=["motorx", "pymongo", "motor"])
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--txns", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    import test_e2e_bench as bench  # bench/ is sys.path[0] for a script in it
    with server_uri() as uri:
        if uri is None:
            print("no server: set MOTORX_SECANTUSD or MONGODB_URI", file=sys.stderr)
            return 2
        for impl in args.impls:
            profile(bench, uri, impl, args.tasks, args.txns, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
