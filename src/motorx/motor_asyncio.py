"""asyncio flavour: ``from motorx.motor_asyncio import AsyncIOMotorClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

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
    from collections.abc import Mapping, MutableMapping, Sequence

    from pymongo.client_session import TransactionOptions

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
    _cursor_class = AsyncIOMotorCursor
    _raw_batch_cursor_class = AsyncIOMotorRawBatchCursor
    _command_cursor_class = AsyncIOMotorCommandCursor
    _latent_command_cursor_class = AsyncIOMotorLatentCommandCursor
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: the cursors, change streams and database
        # are this flavour's classes, in this collection's document type
        # (the agnostic methods build them from the class attributes above).
        @property
        def database(self) -> AsyncIOMotorDatabase[_DocumentType]: ...
        def find(self, *args: Any, **kwargs: Any) -> AsyncIOMotorCursor[_DocumentType]: ...
        def find_raw_batches(
            self, *args: Any, **kwargs: Any
        ) -> AsyncIOMotorRawBatchCursor[_DocumentType]: ...
        def aggregate(
            self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[_DocumentType]: ...
        def aggregate_raw_batches(
            self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[_DocumentType]: ...
        def list_indexes(
            self, session: Any = None, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[MutableMapping[str, Any]]: ...
        def list_search_indexes(
            self, *args: Any, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[Mapping[str, Any]]: ...


class AsyncIOMotorDatabase(AgnosticDatabase[_DocumentType]):
    _collection_class = AsyncIOMotorCollection
    _command_cursor_class = AsyncIOMotorCommandCursor
    _latent_command_cursor_class = AsyncIOMotorLatentCommandCursor
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: the collections, cursors, change streams
        # and client are this flavour's classes, in this database's document type.
        @property
        def client(self) -> AsyncIOMotorClient[_DocumentType]: ...
        def __getattr__(self, name: str) -> AsyncIOMotorCollection[_DocumentType]: ...
        def __getitem__(self, name: str) -> AsyncIOMotorCollection[_DocumentType]: ...
        def get_collection(
            self,
            name: str,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> AsyncIOMotorCollection[_DocumentType]: ...
        async def create_collection(
            self,
            name: str,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
            session: Any = None,
            check_exists: Optional[bool] = True,
            **kwargs: Any,
        ) -> AsyncIOMotorCollection[_DocumentType]: ...
        async def cursor_command(
            self,
            command: Union[str, MutableMapping[str, Any]],
            value: Any = 1,
            read_preference: Any = None,
            codec_options: Any = None,
            session: Any = None,
            comment: Optional[Any] = None,
            max_await_time_ms: Optional[int] = None,
            **kwargs: Any,
        ) -> AsyncIOMotorCommandCursor[_DocumentType]: ...
        async def list_collections(
            self,
            session: Any = None,
            filter: Optional[Mapping[str, Any]] = None,
            comment: Optional[Any] = None,
            **kwargs: Any,
        ) -> AsyncIOMotorCommandCursor[MutableMapping[str, Any]]: ...
        def aggregate(
            self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any
        ) -> AsyncIOMotorLatentCommandCursor[_DocumentType]: ...


class AsyncIOMotorClientSession(AgnosticClientSession):
    __slots__ = ()


class AsyncIOMotorClient(AgnosticClient[_DocumentType]):
    _framework = AsyncioFramework
    _database_class = AsyncIOMotorDatabase
    _session_class = AsyncIOMotorClientSession

    if TYPE_CHECKING:
        # For type checkers only: the session is this flavour's class (the
        # agnostic start_session builds it from _session_class at run time).
        async def start_session(
            self,
            causal_consistency: Optional[bool] = None,
            default_transaction_options: Optional[TransactionOptions] = None,
            snapshot: Optional[bool] = False,
        ) -> AsyncIOMotorClientSession: ...

        # The databases, cursors and change streams are this flavour's
        # classes, in this client's document type.
        def __getattr__(self, name: str) -> AsyncIOMotorDatabase[_DocumentType]: ...
        def __getitem__(self, name: str) -> AsyncIOMotorDatabase[_DocumentType]: ...
        def get_database(
            self,
            name: Optional[str] = None,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> AsyncIOMotorDatabase[_DocumentType]: ...
        def get_default_database(
            self,
            default: Optional[str] = None,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> AsyncIOMotorDatabase[_DocumentType]: ...
        async def list_databases(
            self, session: Any = None, comment: Any = None, **kwargs: Any
        ) -> AsyncIOMotorCommandCursor[dict[str, Any]]: ...
    _command_cursor_class = AsyncIOMotorCommandCursor
    _change_stream_class: type[AsyncIOMotorChangeStream[_DocumentType]] = AsyncIOMotorChangeStream


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
