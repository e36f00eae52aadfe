"""Motor's call model: an operation starts when its method is called.

Motor's async methods are plain functions that return an asyncio Future,
and the operation runs whether or not anyone awaits it.  motorx writes its
operations as coroutines and marks the ones Motor returns a Future from with
:func:`returns_future`: calling such a method wraps the coroutine in a task
(a Future, with callbacks, ``result()``, ``cancel()``, awaitable any number
of times) that starts at once.  On Python 3.12+ it starts eagerly, running
to its first suspension inside the call, so no loop iteration is spent
before the command is sent; on older Pythons it is scheduled to start on the
loop's next iteration, in call order.

Cancelling the Future cancels the operation's coroutine, as cancelling an
awaited call does; so does cancelling a task that awaits it (asyncio
cancels what a cancelled task waits on).  An exception nobody retrieves is
reported by asyncio ("Task exception was never retrieved"), as for any task.

The methods that stay coroutine functions in Motor (``with_transaction``,
``start_session``, cursors' ``next`` ...) stay plain ``async def`` here.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Optional, TypeVar

from motorx._framework import AsyncioFramework

if TYPE_CHECKING:
    from typing_extensions import ParamSpec

    _P = ParamSpec("_P")

_T = TypeVar("_T")

__all__ = ["returns_future", "spawn_background", "start_operation"]


def _loop(owner: Any = None) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        # Called with no loop running (``loop.run_until_complete(coll.insert_one(d))``):
        # the task belongs to the loop that will run it, the object's
        # ``io_loop=`` if it was given one, else the current loop.
        io_loop = AsyncioFramework.get_event_loop() if owner is None else owner.get_io_loop()
        loop: asyncio.AbstractEventLoop = getattr(io_loop, "asyncio_loop", io_loop)  # tornado runs on asyncio
        return loop


if sys.version_info >= (3, 12):

    def start_operation(coro: Coroutine[Any, Any, _T], owner: Any = None) -> asyncio.Future[_T]:
        """Run ``coro`` as a task that starts now (eagerly when a loop is running).

        ``owner`` (a motorx object, for its ``get_io_loop()``) picks the loop
        when none is running.
        """
        # eager_start falls back to scheduling when the loop is not running.
        return asyncio.Task(coro, loop=_loop(owner), eager_start=True)

else:

    def start_operation(coro: Coroutine[Any, Any, _T], owner: Any = None) -> asyncio.Future[_T]:
        """Run ``coro`` as a task scheduled at once (Python < 3.12 has no eager tasks).

        ``owner`` (a motorx object, for its ``get_io_loop()``) picks the loop
        when none is running.
        """
        return _loop(owner).create_task(coro)


# Tasks motorx starts and hands to no one (``each()``, the old server cursor
# ``rewind()`` kills, a client's close): asyncio keeps only weak references to
# tasks, so each is held here until it is done.
_background: set[asyncio.Future[Any]] = set()


def spawn_background(
    coro: Coroutine[Any, Any, _T], loop: Optional[asyncio.AbstractEventLoop] = None
) -> asyncio.Future[_T]:
    """Run ``coro`` as a task held until done, on ``loop`` (default: the running or current one)."""
    task = (_loop() if loop is None else loop).create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


def returns_future(
    method: Callable[_P, Coroutine[Any, Any, _T]],
) -> Callable[_P, asyncio.Future[_T]]:
    """Make an ``async def`` method return a started Future, as Motor's do."""

    # Without Concatenate (self is simply the first of _P): mypy then keeps
    # the signatures of methods of generic classes that take **kwargs.
    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> asyncio.Future[_T]:
        return start_operation(method(*args, **kwargs), args[0])

    call.returns_future = True  # type: ignore[attr-defined]
    return call
