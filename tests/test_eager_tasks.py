"""Motor's call model and the session gate on a loop whose tasks start eagerly.

Python 3.12 added ``asyncio.eager_task_factory``, which workers turn on for
speed: a task then runs its first steps inside ``create_task``.  motorx
starts an operation nobody awaited as a task of its own, and a ``gather`` of
a transaction's coroutines makes tasks too, so with that factory those run
at once, inside motorx's start handle or the caller's ``gather``.  Call
order, the gate's queue and the transaction's claim must hold all the same.
Both flavours (tornado runs on the asyncio loop it is given).
``scripts/test`` runs these in run 4, on the newest Python 3.12+ it finds.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from flavours import Flavour
from pymongo.errors import InvalidOperation

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 12),
    reason="asyncio.eager_task_factory is new in Python 3.12 (run 4 of scripts/test runs these)",
)

DB = "motorx_test"


def _eager() -> None:
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined, unused-ignore]

    async def nothing() -> None:
        pass

    # An eager task that never suspends is done when create_task returns.
    assert asyncio.ensure_future(nothing()).done(), "tasks do not start eagerly on this loop"


def test_operations_not_awaited_start_in_call_order(flavour: Flavour, sync_client: Any) -> None:
    name = "eager_order_%s" % flavour.name

    async def body() -> None:
        _eager()
        client = flavour.client(maxPoolSize=1)
        coll = client[DB][name]
        await coll.drop()
        first, second = coll.insert_one({"_id": 1}), coll.insert_one({"_id": 2})
        # Awaited third, called third: both inserts started before it.
        assert await coll.count_documents({}) == 2
        assert first.done() and second.done()
        # Cancelled before its start: it never runs, eager or not.
        never = coll.insert_one({"_id": 3})
        assert never.cancel()
        await asyncio.sleep(0.2)
        assert await coll.count_documents({}) == 2

    flavour.run(body)
    assert sorted(d["_id"] for d in sync_client[DB][name].find()) == [1, 2]


def test_gathered_operations_of_a_transaction_commit_in_call_order(
    flavour: Flavour, sync_client: Any
) -> None:
    name = "eager_gather_%s" % flavour.name

    async def body() -> None:
        _eager()
        client = flavour.client(listen=True)
        coll = client[DB][name]
        await coll.drop()
        await client[DB].create_collection(name)

        async def insert(s: Any, n: int) -> None:
            await coll.insert_one({"n": n}, session=s)

        async def callback(s: Any) -> None:
            # Futures, then coroutines gather makes (eager) tasks of: all are
            # the transaction's own code and queue at its gate.
            await asyncio.gather(*(coll.insert_one({"n": n}, session=s) for n in (1, 2, 3)))
            await asyncio.gather(insert(s, 4), insert(s, 5))

        async with await client.start_session() as s:
            flavour.commands.clear()
            await s.with_transaction(callback)
            inserts = flavour.commands.commands("insert")
            assert [c["documents"][0]["n"] for c in inserts] == [1, 2, 3, 4, 5]
            assert inserts[0].get("startTransaction") is True
            assert all("startTransaction" not in c for c in inserts[1:])
        assert flavour.commands.count("commitTransaction") == 1

    flavour.run(body)
    assert sorted(d["n"] for d in sync_client[DB][name].find()) == [1, 2, 3, 4, 5]


def test_a_task_from_before_the_transaction_is_still_refused(flavour: Flavour, sync_client: Any) -> None:
    name = "eager_intruder_%s" % flavour.name

    async def body() -> None:
        _eager()
        client = flavour.client()
        coll = client[DB][name]
        await coll.drop()
        await client[DB].create_collection(name)
        go = asyncio.Event()

        async with await client.start_session() as s:

            async def intruding() -> None:
                await go.wait()
                await coll.insert_one({"by": "intruder"}, session=s)

            # Started (eagerly, up to its wait) before the transaction: not its code.
            intruder = asyncio.ensure_future(intruding())
            async with s.start_transaction():
                owner = coll.insert_one({"by": "owner"}, session=s)
                go.set()
                with pytest.raises(InvalidOperation, match="another operation of its transaction"):
                    await intruder
                await owner

    flavour.run(body)
    assert [d["by"] for d in sync_client[DB][name].find()] == ["owner"]
