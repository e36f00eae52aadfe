"""Cursors with Motor's shape on PyMongo's async cursors.

* :class:`AgnosticCursor` is what ``find()`` returns: created synchronously,
  the query is sent on first iteration; chaining modifiers return the cursor.
* :class:`AgnosticCommandCursor` wraps a command cursor that already exists
  (``list_collections()``, ``list_databases()``, ``cursor_command()``).
* :class:`AgnosticLatentCommandCursor` is what ``aggregate()``,
  ``list_indexes()``, ``list_search_indexes()`` and
  ``aggregate_raw_batches()`` return: created synchronously, its command is
  sent on first iteration, as in Motor.

Every cursor has Motor's members: ``to_list(length)`` (``None`` for all),
``next()``, ``async for``, ``async with``, ``close()``, ``alive``, ``each()``
and the deprecated ``fetch_next``/``next_object()``.  ``delegate`` is the
wrapped PyMongo *async* cursor (in Motor it was PyMongo's synchronous one).
"""

from __future__ import annotations

import asyncio
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, Union

from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo import CursorType
from pymongo.errors import InvalidOperation

from motorx._context import AsyncWithCloses
from motorx._pymongo_internals import cursor_buffered_count, cursor_query_flags
from motorx._typing import _DocumentType
from motorx.session import AgnosticClientSession, _TransactionContext, split_session
from motorx._futures import OperationFuture, loop_for, returns_future, spawn_background

if TYPE_CHECKING:
    from typing_extensions import Self

_C = TypeVar("_C", bound="_BaseCursor")
_T = TypeVar("_T")

_TAILABLE = CursorType.TAILABLE  # the tailable bit of the query flags


def _check_length(length: Optional[int]) -> None:
    if length is not None:
        if not isinstance(length, int) or isinstance(length, bool):
            raise TypeError("length must be an int, not %r" % length)
        if length < 0:
            raise ValueError("length must be non-negative")


