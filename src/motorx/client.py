"""The client: Motor's ``MotorClient``/``AsyncIOMotorClient`` on ``AsyncMongoClient``."""

from __future__ import annotations

import asyncio
import sys
from contextvars import ContextVar
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, ClassVar, Generic, Optional

from pymongo import AsyncMongoClient
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.client_session import TransactionOptions as AsyncTransactionOptions
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.client_session import TransactionOptions
from pymongo.driver_info import DriverInfo
from pymongo.errors import InvalidOperation
from pymongo.server_selectors import writable_server_selector
from pymongo.server_type import SERVER_TYPE
from pymongo.topology_description import TOPOLOGY_TYPE, TopologyDescription

from motorx._framework import OnEventLoop
from motorx._pymongo_internals import bound_loop, guard_topology
from motorx._typing import _DatabaseT_co, _DocumentType, _FlavouredClient, _SessionT_co
from motorx._wrapper import Forwarded, PyMongoWrapper
from motorx._version import __version__
from motorx.change_stream import AgnosticChangeStream, ChangeStreamSource
from motorx.cursor import AgnosticCommandCursor
from motorx.database import AgnosticDatabase
from motorx.monitoring import split_listeners
from motorx.session import AgnosticClientSession, run_with_session
from motorx._futures import returns_future, spawn_background

# (host, port); PyMongo's own alias allows a None port.
_Address = tuple[str, Optional[int]]

_REPLICA_SET_TYPES = (TOPOLOGY_TYPE.ReplicaSetWithPrimary, TOPOLOGY_TYPE.ReplicaSetNoPrimary)


_CAN_APPEND_METADATA = hasattr(AsyncMongoClient, "append_metadata")  # PyMongo >= 4.14


def _driver_infos(framework_platform: str, given: Any) -> list[DriverInfo]:
    """What the handshake says after "PyMongo": motorx, Motor, then a library's own info.

    motorx names itself, then "Motor", the API it implements (same release
    number), so the server sees "PyMongo|c|motorx|Motor" and a library on
    top of it, as with Motor, right after "Motor" ("...|Motor|mylib"): what
    counts or logs Motor clients by name keeps finding them.  PyMongo >= 4.14
    refuses '|' in a DriverInfo and appends further infos itself
    (``append_metadata``, done after construction); older PyMongo takes one
    combined info, as Motor built it.  The first is for ``driver=``.
    """
    if given and not isinstance(given, DriverInfo):
        raise TypeError(
            f"Incorrect type for `driver` {type(given)};"
            " expected value of type pymongo.driver_info.DriverInfo"
        )
    infos = [DriverInfo("motorx", __version__, framework_platform), DriverInfo("Motor", __version__)]
    if given:
        infos.append(given)
    if _CAN_APPEND_METADATA:
        return infos
    return [
        DriverInfo(
            "|".join(info.name for info in infos),
            "|".join(info.version for info in infos if info.version),
            "|".join(info.platform for info in infos if info.platform),
        )
    ]


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


# -- closing ---------------------------------------------------------------------

# Set, in the task running PyMongo's close, to the AsyncMongoClient it closes:
# that task may still use the client (endSessions, killCursors).
_closing_client: ContextVar[Optional[AsyncMongoClient[Any]]] = ContextVar("motorx_closing_client", default=None)

_AFTER_CLOSE = "Cannot use MongoClient after close"  # Motor's (synchronous PyMongo's) message


def _refuse_operations(delegate: AsyncMongoClient[Any]) -> None:
    """Make every later operation of ``delegate`` raise Motor's InvalidOperation.

    Except inside the task running PyMongo's close.  (PyMongo refuses by
    itself only once its close has finished, and then names AsyncMongoClient.)
    """

    async def refuse_after_close(get_topology: Callable[[], Awaitable[Any]]) -> Any:
        if _closing_client.get() is delegate:
            return await get_topology()
        raise InvalidOperation(_AFTER_CLOSE)

    guard_topology(delegate, refuse_after_close)


