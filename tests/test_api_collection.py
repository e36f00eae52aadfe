"""Every collection operation of Motor's API, on both flavours, against the server.

Results are checked for real: what is written is read back through a plain
PyMongo client, indexes are listed, raw batches decoded.  Bad input must
raise the exception type PyMongo (and so Motor) raises for the same call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import bson
import pytest
from pymongo import (
    ASCENDING,
    DESCENDING,
    DeleteOne,
    IndexModel,
    InsertOne,
    ReplaceOne,
    ReturnDocument,
    UpdateOne,
    WriteConcern,
)
from pymongo.errors import OperationFailure
from pymongo.read_preferences import ReadPreference
from pymongo.results import BulkWriteResult

if TYPE_CHECKING:
    # Only a type (the fixture comes from conftest.py).
    from flavours import Flavour

DB = "motorx_api"


def test_writes_and_reads_round_trip(flavour: Flavour, sync_client: Any) -> None:
    name = "coll_rw_" + flavour.name

    async def body() -> None:
        coll = flavour.client()[DB][name]
        await coll.drop()
        many = await coll.insert_many([{"_id": i, "n": i, "tag": "ab"[i % 2]} for i in range(10)], ordered=False)
        assert many.inserted_ids == list(range(10))
        bulk = await coll.bulk_write(
            [
                InsertOne({"_id": 100, "n": 100}),
                UpdateOne({"_id": 0}, {"$set": {"n": -1}}),
                ReplaceOne({"_id": 1}, {"replaced": True}),
                DeleteOne({"_id": 2}),
            ]
        )
        assert isinstance(bulk, BulkWriteResult)
        assert (bulk.inserted_count, bulk.modified_count, bulk.deleted_count) == (1, 2, 1)
        upserted = await coll.replace_one({"_id": 200}, {"up": 1}, upsert=True)
        assert upserted.upserted_id == 200
        assert (await coll.update_many({"tag": "a"}, {"$inc": {"n": 1000}})).matched_count == 4
        deleted = await coll.find_one_and_delete({"_id": 3}, projection={"_id": 1})
        assert deleted == {"_id": 3}
        before = await coll.find_one_and_replace({"_id": 4}, {"r": 4})
        assert before["n"] == 1004
        after = await coll.find_one_and_update(
            {"_id": 5}, {"$set": {"u": 5}}, return_document=ReturnDocument.AFTER
        )
        assert after == {"_id": 5, "n": 5, "tag": "b", "u": 5}
        assert await coll.find_one_and_update({"_id": 999}, {"$set": {"x": 1}}) is None
        assert await coll.count_documents({"tag": "b"}) == 3  # 5, 7, 9 (1 replaced, 3 deleted)
        assert await coll.estimated_document_count() == 10
        assert sorted(await coll.distinct("tag")) == ["a", "b"]
        assert sorted(await coll.distinct("n", {"_id": {"$in": [6, 7]}})) == [7, 1006]
        assert (await coll.delete_many({"n": {"$gte": 1000}})).deleted_count == 2  # _id 6 and 8
        raw = await coll.find_raw_batches({}, sort=[("_id", ASCENDING)]).to_list(None)
        assert all(isinstance(batch, bytes) for batch in raw)
        decoded = [doc for batch in raw for doc in bson.decode_all(batch)]
        assert [d["_id"] for d in decoded] == [0, 1, 4, 5, 7, 9, 100, 200]
        raw_agg = await coll.aggregate_raw_batches([{"$match": {"_id": {"$lt": 6}}}, {"$sort": {"_id": 1}}]).to_list(None)
        assert [d["_id"] for batch in raw_agg for d in bson.decode_all(batch)] == [0, 1, 4, 5]

    flavour.run(body)
    stored = list(sync_client[DB][name].find({}, sort=[("_id", 1)]))
    assert stored == [
        {"_id": 0, "n": 999, "tag": "a"},
        {"_id": 1, "replaced": True},
        {"_id": 4, "r": 4},
        {"_id": 5, "n": 5, "tag": "b", "u": 5},
        {"_id": 7, "n": 7, "tag": "b"},
        {"_id": 9, "n": 9, "tag": "b"},
        {"_id": 100, "n": 100},
        {"_id": 200, "up": 1},
    ]


def test_indexes_are_created_listed_and_dropped(flavour: Flavour, sync_client: Any) -> None:
    name = "coll_idx_" + flavour.name

    async def body() -> None:
        coll = flavour.client(listen=True)[DB][name]
        await coll.drop()
        await coll.insert_one({"a": 1, "b": 2, "c": 3})
        assert await coll.create_index([("a", ASCENDING)], name="a_idx") == "a_idx"
        assert await coll.create_indexes([IndexModel("b"), IndexModel([("c", DESCENDING)], unique=True)]) == [
            "b_1",
            "c_-1",
        ]
        info = await coll.index_information()
        assert set(info) == {"_id_", "a_idx", "b_1", "c_-1"}
        flavour.commands.clear()
        listed = coll.list_indexes()  # a plain call: nothing sent yet
        assert isinstance(listed, flavour.CommandCursor)
        assert flavour.commands.names() == []
        assert sorted([ix["name"] async for ix in listed.batch_size(1)]) == ["_id_", "a_idx", "b_1", "c_-1"]
        assert flavour.commands.count("listIndexes") == 1
        await coll.drop_index("a_idx")
        await coll.drop_index([("b", ASCENDING)])
        assert sorted(ix["name"] for ix in await coll.list_indexes().to_list(None)) == ["_id_", "c_-1"]
        await coll.drop_indexes()
        assert list(await coll.index_information()) == ["_id_"]

    flavour.run(body)
    assert [ix["name"] for ix in sync_client[DB][name].list_indexes()] == ["_id_"]


def test_collection_level_operations(flavour: Flavour, sync_client: Any) -> None:
    source, target = "coll_ren_src_" + flavour.name, "coll_ren_dst_" + flavour.name

    async def body() -> None:
        client = flavour.client()
        db = client[DB]
        await db.drop_collection(target)
        await db.drop_collection(source)
        capped = await db.create_collection(source, capped=True, size=65536)
        assert isinstance(capped, flavour.Collection) and capped.database is db
        assert (await capped.options())["capped"] is True
        await capped.insert_one({"_id": 1})
        assert (await capped.rename(target))["ok"] == 1
        assert await db[target].find_one() == {"_id": 1}
        assert target in await db.list_collection_names()
        assert source not in await db.list_collection_names()
        await db[target].drop()
        assert target not in await db.list_collection_names()

        coll = db.get_collection("opts", write_concern=WriteConcern(w=1, j=False))
        assert isinstance(coll, flavour.Collection) and coll.write_concern == WriteConcern(w=1, j=False)
        secondary = coll.with_options(read_preference=ReadPreference.SECONDARY_PREFERRED)
        assert isinstance(secondary, flavour.Collection)
        assert secondary.read_preference == ReadPreference.SECONDARY_PREFERRED
        assert secondary.write_concern == coll.write_concern and secondary.name == "opts"
        assert coll.wrap(coll.delegate.with_options()) == coll
        assert isinstance(coll.wrap(coll.delegate.find()), flavour.Cursor)
        assert coll.sub.full_name == DB + ".opts.sub" and coll["sub"] == coll.sub

    flavour.run(body)
    assert target not in sync_client[DB].list_collection_names()


def _sync_error(call: Callable[[Any], Any], collection: Any) -> type[BaseException]:
    try:
        call(collection)
    except Exception as exc:  # noqa: BLE001 - whatever PyMongo raises is the expectation
        return type(exc)
    raise AssertionError("PyMongo accepted the bad input")


# The same bad call through PyMongo's synchronous API (what Motor ran) and motorx.
BAD_CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("insert_one non-document", lambda c: c.insert_one("not a document")),
    ("insert_many empty", lambda c: c.insert_many([])),
    ("insert_many not a list", lambda c: c.insert_many({"a": 1})),
    ("update_one without operators", lambda c: c.update_one({}, {"x": 1})),
    ("update_many without operators", lambda c: c.update_many({}, {"x": 1})),
    ("replace_one with operators", lambda c: c.replace_one({}, {"$set": {"x": 1}})),
    ("delete_one bad filter", lambda c: c.delete_one("x")),
    ("delete_many bad filter", lambda c: c.delete_many(5)),
    ("bulk_write non-list", lambda c: c.bulk_write("x")),
    ("bulk_write bad request", lambda c: c.bulk_write([{"insertOne": {}}])),
    ("count_documents bad filter", lambda c: c.count_documents("x")),
    ("distinct bad key", lambda c: c.distinct(5)),
    ("find_one_and_update bad update", lambda c: c.find_one_and_update({}, {"x": 1})),
    ("find_one_and_replace operators", lambda c: c.find_one_and_replace({}, {"$set": {"x": 1}})),
    ("find_one_and_delete bad filter", lambda c: c.find_one_and_delete("x")),
    ("create_index bad keys", lambda c: c.create_index(5)),
    ("create_indexes not models", lambda c: c.create_indexes(["a"])),
    ("drop_index unknown", lambda c: c.drop_index("no_such_index")),
    ("rename bad name", lambda c: c.rename("$bad")),
    ("rename non-string", lambda c: c.rename(5)),
    ("find_one bad projection", lambda c: c.find_one({}, 5)),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[n for n, _ in BAD_CALLS])
def test_bad_input_raises_pymongos_exception_type(
    flavour: Flavour, sync_client: Any, call: Callable[[Any], Any]
) -> None:
    name = "coll_bad_" + flavour.name
    sync_client[DB][name].replace_one({"_id": 1}, {"x": 1}, upsert=True)
    expected = _sync_error(call, sync_client[DB][name])

    async def body() -> None:
        coll = flavour.client()[DB][name]
        with pytest.raises(expected):
            await call(coll)

    flavour.run(body)


def test_bad_input_to_cursor_methods_raises_pymongos_exception_type(flavour: Flavour, sync_client: Any) -> None:
    sync_coll = sync_client[DB]["coll_bad_cursor"]
    expected_find = _sync_error(lambda c: c.find(5), sync_coll)
    expected_agg = _sync_error(lambda c: list(c.aggregate("not a pipeline")), sync_coll)
    expected_limit = _sync_error(lambda c: c.find().limit("3"), sync_coll)

    async def body() -> None:
        coll = flavour.client()[DB]["coll_bad_cursor"]
        with pytest.raises(expected_find):
            coll.find(5)  # find() validates at once, as in PyMongo/Motor
        with pytest.raises(expected_limit):
            coll.find().limit("3")
        latent = coll.aggregate("not a pipeline")  # latent: raises on first use, as in Motor
        with pytest.raises(expected_agg):
            await latent.to_list(None)
        with pytest.raises(OperationFailure):
            await coll.aggregate([{"$noSuchStage": 1}]).to_list(None)
        with pytest.raises(TypeError):
            coll.list_indexes().batch_size("1")

    flavour.run(body)


def test_every_new_operation_honours_session_in_a_transaction(flavour: Flavour, sync_client: Any) -> None:
    """Inside an aborted transaction nothing persists; every command carries the session."""
    name = "coll_txn_" + flavour.name
    sync_client[DB][name].drop()
    sync_client[DB][name].insert_many([{"_id": i, "n": i} for i in range(5)])

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB][name]
        flavour.commands.clear()
        async with await client.start_session() as s:
            session_id = s.session_id["id"]
            s.start_transaction()
            await coll.bulk_write([InsertOne({"_id": 10}), DeleteOne({"_id": 0})], session=s)
            assert await coll.find_one_and_delete({"_id": 1}, session=s) == {"_id": 1, "n": 1}
            await coll.find_one_and_replace({"_id": 2}, {"r": 1}, session=s)
            await coll.replace_one({"_id": 3}, {"r": 3}, False, None, None, None, s)  # positional session
            assert sorted(await coll.distinct("n", session=s)) == [4]
            assert await coll.count_documents({}, session=s) == 4
            assert len(await coll.find_raw_batches({}, session=s).to_list(None)) == 1
            assert [d["_id"] async for d in coll.aggregate([{"$sort": {"_id": 1}}], session=s)] == [2, 3, 4, 10]
            await s.abort_transaction()
        sent = [e for e in flavour.commands.started_events if e.command_name != "abortTransaction"]
        assert {e.command_name for e in sent} >= {"insert", "delete", "findAndModify", "update", "distinct", "aggregate", "find"}
        assert {e.command["lsid"]["id"] for e in sent} == {session_id}
        assert all(e.command.get("autocommit") is False for e in sent)

    flavour.run(body)
    assert list(sync_client[DB][name].find({}, sort=[("_id", 1)])) == [{"_id": i, "n": i} for i in range(5)]
