"""tornado flavour: ``from motorx.motor_tornado import MotorClient`` (tornado >= 5, on asyncio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

try:
    import tornado  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "motorx.motor_tornado needs tornado: pip install 'motorx[tornado]'"
    ) from exc

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


class MotorCursor(AgnosticCursor):
    pass


class MotorRawBatchCursor(AgnosticRawBatchCursor):
    pass


class MotorCommandCursor(AgnosticCommandCursor):
    pass


# Also a MotorCommandCursor (in Motor it was not): isinstance checks hold for both.
class MotorLatentCommandCursor(AgnosticLatentCommandCursor, MotorCommandCursor):
    pass


class MotorChangeStream(AgnosticChangeStream):
    pass


class MotorCollection(
    AgnosticCollection[MotorCursor, MotorLatentCommandCursor, MotorChangeStream]
):
    _cursor_class = MotorCursor
    _raw_batch_cursor_class = MotorRawBatchCursor
    _command_cursor_class = MotorCommandCursor
    _latent_command_cursor_class = MotorLatentCommandCursor
    _change_stream_class = MotorChangeStream


class MotorDatabase(AgnosticDatabase[MotorCollection]):
    _collection_class = MotorCollection
    _command_cursor_class = MotorCommandCursor
    _latent_command_cursor_class = MotorLatentCommandCursor
    _change_stream_class = MotorChangeStream


class MotorClientSession(AgnosticClientSession):
    __slots__ = ()


class MotorClient(AgnosticClient[MotorDatabase]):
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
    _command_cursor_class = MotorCommandCursor
    _change_stream_class = MotorChangeStream


class MotorClientEncryption(AgnosticClientEncryption):
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
