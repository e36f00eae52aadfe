"""tornado flavour: ``from motorx.motor_tornado import MotorClient`` (tornado >= 5, on asyncio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

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
    from collections.abc import Mapping, MutableMapping

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
    # Annotated in the collection's document type: find(), aggregate(),
    # watch() and .database return these classes to type checkers too.
    _cursor_class: type[MotorCursor[_DocumentType]] = MotorCursor
    _raw_batch_cursor_class: type[MotorRawBatchCursor[_DocumentType]] = MotorRawBatchCursor
    _command_cursor_class = MotorCommandCursor
    _latent_command_cursor_class: type[MotorLatentCommandCursor[_DocumentType]] = (
        MotorLatentCommandCursor
    )
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream
    _database: MotorDatabase[_DocumentType]

    if TYPE_CHECKING:
        # For type checkers only: these cursors are over index documents,
        # not the collection's document type.
        def list_indexes(
            self, session: Any = None, **kwargs: Any
        ) -> MotorLatentCommandCursor[MutableMapping[str, Any]]: ...
        def list_search_indexes(
            self, *args: Any, **kwargs: Any
        ) -> MotorLatentCommandCursor[Mapping[str, Any]]: ...


class MotorDatabase(AgnosticDatabase[_DocumentType]):
    # Annotated in the database's document type: collections, cursors,
    # change streams and .client are these classes to type checkers too.
    _collection_class: type[MotorCollection[_DocumentType]] = MotorCollection
    _command_cursor_class: type[MotorCommandCursor[_DocumentType]] = MotorCommandCursor
    _latent_command_cursor_class: type[MotorLatentCommandCursor[_DocumentType]] = (
        MotorLatentCommandCursor
    )
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream
    _client: MotorClient[_DocumentType]

    if TYPE_CHECKING:
        # For type checkers only: this cursor is over collection descriptions,
        # not the database's document type.
        async def list_collections(
            self,
            session: Any = None,
            filter: Optional[Mapping[str, Any]] = None,
            comment: Optional[Any] = None,
            **kwargs: Any,
        ) -> MotorCommandCursor[MutableMapping[str, Any]]: ...


class MotorClientSession(AgnosticClientSession):
    __slots__ = ()


class MotorClient(AgnosticClient[_DocumentType]):
    _framework = TornadoFramework
    # Annotated in the client's document type: databases and change streams
    # are these classes to type checkers too.
    _database_class: type[MotorDatabase[_DocumentType]] = MotorDatabase
    _session_class = MotorClientSession
    _command_cursor_class = MotorCommandCursor
    _change_stream_class: type[MotorChangeStream[_DocumentType]] = MotorChangeStream

    if TYPE_CHECKING:
        # For type checkers only: this cursor is over database descriptions,
        # not the client's document type.
        async def list_databases(
            self, session: Any = None, comment: Any = None, **kwargs: Any
        ) -> MotorCommandCursor[dict[str, Any]]: ...


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
