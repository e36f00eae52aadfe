#!/usr/bin/env python
"""Client instructions per transaction (valgrind): the end-to-end overhead without the noise.

Client CPU time per transaction swings by about 10 % from round to round on a
shared 2-core machine (timer wakeups, the server's timing, the other core's
load), more than the few percent motorx may add to PyMongo Async.  The number
of instructions the client process executes per transaction barely moves, so
this script counts them with valgrind's callgrind tool, for the
``test_e2e_bench.py`` transaction case on one task (start a session,
``with_transaction`` with an insert and an update, end the session)::

    python bench/instructions.py                 # motorx and pymongo, 200 transactions
    python bench/instructions.py motorx pymongo motor --txns 300

Each implementation runs twice in a fresh process under valgrind: the
warm-up alone, then the warm-up plus ``--txns`` transactions.  The
difference divided by ``--txns`` is the instructions per transaction, free of
start-up and imports.  Needs ``valgrind`` on PATH (Debian: ``apt install
valgrind``); starts the embedded server like the benchmarks, or uses
``$MONGODB_URI``.  Slow (valgrind runs the client about 50 times slower):
a profiling aid, not part of the benchmark run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The test suite's server helper (tests/embedded_server.py), as bench/demo.py uses it.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from embedded_server import server_uri  # noqa: E402

COLLECTED = re.compile(r"==\d+== Collected : (\d+)")


def child(uri: str, impl: str, warmup: int, txns: int) -> None:
    """The measured process: ``warmup`` + ``txns`` transactions, one task."""
    import test_e2e_bench as bench  # bench/ is sys.path[0] for a script in it
    runner = bench.Runner("asyncio")
    case = bench.TransactionCase(runner, bench.DRIVERS[impl], uri, "instructions", 1, warmup)
    try:
        runner.run(case.setup)
        case.one_round()
        if txns:
            case.per_task = txns
            case.one_round()
        runner.run(case.verify)
    finally:
        runner.run(case.teardown)
        runner.close()


def count(uri: str, impl: str, warmup: int, txns: int) -> int:
    """Instructions the whole child process executed (valgrind's total)."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, os.path.abspath(__file__), "--child", uri, impl, str(warmup), str(txns),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError("valgrind run of %s failed (%s):\n%s" % (impl, done.returncode, done.stderr[-3000:]))
    return int(found.group(1))


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("impls", nargs="*", choices=["motorx", "pymongo", "motor"], default=["motorx", "pymongo"])
    parser.add_argument("--txns", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not on PATH (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    with server_uri() as uri:
        if uri is None:
            print("no server: set MOTORX_SECANTUSD or MONGODB_URI", file=sys.stderr)
            return 2
        per_txn: dict[str, float] = {}
        for impl in args.impls:
            base = count(uri, impl, args.warmup, 0)
            total = count(uri, impl, args.warmup, args.txns)
            per_txn[impl] = (total - base) / args.txns
            print("%-8s %12.0f instructions per transaction" % (impl, per_txn[impl]), flush=True)
        if "motorx" in per_txn:
            for other in ("pymongo", "motor"):
                if other in per_txn:
                    print("motorx / %-7s %.3f" % (other, per_txn["motorx"] / per_txn[other]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
