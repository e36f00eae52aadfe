"""Change streams from ``watch()`` on a collection, database and client, both flavours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    # Only a type (the fixture comes from conftest.py).
    from flavours import Flavour


DB = "motorx_api_cs"


def test_collection_change_stream_receives_real_changes(flavour: Flavour) -> None:
    async def body() -> None:
        coll = flavour.client(listen=True)[DB]["cs_" + flavour.name]
        await coll.drop()
        await coll.insert_one({"_id": "warm-up"})
        flavour.commands.clear()
        stream = coll.watch([{"$match": {"operationType": {"$in": ["insert", "update"]}}}], max_await_time_ms=200)
        assert stream.alive and stream.resume_token is None and stream.delegate is None
        assert flavour.commands.names() == [], "watch() is a plain call: nothing sent yet"
        async with stream:
            assert flavour.commands.count("aggregate") == 1
            assert await stream.try_next() is None  # nothing happened yet
            await coll.insert_one({"_id": 1})
            await coll.update_one({"_id": 1}, {"$set": {"x": 1}})
            await coll.delete_one({"_id": 1})  # filtered out by the pipeline
            await coll.insert_one({"_id": 2})
            inserted = await stream.next()
            assert inserted["operationType"] == "insert" and inserted["fullDocument"] == {"_id": 1}
            token = stream.resume_token
            assert token == inserted["_id"]
            seen = []
            async for change in stream:
                seen.append((change["operationType"], change["documentKey"]["_id"]))
                if len(seen) == 2:
                    break
            assert seen == [("update", 1), ("insert", 2)]
        assert not stream.alive
        with pytest.raises(StopAsyncIteration):
            await stream.next()
        assert await stream.try_next() is None

        # Resume after the first change: the later ones come again.
        async with coll.watch(resume_after=token, max_await_time_ms=200) as resumed:
            assert resumed.resume_token == token
            again = await resumed.next()
            assert again["operationType"] == "update"

    flavour.run(body)


def test_database_and_client_change_streams(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        db = client[DB]
        coll = db["cs_db_" + flavour.name]
        await coll.drop()
        await coll.insert_one({"_id": 0})
        db_stream = db.watch(max_await_time_ms=200)
        client_stream = client.watch([{"$match": {"ns.db": DB}}], max_await_time_ms=200)
        assert isinstance(db_stream, type(client_stream))
        async with db_stream, client_stream:
            await coll.insert_one({"_id": "both"})
            for stream in (db_stream, client_stream):
                change = await stream.next()
                assert change["ns"] == {"db": DB, "coll": coll.name}
                assert change["documentKey"] == {"_id": "both"}
        # Started lazily by next() too, not only by async with; closed twice is fine.
        lazy = coll.watch(max_await_time_ms=200)
        assert await lazy.try_next() is None
        await coll.insert_one({"_id": "lazy"})
        assert (await lazy.next())["documentKey"] == {"_id": "lazy"}
        await lazy.close()
        await lazy.close()

    flavour.run(body)


def test_change_stream_misuse_raises(flavour: Flavour, sync_client: Any) -> None:
    try:
        sync_client[DB].misuse.watch(pipeline="not a pipeline")
    except Exception as exc:  # noqa: BLE001 - whatever PyMongo raises is the expectation
        expected: type[BaseException] = type(exc)
    else:  # pragma: no cover
        raise AssertionError("PyMongo accepted a bad pipeline")

    async def body() -> None:
        coll = flavour.client()[DB].misuse
        stream = coll.watch(pipeline="not a pipeline")  # latent: the error comes on first use
        with pytest.raises(expected):
            await stream.next()
        with pytest.raises(RuntimeError, match='Use a change stream in "async with", not "with"'):
            with coll.watch():
                pass
        session_stream = coll.watch(session="not a session")
        with pytest.raises(ValueError, match="'session' argument must be an AsyncClientSession or None"):
            await session_stream.try_next()
        closed_early = coll.watch()
        await closed_early.close()
        assert not closed_early.alive
        with pytest.raises(StopAsyncIteration):
            await closed_early.next()

    flavour.run(body)


def test_change_stream_in_a_session(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB]["cs_session_" + flavour.name]
        await coll.drop()
        await coll.insert_one({"_id": 0})
        async with await client.start_session() as session:
            session_id = session.session_id["id"]
            async with coll.watch(session=session, max_await_time_ms=200) as stream:
                await coll.insert_one({"_id": 1})
                assert (await stream.next())["documentKey"] == {"_id": 1}
        lsids = {e.command["lsid"]["id"] for e in flavour.commands.started_events if e.command_name in ("aggregate", "getMore")}
        assert lsids == {session_id}

    flavour.run(body)
