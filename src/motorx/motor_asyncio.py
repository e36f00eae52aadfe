"""asyncio flavour: ``from motorx.motor_asyncio import AsyncIOMotorClient``."""

from __future__ import annotations

from motorx._framework import AsyncioFramework
from motorx.client import AgnosticClient
from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCommandCursor, AgnosticCursor
from motorx.database import AgnosticDatabase
from motorx.session import AgnosticClientSession

__all__ = [
    "AsyncIOMotorClient",
    "AsyncIOMotorClientSession",
    "AsyncIOMotorCollection",
    "AsyncIOMotorCommandCursor",
    "AsyncIOMotorCursor",
    "AsyncIOMotorDatabase",
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
