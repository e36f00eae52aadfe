"""The client: Motor's ``MotorClient``/``AsyncIOMotorClient`` on ``AsyncMongoClient``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.client_session import TransactionOptions as AsyncTransactionOptions
from pymongo.client_session import TransactionOptions
from pymongo.driver_info import DriverInfo

from motorx._framework import AsyncioFramework
from motorx._version import __version__
from motorx.database import AgnosticDatabase
from motorx.session import AgnosticClientSession, run_with_session

_NOT_GIVEN: Any = object()


def _async_transaction_options(options: Any) -> Any:
    """Accept ``pymongo.client_session.TransactionOptions``, as Motor did.

    On some PyMongo releases the async session has its own TransactionOptions
    class and refuses the synchronous one Motor users import; same fields.
    """
    if isinstance(options, AsyncTransactionOptions) or not isinstance(options, TransactionOptions):
        return options
    return AsyncTransactionOptions(
        options.read_concern, options.write_concern, options.read_preference, options.max_commit_time_ms
    )


class AgnosticClient:
    """A connection to MongoDB: every ``AsyncMongoClient`` argument is accepted.

    ``io_loop`` (Motor's argument) must be the flavour's event loop type.
    """

    _framework: ClassVar[Any] = AsyncioFramework
    _database_class: ClassVar[type[AgnosticDatabase]] = AgnosticDatabase
    _session_class: ClassVar[type[AgnosticClientSession]] = AgnosticClientSession

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        io_loop = kwargs.pop("io_loop", _NOT_GIVEN)
        if io_loop is not _NOT_GIVEN:
            self._framework.check_event_loop(io_loop)
            self._io_loop: Any = io_loop
        else:
            self._io_loop = None
        if "driver" not in kwargs:
            kwargs["driver"] = DriverInfo("motorx", __version__, self._framework.name)
        self._delegate: AsyncMongoClient[Any] = AsyncMongoClient(*args, **kwargs)
        # timeoutMS never changes for a client; with_transaction reads it per call.
        self._timeout: Optional[float] = self._delegate.options.timeout

    @property
    def delegate(self) -> AsyncMongoClient[Any]:
        """The PyMongo ``AsyncMongoClient`` this client wraps."""
        return self._delegate

    @property
    def io_loop(self) -> Any:
        if self._io_loop is None:
            return self._framework.get_event_loop()
        return self._io_loop

    def get_io_loop(self) -> Any:
        return self.io_loop

    # -- databases -----------------------------------------------------------

    def __getattr__(self, name: str) -> AgnosticDatabase:
        if name.startswith("_"):
            raise AttributeError(
                "%s has no attribute %r. To access the %s database, use client[%r]."
                % (type(self).__name__, name, name, name)
            )
        return self[name]

    def __getitem__(self, name: str) -> AgnosticDatabase:
        return self._database_class(self, name)

    def get_database(self, name: Optional[str] = None, *args: Any, **kwargs: Any) -> AgnosticDatabase:
        delegate = self._delegate.get_database(name, *args, **kwargs)
        return self._database_class(self, delegate.name, _delegate=delegate)

    def get_default_database(self, default: Optional[str] = None, *args: Any, **kwargs: Any) -> AgnosticDatabase:
        delegate = self._delegate.get_default_database(default, *args, **kwargs)
        return self._database_class(self, delegate.name, _delegate=delegate)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AgnosticClient):
            return bool(self._delegate == other._delegate)
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._delegate)

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    # -- read-only properties ------------------------------------------------

    @property
    def address(self) -> Optional[tuple[str, int]]:
        return self._delegate.address

    @property
    def options(self) -> Any:
        return self._delegate.options

    @property
    def codec_options(self) -> Any:
        return self._delegate.codec_options

    @property
    def read_preference(self) -> Any:
        return self._delegate.read_preference

    @property
    def write_concern(self) -> Any:
        return self._delegate.write_concern

    @property
    def read_concern(self) -> Any:
        return self._delegate.read_concern

    # -- sessions ------------------------------------------------------------

    async def start_session(
        self,
        causal_consistency: Optional[bool] = None,
        default_transaction_options: Optional[TransactionOptions] = None,
        snapshot: Optional[bool] = False,
    ) -> AgnosticClientSession:
        """Start a logical session; use ``async with await client.start_session() as s``."""
        if default_transaction_options is not None:
            default_transaction_options = _async_transaction_options(default_transaction_options)
        delegate: AsyncClientSession = self._delegate.start_session(
            causal_consistency=causal_consistency,
            default_transaction_options=default_transaction_options,
            snapshot=snapshot,
        )
        return self._session_class(delegate, self, bool(snapshot))

    # -- commands ------------------------------------------------------------

    async def list_database_names(self, session: Any = None, comment: Any = None) -> list[str]:
        return await run_with_session(
            self._delegate.list_database_names, (), {"session": session, "comment": comment}
        )

    async def drop_database(self, name_or_database: Any, session: Any = None, comment: Any = None) -> None:
        if isinstance(name_or_database, AgnosticDatabase):
            name_or_database = name_or_database.delegate
        await run_with_session(
            self._delegate.drop_database, (name_or_database,), {"session": session, "comment": comment}
        )

    async def server_info(self, session: Any = None) -> Mapping[str, Any]:
        return await run_with_session(self._delegate.server_info, (), {"session": session})

    def close(self) -> "Optional[asyncio.Task[None]]":
        """Close the client: a plain call, as in Motor.

        On a running loop the close is scheduled and the returned task may be
        awaited to wait for it; with no loop running nothing can be connected.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None
        return asyncio.ensure_future(self._delegate.close())
