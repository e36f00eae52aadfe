"""What serving a GridFS file over HTTP decides, for both web handlers.

``motorx.web`` (tornado) and ``motorx.aiohttp`` differ only in how they read
the request and write the response.  Checking the file a handler chose, the
response headers (validators, type, caching) and the conditional-GET answer
(304 or not) are written once, here.
"""

from __future__ import annotations

import datetime
import email.utils
import inspect
from collections.abc import Mapping
from typing import Any, Optional

from motorx.gridfs import AgnosticGridOut


async def file_to_serve(chosen: Any, grid_out_class_name: str) -> AgnosticGridOut:
    """What a handler's ``get_gridfs_file`` returned, awaited if need be.

    ``gridfs.errors.NoFile`` (the handler's 404) propagates; anything but a
    motorx GridOut is a TypeError naming the flavour's class.
    """
    if inspect.isawaitable(chosen):
        chosen = await chosen
    if not isinstance(chosen, AgnosticGridOut):
        raise TypeError(
            "get_gridfs_file must return %s (or an awaitable of one), not %r"
            % (grid_out_class_name, chosen)
        )
    return chosen


def response_headers(grid_out: AgnosticGridOut, mime_type: Optional[str], cache_time: int) -> dict[str, str]:
    """The headers sent for ``grid_out`` before the hook that adds the application's own.

    ``cache_time`` is the application's answer to ``get_cache_time``: above
    0, clients may keep the file that many seconds without asking.
    """
    headers = {
        "Last-Modified": email.utils.format_datetime(last_modified(grid_out), usegmt=True),
        "Etag": '"%s"' % _gridfs_etag(grid_out),
    }
    if mime_type:
        headers["Content-Type"] = mime_type
    if cache_time > 0:
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=cache_time)
        headers["Expires"] = email.utils.format_datetime(expires.replace(microsecond=0), usegmt=True)
        headers["Cache-Control"] = "max-age=" + str(cache_time)
    else:
        headers["Cache-Control"] = "public"
    return headers


def not_modified(
    grid_out: AgnosticGridOut, if_none_match: Optional[str], if_modified_since: Optional[datetime.datetime]
) -> bool:
    """Whether the request's validators say the client's copy is current (a 304).

    ``if_modified_since`` is the parsed header (None if absent or not a date).
    If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
    """
    if if_none_match is not None:
        return _etag_matches(grid_out, if_none_match)
    return _not_modified_since(grid_out, if_modified_since)


def _gridfs_etag(grid_out: AgnosticGridOut) -> str:
    """A strong validator for a GridFS file without reading its content.

    Computed from ``_id``, ``length`` and ``uploadDate`` exactly as Motor's
    web helpers did, so ETags that browsers cached stay valid after switching.
    """
    import hashlib

    digest = hashlib.sha256(str(grid_out._id).encode("utf8"))
    digest.update(str(grid_out.length).encode("utf8"))
    digest.update(str(grid_out.upload_date).encode("utf8"))
    return digest.hexdigest()


def last_modified(grid_out: AgnosticGridOut) -> datetime.datetime:
    """The file's upload time as an aware UTC datetime, to the second (HTTP's precision)."""
    uploaded: datetime.datetime = grid_out.upload_date
    if uploaded.tzinfo is None:
        # PyMongo decodes BSON dates as naive UTC unless the client is tz_aware.
        uploaded = uploaded.replace(tzinfo=datetime.timezone.utc)
    return uploaded.astimezone(datetime.timezone.utc).replace(microsecond=0)


def _not_modified_since(grid_out: AgnosticGridOut, if_modified_since: Optional[datetime.datetime]) -> bool:
    """Whether an ``If-Modified-Since`` time (None if absent or unparsable) covers the file."""
    if if_modified_since is None:
        return False
    if if_modified_since.tzinfo is None:
        if_modified_since = if_modified_since.replace(tzinfo=datetime.timezone.utc)
    return if_modified_since >= last_modified(grid_out)


def _etag_matches(grid_out: AgnosticGridOut, if_none_match: Optional[str]) -> bool:
    """Whether an ``If-None-Match`` header names this file's ETag (or is ``*``)."""
    if not if_none_match:
        return False
    etag = _gridfs_etag(grid_out)
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == "*" or candidate.strip('"') == etag:
            return True
    return False


def content_type(grid_out: AgnosticGridOut, path: str) -> Optional[str]:
    """The file's type: its ``contentType`` field, its metadata's, or a guess from the path."""
    import mimetypes

    found = grid_out.content_type
    if found is None:
        metadata = grid_out.metadata
        if isinstance(metadata, Mapping) and isinstance(metadata.get("contentType"), str):
            found = metadata["contentType"]
    if found is None:
        found, _encoding = mimetypes.guess_type(path)
    return found
