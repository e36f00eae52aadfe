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
from motorx.gridfs import (
    AgnosticGridOut,
    _content_type,
    _etag_matches,
    _gridfs_etag,
    _last_modified,
    _not_modified_since,
)
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
            grid_out = self._get_gridfs_file(self._bucket, filename, request)
            if inspect.isawaitable(grid_out):
                grid_out = await grid_out
        except gridfs.errors.NoFile as exc:
            raise aiohttp.web.HTTPNotFound(text=request.path) from exc
        if not isinstance(grid_out, AgnosticGridOut):
            raise TypeError(
                "get_gridfs_file must return an AsyncIOMotorGridOut (or an awaitable of one), not %r"
                % (grid_out,)
            )

        response = aiohttp.web.StreamResponse()
        modified = _last_modified(grid_out)
        response.last_modified = modified
        response.headers["Etag"] = '"%s"' % _gridfs_etag(grid_out)
        mime_type = _content_type(grid_out, request.path)
        if mime_type:
            response.content_type = mime_type
        cache_time = self._get_cache_time(request.path, modified, mime_type)
        if cache_time > 0:
            expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=cache_time)
            response.headers["Expires"] = expires.strftime("%a, %d %b %Y %H:%M:%S GMT")
            response.headers["Cache-Control"] = "max-age=" + str(cache_time)
        else:
            response.headers["Cache-Control"] = "public"
        self._set_extra_headers(response, grid_out)

        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            not_modified = _etag_matches(grid_out, if_none_match)
        else:
            not_modified = _not_modified_since(grid_out, request.if_modified_since)
        if not_modified:
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
