"""Code typed against Motor 3.7.1, checked by ``mypy --strict`` on Motor and on motorx.

Never run. tests/test_typing.py type-checks this file as it is, against
Motor's own stubs, and a copy with the ``motor`` imports changed to
``motorx`` (``from motor.x`` -> ``from motorx.x``, ``import motor`` ->
``import motorx as motor``): both must check cleanly.  Assignments to
annotated names pin the document types (no reveal_type, which differs in
wording between the two).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, MutableMapping, Optional

from typing_extensions import TypedDict

import motor
from motor.core import (
    AgnosticChangeStream,
    AgnosticClient,
    AgnosticCollection,
    AgnosticCommandCursor,
    AgnosticCursor,
    AgnosticDatabase,
    AgnosticLatentCommandCursor,
)
from motor.motor_asyncio import (
    AsyncIOMotorChangeStream,
    AsyncIOMotorClient,
    AsyncIOMotorClientSession,
    AsyncIOMotorCollection,
    AsyncIOMotorCommandCursor,
    AsyncIOMotorCursor,
    AsyncIOMotorDatabase,
    AsyncIOMotorLatentCommandCursor,
)
from motor.motor_gridfs import AgnosticGridFSBucket
from motor.motor_tornado import MotorClient, MotorCollection, MotorCursor, MotorDatabase

Doc = Dict[str, Any]


class Movie(TypedDict):
    title: str
    year: int


def summarise(
    collection: AgnosticCollection[Doc],
    database: AgnosticDatabase[Doc],
    client: AgnosticClient[Doc],
) -> str:
    """Motor code annotates with the agnostic classes; every flavour's fit."""
    return f"{client}/{database.name}/{collection.name}"


async def first(cursor: AgnosticCursor[Doc]) -> Doc:
    return await cursor.next()


async def asyncio_flavour() -> None:
    client: AsyncIOMotorClient[Doc] = AsyncIOMotorClient("mongodb://localhost:27017")
    db: AsyncIOMotorDatabase[Doc] = client["shop"]
    orders: AsyncIOMotorCollection[Doc] = db["orders"]
    # client["db"]["coll"], attribute access and get_* keep the document type.
    same: AsyncIOMotorCollection[Doc] = client.shop.orders
    also: AsyncIOMotorCollection[Doc] = client["shop"]["orders"]
    got: AsyncIOMotorCollection[Doc] = client.get_database("shop").get_collection("orders")
    sub: AsyncIOMotorCollection[Doc] = orders.archive
    summarise(orders, db, client)
    summarise(same, client.get_database("shop"), client)
    agnostic: AgnosticCollection[Doc] = sub

    doc: Optional[Doc] = await orders.find_one({"_id": 1})
    if doc is not None:
        total: Any = doc["total"]
        print(total)

    cursor: AsyncIOMotorCursor[Doc] = orders.find({"total": {"$gt": 10}}).sort("total").limit(5)
    docs: List[Doc] = await cursor.to_list(10)
    everything: List[Doc] = await orders.find().to_list(None)
    one: Doc = await orders.find().skip(1).next()
    one_more: Doc = await first(orders.find())
    async for order in orders.find():
        print(order)

    pipeline: AsyncIOMotorCommandCursor[Doc] = orders.aggregate([{"$match": {}}])
    aggregated: List[Doc] = await orders.aggregate([{"$match": {}}]).to_list(length=10)
    in_db: AsyncIOMotorLatentCommandCursor[Doc] = db.aggregate([{"$currentOp": {}}])
    agnostic_latent: AgnosticLatentCommandCursor[Doc] = in_db
    indexes: List[MutableMapping[str, Any]] = await orders.list_indexes().to_list(None)
    search: List[Mapping[str, Any]] = await orders.list_search_indexes().to_list(None)
    collections: AsyncIOMotorCommandCursor[MutableMapping[str, Any]] = await db.list_collections()
    databases: AsyncIOMotorCommandCursor[Dict[str, Any]] = await client.list_databases()
    by_command: AgnosticCommandCursor[Doc] = await db.cursor_command("listCollections")

    stream: AsyncIOMotorChangeStream[Doc] = db.watch()
    change: Optional[Doc] = await stream.try_next()
    next_change: Doc = await client.watch().next()
    agnostic_stream: AgnosticChangeStream[Doc] = stream

    inserted_id: Any = (await orders.insert_one({"_id": 2})).inserted_id
    count: int = await orders.count_documents({})
    names: List[str] = await db.list_collection_names()
    created: AsyncIOMotorCollection[Doc] = await db.create_collection("new")

    async with await client.start_session() as session:
        s: AsyncIOMotorClientSession = session
        await orders.insert_one({"_id": 3}, session=s)

    print(also, got, agnostic, docs, everything, one, one_more, pipeline, aggregated, agnostic_latent)
    print(indexes, search, collections, databases, by_command, change, next_change)
    print(agnostic_stream, inserted_id, count, names, created)
    client.close()


async def typed_documents() -> None:
    client: AsyncIOMotorClient[Movie] = AsyncIOMotorClient()
    movies: AsyncIOMotorCollection[Movie] = client.cinema.movies
    movie = await movies.find_one({"year": 1999})
    if movie is not None:
        title: str = movie["title"]
        year: int = movie["year"]
        print(title, year)
    classics: List[Movie] = await movies.find({"year": {"$lt": 1960}}).to_list(100)
    print(classics)


async def tornado_flavour() -> None:
    client: MotorClient[Doc] = MotorClient()
    db: MotorDatabase[Doc] = client.shop
    orders: MotorCollection[Doc] = db.orders
    cursor: MotorCursor[Doc] = orders.find().limit(2).skip(1)
    docs: List[Doc] = await cursor.to_list(2)
    doc: Optional[Doc] = await orders.find_one()
    root_client: motor.MotorClient[Doc] = client
    summarise(orders, db, root_client)
    print(docs, doc)


def no_bucket() -> Optional[AgnosticGridFSBucket]:
    return None
