"""``async with`` for motorx's objects that close: written once, used by all.

Cursors, change streams, GridFS files, ``ClientEncryption`` (and sessions)
are async context managers: ``async with obj`` gives ``obj`` and leaving the
block closes it.  Where Motor refused a plain ``with`` with an error naming
``async with``, the class uses :class:`AsyncWithOnly`, which adds that.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, Optional

if TYPE_CHECKING:
    from typing_extensions import Self


class AsyncWithCloses:
    """``async with obj:`` gives ``obj``, and closes it when the block is left.

    What leaving does is each class's ``_leave_async_with``: usually
    ``await self.close()`` (a GridIn stores its file only if the block did
    not raise; a session ends).
    """

    # No instance dictionary of its own: a session's class has __slots__.
    __slots__ = ()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self._leave_async_with(exc_val)

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        """Each class's own (closing, mostly); ``error`` is what the block raised, or None."""
        raise NotImplementedError


class AsyncWithOnly(AsyncWithCloses):
    """An :class:`AsyncWithCloses` that refuses a plain ``with``, naming ``async with``."""

    __slots__ = ()

    def __enter__(self) -> NoReturn:
        raise self._use_async_with()

    def __exit__(self, *args: object) -> None:
        pass

    def _use_async_with(self) -> Exception:
        """The error a plain ``with`` raises: a RuntimeError naming the class."""
        return RuntimeError(f'Use {type(self).__name__} in "async with", not "with"')
