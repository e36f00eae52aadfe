"""GridFS with Motor's shape: both flavours against the embedded server.

Every test stores real bytes through motorx and reads them back, through
motorx and through a plain PyMongo client (``sync_client``) that sees what the
server really holds.  Each test uses its own bucket name, so tests never see
each other's files.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import io
import os
import uuid
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any, Callable

import gridfs.errors
import pytest
from bson.objectid import ObjectId
from pymongo import MongoClient
from pymongo.errors import ConfigurationError, InvalidOperation
from pymongo.write_concern import WriteConcern

DB_NAME = "motorx_gridfs_test"


def grid_classes(flavour: Any) -> SimpleNamespace:
    """The flavour's four GridFS classes, by Motor's names."""
    module = importlib.import_module(flavour.Client.__module__)
    prefix = "AsyncIOMotor" if flavour.name == "asyncio" else "Motor"
    return SimpleNamespace(
        Bucket=getattr(module, prefix + "GridFSBucket"),
        GridIn=getattr(module, prefix + "GridIn"),
        GridOut=getattr(module, prefix + "GridOut"),
        GridOutCursor=getattr(module, prefix + "GridOutCursor"),
    )


@pytest.fixture
def bucket_name() -> str:
    return "fs_" + uuid.uuid4().hex[:10]


def stored_files(sync_client: MongoClient[Any], bucket_name: str) -> list[dict[str, Any]]:
    return list(sync_client[DB_NAME][bucket_name + ".files"].find().sort("uploadDate", 1))


def stored_chunks(sync_client: MongoClient[Any], bucket_name: str, file_id: Any) -> list[dict[str, Any]]:
    return list(
        sync_client[DB_NAME][bucket_name + ".chunks"].find({"files_id": file_id}).sort("n", 1)
    )


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes that are not a repeating pattern within a chunk."""
    import random

    return random.Random(seed).randbytes(size)


# -- round trips ------------------------------------------------------------------------


def test_multi_chunk_round_trip(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)
    data = payload(5 * 1024 + 77)

    async def body() -> None:
        client = flavour.client()
        bucket = grid.Bucket(client[DB_NAME], bucket_name, chunk_size_bytes=1024)
        file_id = await bucket.upload_from_stream("big.bin", data, metadata={"kind": "test"})
        assert isinstance(file_id, ObjectId)

        grid_out = await bucket.open_download_stream(file_id)
        assert isinstance(grid_out, grid.GridOut)
        assert grid_out._id == file_id
        assert grid_out.filename == grid_out.name == "big.bin"
        assert grid_out.length == len(data)
        assert grid_out.chunk_size == 1024
        assert grid_out.metadata == {"kind": "test"}
        assert grid_out.upload_date is not None
        assert grid_out.delegate.__class__.__name__ == "AsyncGridOut"
        assert await grid_out.read() == data
        assert await grid_out.read() == b""

        # Chunk by chunk: readchunk and ``async for`` both yield whole chunks.
        grid_out = await bucket.open_download_stream(file_id)
        chunks = []
        while True:
            chunk = await grid_out.readchunk()
            if not chunk:
                break
            chunks.append(chunk)
        assert [len(c) for c in chunks] == [1024] * 5 + [77]
        assert b"".join(chunks) == data

        grid_out = await bucket.open_download_stream(file_id)
        assert [chunk async for chunk in grid_out] == chunks

    flavour.run(body)
    [document] = stored_files(sync_client, bucket_name)
    assert document["length"] == len(data) and document["chunkSize"] == 1024
    chunks = stored_chunks(sync_client, bucket_name, document["_id"])
    assert [c["n"] for c in chunks] == list(range(6))
    assert b"".join(c["data"] for c in chunks) == data


def test_empty_file(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> Any:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name)
        file_id = await bucket.upload_from_stream("empty", b"")
        grid_out = await bucket.open_download_stream(file_id)
        assert grid_out.length == 0
        assert await grid_out.read() == b""
        assert await grid_out.readchunk() == b""
        assert await grid_out.readline() == b""
        assert [chunk async for chunk in grid_out] == []
        sink = io.BytesIO()
        await bucket.download_to_stream(file_id, sink)
        assert sink.getvalue() == b""
        return file_id

    file_id = flavour.run(body)
    [document] = stored_files(sync_client, bucket_name)
    assert document["_id"] == file_id and document["length"] == 0
    assert stored_chunks(sync_client, bucket_name, file_id) == []


