"""Motor's cursor members on both flavours: find cursors, command cursors, latent cursors."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from pymongo import ASCENDING, CursorType
from pymongo.collation import Collation
from pymongo.errors import InvalidOperation, OperationFailure

if TYPE_CHECKING:
    # Only a type (the fixture comes from conftest.py).
    from flavours import Flavour

DB = "motorx_api"
N = 120


async def _fill(coll: Any) -> None:
    await coll.drop()
    await coll.insert_many([{"_id": i, "g": i % 3} for i in range(N)])


def test_find_cursor_iterates_many_batches_every_way(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client(listen=True)[DB]["cur_" + flavour.name]
        await _fill(coll)
        flavour.commands.clear()

        cursor = coll.find({}, sort=[("_id", 1)]).batch_size(7)
        assert cursor.alive and cursor.cursor_id is None and cursor.address is None
        assert cursor.collection is coll and cursor.session is None
        first = await cursor.to_list(10)
        assert [d["_id"] for d in first] == list(range(10))
        assert cursor.cursor_id and cursor.address is not None
        assert (await cursor.next())["_id"] == 10
        rest = [d["_id"] async for d in cursor]
        assert rest == list(range(11, N))
        assert not cursor.alive
        assert await cursor.to_list(None) == []
        with pytest.raises(StopAsyncIteration):
            await cursor.next()
        assert flavour.commands.count("find") == 1
        assert flavour.commands.count("getMore") == (N - 1) // 7  # batches of 7 after the first

        # rewind: a plain call, starts over with the same options.
        assert cursor.rewind() is cursor
        assert [d["_id"] for d in await cursor.to_list(None)] == list(range(N))

        # clone: same options, independent iteration.
        base = coll.find({"g": 1}).sort("_id", -1).limit(5)
        copy = base.clone()
        assert isinstance(copy, flavour.Cursor) and copy is not base
        assert [d["_id"] async for d in base] == [d["_id"] for d in await copy.to_list(None)]

        # A partly read cursor rewound while open: the old server cursor is killed.
        partly = coll.find().batch_size(5)
        await partly.next()
        partly.rewind()
        assert len(await partly.to_list(None)) == N
        await asyncio.sleep(0.1)  # the background killCursors
        assert flavour.commands.count("killCursors") == 1

        # close: the server cursor is killed, the cursor is dead.
        closing = coll.find().batch_size(3)
        assert len(await closing.to_list(3)) == 3  # the first batch, all read
        await closing.close()
        assert not closing.alive
        assert flavour.commands.count("killCursors") == 2

        async with coll.find().batch_size(2) as scoped:
            await scoped.to_list(2)
        assert not scoped.alive
        assert flavour.commands.count("killCursors") == 3

    flavour.run(body)


def test_deprecated_fetch_next_next_object_and_each(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client()[DB]["cur_old_" + flavour.name]
        await _fill(coll)
        cursor = coll.find({"_id": {"$lt": 25}}, sort=[("_id", 1)], batch_size=4)
        seen = []
        with pytest.deprecated_call():
            while await cursor.fetch_next:
                with pytest.deprecated_call():
                    seen.append(cursor.next_object()["_id"])
        assert seen == list(range(25))
        with pytest.deprecated_call():
            assert cursor.next_object() is None

        # fetch_next then next()/to_list: the fetched document is not lost.
        cursor = coll.find({"_id": {"$lt": 3}}, sort=[("_id", 1)])
        with pytest.deprecated_call():
            assert await cursor.fetch_next
        assert cursor.alive
        assert [d["_id"] for d in await cursor.to_list(None)] == [0, 1, 2]

        # each: returns at once, callback(doc, None) per document then (None, None).
        done: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        docs: list[Any] = []

        def callback(doc: Any, error: Any) -> None:
            assert error is None
            if doc is None:
                done.set_result(docs)
            else:
                docs.append(doc["_id"])

        assert coll.find({"g": 0}, sort=[("_id", 1)], batch_size=5).each(callback) is None
        assert await asyncio.wait_for(done, 10) == list(range(0, N, 3))

        # Returning exactly False stops iteration early.
        stopped: list[Any] = []
        stopping = coll.find(sort=[("_id", 1)])
        stopping.each(lambda doc, err: stopped.append(doc["_id"]) or len(stopped) < 3)
        for _ in range(100):
            if len(stopped) >= 3:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
        assert stopped == [0, 1, 2]
        assert stopping.alive  # stopping early leaves the cursor open, as in Motor
        await stopping.close()
        with pytest.raises(TypeError, match="callback must be a callable"):
            coll.find().each("not callable")

    flavour.run(body)


def test_chaining_modifiers_reach_the_find_command(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client(listen=True)[DB]["cur_mod_" + flavour.name]
        await _fill(coll)
        await coll.create_index([("g", ASCENDING), ("_id", ASCENDING)])
        flavour.commands.clear()
        cursor = (
            coll.find({"g": {"$gte": 0}})
            .sort([("_id", -1)])
            .skip(2)
            .limit(4)
            .batch_size(3)
            .hint([("g", ASCENDING), ("_id", ASCENDING)])
            .max_time_ms(5000)
            .comment("motorx-cursor")
            .collation(Collation("en"))
            .allow_disk_use(True)
            .min([("g", 0), ("_id", 0)])
            .max([("g", 3), ("_id", 1000)])
        )
        for chained in (cursor.add_option(0), cursor.remove_option(0), cursor.max_scan(None)):
            assert chained is cursor
        docs = await cursor.to_list(None)
        assert [d["_id"] for d in docs] == [117, 116, 115, 114]
        sent = flavour.commands.commands("find")[0]
        assert sent["sort"] == {"_id": -1} and sent["skip"] == 2 and sent["limit"] == 4
        assert sent["batchSize"] == 3 and sent["maxTimeMS"] == 5000 and sent["comment"] == "motorx-cursor"
        assert sent["hint"] == {"g": 1, "_id": 1} and sent["collation"]["locale"] == "en"
        assert sent["allowDiskUse"] is True and sent["min"] == {"g": 0, "_id": 0}
        # $where reaches the server (which, without JavaScript, refuses it).
        with pytest.raises(OperationFailure):
            await coll.find().where("this.g == 1").to_list(None)
        assert str(flavour.commands.commands("find")[-1]["filter"]["$where"]) == "this.g == 1"
        assert sorted(await coll.find({"_id": {"$lt": 6}}).distinct("g")) == [0, 1, 2]
        assert "queryPlanner" in await coll.find({"g": 1}).explain()

        # Modifiers after iteration started are refused, as in PyMongo.
        started = coll.find()
        await started.next()
        with pytest.raises(InvalidOperation):
            started.limit(1)
        await started.close()

        tailable = coll.find(cursor_type=CursorType.TAILABLE)
        with pytest.raises(InvalidOperation, match="Can't call to_list on tailable cursor"):
            await tailable.to_list(None)
        assert coll.find().add_option(2) is not None
        with pytest.raises(InvalidOperation, match="tailable"):
            await coll.find().add_option(2).to_list(1)
        with pytest.raises(TypeError):
            coll.find().add_option("2")
        with pytest.raises(TypeError, match="length must be an int"):
            await coll.find().to_list("1")

    flavour.run(body)


def test_latent_command_cursor_sends_its_command_on_first_iteration(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client(listen=True)[DB]["cur_lat_" + flavour.name]
        await _fill(coll)
        flavour.commands.clear()
        latent = coll.aggregate([{"$match": {"g": 2}}, {"$sort": {"_id": 1}}]).batch_size(4)
        assert isinstance(latent, flavour.CommandCursor)
        assert latent.alive and latent.cursor_id is None and latent.delegate is None
        await asyncio.sleep(0.05)
        assert flavour.commands.names() == [], "nothing may be sent before iteration"
        assert (await latent.next())["_id"] == 2
        assert flavour.commands.names() == ["aggregate"]
        assert flavour.commands.commands("aggregate")[0]["cursor"] == {"batchSize": 4}
        assert [d["_id"] async for d in latent] == list(range(5, N, 3))
        assert flavour.commands.count("getMore") >= 9
        assert not latent.alive

        # Closed before it started: never sends anything.
        flavour.commands.clear()
        never = coll.aggregate([])
        await never.close()
        assert not never.alive and await never.to_list(None) == []
        assert flavour.commands.names() == []

        # A database aggregate, try_next, fetch_next on a latent cursor.
        docs = await coll.database.aggregate([{"$documents": [{"a": 1}, {"a": 2}]}]).to_list(None)
        assert docs == [{"a": 1}, {"a": 2}]
        tried = coll.aggregate([{"$match": {"_id": {"$lt": 2}}}])
        assert (await tried.try_next())["_id"] in (0, 1)
        with pytest.deprecated_call():
            assert await tried.fetch_next
        assert await tried.to_list(None) != []

    flavour.run(body)


def test_awaited_command_cursors(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        db = client[DB]
        coll = db["cur_cmd_" + flavour.name]
        await _fill(coll)
        listed = await db.list_collections(filter={"name": coll.name})
        assert isinstance(listed, flavour.CommandCursor)
        assert [c["name"] for c in await listed.to_list(None)] == [coll.name]
        by_command = await db.cursor_command("find", coll.name, batchSize=50)
        assert isinstance(by_command, flavour.CommandCursor) and by_command.cursor_id
        assert len(await by_command.to_list(None)) == N
        databases = await client.list_databases()
        assert isinstance(databases, flavour.CommandCursor)
        assert DB in [d["name"] async for d in databases]
        from_try = await db.cursor_command("find", coll.name, batchSize=1)
        assert (await from_try.try_next())["_id"] == 0
        await from_try.close()
        assert not from_try.alive and await from_try.try_next() is None

    flavour.run(body)


def test_tornado_gen_coroutine_iterates_with_fetch_next(mongodb_uri: str) -> None:
    """Motor-era tornado code: ``while (yield cursor.fetch_next): cursor.next_object()``."""
    from tornado import gen
    from tornado.ioloop import IOLoop

    from motorx.motor_tornado import MotorClient

    @gen.coroutine
    def legacy(collection: Any) -> Any:
        ids = []
        cursor = collection.find({}, sort=[("_id", 1)], batch_size=4)
        while (yield cursor.fetch_next):
            ids.append(cursor.next_object()["_id"])
        docs = yield collection.find({"_id": {"$lt": 3}}).to_list(None)
        return ids, len(docs)

    async def body() -> None:
        client = MotorClient(mongodb_uri)
        try:
            coll = client[DB].cur_tornado_legacy
            await _fill(coll)
            with pytest.deprecated_call():
                ids, count = await legacy(coll)
            assert ids == list(range(N)) and count == 3
        finally:
            await client.close()

    io_loop = IOLoop(make_current=False)
    try:
        io_loop.run_sync(body)
    finally:
        io_loop.close(all_fds=True)
