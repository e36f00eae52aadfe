"""asyncio flavour: ``from motorx.motor_asyncio import AsyncIOMotorClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from motorx._typing import _DocumentType
from motorx._framework import AsyncioFramework
from motorx.change_stream import AgnosticChangeStream
from motorx.client import AgnosticClient
from motorx.collection import AgnosticCollection
from motorx.cursor import (
    AgnosticCommandCursor,
    AgnosticCursor,
    AgnosticLatentCommandCursor,
    AgnosticRawBatchCursor,
)
from motorx.database import AgnosticDatabase
from motorx.encryption import AgnosticClientEncryption
from motorx.gridfs import (
    AgnosticGridFSBucket,
    AgnosticGridIn,
    AgnosticGridOut,
    AgnosticGridOutCursor,
)
from motorx.session import AgnosticClientSession

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

__all__ = [
    "AsyncIOMotorChangeStream",
    "AsyncIOMotorClient",
    "AsyncIOMotorClientEncryption",
    "AsyncIOMotorClientSession",
    "AsyncIOMotorCollection",
    "AsyncIOMotorCommandCursor",
    "AsyncIOMotorCursor",
    "AsyncIOMotorDatabase",
    "AsyncIOMotorGridFSBucket",
    "AsyncIOMotorGridIn",
    "AsyncIOMotorGridOut",
    "AsyncIOMotorGridOutCursor",
    "AsyncIOMotorLatentCommandCursor",
]


class AsyncIOMotorCursor(AgnosticCursor[_DocumentType]):
    pass


class AsyncIOMotorRawBatchCursor(AgnosticRawBatchCursor[_DocumentType]):
    pass


class AsyncIOMotorCommandCursor(AgnosticCommandCursor[_DocumentType]):
    pass


# Also a AsyncIOMotorCommandCursor (in Motor it was not): isinstance checks hold for both.
class AsyncIOMotorLatentCommandCursor(
    AgnosticLatentCommandCursor[_DocumentType], AsyncIOMotorCommandCursor[_DocumentType]
):
    pass


class AsyncIOMotorChangeStream(AgnosticChangeStream[_DocumentType]):
    pass


class AsyncIOMotorCollection(AgnosticCollection[_DocumentType]):
    # Annotated in the collection's document type: find(), aggregate(),
    # watch() and .database return these classes to type checkers too.
    _cursor_class: type[AsyncIOMotorCursor[_DocumentType]] = AsyncIOMotorCursor
    _raw_batch_cursor_class: type[AsyncIOMotorRawBatchCursor[_DocumentType]] = AsyncIOMotorRawBatchCursor
    _command_cursor_class = AsyncIOMotorCommandCursor
    _latent_command_cursor_class: type[AsyncIOMotorLatentCommandCursor[_DocumentType]] = (
        AsyncIOMotorLatentCommandCursor
    )
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream
    _database: AsyncIOMotorDatabase[_DocumentType]

    if TYPE_CHECKING:
        # For type checkers only: these cursors are over index documents,
        # not the collection's document type.
        def list_indexes(
            self, session: Any = None, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[MutableMapping[str, Any]]: ...
        def list_search_indexes(
            self, *args: Any, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[Mapping[str, Any]]: ...


class AsyncIOMotorDatabase(AgnosticDatabase[_DocumentType]):
    # Annotated in the database's document type: collections, cursors,
    # change streams and .client are these classes to type checkers too.
    _collection_class: type[AsyncIOMotorCollection[_DocumentType]] = AsyncIOMotorCollection
    _command_cursor_class: type[AsyncIOMotorCommandCursor[_DocumentType]] = AsyncIOMotorCommandCursor
    _latent_command_cursor_class: type[AsyncIOMotorLatentCommandCursor[_DocumentType]] = (
        AsyncIOMotorLatentCommandCursor
    )
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream
    _client: AsyncIOMotorClient[_DocumentType]

    if TYPE_CHECKING:
        # For type checkers only: this cursor is over collection descriptions,
        # not the database's document type.
        async def list_collections(
            self,
            session: Any = None,
            filter: Optional[Mapping[str, Any]] = None,
            comment: Optional[Any] = None,
            **kwargs: Any,
        ) -> AsyncIOMotorCommandCursor[MutableMapping[str, Any]]: ...


class AsyncIOMotorClientSession(AgnosticClientSession):
    __slots__ = ()


class AsyncIOMotorClient(AgnosticClient[_DocumentType]):
    _framework = AsyncioFramework
    # Annotated in the client's document type: databases and change streams
    # are these classes to type checkers too.
    _database_class: type[AsyncIOMotorDatabase[_DocumentType]] = AsyncIOMotorDatabase
    _session_class = AsyncIOMotorClientSession
    _command_cursor_class = AsyncIOMotorCommandCursor
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: this cursor is over database descriptions,
        # not the client's document type.
        async def list_databases(
            self, session: Any = None, comment: Any = None, **kwargs: Any
        ) -> AsyncIOMotorCommandCursor[dict[str, Any]]: ...


class AsyncIOMotorClientEncryption(AgnosticClientEncryption[_DocumentType]):
    _framework = AsyncioFramework


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
