"""Concurrency (issue 7, point 3): contended increments through with_transaction.

200 tasks, each with its own session, increment one document 10 times, each
increment a read-modify-write in its own ``with_transaction``.  Every write
conflict (112, TransientTransactionError) is retried by with_transaction, so
the document ends at exactly 2,000 -- no increment lost, none doubled.

(One session used by two tasks at once is a separate, open decision of the
lead; it is not tested here.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from reliability_support import DB, PoolRecorder

TASKS = 200
INCREMENTS = 10
POOL_SIZE = 4


def test_contended_increments_end_exact(flavour: Any, sync_client: Any) -> None:
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

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(TASKS))), 100)

    flavour.run(body)
    assert sync_client[DB][coll_name].find_one({"_id": "counter"})["n"] == TASKS * INCREMENTS
    commits = flavour.commands.count("commitTransaction")
    assert commits >= TASKS * INCREMENTS
    assert attempts >= TASKS * INCREMENTS
    assert pool.in_use() == 0
    print(
        "%s: %d increments, %d callback attempts, %d commits"
        % (flavour.name, TASKS * INCREMENTS, attempts, commits)
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
