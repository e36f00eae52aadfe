"""Cursors: Motor's ``MotorCursor`` and ``MotorCommandCursor`` on PyMongo's async cursors.

``find()`` and ``aggregate()`` return a cursor synchronously, as in Motor; the
first command is sent when the cursor is first iterated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Optional

from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor

from motorx.session import AgnosticClientSession, split_session

def _check_length(length: Optional[int]) -> None:
    if length is not None:
        if not isinstance(length, int) or isinstance(length, bool):
            raise TypeError("length must be an int, not %r" % length)
        if length < 0:
            raise ValueError("length must be non-negative")


class _CursorBase:
    _session: Optional[AgnosticClientSession]

    async def _fetch_started(self) -> None:
        session = self._session
        if session is not None and session._core.start_pending:
            await session._apply_pending_start()

    def _fetch_done(self) -> None:
        if self._session is not None:
            self._session._after_operation()

    def __aiter__(self) -> Any:
        return self


class AgnosticCursor(_CursorBase):
    """The cursor ``find()`` returns."""

    def __init__(self, cursor: AsyncCursor[Any], collection: Any, session: Optional[AgnosticClientSession]) -> None:
        self._delegate = cursor
        self._collection = collection
        self._session = session

    @property
    def delegate(self) -> AsyncCursor[Any]:
        return self._delegate

    @property
    def collection(self) -> Any:
        return self._collection

    @property
    def session(self) -> Optional[AgnosticClientSession]:
        return self._session

    @property
    def alive(self) -> bool:
        return self._delegate.alive

    @property
    def cursor_id(self) -> Optional[int]:
        return self._delegate.cursor_id

    @property
    def address(self) -> Any:
        return self._delegate.address

    def get_io_loop(self) -> Any:
        return self._collection.get_io_loop()

    # Chaining: each returns this cursor, as in Motor.
    def sort(self, *args: Any, **kwargs: Any) -> AgnosticCursor:
        self._delegate.sort(*args, **kwargs)
        return self

    def limit(self, limit: int) -> AgnosticCursor:
        self._delegate.limit(limit)
        return self

    def skip(self, skip: int) -> AgnosticCursor:
        self._delegate.skip(skip)
        return self

    def batch_size(self, batch_size: int) -> AgnosticCursor:
        self._delegate.batch_size(batch_size)
        return self

    def max_time_ms(self, max_time_ms: Optional[int]) -> AgnosticCursor:
        self._delegate.max_time_ms(max_time_ms)
        return self

    def hint(self, index: Any) -> AgnosticCursor:
        self._delegate.hint(index)
        return self

    def comment(self, comment: Any) -> AgnosticCursor:
        self._delegate.comment(comment)
        return self

    def collation(self, collation: Any) -> AgnosticCursor:
        self._delegate.collation(collation)
        return self

    async def to_list(self, length: Optional[int] = None) -> list[Any]:
        """Up to ``length`` documents (all when ``None``); ``[]`` once exhausted."""
        _check_length(length)
        if length == 0:
            return []
        await self._fetch_started()
        try:
            return await self._delegate.to_list(length)
        finally:
            self._fetch_done()

    async def next(self) -> Any:
        await self._fetch_started()
        try:
            return await self._delegate.next()
        finally:
            self._fetch_done()

    __anext__ = next

    async def close(self) -> None:
        await self._delegate.close()


class AgnosticCommandCursor(_CursorBase):
    """The cursor ``aggregate()`` returns: the command runs on first iteration."""

    def __init__(
        self,
        start: Callable[..., Awaitable[AsyncCommandCursor[Any]]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        owner: Any,
    ) -> None:
        self._start: Optional[Callable[..., Awaitable[AsyncCommandCursor[Any]]]] = start
        self._session, self._args = split_session(args, kwargs)
        self._kwargs = kwargs
        self._owner = owner
        self._delegate: Optional[AsyncCommandCursor[Any]] = None

    @property
    def delegate(self) -> Optional[AsyncCommandCursor[Any]]:
        return self._delegate

    @property
    def session(self) -> Optional[AgnosticClientSession]:
        return self._session

    @property
    def alive(self) -> bool:
        return self._delegate is None or self._delegate.alive

    def get_io_loop(self) -> Any:
        return self._owner.get_io_loop()

    def batch_size(self, batch_size: int) -> AgnosticCommandCursor:
        if self._delegate is None:
            self._kwargs["batchSize"] = batch_size
        else:
            self._delegate.batch_size(batch_size)
        return self

    async def _started(self) -> Optional[AsyncCommandCursor[Any]]:
        """The PyMongo cursor, running the command on first use; None once closed."""
        if self._delegate is None and self._start is not None:
            await self._fetch_started()
            try:
                self._delegate = await self._start(*self._args, **self._kwargs)
            finally:
                self._fetch_done()
        return self._delegate

    async def to_list(self, length: Optional[int] = None) -> list[Any]:
        _check_length(length)
        cursor = await self._started()
        if length == 0 or cursor is None:
            return []
        await self._fetch_started()
        try:
            return await cursor.to_list(length)
        finally:
            self._fetch_done()

    async def next(self) -> Any:
        cursor = await self._started()
        if cursor is None:
            raise StopAsyncIteration
        await self._fetch_started()
        try:
            return await cursor.next()
        finally:
            self._fetch_done()

    __anext__ = next

    async def close(self) -> None:
        if self._delegate is not None:
            await self._delegate.close()
        self._start = None
