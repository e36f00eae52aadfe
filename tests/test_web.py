"""Motor's web helpers serving GridFS files over real HTTP on loopback.

``motorx.web.GridFSHandler`` runs in a real tornado HTTP server and
``motorx.aiohttp.AIOHTTPGridFS`` in a real aiohttp application; both serve
files stored in the embedded server, and the tests talk to them with real HTTP
clients: content, headers, conditional requests (304), 404, HEAD.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import hashlib
import random
import uuid
from collections.abc import Awaitable
from typing import Any, Callable

import pytest
from bson.objectid import ObjectId

DB_NAME = "motorx_web_test"


@pytest.fixture
def bucket_name() -> str:
    return "web_" + uuid.uuid4().hex[:10]


def motor_etag(file_id: Any, length: int, upload_date: datetime.datetime) -> str:
    """The ETag Motor's web helpers sent (sha256 of _id, length, uploadDate)."""
    digest = hashlib.sha256(str(file_id).encode("utf8"))
    digest.update(str(length).encode("utf8"))
    digest.update(str(upload_date).encode("utf8"))
    return '"%s"' % digest.hexdigest()


def http_date(moment: datetime.datetime) -> str:
    return email.utils.format_datetime(moment.replace(tzinfo=datetime.timezone.utc), usegmt=True)


BIG = random.Random(11).randbytes(3 * 1024 + 100)


async def store_files(bucket: Any) -> dict[str, Any]:
    """Files the servers will serve: a multi-chunk one, revisions, typed ones, an empty one."""
    big_id = await bucket.upload_from_stream("big.bin", BIG, chunk_size_bytes=1024)
    await bucket.upload_from_stream("notes.txt", b"old revision")
    await asyncio.sleep(0.005)
    notes_id = await bucket.upload_from_stream("notes.txt", b"new revision\n")
    typed_id = await bucket.upload_from_stream(
        "typed", b"{}", metadata={"contentType": "application/json"}
    )
    empty_id = await bucket.upload_from_stream("empty.txt", b"")
    big = await bucket.open_download_stream(big_id)
    return {
        "big_id": big_id,
        "notes_id": notes_id,
        "typed_id": typed_id,
        "empty_id": empty_id,
        "big_upload_date": big.upload_date,
    }


def check_common_behaviour(files: dict[str, Any], fetch_results: dict[str, Any]) -> None:
    """What both helpers must do, given the responses each test collected."""
    status, headers, body = fetch_results["big"]
    assert status == 200 and body == BIG
    assert int(headers["Content-Length"]) == len(BIG)
    assert headers["Content-Type"].startswith("application/octet-stream")
    assert headers["Cache-Control"] == "public"
    # Motor's ETag formula: caches filled by a Motor server stay valid.
    assert headers["Etag"] == motor_etag(files["big_id"], len(BIG), files["big_upload_date"])
    last_modified = email.utils.parsedate_to_datetime(headers["Last-Modified"])
    assert last_modified == files["big_upload_date"].replace(
        microsecond=0, tzinfo=datetime.timezone.utc
    )

    status, headers, body = fetch_results["notes"]
    assert status == 200 and body == b"new revision\n"  # the newest revision
    assert headers["Content-Type"].startswith("text/plain")

    status, headers, body = fetch_results["typed"]
    assert status == 200 and body == b"{}"
    assert headers["Content-Type"].startswith("application/json")  # from metadata.contentType

    status, headers, body = fetch_results["empty"]
    assert status == 200 and body == b"" and headers["Content-Length"] == "0"

    status, headers, body = fetch_results["head"]
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(BIG)
    assert headers["Etag"] == fetch_results["big"][1]["Etag"]

    for name in ("not_modified_since", "not_modified_etag", "not_modified_etag_list"):
        status, headers, body = fetch_results[name]
        assert status == 304, name
        assert body == b"", name
    for name in ("modified_since", "other_etag"):
        status, headers, body = fetch_results[name]
        assert status == 200 and body == BIG, name

    status, headers, body = fetch_results["missing"]
    assert status == 404

    status, headers, body = fetch_results["cached"]
    assert status == 200 and body == b"new revision\n"
    assert headers["Cache-Control"] == "max-age=3600"
    expires = email.utils.parsedate_to_datetime(headers["Expires"])
    ahead = expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=50) < ahead <= datetime.timedelta(hours=1, seconds=5)
    assert headers["X-Served-From"] == "gridfs:notes.txt"

    status, headers, body = fetch_results["by_id"]
    assert status == 200 and body == b"new revision\n"


