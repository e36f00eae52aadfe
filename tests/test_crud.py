"""Motor's CRUD slice on both flavours, with and without ``session=``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import InvalidOperation
from pymongo.results import InsertManyResult, InsertOneResult

if TYPE_CHECKING:
    # Only a type (the fixture comes from conftest.py).
    from flavours import Flavour


def test_database_and_collection_access_by_attribute_and_item(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        by_attr = client.motorx_test.orders
        by_item = client["motorx_test"]["orders"]
        assert isinstance(client.motorx_test, flavour.Database)
        assert isinstance(by_attr, flavour.Collection)
        assert by_attr == by_item
        assert by_attr.full_name == "motorx_test.orders"
        assert by_attr.database.client is client
        assert client.motorx_test.fs.files.full_name == "motorx_test.fs.files"
        with pytest.raises(AttributeError, match=r"use client\['_private'\]"):
            client._private  # noqa: B018
        with pytest.raises(AttributeError, match="use database"):
            client.motorx_test._private  # noqa: B018

    flavour.run(body)


def test_crud_round_trip(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client().motorx_test["crud_" + flavour.name]
        await coll.drop()
        one = await coll.insert_one({"_id": 1, "sku": "a", "qty": 1})
        assert isinstance(one, InsertOneResult) and one.inserted_id == 1
        many = await coll.insert_many([{"_id": 2, "sku": "b", "qty": 2}, {"_id": 3, "sku": "c", "qty": 3}])
        assert isinstance(many, InsertManyResult) and many.inserted_ids == [2, 3]
        assert (await coll.find_one({"_id": 2}))["sku"] == "b"
        assert (await coll.update_one({"_id": 1}, {"$inc": {"qty": 10}})).modified_count == 1
        assert (await coll.update_many({"qty": {"$gte": 2}}, {"$set": {"big": True}})).modified_count == 3
        assert (await coll.replace_one({"_id": 3}, {"sku": "z"})).modified_count == 1
        after = await coll.find_one_and_update(
            {"_id": 2}, {"$set": {"qty": 20}}, return_document=ReturnDocument.AFTER
        )
        assert after["qty"] == 20
        assert await coll.count_documents({}) == 3
        assert await coll.count_documents({"big": True}) == 2
        docs = await coll.find({}, sort=[("_id", 1)]).to_list(None)
        assert [d["_id"] for d in docs] == [1, 2, 3]
        assert docs[0]["qty"] == 11 and docs[2] == {"_id": 3, "sku": "z"}
        assert [d["_id"] async for d in coll.find().sort("_id", -1).limit(2)] == [3, 2]
        assert await coll.find().to_list(0) == []
        assert len(await coll.find().to_list(2)) == 2
        counted = await coll.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]).to_list(None)
        assert counted == [{"_id": None, "n": 3}]
        assert (await coll.delete_one({"_id": 1})).deleted_count == 1
        assert (await coll.delete_many({})).deleted_count == 2
        assert await coll.count_documents({}) == 0

    flavour.run(body)


def test_find_and_aggregate_return_cursors_synchronously(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client(listen=True).motorx_test.cursors
        await coll.drop()
        await coll.insert_many([{"i": i} for i in range(5)])
        flavour.commands.clear()
        cursor = coll.find({"i": {"$lt": 3}})
        latent = coll.aggregate([{"$match": {"i": {"$gte": 3}}}])
        assert isinstance(cursor, flavour.Cursor)
        assert isinstance(latent, flavour.CommandCursor)
        # Nothing is sent until the cursors are iterated, as in Motor.
        assert flavour.commands.names() == []
        assert len(await cursor.to_list(None)) == 3
        assert sorted([d["i"] async for d in latent]) == [3, 4]
        assert flavour.commands.names() == ["find", "aggregate"]

    flavour.run(body)


def test_to_list_rejects_a_bad_length(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client().motorx_test.cursors
        with pytest.raises(TypeError, match="length must be an int"):
            await coll.find().to_list("3")
        with pytest.raises(ValueError, match="length must be non-negative"):
            await coll.find().to_list(-1)
        with pytest.raises(ValueError, match="length must be non-negative"):
            await coll.aggregate([]).to_list(-1)

    flavour.run(body)


def test_every_crud_method_runs_in_a_transaction_with_session(flavour: Flavour, sync_client: Any) -> None:
    """Each method honours ``session=``: inside an aborted transaction nothing persists."""

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client.motorx_test["in_txn_" + flavour.name]
        await coll.drop()
        await coll.insert_many([{"_id": i, "qty": i} for i in range(1, 4)])
        flavour.commands.clear()
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({"_id": 10}, session=s)
            await coll.insert_many([{"_id": 11}, {"_id": 12}], session=s)
            assert (await coll.find_one({"_id": 10}, session=s)) == {"_id": 10}
            await coll.update_one({"_id": 1}, {"$set": {"qty": 100}}, session=s)
            await coll.update_many({}, {"$set": {"touched": True}}, session=s)
            await coll.replace_one({"_id": 2}, {"qty": 200}, session=s)
            await coll.delete_one({"_id": 3}, session=s)
            await coll.find_one_and_update({"_id": 11}, {"$set": {"x": 1}}, session=s)
            # Inside the transaction the session sees its own writes...
            assert await coll.count_documents({}, session=s) == 5
            assert len(await coll.find({}, session=s).to_list(None)) == 5
            assert len(await coll.aggregate([], session=s).to_list(None)) == 5
            await coll.delete_many({"_id": {"$gte": 10}}, session=s)
            # ...and outside it the collection is untouched.
            assert sync_client.motorx_test["in_txn_" + flavour.name].count_documents({}) == 3
            await s.abort_transaction()
        sent = [e for e in flavour.commands.started_events if e.command_name != "abortTransaction"]
        assert {e.command_name for e in sent} >= {"insert", "find", "update", "delete", "aggregate", "findAndModify"}
        lsids = {e.command["lsid"]["id"] for e in sent}
        assert len(lsids) == 1, "every operation must carry the session's lsid"
        assert all(e.command.get("autocommit") is False for e in sent)
        assert sum(1 for e in sent if e.command.get("startTransaction")) == 1
        docs = list(sync_client.motorx_test["in_txn_" + flavour.name].find({}, sort=[("_id", 1)]))
        assert docs == [{"_id": 1, "qty": 1}, {"_id": 2, "qty": 2}, {"_id": 3, "qty": 3}]

    flavour.run(body)


def test_session_may_be_passed_positionally(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.motorx_test["positional_" + flavour.name]
        await coll.drop()
        async with await client.start_session() as s:
            async with s.start_transaction():
                # insert_one(document, bypass_document_validation, session)
                await coll.insert_one({"_id": ObjectId()}, None, s)
        assert sync_client.motorx_test["positional_" + flavour.name].count_documents({}) == 1

    flavour.run(body)


def test_session_of_another_client_is_refused_as_pymongo_does(flavour: Flavour) -> None:
    async def body() -> None:
        one, other = flavour.client(), flavour.client()
        async with await other.start_session() as s:
            with pytest.raises(InvalidOperation, match="Can only use session with the AsyncMongoClient that started it"):
                await one.motorx_test.x.insert_one({}, session=s)

    flavour.run(body)


def test_an_object_that_is_not_a_session_is_refused_as_pymongo_does(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client().motorx_test.x
        with pytest.raises(ValueError, match="'session' argument must be an AsyncClientSession or None"):
            await coll.insert_one({}, session="not a session")

    flavour.run(body)


def test_io_loop_argument_is_type_checked(flavour: Flavour) -> None:
    with pytest.raises(TypeError, match="io_loop must be instance of"):
        flavour.Client(flavour.uri, io_loop="not a loop")

    async def body() -> None:
        if flavour.name == "asyncio":
            loop: Any = asyncio.get_running_loop()
        else:
            from tornado.ioloop import IOLoop

            loop = IOLoop.current()
            with pytest.raises(TypeError, match="io_loop must be instance of IOLoop"):
                flavour.Client(flavour.uri, io_loop=asyncio.get_running_loop())
        client = flavour.client(io_loop=loop)
        assert client.get_io_loop() is loop
        assert client.motorx_test.x.get_io_loop() is loop
        assert (await client.admin.command("ping"))["ok"] == 1

    flavour.run(body)


def test_tornado_flavour_runs_on_tornado_ioloop(mongodb_uri: str) -> None:
    from tornado import gen
    from tornado.ioloop import IOLoop

    from motorx.motor_tornado import MotorClient

    @gen.coroutine
    def legacy_style(client: Any) -> Any:
        # Motor-era tornado code yields motorx coroutines from gen.coroutine.
        result = yield client.motorx_test.tornado_style.insert_one({"x": 1})
        found = yield client.motorx_test.tornado_style.find_one({"_id": result.inserted_id})
        return found

    async def body() -> None:
        client = MotorClient(mongodb_uri)
        try:
            assert client.get_io_loop() is IOLoop.current()
            found = await legacy_style(client)
            assert found["x"] == 1
        finally:
            await client.close()

    io_loop = IOLoop(make_current=False)
    try:
        io_loop.run_sync(body)
    finally:
        io_loop.close(all_fds=True)
