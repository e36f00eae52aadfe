"""Client sessions and transactions with Motor's public shape.

Where things live, for someone adding to them:

* :mod:`motorx._txcore` (compiled) decides: the transaction state machine
  (what is legal, with PyMongo's messages), the pending start of Motor's
  synchronous ``start_transaction``, and ``with_transaction``'s retry
  bookkeeping (attempts, window, backoff, the next action).
* This module performs what the core decides against PyMongo's
  ``AsyncClientSession``, which stays the authority for what is sent.  Every
  operation given a session passes one gate, ``_enter_gate``/``_leave_gate``,
  where the transaction's operations queue and PyMongo's state is read.
  A new transaction option goes through ``start_transaction`` and
  ``with_transaction`` here (both pass the options tuple on to PyMongo's
  ``start_transaction``) and nowhere else.
* :mod:`motorx._pymongo_internals` holds the private PyMongo names read here.
* :mod:`motorx.monitoring` publishes ``with_transaction``'s events.

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
import inspect
import sys
from collections import deque
from contextvars import ContextVar
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, Optional, TypeVar

import pymongo
from bson.timestamp import Timestamp
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import (
    AsyncClientSession,
    SessionOptions,
    TransactionOptions,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConfigurationError, ExecutionTimeout, NetworkTimeout, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from motorx._context import AsyncWithOnly
from motorx._futures import let_called_operations_start, returns_future, spawn_background
from motorx._pymongo_internals import (
    add_error_labels,
    client_side_timeout_remaining,
    error_labels,
    transaction_state,
)
from motorx._txcore import (
    DEFAULT_WINDOW,
    GIVE_UP,
    RETRY_COMMIT,
    RETRY_TRANSACTION,
    TXN_ABORTED,
    TXN_STARTING,
    RetryLoop,
    SessionCore,
)
from motorx.monitoring import TransactionListener, TransactionPublisher

if TYPE_CHECKING:
    from pymongo.read_preferences import _ServerMode
    from typing_extensions import Self

    from motorx.client import AgnosticClient

_T = TypeVar("_T")

# ``start_transaction()`` with no arguments, the common case: PyMongo then
# resolves what the transaction inherits (session defaults, else the client's).
_NO_OPTIONS = (None, None, None, None)


def _options_of(
    read_concern: Optional[ReadConcern],
    write_concern: Optional[WriteConcern],
    read_preference: Optional[_ServerMode],
    max_commit_time_ms: Optional[int],
) -> tuple[Any, ...]:
    """The options a transaction is started with, as the core keeps them."""
    if read_concern is None and write_concern is None and read_preference is None and max_commit_time_ms is None:
        return _NO_OPTIONS
    return (read_concern, write_concern, read_preference, max_commit_time_ms)


# The transactions whose code runs in this context (see _TransactionContext.claim).
_OWN_TRANSACTIONS: ContextVar[tuple[_TransactionContext, ...]] = ContextVar(
    "motorx_own_transactions", default=()
)


class _TransactionContext(AsyncWithOnly):
    """One transaction of a session: what ``start_transaction`` returns, and its gate.

    As an async context manager it commits on normal exit and aborts on
    error.  It also queues the transaction's operations: one runs at a time
    (PyMongo's session cannot interleave them), the others wait their turn
    in call order.  Only the transaction's own code may queue: the context
    (task) that started it and the tasks it spawns, which inherit that
    context; anyone else is refused while an operation is in flight, since
    their write would silently belong to someone else's transaction.
    """

    __slots__ = ("_session", "_waiting", "_handed_over", "fence_collection")

    def __init__(self, session: AgnosticClientSession) -> None:
        self._session = session
        # The operations waiting their turn, made with the first one: most
        # transactions never queue, and an empty deque is some 600 bytes.
        self._waiting: Optional[deque[asyncio.Future[None]]] = None
        # The turn was passed to the first waiter, which has not resumed yet.
        self._handed_over = False
        # Set when the transaction's first operation was cancelled in flight:
        # the collection to fence with after the abort (see AgnosticClientSession._fence).
        self.fence_collection: Optional[AsyncCollection[Any]] = None

    def claim(self) -> None:
        """Mark the calling context (and tasks it spawns later) as this transaction's code."""
        # Finished transactions are dropped here, so a long-lived task keeps
        # at most the ones still open.
        own = [context for context in _OWN_TRANSACTIONS.get() if context.is_current()]
        own.append(self)
        _OWN_TRANSACTIONS.set(tuple(own))

    def is_current(self) -> bool:
        session = self._session
        return session._transaction_context is self and session._core.in_transaction

    def must_wait(self) -> bool:
        """Whether an operation arriving now waits its turn: this transaction is open and busy."""
        session = self._session
        return session._core.in_transaction and (
            session._core.in_use or self._handed_over or bool(self._waiting)
        )

    async def wait_turn(self) -> None:
        """Wait until the operations queued before this one are done."""
        if self not in _OWN_TRANSACTIONS.get():
            self._session._core.refuse_concurrent_operation()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = self._waiting
        if waiting is None:
            waiting = self._waiting = deque()
        waiting.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # Cancelled just as the turn came: hand it on.
                self._handed_over = False
                self.pass_turn()
            else:
                waiting.remove(waiter)
            raise
        self._handed_over = False

    def pass_turn(self) -> None:
        """The operation in flight finished: wake the next waiting one, if any."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._handed_over = True
                waiter.set_result(None)
                return

    async def __aenter__(self) -> _TransactionContext:
        await self._session._apply_pending_start()
        return self

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        # Commit on a normal exit, abort on an error; nothing if the block
        # already ended this transaction.
        if self.is_current():
            if error is None:
                await self._session._commit_transaction()
            else:
                await self._session._abort_transaction(False)

    def _use_async_with(self) -> Exception:
        return AttributeError("Use transactions like 'async with session.start_transaction()', not 'with'")


class AgnosticClientSession(AsyncWithOnly):
    """A session for ordering sequential operations, with transactions.

    Do not create one directly; use ``await client.start_session()``::

        async with await client.start_session() as s:
            async with s.start_transaction():
                await collection.delete_one({"x": 1}, session=s)
                await collection.insert_one({"x": 2}, session=s)

    Every operation given this session passes one gate (:meth:`_enter_gate`
    and :meth:`_leave_gate`), where the core (:class:`motorx._txcore.SessionCore`)
    is asked what is legal and told PyMongo's resulting state.
    """

    __slots__ = (
        "_delegate",
        "_client",
        "_core",
        "_transaction_context",
    )

    def __init__(
        self,
        delegate: AsyncClientSession,
        client: AgnosticClient,
    ) -> None:
        self._delegate = delegate
        self._client = client
        self._core = SessionCore(bool(delegate.options.snapshot))
        # The current transaction's queue of operations (see _TransactionContext).
        self._transaction_context: Optional[_TransactionContext] = None

    # -- plumbing used by motorx's own operations -----------------------------

    @property
    def delegate(self) -> AsyncClientSession:
        """The PyMongo ``AsyncClientSession`` this session wraps."""
        return self._delegate

    def get_io_loop(self) -> Any:
        return self._client.get_io_loop()

    async def _apply_pending_start(self) -> None:
        """Send a pending ``start_transaction`` to PyMongo (no I/O, but async there)."""
        options = self._core.take_pending_start()
        if options is not None:
            await self._start_in_pymongo(options)

    async def _start_in_pymongo(self, options: tuple[Any, ...]) -> None:
        """Start the transaction the core began on PyMongo's session."""
        delegate = self._delegate
        try:
            if options is _NO_OPTIONS:
                await delegate.start_transaction()
            else:
                await delegate.start_transaction(*options)
        except BaseException:
            # PyMongo refused (e.g. an unacknowledged inherited write concern):
            # nothing started, so the core goes back to PyMongo's state.
            self._core.abandon_pending_start(transaction_state(delegate))
            raise
        # PyMongo is now STARTING, which the core already is: nothing to observe.

    def _new_transaction_context(self) -> _TransactionContext:
        """A transaction began (``start_transaction`` or a ``with_transaction``
        attempt): its context, claimed by the calling code."""
        context = self._transaction_context = _TransactionContext(self)
        context.claim()
        return context

    async def _enter_gate(
        self, begin: Callable[[SessionCore], Optional[tuple[Any, ...]]] = SessionCore.enter_operation
    ) -> Optional[_TransactionContext]:
        """The gate every operation of this session passes (see _leave_gate).

        Inside a transaction, waits for the operations queued before this
        one.  Then ``begin``, the core's step for what enters (an operation,
        ``begin_commit``, ``begin_abort`` or ``end``), checks it, marks it in
        flight and hands over a pending ``start_transaction``, which is
        applied to PyMongo here.  Returns the transaction whose turn this
        is, for ``_leave_gate``.
        """
        context = self._transaction_context
        if context is not None and context.must_wait():
            await context.wait_turn()
        try:
            options = begin(self._core)
            if options is not None:
                await self._start_in_pymongo(options)
        except BaseException:
            # Refused, or PyMongo refused the start: nothing ran, the next
            # operation's turn comes.
            if context is not None and context._waiting:
                context.pass_turn()
            raise
        return context

    def _leave_gate(self, context: Optional[_TransactionContext]) -> None:
        """An operation finished: follow PyMongo's state, then the next one's turn.

        The one place PyMongo's transaction state is read.
        """
        self._core.leave_operation(transaction_state(self._delegate))
        if context is not None and context._waiting:
            context.pass_turn()

    # -- Motor's public API --------------------------------------------------

    @property
    def client(self) -> AgnosticClient:
        """The motorx client this session was created from."""
        return self._client

    @property
    def session_id(self) -> Mapping[str, Any]:
        """The server session's id document, ``{"id": UUID}``."""
        return self._delegate.session_id

    @property
    def has_ended(self) -> bool:
        """True once ``end_session`` ran (or the ``async with`` block was left)."""
        return self._delegate.has_ended

    @property
    def cluster_time(self) -> Optional[Mapping[str, Any]]:
        """The newest cluster time this session has seen (None before any reply)."""
        return self._delegate.cluster_time

    def advance_cluster_time(self, cluster_time: Mapping[str, Any]) -> None:
        self._delegate.advance_cluster_time(cluster_time)

    @property
    def options(self) -> SessionOptions:
        return self._delegate.options

    @property
    def operation_time(self) -> Optional[Timestamp]:
        """The operation time of this session's latest operation, for causal consistency."""
        return self._delegate.operation_time

    def advance_operation_time(self, operation_time: Timestamp) -> None:
        self._delegate.advance_operation_time(operation_time)

    @property
    def in_transaction(self) -> bool:
        """True from ``start_transaction()`` until the transaction commits or aborts."""
        return self._core.in_transaction

    def start_transaction(
        self,
        read_concern: Optional[ReadConcern] = None,
        write_concern: Optional[WriteConcern] = None,
        read_preference: Optional[_ServerMode] = None,
        max_commit_time_ms: Optional[int] = None,
    ) -> _TransactionContext:
        """Start a multi-statement transaction; a plain method, as in Motor.

        Takes the same arguments as ``pymongo.client_session.TransactionOptions``.
        Illegal states and bad options raise here, as Motor's synchronous
        start did.  Use it as an async context manager (commit on normal
        exit, abort on error) or call ``commit_transaction``/``abort_transaction``
        yourself::

            async with s.start_transaction():
                await collection.insert_one({"x": 1}, session=s)
        """
        options = _options_of(read_concern, write_concern, read_preference, max_commit_time_ms)
        if write_concern is None:
            self._check_inherited_write_concern()
        if options is not _NO_OPTIONS:
            TransactionOptions(*options)  # validates the types now, not at the first operation
        # Held until the session's next operation: PyMongo's start is a coroutine.
        self._core.begin_transaction(options, True)
        return self._new_transaction_context()

    def _check_inherited_write_concern(self) -> None:
        """PyMongo's refusal of an unacknowledged inherited write concern, at the call.

        What a transaction inherits is the session's default transaction
        options' write concern, else the client's.
        """
        defaults = self._delegate.options.default_transaction_options
        if defaults is not None and defaults.write_concern is not None:
            inherited = defaults.write_concern
        else:
            inherited = self._client._delegate.write_concern
        if not inherited.acknowledged:
            raise ConfigurationError(
                f"transactions do not support unacknowledged write concern: {inherited!r}"
            )

    @returns_future
    def commit_transaction(self) -> Coroutine[Any, Any, None]:
        """Commit a multi-statement transaction (returns a started Future, as in Motor)."""
        return self._commit_transaction()

    async def _commit_transaction(self) -> None:
        # with_transaction's commits come here too: through the gate, after
        # any operation called (not awaited) before the commit.
        await let_called_operations_start()
        context = await self._enter_gate(SessionCore.begin_commit)
        try:
            await self._delegate.commit_transaction()
        finally:
            # PyMongo ends in COMMITTED/COMMITTED_EMPTY even on error.
            self._leave_gate(context)

    @returns_future
    def abort_transaction(self) -> Coroutine[Any, Any, None]:
        """Abort a multi-statement transaction (returns a started Future, as in Motor)."""
        return self._abort_transaction(False)

    async def _abort_transaction(self, force: bool) -> None:
        # force: with_transaction aborting its own transaction after the
        # callback failed, even if an operation of it is still in flight
        # (its transactions are never pending, so nothing is skipped).
        if force:
            context = None
            self._core.begin_abort(True)  # never a pending start (see above)
        else:
            await let_called_operations_start()
            context = await self._enter_gate(SessionCore.begin_abort)
        try:
            await self._delegate.abort_transaction()
        finally:
            # PyMongo ends in ABORTED even when the abort command fails.
            self._leave_gate(context)
        transaction = self._transaction_context
        if transaction is not None and transaction.fence_collection is not None:
            await self._fence(transaction.fence_collection)
            transaction.fence_collection = None

    async def _fence(self, collection: AsyncCollection[Any]) -> None:
        """Make sure a cancelled first operation cannot open the transaction later.

        The first operation of a transaction carries ``startTransaction``.
        Cancelled or timed out while in flight, its command may still run
        after the abort (which then finds nothing to abort) and start a
        transaction nobody will end: it would hold its writes until the
        server reaps it.  A newer transaction on the session, started with a
        one-document read and aborted, makes the server refuse the older one
        (TransactionTooOld) or abort it if it already began.  Best effort:
        errors of the fence itself are not the caller's.  It runs on PyMongo's
        session directly and ends ABORTED, the state the core is already in.
        """
        delegate = self._delegate
        await delegate.start_transaction()
        try:
            await collection.find_one({}, projection={"_id": 1}, session=delegate)
        except PyMongoError:
            pass
        finally:
            await delegate.abort_transaction()

    async def _abort_to_the_end(self) -> None:
        """with_transaction's abort after its callback raised, finished even if cancelled meanwhile.

        A cancellation that lands while the abort is in flight would otherwise
        leave the transaction open on the server until it expires, holding
        its writes' locks: the abort runs as a task of its own, and a
        cancelled caller waits for it before the cancellation propagates.
        """
        abort = spawn_background(self._abort_transaction(True))
        try:
            await asyncio.shield(abort)
        except asyncio.CancelledError:
            if not abort.done():
                await asyncio.wait({abort})
            raise

    @returns_future
    def end_session(self) -> Coroutine[Any, Any, None]:
        """Finish this session; an active transaction is aborted (a started Future)."""
        return self._end_session()

    async def _end_session(self) -> None:
        # Through the gate: after the transaction's operations called before
        # it.  A pending start never reached PyMongo, so PyMongo has nothing
        # to abort for it; PyMongo ends its session even if the abort fails.
        # Operations queued after it then find the session ended.
        context = await self._enter_gate(SessionCore.end)
        try:
            await self._delegate.end_session()
        finally:
            self._leave_gate(context)

    async def with_transaction(
        self,
        coro: Callable[[Self], Awaitable[_T]],
        read_concern: Optional[ReadConcern] = None,
        write_concern: Optional[WriteConcern] = None,
        read_preference: Optional[_ServerMode] = None,
        max_commit_time_ms: Optional[int] = None,
    ) -> _T:
        """Run ``coro(session)`` in a transaction, retrying per the specification.

        ``await session.with_transaction(coro)`` returns what ``coro``
        returned.  ``coro`` may run more than once: the whole transaction is
        retried on an error labelled ``TransientTransactionError``; the
        commit alone on ``UnknownTransactionCommitResult`` (unless it is
        MaxTimeMSExpired).  The commit is applied at most once on the server.
        Retries back off (``jitter * min(5 ms * 1.5**retry, 500 ms)``) and stop
        when the retry window is spent: 120 s, or the client-side operation
        timeout in force; the error raised then is a timeout error wrapping
        the last error, with its labels.  Unlike Motor 3.7, a failed first
        commit is retried too.

        ``coro`` must not swallow command errors: the server may already have
        aborted the transaction.  If ``coro`` commits or aborts the transaction
        itself, ``with_transaction`` returns without further action.
        """
        client_timeout = self._client._timeout  # timeoutMS in seconds, None if unset
        if client_timeout is not None and client_side_timeout_remaining() is None:
            # The client's timeoutMS bounds the whole call, not each operation:
            # run inside it, where it is the retry window.
            with pymongo.timeout(client_timeout):
                return await self.with_transaction(
                    coro, read_concern, write_concern, read_preference, max_commit_time_ms
                )
        options = _options_of(read_concern, write_concern, read_preference, max_commit_time_ms)
        loop = _retry_loop()
        core = self._core
        listeners = self._client._transaction_listeners
        publisher = self._publisher(listeners) if listeners else None
        if publisher is not None:
            publisher.started()
        # The specification's loop: each pass is one transaction attempt.
        while True:
            backoff = loop.next_attempt()
            if backoff:
                await asyncio.sleep(backoff)
            if publisher is not None:
                if loop.attempt > 1:
                    publisher.backoff(loop.attempt, backoff)
                publisher.attempt_started(loop.attempt)
            core.begin_transaction(options, False)
            self._new_transaction_context()
            await self._start_in_pymongo(options)

            returned: Any = _NOT_CALLED
            try:
                returned = coro(self)
                result: _T = await returned
            except BaseException as exc:
                # Cancellation and KeyboardInterrupt abort too, then propagate.
                if core.in_transaction:
                    await self._abort_to_the_end()
                if isinstance(exc, TypeError):
                    _check_callback(coro, returned, exc)
                action = loop.on_callback_error(exc)
                if publisher is not None:
                    publisher.callback_failed(loop.attempt, exc, action)
                if action == RETRY_TRANSACTION:
                    continue
                _raise_for(action, loop, exc, publisher)

            if not core.in_transaction:
                # The callback committed or aborted the transaction itself.
                if publisher is not None and core.state != TXN_ABORTED:
                    publisher.committed(loop.attempt, 0, loop.total_backoff, loop.elapsed())
                return result

            while True:
                try:
                    await self._commit_transaction()
                except PyMongoError as exc:
                    commit_attempt = loop.commit_attempts + 1
                    action = loop.on_commit_error(exc)
                    if publisher is not None:
                        publisher.commit_failed(loop.attempt, exc, action, commit_attempt)
                    if action == RETRY_COMMIT:
                        continue
                    if action == RETRY_TRANSACTION:
                        break
                    _raise_for(action, loop, exc, publisher)
                if publisher is not None:
                    publisher.committed(
                        loop.attempt, loop.commit_attempts + 1, loop.total_backoff, loop.elapsed()
                    )
                return result

    def _publisher(self, listeners: tuple[TransactionListener, ...]) -> TransactionPublisher:
        return TransactionPublisher(
            listeners, self._delegate.session_id, self._client._delegate.options.pool_options.appname
        )

    # -- context management: ``async with await client.start_session() as s`` --

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        await self._end_session()

    def _use_async_with(self) -> Exception:
        return AttributeError("Use motorx sessions like 'async with await client.start_session()', not 'with'")


_NOT_CALLED: Any = object()


def _check_callback(coro: Any, returned: Any, exc: TypeError) -> None:
    """Name a wrong with_transaction callback instead of Python's bare TypeError.

    Only when the callback itself is the problem: not callable, or a plain
    function whose result cannot be awaited.  A TypeError raised inside a
    proper callback is left alone.
    """
    if not callable(coro):
        raise TypeError(
            f"with_transaction() needs a callback: an async function taking the session, "
            f"not {coro!r}"
        ) from exc
    if returned is not _NOT_CALLED and not inspect.isawaitable(returned):
        raise TypeError(
            f"with_transaction()'s callback must return an awaitable (define it with "
            f"'async def'); {coro!r} returned {type(returned).__name__}"
        ) from exc


def _retry_loop() -> RetryLoop:
    """The bookkeeping of a new ``with_transaction`` call.

    Its window is what is left of the client-side timeout in force, else
    Motor's module-level knob, ``motorx.core._WITH_TRANSACTION_RETRY_TIME_LIMIT``
    (read per call as Motor does: Motor code and its tests lower it; only code
    that imported motorx.core can have changed it); left at 120 s, the retry
    policy's window.
    """
    remaining = client_side_timeout_remaining()
    if remaining is not None:
        return RetryLoop(max(remaining, 0.0), True)
    motor_core = sys.modules.get("motorx.core")
    limit = DEFAULT_WINDOW if motor_core is None else motor_core._WITH_TRANSACTION_RETRY_TIME_LIMIT
    return RetryLoop(None if limit == DEFAULT_WINDOW else limit)


def _raise_for(
    action: str, loop: RetryLoop, error: BaseException, publisher: Optional[TransactionPublisher]
) -> NoReturn:
    """Raise what the core decided: ``error`` itself, or on GIVE_UP the timeout error wrapping it."""
    if action != GIVE_UP:
        raise error
    timeout = _window_spent_error(error, loop.csot)
    timeout.__cause__ = error
    if publisher is not None:
        publisher.gave_up(loop.attempt, timeout, loop.elapsed())
    raise timeout from error


def _window_spent_error(error: BaseException, csot: bool) -> PyMongoError:
    """What ``with_transaction`` raises once its retry window is spent, as PyMongo does.

    Under a client-side operation timeout, PyMongo's CSOT error
    (``ExecutionTimeout``, code 50); otherwise ``NetworkTimeout``.  Either way
    it carries the error labels of ``error``.
    """
    message = str(error)
    timeout: PyMongoError
    if csot:
        timeout = ExecutionTimeout(message, 50, {"ok": 0, "errmsg": message, "code": 50})
    else:
        timeout = NetworkTimeout(message)
    add_error_labels(timeout, error_labels(error))
    return timeout


def check_session_type(session: Any) -> None:
    """PyMongo's error for a ``session=`` that is not a session at all.

    PyMongo raises it from most paths, but some methods touch the session's
    attributes first and fail with an AttributeError; motorx raises PyMongo's
    clear error on every path.
    """
    if not isinstance(session, AsyncClientSession):
        raise ValueError(
            f"'session' argument must be an AsyncClientSession or None, not {type(session)}"
        )


def split_session(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Optional[AgnosticClientSession], tuple[Any, ...]]:
    """Find the motorx session among an operation's arguments.

    The session may be given as ``session=`` or positionally (PyMongo allows
    both); it is replaced by its PyMongo session (``kwargs`` in place, the new
    ``args`` returned).  A PyMongo session passes through; anything else given
    as ``session=`` gets PyMongo's ValueError.
    """
    session = kwargs.get("session")
    if session is not None:
        if isinstance(session, AgnosticClientSession):
            kwargs["session"] = session._delegate
            return session, args
        check_session_type(session)
        return None, args
    for i, arg in enumerate(args):
        if isinstance(arg, AgnosticClientSession):
            return arg, (*args[:i], arg._delegate, *args[i + 1:])
    return None, args


async def run_with_session(
    method: Callable[..., Awaitable[_T]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> _T:
    """Await a PyMongo method, translating a motorx session argument.

    A pending ``start_transaction`` is applied first and the core is brought
    up to date after the command.
    """
    session, args = split_session(args, kwargs)
    if session is None:
        return await method(*args, **kwargs)
    context = await session._enter_gate()
    try:
        return await method(*args, **kwargs)
    except (asyncio.CancelledError, NetworkTimeout):
        # Given up on by the client, the command may still run on the server.
        if session._core.state == TXN_STARTING:
            # The first operation of the transaction: see AgnosticClientSession._fence.
            target = getattr(method, "__self__", None)
            if context is not None and isinstance(target, AsyncCollection):
                context.fence_collection = target
        raise
    finally:
        session._leave_gate(context)