def big_etag(results: dict[str, Any]) -> str:
    """The ETag the server sent for big.bin (the first request)."""
    return str(results["big"][1]["Etag"])


# Requests both tests send, in order: name -> (method, path, request headers);
# a header given as a function is computed from the responses so far.
def planned_requests(prefix: str, files: dict[str, Any]) -> dict[str, Any]:
    last_modified = http_date(files["big_upload_date"].replace(microsecond=0))
    earlier = http_date(files["big_upload_date"] - datetime.timedelta(hours=1))
    return {
        "big": ("GET", prefix + "/big.bin", {}),
        "notes": ("GET", prefix + "/notes.txt", {}),
        "typed": ("GET", prefix + "/typed", {}),
        "empty": ("GET", prefix + "/empty.txt", {}),
        "head": ("HEAD", prefix + "/big.bin", {}),
        "not_modified_since": ("GET", prefix + "/big.bin", {"If-Modified-Since": last_modified}),
        "modified_since": ("GET", prefix + "/big.bin", {"If-Modified-Since": earlier}),
        "not_modified_etag": ("GET", prefix + "/big.bin", {"If-None-Match": big_etag}),
        "not_modified_etag_list": (
            "GET", prefix + "/big.bin", {"If-None-Match": lambda results: '"x", ' + big_etag(results)}
        ),
        "other_etag": ("GET", prefix + "/big.bin", {"If-None-Match": '"not-it"'}),
        "missing": ("GET", prefix + "/no-such-file", {}),
        "cached": ("GET", "/cached/notes.txt", {}),
        "by_id": ("GET", "/by-id/" + str(files["notes_id"]), {}),
    }


