"""asyncio flavour: ``from motorx.motor_asyncio import AsyncIOMotorClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

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


class AsyncIOMotorCursor(AgnosticCursor):
    pass


class AsyncIOMotorRawBatchCursor(AgnosticRawBatchCursor):
    pass


class AsyncIOMotorCommandCursor(AgnosticCommandCursor):
    pass


# Also a AsyncIOMotorCommandCursor (in Motor it was not): isinstance checks hold for both.
class AsyncIOMotorLatentCommandCursor(AgnosticLatentCommandCursor, AsyncIOMotorCommandCursor):
    pass


class AsyncIOMotorChangeStream(AgnosticChangeStream):
    pass


class AsyncIOMotorCollection(
    AgnosticCollection[AsyncIOMotorCursor, AsyncIOMotorLatentCommandCursor, AsyncIOMotorChangeStream]
):
    _cursor_class = AsyncIOMotorCursor
    _raw_batch_cursor_class = AsyncIOMotorRawBatchCursor
    _command_cursor_class = AsyncIOMotorCommandCursor
    _latent_command_cursor_class = AsyncIOMotorLatentCommandCursor
    _change_stream_class = AsyncIOMotorChangeStream


class AsyncIOMotorDatabase(AgnosticDatabase[AsyncIOMotorCollection]):
    _collection_class = AsyncIOMotorCollection
    _command_cursor_class = AsyncIOMotorCommandCursor
    _latent_command_cursor_class = AsyncIOMotorLatentCommandCursor
    _change_stream_class = AsyncIOMotorChangeStream


class AsyncIOMotorClientSession(AgnosticClientSession):
    __slots__ = ()


class AsyncIOMotorClient(AgnosticClient[AsyncIOMotorDatabase]):
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
    _command_cursor_class = AsyncIOMotorCommandCursor
    _change_stream_class = AsyncIOMotorChangeStream


class AsyncIOMotorClientEncryption(AgnosticClientEncryption):
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