def test_upload_stream_in_pieces(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)
    pieces = [payload(700, seed) for seed in range(5)]

    async def body() -> Any:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=1000)
        grid_in = bucket.open_upload_stream("pieces.bin", metadata={"m": 1})  # a plain call
        assert isinstance(grid_in, grid.GridIn)
        assert grid_in.filename == grid_in.name == "pieces.bin"
        assert grid_in.chunk_size == 1000
        assert grid_in.closed is False
        assert isinstance(grid_in._id, ObjectId)
        assert grid_in.metadata == {"m": 1}  # a file-document field, through __getattr__
        assert grid_in.readable() is False and grid_in.seekable() is False
        assert grid_in.writeable() is True
        with pytest.raises(AttributeError, match="length"):
            grid_in.length  # noqa: B018 - only known once closed (same error as Motor)
        with pytest.raises(io.UnsupportedOperation):
            grid_in.read()
        await grid_in.write(pieces[0])
        await grid_in.writelines(pieces[1:4])
        await grid_in.write(io.BytesIO(pieces[4]))  # a file-like object
        grid_in.colour = "blue"  # a file-document field, stored on close
        await grid_in.close()
        await grid_in.close()  # idempotent
        closed: bool = grid_in.closed  # (a fresh read: mypy narrowed the property above)
        assert closed is True
        assert grid_in.length == 3500
        assert grid_in.upload_date is not None
        await grid_in.set("after", "close")  # on the server at once
        with pytest.raises(AttributeError, match="set"):
            grid_in.late = 1
        with pytest.raises(ValueError, match="closed file"):
            await grid_in.write(b"more")
        return grid_in._id

    file_id = flavour.run(body)
    [document] = stored_files(sync_client, bucket_name)
    assert document["_id"] == file_id
    assert document["colour"] == "blue" and document["after"] == "close"
    assert "late" not in document
    chunks = stored_chunks(sync_client, bucket_name, file_id)
    assert [len(c["data"]) for c in chunks] == [1000, 1000, 1000, 500]
    assert b"".join(c["data"] for c in chunks) == b"".join(pieces)


def test_grid_in_async_with_and_abort(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=10)
        async with bucket.open_upload_stream_with_id(1, "ok.txt") as grid_in:
            await grid_in.write(b"0123456789abcdefghij-tail")
        assert grid_in.closed and grid_in.length == 25

        # An error inside ``async with`` does not store the file.
        with pytest.raises(RuntimeError, match="boom"):
            async with bucket.open_upload_stream_with_id(2, "failed.txt") as grid_in:
                await grid_in.write(b"x" * 25)
                raise RuntimeError("boom")
        assert grid_in.closed

        grid_in = bucket.open_upload_stream_with_id(3, "aborted.txt")
        await grid_in.write(b"y" * 35)  # three full chunks flushed
        await grid_in.abort()
        assert grid_in.closed
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream(3)

    flavour.run(body)
    assert [d["_id"] for d in stored_files(sync_client, bucket_name)] == [1]
    assert stored_chunks(sync_client, bucket_name, 3) == []


def test_with_id_and_duplicate_id(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name)
        assert await bucket.upload_from_stream_with_id("my-id", "a.txt", b"first") is None
        grid_out = await bucket.open_download_stream("my-id")
        assert await grid_out.read() == b"first"
        with pytest.raises(gridfs.errors.FileExists):
            await bucket.upload_from_stream_with_id("my-id", "b.txt", b"second")

    flavour.run(body)
    assert [(d["_id"], d["filename"]) for d in stored_files(sync_client, bucket_name)] == [("my-id", "a.txt")]


def test_revisions_by_name(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name)
        for version in (b"v0", b"v1", b"v2"):
            await bucket.upload_from_stream("doc.txt", version)
            # uploadDate orders the revisions; keep them distinct.
            await asyncio.sleep(0.005)
        for revision, expected in [(0, b"v0"), (1, b"v1"), (2, b"v2"), (-1, b"v2"), (-2, b"v1"), (-3, b"v0")]:
            grid_out = await bucket.open_download_stream_by_name("doc.txt", revision)
            assert await grid_out.read() == expected, revision
        grid_out = await bucket.open_download_stream_by_name("doc.txt")
        assert await grid_out.read() == b"v2"
        for missing in (3, -4):
            with pytest.raises(gridfs.errors.NoFile):
                await bucket.open_download_stream_by_name("doc.txt", revision=missing)
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream_by_name("other.txt")

        sink = io.BytesIO()
        await bucket.download_to_stream_by_name("doc.txt", sink, revision=1)
        assert sink.getvalue() == b"v1"
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.download_to_stream_by_name("other.txt", io.BytesIO())

    flavour.run(body)


