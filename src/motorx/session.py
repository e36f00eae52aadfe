"""Client sessions and transactions with Motor's public shape.

The transaction state machine and the ``with_transaction`` retry bookkeeping
live in the compiled core (:mod:`motorx._txcore`); this module performs the
actions the core decides on against PyMongo's ``AsyncClientSession``, which
stays the single authority for what is sent to the server.

Differences from Motor 3.7, on purpose:

* ``with_transaction`` follows the current Convenient Transactions API
  specification: a failed *first* commit is retried like any other (Motor
  committed inside a context manager's ``__aexit__`` and never retried it),
  retries back off exponentially with jitter, and when the retry window is
  spent the error raised is a timeout error wrapping the last error, with its
  error labels.  A client-side operation timeout (client ``timeoutMS`` or
  ``pymongo.timeout``) is the retry window when one is in force.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Optional, TypeVar

from bson.timestamp import Timestamp
from pymongo import _csot
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.client_session import SessionOptions, TransactionOptions
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from motorx import _txcore
from motorx._txcore import RAISE, RETRY_COMMIT, RETRY_TRANSACTION, RetryLoop, SessionCore

if TYPE_CHECKING:
    from pymongo.read_preferences import _ServerMode

    from motorx.client import AgnosticClient

_T = TypeVar("_T")

# PyMongo keeps its transaction state on a private object; reading it is how
# the core is kept in step with PyMongo (see SessionCore.observe).
_STARTING = _txcore.TXN_STARTING


def _pymongo_txn_state(delegate: AsyncClientSession) -> int:
    return delegate._transaction.state  # type: ignore[no-any-return]


def _operation_timeout(client: AgnosticClient) -> tuple[Optional[float], bool]:
    """The with_transaction retry window in force, and whether it is a CSOT one.

    ``pymongo.timeout(...)`` in force wins; else the client's ``timeoutMS``;
    else ``(None, False)``: the specification's default window.
    """
    if _csot.get_timeout() is not None:
        remaining = _csot.remaining()
        return (remaining if remaining is not None else 0.0), True
    client_timeout = client.delegate.options.timeout
    if client_timeout is not None:
        return client_timeout, True
    return None, False


class _TransactionContext:
    """What ``start_transaction`` returns: commit on normal exit, abort on error."""

    __slots__ = ("_session",)

    def __init__(self, session: AgnosticClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> _TransactionContext:
        await self._session._apply_pending_start()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        if self._session.in_transaction:
            if exc_val is None:
                await self._session.commit_transaction()
            else:
                await self._session.abort_transaction()

    def __enter__(self) -> NoReturn:
        raise AttributeError(
            "Use transactions like 'async with session.start_transaction()', not 'with'"
        )

    def __exit__(self, *args: Any) -> None:
        pass


class AgnosticClientSession:
    """A session for ordering sequential operations, with transactions.

    Do not create one directly; use ``await client.start_session()``::

        async with await client.start_session() as s:
            async with s.start_transaction():
                await collection.delete_one({"x": 1}, session=s)
                await collection.insert_one({"x": 2}, session=s)
    """

    __slots__ = ("_delegate", "_client", "_core")

    def __init__(self, delegate: AsyncClientSession, motor_client: AgnosticClient) -> None:
        self._delegate = delegate
        self._client = motor_client
        self._core = SessionCore(bool(delegate.options.snapshot))

    # -- plumbing used by motorx's own operations -----------------------------

    @property
    def delegate(self) -> AsyncClientSession:
        """The PyMongo ``AsyncClientSession`` this session wraps."""
        return self._delegate

    def get_io_loop(self) -> Any:
        return self._client.get_io_loop()

    async def _apply_pending_start(self) -> None:
        """Send a pending ``start_transaction`` to PyMongo (no I/O, but async there)."""
        core = self._core
        options = core.take_pending_start()
        if options is None:
            return
        try:
            await self._delegate.start_transaction(*options)
        except BaseException:
            # PyMongo refused (e.g. an unacknowledged inherited write concern):
            # nothing started, so the core goes back to PyMongo's state.
            core.abandon_pending_start(_pymongo_txn_state(self._delegate))
            raise
        core.observe(_pymongo_txn_state(self._delegate))

    def _after_operation(self) -> None:
        # The first command of a transaction moves PyMongo STARTING -> IN_PROGRESS.
        core = self._core
        if core.state == _STARTING and not core.start_pending:
            core.observe(_pymongo_txn_state(self._delegate))

    # -- Motor's public API --------------------------------------------------

    @property
    def client(self) -> AgnosticClient:
        """The motorx client this session was created from."""
        return self._client

    @property
    def cluster_time(self) -> Optional[Mapping[str, Any]]:
        return self._delegate.cluster_time

    @property
    def operation_time(self) -> Optional[Timestamp]:
        return self._delegate.operation_time

    @property
    def has_ended(self) -> bool:
        return self._delegate.has_ended

    @property
    def in_transaction(self) -> bool:
        """True from ``start_transaction()`` until the transaction commits or aborts."""
        return self._core.in_transaction

    @property
    def options(self) -> SessionOptions:
        return self._delegate.options

    @property
    def session_id(self) -> Mapping[str, Any]:
        return self._delegate.session_id

    def advance_cluster_time(self, cluster_time: Mapping[str, Any]) -> None:
        self._delegate.advance_cluster_time(cluster_time)

    def advance_operation_time(self, operation_time: Timestamp) -> None:
        self._delegate.advance_operation_time(operation_time)

    def start_transaction(
        self,
        read_concern: Optional[ReadConcern] = None,
        write_concern: Optional[WriteConcern] = None,
        read_preference: Optional[_ServerMode] = None,
        max_commit_time_ms: Optional[int] = None,
    ) -> _TransactionContext:
        """Start a multi-statement transaction; a plain method, as in Motor.

        Takes the same arguments as :class:`~pymongo.client_session.TransactionOptions`.
        Illegal states and bad options raise here.  Use it as an async context
        manager (commit on normal exit, abort on error) or call
        ``commit_transaction``/``abort_transaction`` yourself::

            async with s.start_transaction():
                await collection.insert_one({"x": 1}, session=s)
        """
        if (
            read_concern is not None
            or write_concern is not None
            or read_preference is not None
            or max_commit_time_ms is not None
        ):
            # Validate the types now, not at the first operation.
            TransactionOptions(read_concern, write_concern, read_preference, max_commit_time_ms)
        self._core.begin_transaction(
            (read_concern, write_concern, read_preference, max_commit_time_ms)
        )
        return _TransactionContext(self)

    async def commit_transaction(self) -> None:
        """Commit a multi-statement transaction."""
        core = self._core
        core.check_commit()
        await self._apply_pending_start()
        try:
            await self._delegate.commit_transaction()
        finally:
            core.observe(_pymongo_txn_state(self._delegate))

    async def abort_transaction(self) -> None:
        """Abort a multi-statement transaction."""
        core = self._core
        core.check_abort()
        await self._apply_pending_start()
        try:
            await self._delegate.abort_transaction()
        finally:
            core.observe(_pymongo_txn_state(self._delegate))

    async def end_session(self) -> None:
        """Finish this session; an active transaction is aborted."""
        # A pending start never reached PyMongo, so there is nothing to abort.
        try:
            await self._delegate.end_session()
        finally:
            self._core.end()

    async def with_transaction(
        self,
        coro: Callable[[AgnosticClientSession], Awaitable[_T]],
        read_concern: Optional[ReadConcern] = None,
        write_concern: Optional[WriteConcern] = None,
        read_preference: Optional[_ServerMode] = None,
        max_commit_time_ms: Optional[int] = None,
    ) -> _T:
        """Run ``coro(session)`` in a transaction, retrying per the specification.

        The return value of ``coro`` is returned.  ``coro`` may run more than
        once: the whole transaction is retried on an error labelled
        ``TransientTransactionError``; the commit alone on
        ``UnknownTransactionCommitResult`` (unless it is MaxTimeMSExpired).
        The commit is applied at most once on the server.  Retries back off
        (``jitter * min(5 ms * 1.5**retry, 500 ms)``) and stop when the retry
        window is spent: 120 s, or the client-side operation timeout in force.
        Unlike Motor 3.7, a failed first commit is retried too.

        ``coro`` must not swallow command errors: the server may already have
        aborted the transaction.  If ``coro`` commits or aborts the transaction
        itself, ``with_transaction`` returns without further action.
        """
        window, csot = _operation_timeout(self._client)
        if csot and _csot.get_timeout() is None:
            # The client's timeoutMS bounds the whole call, not each operation.
            with _pymongo_timeout(window):
                return await self._with_transaction(
                    coro, RetryLoop(window, True), read_concern, write_concern,
                    read_preference, max_commit_time_ms,
                )
        return await self._with_transaction(
            coro, RetryLoop(window, csot), read_concern, write_concern,
            read_preference, max_commit_time_ms,
        )

    async def _with_transaction(
        self,
        coro: Callable[[AgnosticClientSession], Awaitable[_T]],
        loop: RetryLoop,
        read_concern: Optional[ReadConcern],
        write_concern: Optional[WriteConcern],
        read_preference: Optional[_ServerMode],
        max_commit_time_ms: Optional[int],
    ) -> _T:
        core = self._core
        while True:
            backoff = loop.next_attempt()
            if backoff:
                await asyncio.sleep(backoff)
            self.start_transaction(read_concern, write_concern, read_preference, max_commit_time_ms)
            try:
                ret = await coro(self)
            except BaseException as exc:
                # Cancellation and KeyboardInterrupt abort too, then propagate.
                if core.in_transaction:
                    await self.abort_transaction()
                if loop.on_callback_error(exc) == RETRY_TRANSACTION:
                    continue
                raise

            if not core.in_transaction:
                # The callback committed or aborted the transaction itself.
                return ret

            while True:
                try:
                    await self.commit_transaction()
                except PyMongoError as exc:
                    action = loop.on_commit_error(exc)
                    if action == RETRY_COMMIT:
                        continue
                    if action == RETRY_TRANSACTION:
                        break
                    raise
                return ret

    # -- context management --------------------------------------------------

    async def __aenter__(self) -> AgnosticClientSession:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self.end_session()

    def __enter__(self) -> NoReturn:
        raise AttributeError(
            "Use motorx sessions like 'async with await client.start_session()', not 'with'"
        )

    def __exit__(self, *args: Any) -> None:
        pass


def _pymongo_timeout(seconds: float) -> Any:
    import pymongo

    return pymongo.timeout(seconds)


async def pymongo_session_for(session: Any) -> Any:
    """The PyMongo session to send with an operation given ``session=``.

    A motorx session is unwrapped (applying a pending ``start_transaction``);
    anything else goes to PyMongo unchanged, so an object that is not a session,
    an ended session or another client's session gets PyMongo's own error.
    """
    if isinstance(session, AgnosticClientSession):
        if session._core.start_pending:
            await session._apply_pending_start()
        return session._delegate
    return session