async def _close_delegate(delegate: AsyncMongoClient[Any]) -> None:
    """PyMongo's close, finished even when cancelled (in a task of its own)."""
    _closing_client.set(delegate)  # this task's context only
    try:
        await delegate.close()
    except asyncio.CancelledError:
        # Typically asyncio.run cancelling the tasks left when main() returned,
        # mid-endSessions.  Close again: the server sessions are already taken,
        # so this closes the pools and stops and joins the monitors (no I/O but
        # pending killCursors), then the task ends cancelled as asked.
        task = asyncio.current_task()
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()
        await delegate.close()
        raise


class AgnosticClient(ChangeStreamSource, OnEventLoop, PyMongoWrapper[AsyncMongoClient[Any]], Generic[_DocumentType]):
    """A connection to MongoDB: every ``AsyncMongoClient`` argument is accepted.

    ``io_loop`` (Motor's argument) must be the flavour's event loop type.
    """

    # Each flavour sets these to its own classes (the database one annotated
    # in the client's document type, hence not a ClassVar).
    _database_class: type[AgnosticDatabase[_DocumentType]] = AgnosticDatabase
    _session_class: ClassVar[type[AgnosticClientSession]] = AgnosticClientSession
    _command_cursor_class: ClassVar[type[AgnosticCommandCursor]] = AgnosticCommandCursor
    _change_stream_class: type[AgnosticChangeStream[_DocumentType]] = AgnosticChangeStream

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "io_loop" in kwargs:  # even io_loop=None is checked (and refused), as in Motor
            self._use_event_loop(kwargs.pop("io_loop"))
        driver_infos = _driver_infos(self._framework.platform(), kwargs.get("driver"))
        kwargs["driver"] = driver_infos[0]
        # motorx's with_transaction listeners come in event_listeners too.
        pymongo_listeners, self._transaction_listeners = split_listeners(kwargs.get("event_listeners"))
        if pymongo_listeners is not None:
            kwargs["event_listeners"] = pymongo_listeners
        self._delegate = AsyncMongoClient(*args, **kwargs)
        if len(driver_infos) > 1:
            # PyMongo 4.14+ only (see _driver_infos); looked up by name so that
            # type checking against 4.13, which lacks it, passes too.
            append_metadata: Callable[[Any], None] = getattr(self._delegate, "append_metadata")  # noqa: B009
            for info in driver_infos[1:]:
                append_metadata(info)
        # timeoutMS never changes for a client; with_transaction reads it per call.
        self._timeout: Optional[float] = self._delegate.options.timeout
        # close(): final at once; PyMongo's clean-up task when it needed one.
        self._closed = False
        self._closing: Optional[asyncio.Future[None]] = None

    # -- databases -----------------------------------------------------------

    def __getattr__(self: _FlavouredClient[_DatabaseT_co, Any], name: str) -> _DatabaseT_co:
        if name.startswith("_"):
            raise AttributeError(
                "%s has no attribute %r. To access the %s database, use client[%r]."
                % (type(self).__name__, name, name, name)
            )
        return self._database_class(self, name)

    def __getitem__(self: _FlavouredClient[_DatabaseT_co, Any], name: str) -> _DatabaseT_co:
        return self._database_class(self, name)

    def get_database(
        self: _FlavouredClient[_DatabaseT_co, Any],
        name: Optional[str] = None,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
    ) -> _DatabaseT_co:
        """The database ``name`` (default: the URI's) with these options; no I/O."""
        delegate = self._delegate.get_database(name, codec_options, read_preference, write_concern, read_concern)
        return self._database_class(self, delegate.name, _delegate=delegate)

    def get_default_database(
        self: _FlavouredClient[_DatabaseT_co, Any],
        default: Optional[str] = None,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
    ) -> _DatabaseT_co:
        """The URI's database, else ``default``; ConfigurationError if neither."""
        delegate = self._delegate.get_default_database(
            default, codec_options, read_preference, write_concern, read_concern
        )
        return self._database_class(self, delegate.name, _delegate=delegate)

    def wrap(self, obj: Any) -> Any:
        """Wrap a PyMongo async database, command cursor or session in its motorx class."""
        if isinstance(obj, AsyncDatabase):
            return self._database_class(self, obj.name, _delegate=obj)
        if isinstance(obj, AsyncCommandCursor):
            return self._command_cursor_class(obj, self)
        if isinstance(obj, AsyncClientSession):
            return self._session_class(obj, self)
        if isinstance(obj, AsyncChangeStream):
            stream = self._change_stream_class(self)
            stream._delegate = obj
            return stream
        return obj

    # -- read-only properties ------------------------------------------------
    #
    # Motor's topology properties (address, primary, is_primary, ...) were
    # synchronous and could block the event loop until connected.  PyMongo's
    # async client makes them awaitables; motorx keeps Motor's plain
    # properties and answers from the client's current view of the topology
    # (no I/O): before the first operation has connected, that view is empty
    # (address/primary None, is_primary/is_mongos False, empty sets).

    def _writable_server(self) -> Any:
        description = self._delegate.topology_description
        if description.topology_type == TOPOLOGY_TYPE.Sharded and len(description.server_descriptions()) > 1:
            raise InvalidOperation(
                'Cannot use "address" property when load balancing among mongoses, use "nodes" instead.'
            )
        servers = description.apply_selector(writable_server_selector, None)
        return servers[0] if servers else None

    def _replica_set_members(self, server_type: int) -> set[_Address]:
        description = self._delegate.topology_description
        if description.topology_type not in _REPLICA_SET_TYPES:
            return set()
        return {s.address for s in description.known_servers if s.server_type == server_type}

    @property
    def address(self) -> Optional[_Address]:
        """(host, port) of the standalone, primary or mongos in use, or None if not known yet."""
        server = self._writable_server()
        return None if server is None else server.address

    @property
    def primary(self) -> Optional[_Address]:
        """(host, port) of the replica set primary, or None."""
        description = self._delegate.topology_description
        if description.topology_type != TOPOLOGY_TYPE.ReplicaSetWithPrimary:
            return None
        return next(
            (s.address for s in description.known_servers if s.server_type == SERVER_TYPE.RSPrimary), None
        )

    @property
    def secondaries(self) -> set[_Address]:
        """The replica set secondaries this client knows of."""
        return self._replica_set_members(SERVER_TYPE.RSSecondary)

    @property
    def arbiters(self) -> set[_Address]:
        """The replica set arbiters this client knows of."""
        return self._replica_set_members(SERVER_TYPE.RSArbiter)

    @property
    def is_primary(self) -> bool:
        """True if the server in use accepts writes (False while not yet connected)."""
        server = self._writable_server()
        return bool(server is not None and server.is_writable)

    @property
    def is_mongos(self) -> bool:
        """True if the server in use is a mongos (False while not yet connected)."""
        server = self._writable_server()
        return bool(server is not None and server.server_type == SERVER_TYPE.Mongos)

    nodes: Forwarded[frozenset[_Address]] = Forwarded("Every server this client currently knows of.")
    topology_description: Forwarded[TopologyDescription] = Forwarded()
    HOST: Forwarded[str] = Forwarded()
    PORT: Forwarded[int] = Forwarded()
    options: Forwarded[Any] = Forwarded()

    # -- sessions ------------------------------------------------------------

    async def start_session(
        self: _FlavouredClient[Any, _SessionT_co],
        causal_consistency: Optional[bool] = None,
        default_transaction_options: Optional[TransactionOptions] = None,
        snapshot: Optional[bool] = False,
    ) -> _SessionT_co:
        """Start a logical session; use ``async with await client.start_session() as s``."""
        # Motor users pass pymongo.client_session.TransactionOptions; on some
        # PyMongo releases the async session needs its own class.
        options: Any = default_transaction_options
        if options is not None:
            options = _async_transaction_options(options)
        delegate = self._delegate.start_session(
            causal_consistency=causal_consistency,
            default_transaction_options=options,
            snapshot=snapshot,
        )
        return self._session_class(delegate, self)

    # -- commands ------------------------------------------------------------

    @returns_future
    def list_database_names(self, session: Any = None, comment: Any = None) -> Coroutine[Any, Any, list[str]]:
        return run_with_session(
            self._delegate.list_database_names, (), {"session": session, "comment": comment}
        )

    async def list_databases(
        self, session: Any = None, comment: Any = None, **kwargs: Any
    ) -> AgnosticCommandCursor[dict[str, Any]]:
        """A cursor over the databases' descriptions (awaited, as in Motor)."""
        kwargs.update(session=session, comment=comment)
        cursor = await run_with_session(self._delegate.list_databases, (), kwargs)
        motorx_session = session if isinstance(session, AgnosticClientSession) else None
        return self._command_cursor_class(cursor, self, motorx_session)

    @returns_future
    def bulk_write(
        self,
        models: Sequence[Any],
        session: Any = None,
        ordered: bool = True,
        verbose_results: bool = False,
        bypass_document_validation: Optional[bool] = None,
        comment: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        write_concern: Any = None,
    ) -> Coroutine[Any, Any, Any]:
        """A client-level bulk write across namespaces (MongoDB 8.0+)."""
        return run_with_session(
            self._delegate.bulk_write,
            (models,),
            {
                "session": session,
                "ordered": ordered,
                "verbose_results": verbose_results,
                "bypass_document_validation": bypass_document_validation,
                "comment": comment,
                "let": let,
                "write_concern": write_concern,
            },
        )

    @returns_future
    async def drop_database(self, name_or_database: Any, session: Any = None, comment: Any = None) -> None:
        if isinstance(name_or_database, AgnosticDatabase):
            name_or_database = name_or_database.delegate
        await run_with_session(
            self._delegate.drop_database, (name_or_database,), {"session": session, "comment": comment}
        )

    @returns_future
    def server_info(self, session: Any = None) -> Coroutine[Any, Any, Mapping[str, Any]]:
        return run_with_session(self._delegate.server_info, (), {"session": session})

    def __del__(self) -> None:
        # Motor's monitors were threads that ended once its client was
        # collected.  PyMongo Async's are tasks on the client's loop, and a loop
        # that is only run now and then (an AWS Lambda handler's) may never run
        # again to let them end: they would be destroyed pending with it.  So a
        # client collected unclosed, while that loop can still be run here,
        # closes itself as close() does with no loop running.
        if getattr(self, "_closed", True) or sys.is_finalizing():
            return
        bound = bound_loop(self._delegate)
        if bound is None or bound.is_running() or bound.is_closed():
            return
        if asyncio._get_running_loop() is not None:
            return  # another loop runs in this thread: bound cannot run now
        self.close()

    def close(self) -> Optional[asyncio.Future[None]]:
        """Close the client: a plain call that is final when it returns, as in Motor.

        From then on every operation raises ``InvalidOperation("Cannot use
        MongoClient after close")``.  PyMongo's own close (endSessions for the
        server sessions, pending killCursors, closing the pools and stopping
        the monitors) needs the event loop:

        * with no loop running, it runs to completion here, on the loop the
          client used (nothing to do if it never connected, or if that loop
          is closed already);
        * on a running loop it runs as a task motorx holds until it is done;
          the task is returned, and may be awaited to wait for the clean-up.
          If it is cancelled first (``asyncio.run`` cancels what is left when
          the main coroutine returns), it still closes the pools and stops the
          monitors before it ends, so closing the loop then leaves nothing open.

        Calling it again does nothing more (it returns the same task).
        """
        if self._closed:
            return self._closing
        self._closed = True
        delegate = self._delegate
        _refuse_operations(delegate)
        bound = bound_loop(delegate)
        try:
            running: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            if bound is None or bound is running:
                self._closing = spawn_background(_close_delegate(delegate), running)
            else:
                # Connected on another loop, which cannot run now; its sockets
                # belong to it.  Operations are refused all the same.
                self._closing = running.create_future()
                self._closing.set_result(None)
        elif bound is not None and not bound.is_closed():
            if bound.is_running():  # on another thread
                asyncio.run_coroutine_threadsafe(_close_delegate(delegate), bound)
            else:
                bound.run_until_complete(_close_delegate(delegate))
        return self._closing