def test_delete_and_rename_read_back(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> tuple[Any, Any]:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=4)
        keep = await bucket.upload_from_stream("keep.txt", b"keep me")
        doomed = await bucket.upload_from_stream("doomed.txt", b"delete me")
        await bucket.delete(doomed)
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream(doomed)
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.delete(doomed)
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.download_to_stream(doomed, io.BytesIO())

        await bucket.rename(keep, "kept.txt")
        grid_out = await bucket.open_download_stream_by_name("kept.txt")
        assert grid_out._id == keep and await grid_out.read() == b"keep me"
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream_by_name("keep.txt")
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.rename(ObjectId(), "nothing.txt")
        return keep, doomed

    keep, doomed = flavour.run(body)
    assert [(d["_id"], d["filename"]) for d in stored_files(sync_client, bucket_name)] == [(keep, "kept.txt")]
    assert stored_chunks(sync_client, bucket_name, doomed) == []
    assert len(stored_chunks(sync_client, bucket_name, keep)) == 2


def test_delete_and_rename_by_name(flavour: Any, sync_client: MongoClient[Any], bucket_name: str) -> None:
    # Not in Motor: PyMongo's *_by_name, every revision at once.
    grid = grid_classes(flavour)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name)
        for content in (b"1", b"2"):
            await bucket.upload_from_stream("many.txt", content)
        await bucket.upload_from_stream("other.txt", b"3")
        await bucket.rename_by_name("many.txt", "renamed.txt")
        await bucket.delete_by_name("other.txt")
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.delete_by_name("other.txt")
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.rename_by_name("nothing.txt", "x")

    flavour.run(body)
    assert [d["filename"] for d in stored_files(sync_client, bucket_name)] == ["renamed.txt"] * 2


# -- the find() cursor --------------------------------------------------------------------


def test_find_cursor(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name)
        ids = []
        for i in range(5):
            ids.append(await bucket.upload_from_stream_with_id(i, "f%d" % i, b"data-%d" % i) or i)

        cursor = bucket.find({}, batch_size=2)  # a plain call, nothing sent yet
        assert isinstance(cursor, grid.GridOutCursor)
        assert cursor.collection is bucket.collection
        assert cursor.collection.name == bucket_name
        # to_list() gives the file documents, as Motor's did (next() gives GridOuts).
        files = await cursor.to_list(None)
        assert all(type(f) is dict for f in files)
        assert sorted(f["_id"] for f in files) == ids
        assert {frozenset(f) for f in files} == {
            frozenset({"_id", "filename", "length", "chunkSize", "uploadDate"})
        }
        assert sorted(f["filename"] for f in files) == ["f0", "f1", "f2", "f3", "f4"]
        assert await cursor.to_list(None) == []

        # Chaining modifiers, as Motor's cursor.
        cursor = bucket.find({"_id": {"$gte": 1}}).sort("_id", -1).skip(1).limit(2)
        assert [(f["_id"], f["length"]) for f in await cursor.to_list(None)] == [(3, 6), (2, 6)]

        # to_list(length) with fewer left returns what is left (PyMongo's raises).
        cursor = bucket.find().sort("_id", 1)
        assert [f["_id"] for f in await cursor.to_list(3)] == [0, 1, 2]
        assert [f["_id"] for f in await cursor.to_list(3)] == [3, 4]
        assert await cursor.to_list(3) == []

        # After next() (a GridOut), to_list() goes on with documents.
        cursor = bucket.find().sort("_id", 1)
        assert isinstance(await cursor.next(), grid.GridOut)
        assert [f["_id"] for f in await cursor.to_list(2)] == [1, 2]
        assert [f["_id"] for f in await cursor.to_list(None)] == [3, 4]
        assert await bucket.find().to_list(0) == []
        with pytest.raises(ValueError):
            await bucket.find().to_list(-1)
        with pytest.raises(TypeError):
            await bucket.find().to_list("2")

        # async for and next().
        seen = [f.filename async for f in bucket.find(sort=[("_id", 1)])]
        assert seen == ["f0", "f1", "f2", "f3", "f4"]
        # each() hands GridOut objects to the callback, as next() does.
        finished: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        handed: list[Any] = []

        def on_each(grid_out: Any, error: Any) -> None:
            if grid_out is None:
                finished.set_result(error)
            else:
                handed.append(grid_out)

        bucket.find(sort=[("_id", 1)], batch_size=2).each(on_each)
        assert await finished is None
        assert all(isinstance(g, grid.GridOut) for g in handed)
        assert [g.filename for g in handed] == ["f0", "f1", "f2", "f3", "f4"]
        cursor = bucket.find({"_id": 4})
        grid_out = await cursor.next()
        assert isinstance(grid_out, grid.GridOut) and await grid_out.read() == b"data-4"
        assert grid_out["filename"] == "f4" and grid_out["length"] == 6  # the file document's fields
        with pytest.raises(StopAsyncIteration):
            await cursor.next()

        # Deprecated fetch_next/next_object yield motorx GridOut objects too.
        cursor = bucket.find({"_id": 2})
        with pytest.warns(DeprecationWarning):
            assert await cursor.fetch_next
        with pytest.warns(DeprecationWarning):
            grid_out = cursor.next_object()
        assert isinstance(grid_out, grid.GridOut) and await grid_out.read() == b"data-2"
        # A file fetch_next fetched comes out of to_list as its document, as in Motor.
        cursor = bucket.find({"_id": {"$in": [2, 3]}}).sort("_id", 1)
        with pytest.warns(DeprecationWarning):
            assert await cursor.fetch_next
        assert [(type(f), f["_id"]) for f in await cursor.to_list(None)] == [(dict, 2), (dict, 3)]

        # Clones and rewinds keep yielding GridOut objects.
        cursor = bucket.find().sort("_id", 1)
        first = await cursor.next()
        clone = cursor.clone()
        assert isinstance(clone, grid.GridOutCursor)
        assert [f["_id"] for f in await clone.to_list(None)] == ids
        cursor.rewind()
        assert (await cursor.next())._id == first._id
        await cursor.close()

        with pytest.raises(NotImplementedError):
            bucket.find().add_option(2)
        with pytest.raises(NotImplementedError):
            bucket.find().remove_option(2)

    flavour.run(body)