def run_to_completion(coro: Coroutine[Any, Any, _T]) -> _T:
    """Finish a PyMongo coroutine that does no I/O, synchronously.

    Some of PyMongo's async cursor methods (``add_option``) are coroutines
    only for symmetry: they never suspend.  Motor's are plain chaining
    methods, so motorx drives them to completion in place.  Should one ever
    suspend, that is a PyMongo change motorx must hear about, not paper over.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("motorx: %r unexpectedly needs I/O" % (coro,))


class _BaseCursor(AsyncWithCloses, Generic[_DocumentType]):
    """What every Motor cursor has; subclasses say how to reach PyMongo's cursor."""

    _session: Optional[AgnosticClientSession]

    def __init__(self, owner: Any, session: Optional[AgnosticClientSession]) -> None:
        self._owner = owner
        self._session = session
        # Documents fetched by the deprecated ``fetch_next`` and not yet
        # handed out by ``next_object``/``next``/``to_list``.
        self._peeked: deque[_DocumentType] = deque()
        # Motor's flags: a command of this cursor was sent (rewind() clears
        # it); close() was called.
        self.started = False
        self.closed = False

    # -- subclass hooks ------------------------------------------------------

    def _current(self) -> Optional[Union[AsyncCursor[_DocumentType], AsyncCommandCursor[_DocumentType]]]:
        """The PyMongo cursor if it exists yet (latent cursors: after start)."""
        raise NotImplementedError

    async def _started(self) -> Optional[Union[AsyncCursor[_DocumentType], AsyncCommandCursor[_DocumentType]]]:
        """The PyMongo cursor, starting it if needed; None once closed unstarted."""
        raise NotImplementedError

    def _is_tailable(self) -> bool:
        return False

    # -- session bookkeeping (a pending start_transaction, PyMongo's state) ---

    async def _fetch_started(self) -> Optional[_TransactionContext]:
        """Enter the session's gate before a command (find, getMore, ...)."""
        self.started = True
        session = self._session
        if session is None:
            return None
        return await session._enter_gate()

    def _fetch_done(self, gate: Optional[_TransactionContext]) -> None:
        if self._session is not None:
            self._session._leave_gate(gate)

    # -- Motor's members -----------------------------------------------------

    @property
    def session(self) -> Optional[AgnosticClientSession]:
        """The motorx session this cursor runs in, if one was passed."""
        return self._session

    @property
    def alive(self) -> bool:
        """Might this cursor still return documents? (True before it starts.)"""
        if self._peeked:
            return True
        cursor = self._current()
        return True if cursor is None else cursor.alive

    @property
    def cursor_id(self) -> Optional[int]:
        cursor = self._current()
        return None if cursor is None else cursor.cursor_id

    @property
    def address(self) -> Optional[tuple[str, Any]]:
        cursor = self._current()
        return None if cursor is None else cursor.address

    def get_io_loop(self) -> Any:
        return self._owner.get_io_loop()

    async def next(self) -> _DocumentType:
        """The next document; raises ``StopAsyncIteration`` when exhausted."""
        if self._peeked:
            return self._peeked.popleft()
        cursor = await self._started()
        if cursor is None:
            raise StopAsyncIteration
        gate = await self._fetch_started()
        try:
            return await cursor.next()
        finally:
            self._fetch_done(gate)

    def __aiter__(self: _C) -> _C:
        return self

    async def __anext__(self) -> _DocumentType:
        return await self.next()

    @returns_future
    async def to_list(self, length: Optional[int] = None) -> list[_DocumentType]:
        """Up to ``length`` documents (all of them when ``None``); ``[]`` once exhausted."""
        _check_length(length)
        if self._is_tailable():
            raise InvalidOperation("Can't call to_list on tailable cursor")
        result: list[Any] = []
        while self._peeked and (length is None or len(result) < length):
            result.append(self._peeked.popleft())
        if length is not None and len(result) >= length:
            return result
        cursor = await self._started()
        if cursor is None or not cursor.alive:
            return result
        gate = await self._fetch_started()
        try:
            result.extend(await cursor.to_list(None if length is None else length - len(result)))
        finally:
            self._fetch_done(gate)
        return result

    @property
    def fetch_next(self) -> asyncio.Future[bool]:
        """**Deprecated** (as in Motor): ``while await cursor.fetch_next: cursor.next_object()``.

        Resolves to True when :meth:`next_object` will return a document.
        """
        warnings.warn(
            "The fetch_next property is deprecated and may be removed in a future "
            "major release. Use `async for` to iterate over Cursor objects instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return OperationFuture(self._fetch_one(), self)

    fetch_next.fget.returns_future = True  # type: ignore[attr-defined]

    async def _fetch_one(self) -> bool:
        if self._peeked:
            return True
        try:
            self._peeked.append(await self.next())
        except StopAsyncIteration:
            return False
        return True

    def next_object(self) -> Any:
        """**Deprecated** (as in Motor): the document ``fetch_next`` fetched, or None."""
        warnings.warn(
            "The next_object method is deprecated and may be removed in a future "
            "major release.  Use `async for` to iterate over Cursor objects instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        if not self._peeked:
            return None
        return self._peeked.popleft()

    def each(self, callback: Callable[[Any, Optional[BaseException]], Any]) -> None:
        """Call ``callback(doc, None)`` for each document, then ``callback(None, None)``.

        Returns at once; iteration runs on the event loop.  Returning exactly
        ``False`` from the callback stops early (the cursor stays open); an
        error is passed as ``callback(None, error)``.
        """
        if not callable(callback):
            raise TypeError("callback must be a callable")
        spawn_background(self._each(callback), loop_for(self))

    async def _each(self, callback: Callable[[Any, Optional[BaseException]], Any]) -> None:
        while True:
            try:
                doc = await self.next()
            except StopAsyncIteration:
                break
            except Exception as error:  # noqa: BLE001 - Motor hands every error to the callback
                callback(None, error)
                return
            if callback(doc, None) is False:
                return
        callback(None, None)

    def _buffer_size(self) -> int:
        """Documents fetched and not handed out yet (Motor's name; its tests read it)."""
        cursor = self._current()
        return len(self._peeked) + cursor_buffered_count(cursor)

    async def close(self) -> None:
        """Kill this cursor on the server (nothing to do if it never started).

        Documents already fetched stay readable (``alive`` stays true until
        they are handed out), as in Motor.
        """
        self.closed = True
        cursor = self._current()
        if cursor is not None:
            await cursor.close()

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        await self.close()


class AgnosticCursor(_BaseCursor[_DocumentType]):
    """The cursor ``find()`` returns; the query is sent on first iteration."""

    def __init__(
        self, cursor: AsyncCursor[_DocumentType], collection: Any, session: Optional[AgnosticClientSession] = None
    ) -> None:
        super().__init__(collection, session)
        self._delegate = cursor

    @property
    def delegate(self) -> AsyncCursor[_DocumentType]:
        """The PyMongo ``AsyncCursor`` this cursor wraps."""
        return self._delegate

    @property
    def collection(self) -> Any:
        """The motorx collection this cursor reads."""
        return self._owner

    def _current(self) -> AsyncCursor[_DocumentType]:
        return self._delegate

    async def _started(self) -> AsyncCursor[_DocumentType]:
        return self._delegate

    def _is_tailable(self) -> bool:
        # Motor refused to_list on tailable cursors (it would never finish)
        # and so does motorx.
        return bool(cursor_query_flags(self._delegate) & _TAILABLE)

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    # -- chaining modifiers: each changes the query and returns this cursor --

    def add_option(self, mask: int) -> Self:
        run_to_completion(self._delegate.add_option(mask))
        return self

    def remove_option(self, mask: int) -> Self:
        self._delegate.remove_option(mask)
        return self

    def allow_disk_use(self, allow_disk_use: bool) -> Self:
        self._delegate.allow_disk_use(allow_disk_use)
        return self

    def batch_size(self, batch_size: int) -> Self:
        self._delegate.batch_size(batch_size)
        return self

    def collation(self, collation: Optional[Any]) -> Self:
        self._delegate.collation(collation)
        return self

    def comment(self, comment: Any) -> Self:
        self._delegate.comment(comment)
        return self

    def hint(self, index: Optional[Any]) -> Self:
        self._delegate.hint(index)
        return self

    def limit(self, limit: int) -> Self:
        self._delegate.limit(limit)
        return self

    def max(self, spec: Any) -> Self:
        self._delegate.max(spec)
        return self

    def max_await_time_ms(self, max_await_time_ms: Optional[int]) -> Self:
        self._delegate.max_await_time_ms(max_await_time_ms)
        return self

    def max_scan(self, max_scan: Optional[int]) -> Self:
        self._delegate.max_scan(max_scan)
        return self

    def max_time_ms(self, max_time_ms: Optional[int]) -> Self:
        self._delegate.max_time_ms(max_time_ms)
        return self

    def min(self, spec: Any) -> Self:
        self._delegate.min(spec)
        return self

    def skip(self, skip: int) -> Self:
        self._delegate.skip(skip)
        return self

    def sort(self, key_or_list: Any, direction: Optional[Union[int, str]] = None) -> Self:
        self._delegate.sort(key_or_list, direction)
        return self

    def where(self, code: Any) -> Self:
        self._delegate.where(code)
        return self

    # -- reads that run their own command --------------------------------------

    @returns_future
    async def distinct(self, key: str) -> list[Any]:
        """Distinct values of ``key`` among this cursor's documents."""
        gate = await self._fetch_started()
        try:
            return await self._delegate.distinct(key)
        finally:
            self._fetch_done(gate)

    @returns_future
    async def explain(self) -> _DocumentType:
        """The server's explain output for this query."""
        gate = await self._fetch_started()
        try:
            return await self._delegate.explain()
        finally:
            self._fetch_done(gate)

    # -- starting over -------------------------------------------------------

    def rewind(self) -> Self:
        """Rewind to the unevaluated state, keeping every option; a plain call as in Motor.

        PyMongo's async ``rewind`` must await killing the server cursor; here
        the cursor continues on a fresh unevaluated copy at once, and a
        server cursor still open is killed in the background.
        """
        self._peeked.clear()
        self.started = False
        old = self._delegate
        if old.cursor_id is None and old.retrieved == 0 and old.alive:
            return self  # never started: nothing to rewind
        self._delegate = old.clone()
        if old.cursor_id:
            spawn_background(old.close(), loop_for(self))
        return self

    def clone(self) -> Self:
        """An unevaluated copy of this cursor with the same options."""
        return type(self)(self._delegate.clone(), self._owner, self._session)

    def __copy__(self) -> Self:
        return type(self)(self._delegate.__copy__(), self._owner, self._session)

    def __deepcopy__(self, memo: Any) -> Self:
        return type(self)(self._delegate.__deepcopy__(memo), self._owner, self._session)


class AgnosticRawBatchCursor(AgnosticCursor[_DocumentType]):
    """What ``find_raw_batches()`` returns: each item is a batch of raw BSON bytes."""


class AgnosticCommandCursor(_BaseCursor[_DocumentType]):
    """A command cursor that exists already (``list_collections()`` and the like)."""

    def __init__(
        self,
        cursor: Optional[AsyncCommandCursor[_DocumentType]],
        owner: Any,
        session: Optional[AgnosticClientSession] = None,
    ) -> None:
        super().__init__(owner, session)
        self._delegate = cursor

    @property
    def delegate(self) -> Optional[AsyncCommandCursor[_DocumentType]]:
        """The PyMongo ``AsyncCommandCursor`` (None until a latent cursor starts)."""
        return self._delegate

    def _current(self) -> Optional[AsyncCommandCursor[_DocumentType]]:
        return self._delegate

    async def _started(self) -> Optional[AsyncCommandCursor[_DocumentType]]:
        return self._delegate

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    def batch_size(self, batch_size: int) -> Self:
        if self._delegate is not None:
            self._delegate.batch_size(batch_size)
        return self

    async def try_next(self) -> Optional[_DocumentType]:
        """The next document without waiting for more: None if a getMore brings none."""
        if self._peeked:
            return self._peeked.popleft()
        cursor = await self._started()
        if cursor is None:
            return None
        gate = await self._fetch_started()
        try:
            return await cursor.try_next()
        finally:
            self._fetch_done(gate)


class AgnosticLatentCommandCursor(AgnosticCommandCursor[_DocumentType]):
    """A command cursor whose command (aggregate, listIndexes...) runs on first iteration."""

    def __init__(
        self,
        owner: Any,
        start: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...] = (),
        kwargs: Optional[dict[str, Any]] = None,
        batch_size_option: bool = True,
    ) -> None:
        kwargs = {} if kwargs is None else kwargs
        session, args = split_session(args, kwargs)
        super().__init__(None, owner, session)
        self._start: Optional[Callable[..., Awaitable[Any]]] = start
        self._args = args
        self._kwargs = kwargs
        # aggregate takes batchSize as a command option; listIndexes does not,
        # so its batch size is set on PyMongo's cursor once that exists.
        self._batch_size_option = batch_size_option
        self._batch_size: Optional[int] = None

    @property
    def collection(self) -> Any:
        """The motorx collection (or database, for a database aggregate) it runs on."""
        return self._owner

    def batch_size(self, batch_size: int) -> Self:
        if self._delegate is None:
            if not isinstance(batch_size, int) or isinstance(batch_size, bool):
                raise TypeError(f"batch_size must be an integer, not {type(batch_size)}")
            if batch_size < 0:
                raise ValueError("batch_size must be >= 0")
            if self._batch_size_option:
                # Not started: becomes the command's batchSize, as in Motor.
                self._kwargs["batchSize"] = batch_size
            else:
                self._batch_size = batch_size
        else:
            self._delegate.batch_size(batch_size)
        return self

    async def _started(self) -> Optional[AsyncCommandCursor[_DocumentType]]:
        if self._delegate is None and self._start is not None:
            start, self._start = self._start, None
            gate = await self._fetch_started()
            try:
                self._delegate = await start(*self._args, **self._kwargs)
            finally:
                self._fetch_done(gate)
            if self._batch_size is not None:
                self._delegate.batch_size(self._batch_size)
        return self._delegate

    @property
    def alive(self) -> bool:
        if self._delegate is None:
            return self._start is not None  # unstarted: alive until closed
        return bool(self._peeked) or self._delegate.alive

    async def close(self) -> None:
        self._start = None  # closed before it started: it never will
        await super().close()

