"""Serving GridFS files from a tornado application: Motor's ``motor.web``.

::

    db = motorx.motor_tornado.MotorClient().my_database
    application = tornado.web.Application(
        [(r"/static/(.*)", motorx.web.GridFSHandler, {"database": db})]
    )
"""

from __future__ import annotations

import datetime
import email.utils
from typing import Any, Optional

import gridfs.errors
import tornado.web

from motorx._http import content_type, file_to_serve, last_modified, not_modified, response_headers
from motorx.gridfs import AgnosticGridFSBucket, AgnosticGridOut
from motorx.motor_tornado import MotorGridFSBucket

__all__ = ["GridFSHandler"]


def _parse_http_date(value: Optional[str]) -> Optional[datetime.datetime]:
    """An HTTP date header as a datetime; None if absent or not a date (then ignored)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


class GridFSHandler(tornado.web.RequestHandler):
    """Serves files from GridFS, like ``tornado.web.StaticFileHandler`` does from disk.

    The URL pattern's group is the filename; the newest revision is served.
    ``If-Modified-Since`` and ``If-None-Match`` are honoured (304), a missing
    file is a 404, and ``HEAD`` sends the headers only.  By default no
    cache lifetime is sent, so clients revalidate each time; override
    :meth:`get_cache_time` to change that, :meth:`get_gridfs_file` to choose
    the file another way, :meth:`set_extra_headers` to add headers.
    """

    database: Any
    root_collection: str

    def initialize(self, database: Any, root_collection: str = "fs") -> None:
        self.database = database
        self.root_collection = root_collection

    def get_gridfs_file(self, bucket: AgnosticGridFSBucket, filename: str, request: Any) -> Any:
        """Choose the file to serve: an awaitable of (or a) ``MotorGridOut``.

        By default the newest revision of the file named by the URL's group,
        ``bucket.open_download_stream_by_name(filename)``.  To serve by id::

            class ByIdHandler(GridFSHandler):
                def get_gridfs_file(self, bucket, filename, request):
                    return bucket.open_download_stream(ObjectId(filename))

        Raise (or let the bucket raise) ``gridfs.errors.NoFile`` for a 404.
        """
        return bucket.open_download_stream_by_name(filename)

    async def get(self, path: str, include_body: bool = True) -> None:
        bucket = MotorGridFSBucket(self.database, self.root_collection)
        try:
            grid_out = await file_to_serve(self.get_gridfs_file(bucket, path, self.request), "a MotorGridOut")
        except gridfs.errors.NoFile:
            raise tornado.web.HTTPError(404) from None

        mime_type = content_type(grid_out, path)
        cache_time = self.get_cache_time(path, last_modified(grid_out), mime_type)
        for name, value in response_headers(grid_out, mime_type, cache_time).items():
            self.set_header(name, value)
        self.set_extra_headers(path, grid_out)
        since = _parse_http_date(self.request.headers.get("If-Modified-Since"))
        if not_modified(grid_out, self.request.headers.get("If-None-Match"), since):
            self.set_status(304)
            return

        self.set_header("Content-Length", grid_out.length)
        if include_body:
            await grid_out.stream_to_handler(self)
        self.finish()

    def head(self, path: str) -> Any:
        return self.get(path, include_body=False)

    def get_cache_time(self, path: str, modified: datetime.datetime, mime_type: Optional[str]) -> int:
        """Seconds clients may cache the file without asking (0, the default: revalidate)."""
        return 0

    def set_extra_headers(self, path: str, gridout: AgnosticGridOut) -> None:
        """Override to add headers to the response."""
