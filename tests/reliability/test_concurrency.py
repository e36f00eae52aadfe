"""Concurrency (issue 7, point 3): contended increments through with_transaction.

200 tasks, each with its own session, increment one document 10 times, each
increment in its own ``with_transaction``.  Every write conflict (112,
TransientTransactionError) is retried by with_transaction, so the document
ends at exactly 2,000 -- no increment lost, none doubled.

Time budget: on the embedded server (one Python process) 200 contending
tasks cost ~15-30 s per run, mostly in retried conflicts.  The asyncio
flavour runs the full 200 x 10; the tornado flavour, whose only difference is
the event loop, runs 50 x 10 unless MOTORX_SOAK=1 asks for the full run.

(One session used by two tasks at once is the lead's decision, tested in
tests/test_session_concurrency.py.)
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from reliability_support import DB, PoolRecorder

TASKS = 200
INCREMENTS = 10
SOAK = os.environ.get("MOTORX_SOAK") == "1"
POOL_SIZE = 4


def test_contended_increments_end_exact(flavour: Any, sync_client: Any) -> None:
    tasks = TASKS if flavour.name == "asyncio" or SOAK else 50
    coll_name = "contended_%s" % flavour.name
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB][coll_name].insert_one({"_id": "counter", "n": 0})
    pool = PoolRecorder()
    attempts = 0

    async def body() -> None:
        # A small pool: the server (one Python process) is slowest when 200
        # connections fight; 200 concurrent transactions still contend.
        client = flavour.client(listen=True, event_listeners=[pool], maxPoolSize=POOL_SIZE)
        coll = client[DB][coll_name]

        async def increment(s: Any) -> None:
            nonlocal attempts
            attempts += 1
            await coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}}, session=s)

        async def worker() -> None:
            async with await client.start_session() as s:
                for _ in range(INCREMENTS):
                    await s.with_transaction(increment)

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(tasks))), 150)

    flavour.run(body)
    assert sync_client[DB][coll_name].find_one({"_id": "counter"})["n"] == tasks * INCREMENTS
    commits = flavour.commands.count("commitTransaction")
    assert commits >= tasks * INCREMENTS
    assert attempts > tasks * INCREMENTS, "no conflict at all: the increments did not contend"
    assert pool.in_use() == 0
    print(
        "%s: %d increments, %d callback attempts, %d commits"
        % (flavour.name, tasks * INCREMENTS, attempts, commits)
    )


def test_parallel_with_transaction_keeps_sessions_apart(flavour: Any, sync_client: Any) -> None:
    """Sessions in parallel tasks, interleaved at every await, never mix data."""
    tasks = 4
    coll_name = "apart_%s" % flavour.name
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB].create_collection(coll_name)

    async def body() -> None:
        client = flavour.client()
        coll = client[DB][coll_name]

        async def worker(k: int) -> None:
            async with await client.start_session() as s:
                for i in range(20):
                    async def callback(s: Any, i: int = i) -> None:
                        await coll.insert_one({"worker": k, "i": i}, session=s)
                        await asyncio.sleep(0)
                        assert await coll.count_documents({"worker": k}, session=s) == i + 1
                        if i % 2:
                            raise ValueError("rolled back")

                    try:
                        await s.with_transaction(callback)
                    except ValueError:
                        await coll.insert_one({"worker": k, "i": i, "replaced": True}, session=s)

        await asyncio.wait_for(asyncio.gather(*(worker(k) for k in range(tasks))), 60)

    flavour.run(body)
    for k in range(tasks):
        docs = list(sync_client[DB][coll_name].find({"worker": k}, {"_id": 0}).sort("i"))
        assert docs == [
            {"worker": k, "i": i, "replaced": True} if i % 2 else {"worker": k, "i": i} for i in range(20)
        ]
