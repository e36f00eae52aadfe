"""One session, several tasks: motorx's gate, on both flavours against the server.

The rule (README, "One session, one transaction's code"): inside a
transaction a session runs one operation at a time.  Operations of the code
that runs the transaction (the task that started it and the tasks it spawns,
such as a ``gather`` of its operations) that arrive while one is in flight
wait their turn, in call order.  One from unrelated code (a task that existed
before the transaction started) raises InvalidOperation before anything is
sent, and the running one goes on untouched.  Sequential use from several
tasks is fine.  Outside a transaction PyMongo's rules apply and motorx adds
no check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flavours import Flavour
from pymongo import monitoring
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
        go = asyncio.Event()

        async with await client.start_session() as s:

            async def intruding() -> None:
                await go.wait()
                if intruder == "insert_one":
                    await coll.insert_one({"by": "intruder"}, session=s)
                elif intruder == "find_one":
                    await coll.find_one({}, session=s)
                else:
                    await getattr(s, intruder)()

            # Started before the transaction: not the transaction's code.
            intruder_task = asyncio.ensure_future(intruding())
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
                go.set()
                with pytest.raises(InvalidOperation, match=MESSAGE):
                    await intruder_task
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


def test_gathered_operations_of_the_transaction_commit_in_call_order(
    flavour: Flavour, sync_client: Any
) -> None:
    # Motor 3.7.1 races here ("Given transaction number 1 does not match any
    # in-progress transactions"): motorx queues them.
    name = _name(flavour, "gather")

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            await asyncio.gather(*(coll.insert_one({"n": n}, session=s) for n in (1, 2, 3)))

        async def spawned(s: Any) -> None:
            async def insert(n: int) -> None:
                await coll.insert_one({"n": n}, session=s)

            # Coroutines of the transaction's code, each in a task of its own.
            await asyncio.gather(insert(4), insert(5))

        async with await client.start_session() as s:
            flavour.commands.clear()
            await s.with_transaction(callback)
            inserts = flavour.commands.commands("insert")
            assert [c["documents"][0]["n"] for c in inserts] == [1, 2, 3]
            assert inserts[0].get("startTransaction") is True
            assert all("startTransaction" not in c for c in inserts[1:])
            async with s.start_transaction():
                await spawned(s)
        assert sorted(d["n"] for d in sync_client[DB][name].find()) == [1, 2, 3, 4, 5]
        assert flavour.commands.count("commitTransaction") == 2

    flavour.run(body)


def test_end_session_waits_for_the_transactions_operation_in_flight(
    flavour: Flavour, sync_client: Any
) -> None:
    # end_session passes the gate too: gathered after an insert of the open
    # transaction (held 300 ms by the server), it ends the session, aborting
    # the transaction, once the insert is done instead of under it.
    name = _name(flavour, "end")
    events: list[tuple[str, str]] = []

    class Order(monitoring.CommandListener):
        def started(self, event: Any) -> None:
            events.append(("started", event.command_name))

        def succeeded(self, event: Any) -> None:
            events.append(("succeeded", event.command_name))

        def failed(self, event: Any) -> None:
            events.append(("failed", event.command_name))

    async def body() -> None:
        setup = flavour.client()
        client = flavour.client(event_listeners=[Order()])
        coll = await _fresh(client, name)
        block = {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 300}
        async with flavour.fail_point(setup, {"times": 1}, block):
            s = await client.start_session()
            s.start_transaction()
            events.clear()
            inserted, ended = await asyncio.gather(coll.insert_one({"n": 1}, session=s), s.end_session())
        assert inserted.inserted_id is not None and ended is None
        ours = [e for e in events if e[1] in ("insert", "abortTransaction")]
        assert ours == [("started", "insert"), ("succeeded", "insert"),
                        ("started", "abortTransaction"), ("succeeded", "abortTransaction")]
        assert s.has_ended and not s.in_transaction
        with pytest.raises(InvalidOperation, match="ended session"):
            await coll.insert_one({"n": 2}, session=s)
        assert sync_client[DB][name].count_documents({}) == 0  # aborted with the session

    flavour.run(body)


def test_with_transaction_commits_after_an_unawaited_operation(flavour: Flavour, sync_client: Any) -> None:
    # The callback forgets to await its insert: the commit lets it start
    # first and waits its turn at the gate, so the insert is part of the
    # transaction instead of racing its commit.
    name = _name(flavour, "unawaited")

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            coll.insert_one({"n": 1}, session=s)

        async with await client.start_session() as s:
            flavour.commands.clear()
            await s.with_transaction(callback)
        assert flavour.commands.names() == ["insert", "commitTransaction"]
        assert [d["n"] for d in sync_client[DB][name].find()] == [1]

    flavour.run(body)


def test_a_cancelled_queued_call_leaves_the_queue(flavour: Flavour, sync_client: Any) -> None:
    name = _name(flavour, "cancel_queued")

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, name)
        async with await client.start_session() as s:
            async with s.start_transaction():
                await coll.insert_one({"n": 0}, session=s)
                async with flavour.fail_point(
                    client,
                    {"times": 1},
                    {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 300},
                ):
                    first = coll.insert_one({"n": 1}, session=s)
                    queued = coll.insert_one({"n": 2}, session=s)
                    last = coll.insert_one({"n": 3}, session=s)
                    await asyncio.sleep(0.1)
                    assert not first.done() and not queued.done()
                    queued.cancel()
                    await first
                    await last
                assert queued.cancelled()
        assert sorted(d["n"] for d in sync_client[DB][name].find()) == [0, 1, 3]

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
