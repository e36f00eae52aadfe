"""motorx used the way a Motor user writes it, checked by ``mypy --strict``.

Never run: tests/test_typing.py type-checks this file against the installed
motorx and requires zero errors. Annotated assignments are how Motor users
name the flavour's classes; ``assert_type`` pins what each call promises
(documents stay ``Any``, as with an unparameterised Motor client).
"""

from __future__ import annotations

from typing import Any, Optional

from pymongo.results import InsertOneResult
from typing_extensions import assert_type, reveal_type

from motorx.motor_asyncio import (
    AsyncIOMotorClient,
    AsyncIOMotorClientSession,
    AsyncIOMotorCollection,
    AsyncIOMotorCursor,
    AsyncIOMotorDatabase,
)
from motorx.motor_tornado import (
    MotorClient,
    MotorClientSession,
    MotorCollection,
    MotorDatabase,
)


async def asyncio_flavour() -> None:
    client = AsyncIOMotorClient("mongodb://localhost:27017/?replicaSet=rs0")
    # A Motor user annotates with the flavour's classes; the flavour's client
    # hands out the flavour's database, collection, cursor and session.
    db: AsyncIOMotorDatabase = client["shop"]
    orders: AsyncIOMotorCollection = db["orders"]
    also_orders: AsyncIOMotorCollection = client.shop.orders

    doc = await orders.find_one({"_id": 1})
    reveal_type(doc)
    assert_type(doc, Optional[Any])

    inserted = await orders.insert_one({"_id": 2})
    assert_type(inserted, InsertOneResult)
    assert_type(await orders.count_documents({}), int)

    cursor: AsyncIOMotorCursor = orders.find({"total": {"$gt": 10}}).sort("total").limit(5)
    async for order in cursor:
        reveal_type(order)
    assert_type(await orders.find().to_list(None), list[Any])
    assert_type(await also_orders.aggregate([{"$match": {}}]).to_list(length=10), list[Any])

    async with await client.start_session() as session:
        s: AsyncIOMotorClientSession = session
        assert_type(s.in_transaction, bool)

        async def place_order(txn: AsyncIOMotorClientSession) -> int:
            await orders.insert_one({"_id": 3}, session=txn)
            return 3

        # The callback's return type comes back through with_transaction.
        order_id = await s.with_transaction(place_order)
        reveal_type(order_id)
        assert_type(order_id, int)

        async with s.start_transaction():
            await orders.delete_one({"_id": 3}, session=s)

    assert_type(await client.list_database_names(), list[str])
    client.close()


async def tornado_flavour() -> None:
    client = MotorClient("mongodb://localhost:27017/?replicaSet=rs0")
    db: MotorDatabase = client.get_database("shop")
    orders: MotorCollection = db.get_collection("orders")
    assert_type(await orders.find_one({}), Optional[Any])

    async with await client.start_session() as session:
        s: MotorClientSession = session

        async def label(txn: MotorClientSession) -> str:
            await orders.update_one({"_id": 1}, {"$set": {"label": "x"}}, session=txn)
            return "x"

        assert_type(await s.with_transaction(label), str)
    client.close()