# -- reading: seek, tell, readline --------------------------------------------------------


def test_seek_tell_readline(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)
    text = b"first line\nsecond line spans chunks\n\nlast line without newline"

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=7)
        file_id = await bucket.upload_from_stream("lines.txt", text)
        grid_out = await bucket.open_download_stream(file_id)
        assert grid_out.readable() and grid_out.seekable()
        assert await grid_out.readline() == b"first line\n"
        assert grid_out.tell() == 11
        assert await grid_out.readline() == b"second line spans chunks\n"
        assert await grid_out.readline() == b"\n"
        assert await grid_out.readline(4) == b"last"
        assert await grid_out.readline() == b" line without newline"
        assert await grid_out.readline() == b""

        # seek/tell are plain calls, as in Motor; the move happens on the next read.
        assert grid_out.seek(6) == 6
        assert grid_out.tell() == 6
        assert await grid_out.read(4) == b"line"
        assert grid_out.seek(3, os.SEEK_CUR) == 13
        assert await grid_out.read(6) == b"cond l"
        assert grid_out.seek(-7, os.SEEK_END) == len(text) - 7
        assert await grid_out.read() == b"newline"
        assert grid_out.seek(0) == 0
        assert await grid_out.read() == text
        assert grid_out.seek(len(text) + 5) == len(text) + 5  # past the end: reads nothing
        assert await grid_out.read() == b""
        with pytest.raises(OSError, match="whence"):
            grid_out.seek(0, 7)
        with pytest.raises(OSError, match="positive"):
            grid_out.seek(-1)
        assert grid_out.seek(2) == 2
        assert await grid_out.readchunk() == text[2:7]

        with pytest.raises(io.UnsupportedOperation):
            grid_out.write(b"no")
        grid_out.close()  # a plain call, as in Motor
        assert grid_out.closed

        async with await bucket.open_download_stream(file_id) as grid_out:
            assert await grid_out.read(5) == b"first"
        assert grid_out.closed

    flavour.run(body)


