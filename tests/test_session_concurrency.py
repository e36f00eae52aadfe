"""One session, two tasks: motorx's rule, on both flavours against the server.

The rule (README, "One session, one task"): a transaction belongs to the task
that runs its first operation.  Another task's operation, commit or abort on
that session while the transaction is active raises InvalidOperation before
anything is sent, and the owner's transaction goes on untouched.  Outside a
transaction PyMongo's rules apply and motorx adds no check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flavours import Flavour
from pymongo.errors import InvalidOperation

DB = "motorx_test"
MESSAGE = "This session's transaction belongs to another task"


async def _fresh(client: Any, name: str) -> Any:
    coll = client[DB][name]
    await coll.drop()
    await client[DB].create_collection(name)
    return coll


def _name(flavour: Flavour, what: str) -> str:
    return "conc_%s_%s" % (what, flavour.name)


@pytest.mark.parametrize("intruder", ["insert_one", "find_one", "commit_transaction", "abort_transaction"])
def test_another_task_cannot_use_an_owned_transaction(
    flavour: Flavour, sync_client: Any, intruder: str
) -> None:
    name = _name(flavour, intruder)

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, name)
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({"by": "owner"}, session=s)  # the owner's first operation

            async def other_task() -> Any:
                if intruder == "insert_one":
                    return await coll.insert_one({"by": "intruder"}, session=s)
                if intruder == "find_one":
                    return await coll.find_one({}, session=s)
                return await getattr(s, intruder)()

            flavour.commands.clear()
            with pytest.raises(InvalidOperation, match=MESSAGE):
                await asyncio.ensure_future(other_task())
            assert flavour.commands.names() == []  # refused before anything was sent
            assert s.in_transaction
            await coll.insert_one({"by": "owner", "n": 2}, session=s)
            await s.commit_transaction()
        assert sorted(d.get("n", 1) for d in sync_client[DB][name].find({"by": "owner"})) == [1, 2]
        assert sync_client[DB][name].count_documents({"by": "intruder"}) == 0

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


def test_a_new_transaction_has_no_owner_until_its_first_operation(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, _name(flavour, "new_owner"))
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({}, session=s)
            await s.commit_transaction()

            # The next transaction may be driven from another task entirely.
            async def elsewhere() -> None:
                async with s.start_transaction():
                    await coll.insert_one({}, session=s)

            await asyncio.ensure_future(elsewhere())
            assert await coll.count_documents({}) == 2

    flavour.run(body)
