"""Serving GridFS files from an aiohttp application: Motor's ``motor.aiohttp``.

Only this module needs aiohttp; importing motorx does not.

::

    client = AsyncIOMotorClient()
    gridfs_handler = AIOHTTPGridFS(client.my_database)
    app = aiohttp.web.Application()
    resource = app.router.add_resource("/fs/{filename}")
    resource.add_route("GET", gridfs_handler)
    resource.add_route("HEAD", gridfs_handler)
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
from typing import Any, Callable, NoReturn, Optional

import aiohttp.web
import gridfs.errors

from motorx.database import AgnosticDatabase
from motorx._http import content_type, file_to_serve, last_modified, not_modified, response_headers
from motorx.gridfs import AgnosticGridOut
from motorx.motor_asyncio import AsyncIOMotorDatabase, AsyncIOMotorGridFSBucket

__all__ = ["AIOHTTPGridFS", "get_cache_time", "get_gridfs_file", "set_extra_headers"]


def get_gridfs_file(bucket: AsyncIOMotorGridFSBucket, filename: str, request: aiohttp.web.Request) -> Any:
    """The default file chooser: the newest revision of ``filename``.

    Pass another as ``AIOHTTPGridFS(db, get_gridfs_file=...)``; it returns an
    awaitable of (or an) ``AsyncIOMotorGridOut``, and raises
    ``gridfs.errors.NoFile`` for a 404.  To serve by ``_id``::

        def get_gridfile_by_id(bucket, filename, request):
            return bucket.open_download_stream(file_id=ObjectId(filename))
    """
    return bucket.open_download_stream_by_name(filename)


def get_cache_time(filename: str, modified: datetime.datetime, mime_type: Optional[str]) -> int:
    """The default cache lifetime: 0 seconds, so clients revalidate each time.

    Return a positive number of seconds to let clients cache the file.
    """
    return 0


def set_extra_headers(response: aiohttp.web.StreamResponse, gridout: AgnosticGridOut) -> None:
    """The default extra-headers hook: adds none."""


def _config_error(request: aiohttp.web.Request) -> NoReturn:
    try:
        formatter = request.match_info.route.resource.get_info()["formatter"]  # type: ignore[union-attr]
        message = 'Bad AIOHTTPGridFS route "%s", requires a {filename} variable' % formatter
    except (KeyError, AttributeError):
        message = "Bad AIOHTTPGridFS route for request: %s" % request
    raise aiohttp.web.HTTPInternalServerError(text=message) from None


class AIOHTTPGridFS:
    """An aiohttp request handler serving GridFS files, like aiohttp's static files.

    The route needs a ``{filename}`` variable.  ``If-Modified-Since`` and
    ``If-None-Match`` are honoured (304), a missing file is a 404, ``HEAD``
    sends the headers only, other methods get a 405.
    """

    def __init__(
        self,
        database: AgnosticDatabase,  # an AsyncIOMotorDatabase, checked below
        root_collection: str = "fs",
        get_gridfs_file: Callable[..., Any] = get_gridfs_file,
        get_cache_time: Callable[[str, datetime.datetime, Optional[str]], int] = get_cache_time,
        set_extra_headers: Callable[[aiohttp.web.StreamResponse, AgnosticGridOut], None] = set_extra_headers,
    ) -> None:
        if not isinstance(database, AsyncIOMotorDatabase):
            raise TypeError(
                "First argument to AIOHTTPGridFS must be AsyncIOMotorDatabase, not %r" % (database,)
            )
        self._database = database
        self._bucket = AsyncIOMotorGridFSBucket(database, root_collection)
        self._get_gridfs_file = get_gridfs_file
        self._get_cache_time = get_cache_time
        self._set_extra_headers = set_extra_headers
        # aiohttp routes warn (DeprecationWarning) about handlers that are not
        # coroutine functions; this object's __call__ is one, so say so in the
        # way inspect (3.12+) and asyncio (before 3.14) recognise.
        if hasattr(inspect, "markcoroutinefunction"):
            inspect.markcoroutinefunction(self)
        marker = getattr(asyncio.coroutines, "_is_coroutine", None)
        if marker is not None:
            self._is_coroutine = marker

    async def __call__(self, request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        try:
            filename = request.match_info["filename"]
        except KeyError:
            _config_error(request)
        if request.method not in ("GET", "HEAD"):
            raise aiohttp.web.HTTPMethodNotAllowed(method=request.method, allowed_methods={"GET", "HEAD"})

        try:
            grid_out = await file_to_serve(
                self._get_gridfs_file(self._bucket, filename, request), "an AsyncIOMotorGridOut"
            )
        except gridfs.errors.NoFile as exc:
            raise aiohttp.web.HTTPNotFound(text=request.path) from exc

        response = aiohttp.web.StreamResponse()
        mime_type = content_type(grid_out, request.path)
        cache_time = self._get_cache_time(request.path, last_modified(grid_out), mime_type)
        response.headers.update(response_headers(grid_out, mime_type, cache_time))
        self._set_extra_headers(response, grid_out)
        if not_modified(grid_out, request.headers.get("If-None-Match"), request.if_modified_since):
            response.set_status(304)
            return response

        response.content_length = grid_out.length
        await response.prepare(request)
        if request.method == "GET":
            while True:
                chunk = await grid_out.readchunk()
                if not chunk:
                    break
                await response.write(chunk)
        return response