def test_grid_out_made_directly(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        client = flavour.client()
        bucket = grid.Bucket(client[DB_NAME], bucket_name)
        file_id = await bucket.upload_from_stream("direct.txt", b"direct")
        root = client[DB_NAME][bucket_name]
        grid_out = grid.GridOut(root, file_id)
        # Attributes need the file document first, as Motor's GridOut.
        with pytest.raises(InvalidOperation):
            grid_out.filename  # noqa: B018
        with pytest.raises(InvalidOperation):
            grid_out.seek(0, os.SEEK_END)
        assert await grid_out.open() is grid_out
        assert grid_out.filename == "direct.txt"
        assert await grid_out.read() == b"direct"

        # A read opens the file on its own.
        grid_out = grid.GridOut(root, file_id=file_id)
        assert await grid_out.read(3) == b"dir"
        assert grid_out.length == 6

        missing = grid.GridOut(root, ObjectId())
        with pytest.raises(gridfs.errors.NoFile):
            await missing.open()
        with pytest.raises(gridfs.errors.NoFile):
            await grid.GridOut(root, ObjectId()).read()

        grid_in = grid.GridIn(root, filename="made-directly.txt", chunk_size=3, contentType="text/plain")
        await grid_in.write(b"abcdefg")
        await grid_in.close()
        grid_out = await bucket.open_download_stream_by_name("made-directly.txt")
        assert grid_out.chunk_size == 3 and grid_out.content_type == "text/plain"
        assert await grid_out.read() == b"abcdefg"

        wrapped = bucket.wrap(grid_out.delegate)
        assert isinstance(wrapped, grid.GridOut) and wrapped.delegate is grid_out.delegate
        assert isinstance(bucket.wrap(bucket.delegate.open_upload_stream("w")), grid.GridIn)
        assert isinstance(bucket.wrap(bucket.delegate.find()), grid.GridOutCursor)
        with pytest.raises(TypeError):
            bucket.wrap(object())

    flavour.run(body)


# -- streams in and out -------------------------------------------------------------------


class AsyncSink:
    """A destination whose write is a coroutine (like an aiofiles file)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    async def write(self, data: bytes) -> None:
        await asyncio.sleep(0)
        self.parts.append(data)


class AsyncSource:
    """A source whose read is a coroutine."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        await asyncio.sleep(0)
        return self._stream.read(size)


def test_streams(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)
    data = payload(2500, seed=7)

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=1000)
        from_file = await bucket.upload_from_stream("file.bin", io.BytesIO(data))
        from_async = await bucket.upload_from_stream("async.bin", AsyncSource(data))

        sink = io.BytesIO()
        await bucket.download_to_stream(from_file, sink)
        assert sink.getvalue() == data
        async_sink = AsyncSink()
        await bucket.download_to_stream(from_async, async_sink)
        assert [len(p) for p in async_sink.parts] == [1000, 1000, 500]
        assert b"".join(async_sink.parts) == data

        # A GridOut is a source, and a GridIn a destination: copy between buckets.
        other = grid.Bucket(bucket.collection.database, bucket_name + "_copy", chunk_size_bytes=300)
        grid_out = await bucket.open_download_stream(from_file)
        grid_out.seek(500)  # pending: applied before the copy reads
        copy_id = await other.upload_from_stream("copy.bin", grid_out)
        assert await (await other.open_download_stream(copy_id)).read() == data[500:]
        grid_in = other.open_upload_stream("copy2.bin")
        await bucket.download_to_stream(from_file, grid_in)
        await grid_in.close()
        assert await (await other.open_download_stream(grid_in._id)).read() == data
        await other.delete(copy_id)
        await other.delete(grid_in._id)

    flavour.run(body)


def test_stream_to_handler(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)
    data = payload(2100, seed=3)

    class Handler:
        def __init__(self) -> None:
            self.written: list[bytes] = []
            self.flushes = 0

        def write(self, chunk: bytes) -> None:
            self.written.append(chunk)

        async def flush(self) -> None:
            self.flushes += 1

    async def body() -> None:
        bucket = grid.Bucket(flavour.client()[DB_NAME], bucket_name, chunk_size_bytes=1000)
        file_id = await bucket.upload_from_stream("h.bin", data)
        handler = Handler()
        await (await bucket.open_download_stream(file_id)).stream_to_handler(handler)
        assert b"".join(handler.written) == data
        assert handler.flushes == len(handler.written) == 3

    flavour.run(body)


# -- sessions -------------------------------------------------------------------------


