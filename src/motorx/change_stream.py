"""Change streams with Motor's shape on PyMongo's ``AsyncChangeStream``.

``watch()`` on a client, database or collection returns a change stream at
once, without I/O; its ``aggregate`` with ``$changeStream`` is sent on first
use (``async for``, ``next()``, ``try_next()`` or ``async with``), as in Motor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Optional

from pymongo.asynchronous.change_stream import AsyncChangeStream

from motorx._context import AsyncWithOnly
from motorx._typing import _ChangeStreamT_co, _DocumentType, _HasChangeStreamClass
from motorx.session import run_with_session

if TYPE_CHECKING:
    from typing_extensions import Self

class AgnosticChangeStream(AsyncWithOnly, Generic[_DocumentType]):
    """A change stream cursor; get one from ``watch()``, never construct it yourself."""

    def __init__(
        self,
        target: Any,
        pipeline: Optional[Sequence[Mapping[str, Any]]] = None,
        full_document: Optional[str] = None,
        resume_after: Optional[Mapping[str, Any]] = None,
        max_await_time_ms: Optional[int] = None,
        batch_size: Optional[int] = None,
        collation: Optional[Any] = None,
        start_at_operation_time: Optional[Any] = None,
        session: Optional[Any] = None,
        start_after: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        full_document_before_change: Optional[str] = None,
        show_expanded_events: Optional[bool] = None,
    ) -> None:
        # The target is the motorx client, database or collection watched.
        self._target = target
        self._kwargs: dict[str, Any] = {
            "pipeline": pipeline,
            "full_document": full_document,
            "resume_after": resume_after,
            "max_await_time_ms": max_await_time_ms,
            "batch_size": batch_size,
            "collation": collation,
            "start_at_operation_time": start_at_operation_time,
            "session": session,
            "start_after": start_after,
            "comment": comment,
            "full_document_before_change": full_document_before_change,
            "show_expanded_events": show_expanded_events,
        }
        self._delegate: Optional[AsyncChangeStream[_DocumentType]] = None
        self._closed = False

    @property
    def delegate(self) -> Optional[AsyncChangeStream[_DocumentType]]:
        """PyMongo's ``AsyncChangeStream`` once started (None before)."""
        return self._delegate

    async def _started(self) -> Optional[AsyncChangeStream[_DocumentType]]:
        if self._delegate is None and not self._closed:
            self._delegate = await run_with_session(
                self._target.delegate.watch, (), dict(self._kwargs)
            )
        return self._delegate

    @property
    def alive(self) -> bool:
        """Might this stream return more changes?  True before it starts.

        Even when alive, ``next()`` may raise ``StopAsyncIteration`` and
        ``try_next()`` return None.
        """
        if self._delegate is None:
            return not self._closed
        return self._delegate.alive

    @property
    def resume_token(self) -> Optional[Mapping[str, Any]]:
        """The token to resume after the last change seen (before start: the one given)."""
        if self._delegate is None:
            given: Optional[Mapping[str, Any]] = self._kwargs["start_after"] or self._kwargs["resume_after"]
            return given
        return self._delegate.resume_token

    def get_io_loop(self) -> Any:
        return self._target.get_io_loop()

    async def next(self) -> _DocumentType:
        """The next change; waits for one.  ``StopAsyncIteration`` once closed."""
        stream = await self._started()
        if stream is None:
            raise StopAsyncIteration
        return await stream.next()

    async def try_next(self) -> Optional[_DocumentType]:
        """The next change, or None if one getMore brought nothing (or closed)."""
        stream = await self._started()
        if stream is None:
            return None
        return await stream.try_next()

    async def close(self) -> None:
        """Close this stream; ``async for`` loops over it stop."""
        self._closed = True
        if self._delegate is not None:
            await self._delegate.close()

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        await self.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> _DocumentType:
        return await self.next()

    async def __aenter__(self) -> Self:
        # Entering the block starts the stream (the aggregate is sent).
        await self._started()
        return self

    def _use_async_with(self) -> Exception:
        return RuntimeError('Use a change stream in "async with", not "with"')

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)


class ChangeStreamSource:
    """``watch()`` for a client, database or collection, written once.

    Each class sets ``_change_stream_class`` to its flavour's change stream
    class, annotated in its document type (not a ClassVar: the annotation
    needs the type variable); ``watch()`` returns that type, so
    ``AsyncIOMotorCollection[Doc].watch()`` is an
    ``AsyncIOMotorChangeStream[Doc]`` for type checkers.
    """

    __slots__ = ()

    def watch(
        self: _HasChangeStreamClass[_ChangeStreamT_co],
        pipeline: Optional[Sequence[Mapping[str, Any]]] = None,
        full_document: Optional[str] = None,
        resume_after: Optional[Mapping[str, Any]] = None,
        max_await_time_ms: Optional[int] = None,
        batch_size: Optional[int] = None,
        collation: Optional[Any] = None,
        start_at_operation_time: Optional[Any] = None,
        session: Any = None,
        start_after: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        full_document_before_change: Optional[str] = None,
        show_expanded_events: Optional[bool] = None,
    ) -> _ChangeStreamT_co:
        """A change stream on this client (the whole deployment), database or collection.

        Returned at once, without I/O; the ``$changeStream`` aggregate is
        sent on first use.
        """
        return self._change_stream_class(
            self,
            pipeline,
            full_document,
            resume_after,
            max_await_time_ms,
            batch_size,
            collation,
            start_at_operation_time,
            session,
            start_after,
            comment,
            full_document_before_change,
            show_expanded_events,
        )
