"""asyncio flavour: ``from motorx.motor_asyncio import AsyncIOMotorClient``."""

from __future__ import annotations

from motorx._framework import AsyncioFramework
from motorx.client import AgnosticClient
from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCommandCursor, AgnosticCursor
from motorx.database import AgnosticDatabase
from motorx.gridfs import AgnosticGridFSBucket, AgnosticGridIn, AgnosticGridOut, AgnosticGridOutCursor
from motorx.session import AgnosticClientSession

__all__ = [
    "AsyncIOMotorClient",
    "AsyncIOMotorClientSession",
    "AsyncIOMotorCollection",
    "AsyncIOMotorCommandCursor",
    "AsyncIOMotorCursor",
    "AsyncIOMotorDatabase",
    "AsyncIOMotorGridFSBucket",
    "AsyncIOMotorGridIn",
    "AsyncIOMotorGridOut",
    "AsyncIOMotorGridOutCursor",
]


class AsyncIOMotorCursor(AgnosticCursor):
    pass


class AsyncIOMotorCommandCursor(AgnosticCommandCursor):
    pass


class AsyncIOMotorCollection(AgnosticCollection):
    _cursor_class = AsyncIOMotorCursor
    _command_cursor_class = AsyncIOMotorCommandCursor


class AsyncIOMotorDatabase(AgnosticDatabase):
    _collection_class = AsyncIOMotorCollection
    _command_cursor_class = AsyncIOMotorCommandCursor


class AsyncIOMotorClientSession(AgnosticClientSession):
    __slots__ = ()


class AsyncIOMotorClient(AgnosticClient):
    _framework = AsyncioFramework
    _database_class = AsyncIOMotorDatabase
    _session_class = AsyncIOMotorClientSession


# GridFS (motorx.gridfs): the flavour's collection/database classes are what
# the constructors accept, as in Motor.
class AsyncIOMotorGridOut(AgnosticGridOut):
    _collection_class = AsyncIOMotorCollection


class AsyncIOMotorGridIn(AgnosticGridIn):
    _collection_class = AsyncIOMotorCollection


class AsyncIOMotorGridOutCursor(AgnosticGridOutCursor):
    _grid_out_class = AsyncIOMotorGridOut


class AsyncIOMotorGridFSBucket(AgnosticGridFSBucket):
    _database_class = AsyncIOMotorDatabase
    _grid_in_class = AsyncIOMotorGridIn
    _grid_out_class = AsyncIOMotorGridOut
    _grid_out_cursor_class = AsyncIOMotorGridOutCursor
