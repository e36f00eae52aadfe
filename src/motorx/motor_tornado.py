"""tornado flavour: ``from motorx.motor_tornado import MotorClient`` (tornado >= 5, on asyncio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

try:
    import tornado  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "motorx.motor_tornado needs tornado: pip install 'motorx[tornado]'"
    ) from exc

from motorx._typing import _DocumentType
from motorx._framework import TornadoFramework
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
    "MotorChangeStream",
    "MotorClient",
    "MotorClientEncryption",
    "MotorClientSession",
    "MotorCollection",
    "MotorCommandCursor",
    "MotorCursor",
    "MotorDatabase",
    "MotorGridFSBucket",
    "MotorGridIn",
    "MotorGridOut",
    "MotorGridOutCursor",
    "MotorLatentCommandCursor",
]


class MotorCursor(AgnosticCursor[_DocumentType]):
    pass


class MotorRawBatchCursor(AgnosticRawBatchCursor[_DocumentType]):
    pass


class MotorCommandCursor(AgnosticCommandCursor[_DocumentType]):
    pass


# Also a MotorCommandCursor (in Motor it was not): isinstance checks hold for both.
class MotorLatentCommandCursor(
    AgnosticLatentCommandCursor[_DocumentType], MotorCommandCursor[_DocumentType]
):
    pass


class MotorChangeStream(AgnosticChangeStream[_DocumentType]):
    pass


class MotorCollection(AgnosticCollection[_DocumentType]):
    _cursor_class = MotorCursor
    _raw_batch_cursor_class = MotorRawBatchCursor
    _command_cursor_class = MotorCommandCursor
    _latent_command_cursor_class = MotorLatentCommandCursor
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: the cursors, change streams and database
        # are this flavour's classes, in this collection's document type
        # (the agnostic methods build them from the class attributes above).
        @property
        def database(self) -> MotorDatabase[_DocumentType]: ...
        def find(self, *args: Any, **kwargs: Any) -> MotorCursor[_DocumentType]: ...
        def find_raw_batches(
            self, *args: Any, **kwargs: Any
        ) -> MotorRawBatchCursor[_DocumentType]: ...
        def aggregate(
            self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any
        ) -> MotorLatentCommandCursor[_DocumentType]: ...
        def aggregate_raw_batches(
            self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
        ) -> MotorLatentCommandCursor[_DocumentType]: ...
        def list_indexes(
            self, session: Any = None, **kwargs: Any
        ) -> MotorLatentCommandCursor[MutableMapping[str, Any]]: ...
        def list_search_indexes(
            self, *args: Any, **kwargs: Any
        ) -> MotorLatentCommandCursor[Mapping[str, Any]]: ...


class MotorDatabase(AgnosticDatabase[_DocumentType]):
    _collection_class = MotorCollection
    _command_cursor_class = MotorCommandCursor
    _latent_command_cursor_class = MotorLatentCommandCursor
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: the collections, cursors, change streams
        # and client are this flavour's classes, in this database's document type.
        @property
        def client(self) -> MotorClient[_DocumentType]: ...
        def __getattr__(self, name: str) -> MotorCollection[_DocumentType]: ...
        def __getitem__(self, name: str) -> MotorCollection[_DocumentType]: ...
        def get_collection(
            self,
            name: str,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> MotorCollection[_DocumentType]: ...
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
        ) -> MotorCollection[_DocumentType]: ...
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
        ) -> MotorCommandCursor[_DocumentType]: ...
        async def list_collections(
            self,
            session: Any = None,
            filter: Optional[Mapping[str, Any]] = None,
            comment: Optional[Any] = None,
            **kwargs: Any,
        ) -> MotorCommandCursor[MutableMapping[str, Any]]: ...
        def aggregate(
            self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any
        ) -> MotorLatentCommandCursor[_DocumentType]: ...


class MotorClientSession(AgnosticClientSession):
    __slots__ = ()


class MotorClient(AgnosticClient[_DocumentType]):
    _framework = TornadoFramework
    _database_class = MotorDatabase
    _session_class = MotorClientSession

    if TYPE_CHECKING:
        # For type checkers only: the session is this flavour's class (the
        # agnostic start_session builds it from _session_class at run time).
        async def start_session(
            self,
            causal_consistency: Optional[bool] = None,
            default_transaction_options: Optional[TransactionOptions] = None,
            snapshot: Optional[bool] = False,
        ) -> MotorClientSession: ...

        # The databases, cursors and change streams are this flavour's
        # classes, in this client's document type.
        def __getattr__(self, name: str) -> MotorDatabase[_DocumentType]: ...
        def __getitem__(self, name: str) -> MotorDatabase[_DocumentType]: ...
        def get_database(
            self,
            name: Optional[str] = None,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> MotorDatabase[_DocumentType]: ...
        def get_default_database(
            self,
            default: Optional[str] = None,
            codec_options: Any = None,
            read_preference: Any = None,
            write_concern: Any = None,
            read_concern: Any = None,
        ) -> MotorDatabase[_DocumentType]: ...
        async def list_databases(
            self, session: Any = None, comment: Any = None, **kwargs: Any
        ) -> MotorCommandCursor[dict[str, Any]]: ...
    _command_cursor_class = MotorCommandCursor
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream


class MotorClientEncryption(AgnosticClientEncryption[_DocumentType]):
    _framework = TornadoFramework


# GridFS (motorx.gridfs): the flavour's collection/database classes are what
# the constructors accept, as in Motor.
class MotorGridOut(AgnosticGridOut):
    _collection_class = MotorCollection


class MotorGridIn(AgnosticGridIn):
    _collection_class = MotorCollection


class MotorGridOutCursor(AgnosticGridOutCursor):
    _grid_out_class = MotorGridOut


class MotorGridFSBucket(AgnosticGridFSBucket):
    _database_class = MotorDatabase
    _grid_in_class = MotorGridIn
    _grid_out_class = MotorGridOut
    _grid_out_cursor_class = MotorGridOutCursor
