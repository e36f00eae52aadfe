"""One session, two tasks: motorx's rule, on both flavours against the server.

The rule (README, "One session, one task"): inside a transaction a session
runs one operation at a time.  An operation, commit or abort started while
another operation of the transaction is in flight (another task sharing the
session) raises InvalidOperation before anything is sent, and the running one
goes on untouched.  Sequential use from several tasks (``asyncio.wait_for``
wraps a call in a task on Python < 3.12) is fine.  Outside a transaction
PyMongo's rules apply and motorx adds no check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flavours import Flavour
from pymongo.errors import InvalidOperation

DB = "motorx_test"
MESSAGE = "This session is running another operation of its transaction"


async def _fresh(client: Any, name: str) -> Any:
    coll = client[DB][name]
    await coll.drop()
    await client[DB].create_collection(name)
    return coll


def _name(flavour: Flavour, what: str) -> str:
    return "conc_%s_%s" % (what, flavour.name)


@pytest.mark.parametrize("intruder", ["insert_one", "find_one", "commit_transaction", "abort_transaction"])
def test_a_second_operation_while_one_is_in_flight_is_refused(
    flavour: Flavour, sync_client: Any, intruder: str
) -> None:
    name = _name(flavour, intruder)

    async def body() -> None:
        # blockConnection holds the owner's insert on the server for 300 ms.
        client = flavour.client(listen=True)
        coll = await _fresh(client, name)
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({"by": "owner", "n": 1}, session=s)
            async with flavour.fail_point(
                client,
                {"times": 1},
                {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 300},
            ):
                in_flight = asyncio.ensure_future(coll.insert_one({"by": "owner", "n": 2}, session=s))
                await asyncio.sleep(0.1)
                assert not in_flight.done()
                flavour.commands.clear()
                with pytest.raises(InvalidOperation, match=MESSAGE):
                    if intruder == "insert_one":
                        await coll.insert_one({"by": "intruder"}, session=s)
                    elif intruder == "find_one":
                        await coll.find_one({}, session=s)
                    else:
                        await getattr(s, intruder)()
                assert flavour.commands.names() == []  # refused before anything was sent
                await in_flight
            assert s.in_transaction
            await s.commit_transaction()
        assert sorted(d["n"] for d in sync_client[DB][name].find({"by": "owner"})) == [1, 2]
        assert sync_client[DB][name].count_documents({"by": "intruder"}) == 0

    flavour.run(body)


def test_sequential_use_from_other_tasks_is_fine(flavour: Flavour, sync_client: Any) -> None:
    name = _name(flavour, "sequential")

    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, name)
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({"n": 1}, session=s)
            # wait_for and ensure_future run each call in a task of its own.
            await asyncio.wait_for(coll.insert_one({"n": 2}, session=s), 10)
            await asyncio.ensure_future(coll.insert_one({"n": 3}, session=s))
            await asyncio.wait_for(s.commit_transaction(), 10)
        assert sorted(d["n"] for d in sync_client[DB][name].find()) == [1, 2, 3]

    flavour.run(body)


def test_gather_inside_with_transaction_is_refused_and_nothing_commits(
    flavour: Flavour, sync_client: Any
) -> None:
    name = _name(flavour, "gather")

    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            # gather runs each insert in its own task: two tasks, one transaction.
            await asyncio.gather(
                coll.insert_one({"n": 1}, session=s), coll.insert_one({"n": 2}, session=s)
            )

        async with await client.start_session() as s:
            with pytest.raises(InvalidOperation, match=MESSAGE):
                await s.with_transaction(callback)
            assert not s.in_transaction
            # The session is still usable, by one task at a time.
            await s.with_transaction(lambda s: coll.insert_one({"n": 3}, session=s))
        assert [d["n"] for d in sync_client[DB][name].find()] == [3]

    flavour.run(body)


def test_two_with_transactions_at_once_the_second_is_refused(flavour: Flavour, sync_client: Any) -> None:
    name = _name(flavour, "two_wt")

    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, name)
        first_running = asyncio.Event()
        release = asyncio.Event()

        async def slow(s: Any) -> str:
            await coll.insert_one({"by": "first"}, session=s)
            first_running.set()
            await release.wait()
            return "first"

        async with await client.start_session() as s:
            first = asyncio.ensure_future(s.with_transaction(slow))
            await first_running.wait()
            with pytest.raises(InvalidOperation, match="Transaction already in progress"):
                await s.with_transaction(lambda s: coll.insert_one({"by": "second"}, session=s))
            release.set()
            assert await first == "first"
        assert [d["by"] for d in sync_client[DB][name].find()] == ["first"]

    flavour.run(body)


def test_outside_a_transaction_motorx_adds_no_check(flavour: Flavour, sync_client: Any) -> None:
    name = _name(flavour, "no_txn")

    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, name)
        async with await client.start_session() as s:
            await asyncio.gather(*(coll.insert_one({"n": i}, session=s) for i in range(4)))
        assert sorted(d["n"] for d in sync_client[DB][name].find()) == [0, 1, 2, 3]

    flavour.run(body)