async def fetch_all(
    plan: dict[str, Any], send: Callable[[str, str, dict[str, str]], Awaitable[tuple[int, Any, bytes]]]
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, (method, path, headers) in plan.items():
        headers = {k: (v(results) if callable(v) else v) for k, v in headers.items()}
        results[name] = await send(method, path, headers)
    return results


# -- tornado ---------------------------------------------------------------------------


def test_tornado_gridfs_handler(mongodb_uri: str, bucket_name: str) -> None:
    pytest.importorskip("tornado", reason="tornado is in the test extra")
    import tornado.httpclient
    import tornado.httpserver
    import tornado.netutil
    import tornado.web
    from tornado.ioloop import IOLoop

    from motorx.motor_tornado import MotorClient, MotorGridFSBucket
    from motorx.web import GridFSHandler

    class CachingHandler(GridFSHandler):
        def get_cache_time(self, path: str, modified: datetime.datetime, mime_type: Any) -> int:
            assert modified.tzinfo is not None and mime_type == "text/plain"
            return 3600

        def set_extra_headers(self, path: str, gridout: Any) -> None:
            self.set_header("X-Served-From", "gridfs:" + gridout.filename)

    class ByIdHandler(GridFSHandler):
        def get_gridfs_file(self, bucket: Any, filename: str, request: Any) -> Any:
            return bucket.open_download_stream(ObjectId(filename))

    async def main() -> None:
        client: Any = MotorClient(mongodb_uri, serverSelectionTimeoutMS=10000)
        try:
            db = client[DB_NAME]
            files = await store_files(MotorGridFSBucket(db, bucket_name))
            options = {"database": db, "root_collection": bucket_name}
            app = tornado.web.Application(
                [
                    (r"/fs/(.*)", GridFSHandler, options),
                    (r"/cached/(.*)", CachingHandler, options),
                    (r"/by-id/(.*)", ByIdHandler, options),
                ]
            )
            [sock] = tornado.netutil.bind_sockets(0, "127.0.0.1")
            port = sock.getsockname()[1]
            server = tornado.httpserver.HTTPServer(app)
            server.add_sockets([sock])
            http = tornado.httpclient.AsyncHTTPClient(force_instance=True)

            async def send(method: str, path: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
                response = await http.fetch(
                    "http://127.0.0.1:%d%s" % (port, path),
                    method=method,
                    headers=headers,
                    raise_error=False,
                )
                return response.code, response.headers, response.body or b""

            try:
                results = await fetch_all(planned_requests("/fs", files), send)
            finally:
                http.close()
                server.stop()
                await server.close_all_connections()
            check_common_behaviour(files, results)
        finally:
            await client.close()

    io_loop = IOLoop(make_current=False)
    try:
        io_loop.run_sync(main, timeout=60)
    finally:
        io_loop.close(all_fds=True)


def test_tornado_handler_wants_a_motor_database(mongodb_uri: str) -> None:
    pytest.importorskip("tornado", reason="tornado is in the test extra")
    from motorx.motor_asyncio import AsyncIOMotorClient
    from motorx.motor_tornado import MotorGridFSBucket

    client = AsyncIOMotorClient(mongodb_uri, connect=False)
    # The handler builds a MotorGridFSBucket from its ``database``: same check.
    with pytest.raises(TypeError, match="First argument"):
        MotorGridFSBucket(client[DB_NAME])


# -- aiohttp ---------------------------------------------------------------------------


def test_aiohttp_gridfs(mongodb_uri: str, bucket_name: str) -> None:
    pytest.importorskip("aiohttp", reason="aiohttp is in the test extra")
    import aiohttp
    import aiohttp.web

    from motorx.aiohttp import AIOHTTPGridFS
    from motorx.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorGridFSBucket

    def cache_time(filename: str, modified: datetime.datetime, mime_type: Any) -> int:
        assert modified.tzinfo is not None and mime_type == "text/plain"
        return 3600

    def extra_headers(response: Any, gridout: Any) -> None:
        response.headers["X-Served-From"] = "gridfs:" + gridout.filename

    def by_id(bucket: Any, filename: str, request: Any) -> Any:
        return bucket.open_download_stream(ObjectId(filename))

    async def main() -> None:
        client: Any = AsyncIOMotorClient(mongodb_uri, serverSelectionTimeoutMS=10000)
        runner = None
        try:
            db = client[DB_NAME]
            files = await store_files(AsyncIOMotorGridFSBucket(db, bucket_name))
            app = aiohttp.web.Application()
            for prefix, handler in [
                ("/fs", AIOHTTPGridFS(db, bucket_name)),
                ("/cached", AIOHTTPGridFS(db, bucket_name, get_cache_time=cache_time, set_extra_headers=extra_headers)),
                ("/by-id", AIOHTTPGridFS(db, bucket_name, get_gridfs_file=by_id)),
            ]:
                resource = app.router.add_resource(prefix + "/{filename}")
                resource.add_route("GET", handler)
                resource.add_route("HEAD", handler)
                resource.add_route("POST", handler)
            bad = app.router.add_resource("/bad/{name}")
            bad.add_route("GET", AIOHTTPGridFS(db, bucket_name))

            runner = aiohttp.web.AppRunner(app)
            await runner.setup()
            site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]

            async with aiohttp.ClientSession() as http:

                async def send(method: str, path: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
                    async with http.request(
                        method, "http://127.0.0.1:%d%s" % (port, path), headers=headers
                    ) as response:
                        return response.status, response.headers, await response.read()

                results = await fetch_all(planned_requests("/fs", files), send)
                check_common_behaviour(files, results)

                status, headers, body = await send("POST", "/fs/big.bin", {})
                assert status == 405 and set(headers["Allow"].split(",")) == {"GET", "HEAD"}
                status, headers, body = await send("GET", "/bad/big.bin", {})
                assert status == 500 and b"requires a {filename} variable" in body
        finally:
            if runner is not None:
                await runner.cleanup()
            await client.close()

    asyncio.run(main())


def test_aiohttp_gridfs_wants_an_asyncio_database(mongodb_uri: str) -> None:
    pytest.importorskip("aiohttp", reason="aiohttp is in the test extra")
    pytest.importorskip("tornado", reason="tornado is in the test extra")
    from motorx.aiohttp import AIOHTTPGridFS
    from motorx.motor_tornado import MotorClient

    client = MotorClient(mongodb_uri, connect=False)
    with pytest.raises(TypeError, match="AsyncIOMotorDatabase"):
        AIOHTTPGridFS(client[DB_NAME])
    with pytest.raises(TypeError, match="AsyncIOMotorDatabase"):
        AIOHTTPGridFS("my_database")  # type: ignore[arg-type]


def test_importing_motorx_does_not_import_aiohttp() -> None:
    import subprocess
    import sys

    code = (
        "import sys, motorx, motorx.motor_asyncio, motorx.gridfs; "
        "assert 'aiohttp' not in sys.modules, sorted(m for m in sys.modules if 'aiohttp' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