def test_session_is_used_and_transactions_refused(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        client = flavour.client(listen=True)
        bucket = grid.Bucket(client[DB_NAME], bucket_name)
        async with await client.start_session() as session:
            lsid = session.session_id
            flavour.commands.clear()
            file_id = await bucket.upload_from_stream("s.txt", b"in a session", session=session)
            grid_out = await bucket.open_download_stream(file_id, session=session)
            assert await grid_out.read() == b"in a session"
            cursor = bucket.find({"_id": file_id}, session=session)
            assert cursor.session is session
            [found] = await cursor.to_list(None)
            assert found["filename"] == "s.txt"
            found_out = await bucket.find({"_id": file_id}, session=session).next()
            assert await found_out.read() == b"in a session"
            await bucket.rename(file_id, "t.txt", session=session)
            await bucket.delete(file_id, session=session)
            sent = [e for e in flavour.commands.started_events if e.database_name == DB_NAME]
            assert sent and all(e.command.get("lsid") == lsid for e in sent), [
                (e.command_name, e.command.get("lsid")) for e in sent
            ]

            # GridFS refuses transactions, even right after start_transaction()
            # before any command has gone out.
            session.start_transaction()
            with pytest.raises(InvalidOperation, match="transactions"):
                await bucket.upload_from_stream("t.txt", b"x", session=session)
            with pytest.raises(InvalidOperation, match="transactions"):
                bucket.open_upload_stream("t.txt", session=session)
            with pytest.raises(InvalidOperation, match="transactions"):
                await bucket.open_download_stream(ObjectId(), session=session)
            with pytest.raises(InvalidOperation, match="transactions"):
                bucket.find(session=session)
            with pytest.raises(InvalidOperation, match="transactions"):
                await bucket.delete(ObjectId(), session=session)
            await session.abort_transaction()

        with pytest.raises(ValueError, match="session"):
            await bucket.upload_from_stream("t.txt", b"x", session="not a session")
        with pytest.raises(ValueError, match="session"):
            bucket.find(session=42)

    flavour.run(body)


# -- bad arguments ------------------------------------------------------------------------


def test_bad_arguments(flavour: Any, bucket_name: str) -> None:
    grid = grid_classes(flavour)

    async def body() -> None:
        client = flavour.client()
        db = client[DB_NAME]
        with pytest.raises(TypeError, match="First argument"):
            grid.Bucket("not a database")
        with pytest.raises(TypeError, match="First argument"):
            grid.Bucket(db[bucket_name])  # a collection
        with pytest.raises(TypeError, match="First argument"):
            grid.GridIn(db)  # needs the root collection
        with pytest.raises(TypeError, match="First argument"):
            grid.GridOut("fs", 1)
        with pytest.raises(ConfigurationError):
            grid.Bucket(db, bucket_name, write_concern=WriteConcern(w=0))
        with pytest.raises(TypeError):
            grid.Bucket(db, 42)
        with pytest.warns(DeprecationWarning, match="bucket_name"):
            legacy = grid.Bucket(db, collection=bucket_name)
        assert legacy.collection.name == bucket_name

        bucket = grid.Bucket(db, bucket_name)
        with pytest.raises(TypeError):
            bucket.open_upload_stream(42)
        with pytest.raises(TypeError):
            await bucket.upload_from_stream(b"name", b"data")
        with pytest.raises(TypeError):
            await bucket.upload_from_stream("name", 42)
        grid_in = bucket.open_upload_stream("text")
        with pytest.raises(TypeError, match="encoding"):
            await grid_in.write("str needs an encoding")
        with pytest.raises(TypeError):
            await grid_in.write(3.5)
        await grid_in.abort()
        encoded = bucket.open_upload_stream_with_id("enc", "text")
        encoded.encoding = "utf-8"  # a file-document field before close
        await encoded.write("h\u00e9")
        await encoded.close()
        assert await (await bucket.open_download_stream("enc")).read() == "h\u00e9".encode()

        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream("missing")
        with pytest.raises(TypeError):
            await bucket.open_download_stream_by_name(None)
        with pytest.raises(TypeError):
            bucket.find({}, nonsense=1)

    flavour.run(body)


def test_the_other_flavours_database_is_refused(flavour: Any) -> None:
    grid = grid_classes(flavour)
    other_name = "motor_tornado" if flavour.name == "asyncio" else "motor_asyncio"
    other = importlib.import_module("motorx." + other_name)
    other_client_class = other.MotorClient if flavour.name == "asyncio" else other.AsyncIOMotorClient
    client = other_client_class(flavour.uri, connect=False)
    with pytest.raises(TypeError, match="First argument"):
        grid.Bucket(client[DB_NAME])


# -- same error types as Motor -----------------------------------------------------------


def test_errors_match_motor(mongodb_uri: str, bucket_name: str) -> None:
    """The same bad calls on Motor 3.7.1 and on motorx raise the same exception types."""
    motor_asyncio = pytest.importorskip("motor.motor_asyncio", reason="motor is in the test extra")
    from motorx import motor_asyncio as motorx_asyncio

    cases: list[tuple[str, Any]] = [
        ("download missing id", lambda b: b.open_download_stream(ObjectId())),
        ("download missing name", lambda b: b.open_download_stream_by_name("nope")),
        ("missing revision", lambda b: b.open_download_stream_by_name("there", revision=5)),
        ("delete missing", lambda b: b.delete(ObjectId())),
        # An int id: PyMongo 4.13's sync rename formats a missing id with %i, so
        # Motor there raised TypeError for an ObjectId (motorx: NoFile, tested above).
        ("rename missing", lambda b: b.rename(12345, "x")),
        ("duplicate id", lambda b: b.upload_from_stream_with_id("dup", "x", b"y")),
        ("filename not str", lambda b: b.upload_from_stream(1, b"y")),
        ("source not bytes", lambda b: b.upload_from_stream("x", 1.5)),
        ("str without encoding", lambda b: b.upload_from_stream("x", "text")),
    ]

    async def outcomes(module: Any, client_class: Any, bucket_class: Any) -> dict[str, str]:
        client = client_class(mongodb_uri, serverSelectionTimeoutMS=10000)
        try:
            bucket = bucket_class(client[DB_NAME], bucket_name + "_" + module)
            await bucket.upload_from_stream_with_id("dup", "there", b"z")
            results = {}
            for name, call in cases:
                try:
                    await call(bucket)
                    results[name] = "no error"
                except Exception as exc:  # noqa: BLE001 - the type is the result
                    results[name] = type(exc).__name__
            constructions: list[tuple[str, Callable[[], Any]]] = [
                ("bucket on a string", lambda: bucket_class("db")),
                ("unacknowledged", lambda: bucket_class(client[DB_NAME], write_concern=WriteConcern(w=0))),
            ]
            for name, construct in constructions:
                try:
                    construct()
                    results[name] = "no error"
                except Exception as exc:  # noqa: BLE001
                    results[name] = type(exc).__name__
            return results
        finally:
            result = client.close()
            if inspect.isawaitable(result):
                await result

    motor_results = asyncio.run(
        outcomes("motor", motor_asyncio.AsyncIOMotorClient, motor_asyncio.AsyncIOMotorGridFSBucket)
    )
    motorx_results = asyncio.run(
        outcomes("motorx", motorx_asyncio.AsyncIOMotorClient, motorx_asyncio.AsyncIOMotorGridFSBucket)
    )
    assert "no error" not in motor_results.values()
    assert motorx_results == motor_results


def test_session_of_the_wrong_type_gets_pymongos_error(mongodb_uri: str, bucket_name: str) -> None:
    """A deliberate difference: Motor let PyMongo's sync GridFS trip over a
    non-session (AttributeError); motorx raises PyMongo's own ValueError for a
    bad ``session=`` on every path, as the rest of motorx does."""
    from motorx import motor_asyncio

    async def body() -> None:
        client: Any = motor_asyncio.AsyncIOMotorClient(mongodb_uri, serverSelectionTimeoutMS=10000)
        try:
            bucket: Any = motor_asyncio.AsyncIOMotorGridFSBucket(client[DB_NAME], bucket_name)
            calls: list[Callable[[], Awaitable[Any]]] = [
                lambda: bucket.delete(ObjectId(), session="s"),
                lambda: bucket.open_download_stream(ObjectId(), session=object()),
                lambda: bucket.upload_from_stream("x", b"y", session=1),
            ]
            for call in calls:
                with pytest.raises(ValueError, match="'session' argument must be an AsyncClientSession or None"):
                    await call()
        finally:
            await client.close()

    asyncio.run(body())


# -- Motor's public surface ------------------------------------------------------------

# Deliberate differences from Motor 3.7.1's GridFS classes, with the reason.
# Keys: (class, member) -> reason.  Everything else must match by name and kind.
ALLOWED_DIFFERENCES: dict[tuple[str, str], str] = {
    # Motor's cursors carry the plain instance attributes ``started`` and
    # ``closed``; GridOutCursor inherits everything but next/to_list from
    # motorx's cursor base (motorx.cursor, the api owner's), which does not
    # provide them (yet): a cursor-base matter, not a GridFS one.
    ("GridOutCursor", "started"): "cursor base: Motor's instance attribute, not provided by motorx.cursor",
    ("GridOutCursor", "closed"): "cursor base: Motor's instance attribute, not provided by motorx.cursor",
}

# Members motorx adds (not in Motor), listed so additions are deliberate.
EXTRA_MEMBERS: dict[str, set[str]] = {
    # PyMongo 4.12+'s bucket methods; GridOut.closed as a property, like GridIn's.
    "GridFSBucket": {"delete_by_name", "rename_by_name"},
    "GridIn": set(),
    "GridOut": {"closed"},
    "GridOutCursor": set(),
}


def _motor_kind(cls: type, name: str, instance: Any) -> str:
    raw = inspect.getattr_static(cls, name, None)
    if raw is None:
        return "attribute"  # set on the instance (io_loop, delegate, collection, ...)
    if isinstance(raw, property):
        # Motor's DelegateMethod is a property returning the delegate's bound
        # method: callers call it like a plain method.
        if instance is not None:
            try:
                value = getattr(instance, name)
            except Exception:  # noqa: BLE001 - e.g. GridIn.length before close
                return "property"
            if inspect.ismethod(value) or inspect.isbuiltin(value):
                return "method"
        return "property"
    function = getattr(cls, name)
    if (
        inspect.iscoroutinefunction(function)
        or getattr(function, "is_async_method", False)
        or getattr(function, "coroutine_annotation", False)
    ):
        return "coroutine"
    return "method" if callable(function) else "attribute"


def _motorx_kind(cls: type, name: str) -> str:
    raw = inspect.getattr_static(cls, name, None)
    if raw is None:
        return "missing"
    if isinstance(raw, property):
        return "property"
    function = getattr(cls, name)
    # Awaited by the user: a coroutine function, or a method returning a
    # started Future as Motor's do (test_call_model tells the two apart).
    if inspect.iscoroutinefunction(function) or getattr(function, "returns_future", False):
        return "coroutine"
    return "method" if callable(function) else "attribute"


def _motor_gridfs_instances(motor_module: Any, prefix: str) -> dict[str, Any]:
    """Motor GridFS objects made without I/O, to see what their properties hold."""
    client = getattr(motor_module, prefix + "Client")("mongodb://127.0.0.1:1", connect=False)
    root = client["db"]["fs"]
    return {
        "GridFSBucket": getattr(motor_module, prefix + "GridFSBucket")(client["db"]),
        "GridIn": getattr(motor_module, prefix + "GridIn")(root),
        "GridOut": getattr(motor_module, prefix + "GridOut")(
            root, file_document={"_id": 1, "length": 0, "chunkSize": 1, "filename": "f"}
        ),
        "GridOutCursor": getattr(motor_module, prefix + "GridFSBucket")(client["db"]).find(),
    }


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_public_surface_matches_motor(flavour_name: str) -> None:
    pytest.importorskip("motor", reason="motor 3.7.1 is in the test extra")
    prefix = "AsyncIOMotor" if flavour_name == "asyncio" else "Motor"
    motor_module = importlib.import_module("motor.motor_" + flavour_name)
    motorx_module = importlib.import_module("motorx.motor_" + flavour_name)

    async def make() -> dict[str, Any]:
        return _motor_gridfs_instances(motor_module, prefix)

    if flavour_name == "asyncio":
        instances = asyncio.run(make())
    else:
        from tornado.ioloop import IOLoop

        loop = IOLoop(make_current=False)
        try:
            instances = loop.run_sync(make)
        finally:
            loop.close(all_fds=True)

    mismatches = []
    matched = total = 0
    for concept in ("GridFSBucket", "GridIn", "GridOut", "GridOutCursor"):
        motor_class = getattr(motor_module, prefix + concept)
        motorx_class = getattr(motorx_module, prefix + concept)
        instance = instances[concept]
        names = {n for n in dir(motor_class) if not n.startswith("_") or n == "_id"}
        names |= {n for n in vars(instance) if not n.startswith("_")}  # instance attributes
        for name in sorted(names):
            total += 1
            expected = _motor_kind(motor_class, name, instance)
            actual = _motorx_kind(motorx_class, name)
            # Motor's instance attributes are read-only properties in motorx.
            if expected == "attribute" and actual == "property":
                actual = "attribute"
            if (concept, name) in ALLOWED_DIFFERENCES or expected == actual:
                matched += 1
                continue
            mismatches.append("%s.%s: Motor %s, motorx %s" % (prefix + concept, name, expected, actual))
        extra = {
            n for n in dir(motorx_class) if not n.startswith("_") and not hasattr(motor_class, n)
        } - set(vars(instance))
        unexpected = extra - EXTRA_MEMBERS[concept]
        if unexpected:
            mismatches.append("%s has members Motor lacks: %s" % (prefix + concept, sorted(unexpected)))
    assert not mismatches, "\n".join(mismatches)
    assert matched == total and total > 80


def _comparable_parameters(function: Any) -> list[tuple[str, Any, Any]]:
    signature = inspect.signature(function)
    return [
        (p.name, p.kind, p.default)
        for p in signature.parameters.values()
        if p.name != "self"
    ]


@pytest.mark.parametrize("concept", ["GridFSBucket", "GridIn", "GridOut"])
def test_method_parameters_match_motor(concept: str) -> None:
    motor_asyncio = pytest.importorskip("motor.motor_asyncio", reason="motor 3.7.1 is in the test extra")
    from motorx import motor_asyncio as motorx_asyncio

    motor_class = getattr(motor_asyncio, "AsyncIOMotor" + concept)
    motorx_class = getattr(motorx_asyncio, "AsyncIOMotor" + concept)
    checked = 0
    differences = []
    for name in dir(motor_class):
        if name.startswith("_"):
            continue
        motor_member = inspect.getattr_static(motor_class, name)
        if isinstance(motor_member, property) or not callable(motor_member):
            continue
        motor_parameters = _comparable_parameters(getattr(motor_class, name))
        if any(kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) for _, kind, _ in motor_parameters):
            continue  # Motor's signature says nothing (``*args, **kwargs``)
        checked += 1
        motorx_parameters = _comparable_parameters(getattr(motorx_class, name))
        if motorx_parameters != motor_parameters:
            differences.append("%s.%s: Motor %s, motorx %s" % (concept, name, motor_parameters, motorx_parameters))
    assert not differences, "\n".join(differences)
    assert checked > 0
