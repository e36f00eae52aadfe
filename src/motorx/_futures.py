"""Motor's call model: an operation starts when its method is called.

Motor's async methods are plain functions that return an asyncio Future,
and the operation runs whether or not anyone awaits it.  motorx writes its
operations as coroutines and marks the ones Motor returns a Future from with
:func:`returns_future`: calling such a method returns an
:class:`OperationFuture` (an asyncio Future, with callbacks, ``result()``,
``cancel()``, awaitable any number of times) whose operation starts at once:

* awaited right away (``await coll.insert_one(doc)``, the common case), it
  runs inside the awaiting task, as a coroutine would: no task of its own
  and no extra loop iteration.  That extra iteration between an operation's
  reply and the code after it is what a task per call costs, and under write
  contention it keeps each transaction open longer: with 200 tasks
  incrementing one document, transactions retried so often that the run
  took ten times longer (tests/reliability/test_concurrency.py).  Where the
  call is the operand of an ``await`` (see :func:`awaited_at_once`), no one
  but that ``await`` can ever see what it returns, so the method returns the
  operation's coroutine itself: the same run in the awaiting task, without
  building a Future and its start (about 3 us a call; 2 % of a
  transaction's client instructions, bench/instructions.py);
* otherwise (not awaited, or handed to ``asyncio.wait``, ``gather``,
  tornado's ``add_future``...) it starts as a task of its own on the loop's
  next iteration, in call order.  Only the first such operation is run
  inline when awaited; one called after another that has not started yet
  waits its turn, so operations start in call order.

Cancelling the Future cancels the operation as cancelling an awaited call
does (before it started: it never runs); so does cancelling a task that
awaits it.  An exception nobody retrieves is reported by asyncio ("Future
exception was never retrieved").

The methods that stay coroutine functions in Motor (``with_transaction``,
``start_session``, cursors' ``next`` ...) stay plain ``async def`` here.
"""

from __future__ import annotations

import asyncio
import dis
import functools
import sys
from asyncio import _get_running_loop  # the running loop or None: no exception to catch
from collections.abc import Callable, Coroutine, Generator
from types import FrameType
from typing import TYPE_CHECKING, Any, Optional, TypeVar

from motorx._framework import AsyncioFramework

if TYPE_CHECKING:
    from typing_extensions import ParamSpec

    _P = ParamSpec("_P")

_T = TypeVar("_T")

__all__ = [
    "OperationFuture",
    "let_called_operations_start",
    "returns_future",
    "spawn_background",
]


def loop_for(owner: Any = None) -> asyncio.AbstractEventLoop:
    """The loop an operation of ``owner`` (a motorx object) runs on: the running one, else its io_loop."""
    loop = _get_running_loop()
    if loop is not None:
        return loop
    # Called with no loop running (``loop.run_until_complete(coll.insert_one(d))``):
    # the task belongs to the loop that will run it, the object's
    # ``io_loop=`` if it was given one, else the current loop.
    io_loop = AsyncioFramework.get_event_loop() if owner is None else owner.get_io_loop()
    found: asyncio.AbstractEventLoop = getattr(io_loop, "asyncio_loop", io_loop)  # tornado runs on asyncio
    return found


# Per loop: how many operations were called and have not started yet.
_unstarted: dict[asyncio.AbstractEventLoop, int] = {}


def _count_unstarted(loop: asyncio.AbstractEventLoop, change: int) -> None:
    count = _unstarted.get(loop, 0) + change
    if count:
        _unstarted[loop] = count
    else:
        del _unstarted[loop]  # no entry for an idle loop: nothing keeps it alive


class OperationFuture(asyncio.Future[_T]):
    """A called operation: an asyncio Future whose coroutine starts at once.

    See the module docstring: run inside the first task that awaits it, or
    as a task of its own from the loop's next iteration.  ``owner`` (a
    motorx object, for its ``get_io_loop()``) picks the loop when none is
    running.
    """

    __slots__ = ("_coro", "_task", "_runner", "_start_handle")

    def __init__(self, coro: Coroutine[Any, Any, _T], owner: Any = None) -> None:
        loop = loop_for(owner)
        super().__init__(loop=loop)
        self._coro: Optional[Coroutine[Any, Any, _T]] = coro
        self._task: Optional[asyncio.Future[_T]] = None  # running as a task of its own
        self._runner: Optional[asyncio.Future[Any]] = None  # the awaiting task running it
        # Runs in a copy of the caller's context, as a task would.
        self._start_handle = loop.call_soon(self._start_as_task)
        _count_unstarted(loop, 1)

    def _take_coro(self) -> Optional[Coroutine[Any, Any, _T]]:
        """The coroutine, for whoever starts it first (None once started or cancelled)."""
        coro, self._coro = self._coro, None
        if coro is not None:
            self._start_handle.cancel()
            _count_unstarted(self.get_loop(), -1)
        return coro

    def _start_as_task(self) -> None:
        coro = self._take_coro()
        if coro is None:
            return
        task = self._task = self.get_loop().create_task(coro)
        task.add_done_callback(self._adopt_outcome)

    def _adopt_outcome(self, task: asyncio.Future[_T]) -> None:
        if self.done():
            return
        if task.cancelled():
            super().cancel()
        elif task.exception() is not None:
            self.set_exception(task.exception())  # type: ignore[arg-type]
        else:
            self.set_result(task.result())

    def __await__(self) -> Generator[Any, None, _T]:
        loop = self.get_loop()
        if self._coro is not None and _unstarted.get(loop) == 1 and _get_running_loop() is loop:
            # Awaited before it started, and no operation called before it
            # is waiting to start: run it here, in the awaiting task.
            coro = self._take_coro()
            assert coro is not None
            self._runner = asyncio.current_task()
            try:
                result = yield from coro.__await__()
            except asyncio.CancelledError:
                super().cancel()
                raise
            except BaseException as exc:
                self.set_exception(exc)
                self._log_traceback = False  # raised to the code awaiting it: retrieved
                raise
            finally:
                self._runner = None
            self.set_result(result)
            return result
        return (yield from super().__await__())

    __iter__ = __await__  # tornado's and asyncio's "yield from future"

    def cancel(self, msg: Any = None) -> bool:
        if self.done():
            return False
        coro = self._take_coro()
        if coro is not None:
            coro.close()  # never started: it never will
        elif self._task is not None:
            return self._task.cancel()  # its outcome becomes this Future's
        elif self._runner is not None:
            # Running inside the task awaiting it: cancel that await, as
            # cancelling an awaited call does.
            return self._runner.cancel()
        return super().cancel()


async def let_called_operations_start() -> None:
    """Let operations called earlier and not started yet start first.

    For a commit or abort: an operation of the transaction called (not
    awaited) just before must reach the session's gate before it, not run
    after the transaction ended.  Their start handles are queued before this
    wake-up, their tasks' first steps one iteration later.
    """
    loop = asyncio.get_running_loop()
    if _unstarted.get(loop):
        await asyncio.sleep(0)
        await asyncio.sleep(0)


# Tasks motorx starts and hands to no one (``each()``, the old server cursor
# ``rewind()`` kills, a client's close): asyncio keeps only weak references to
# tasks, so each is held here until it is done.
_background: set[asyncio.Future[Any]] = set()


def spawn_background(
    coro: Coroutine[Any, Any, _T], loop: Optional[asyncio.AbstractEventLoop] = None
) -> asyncio.Future[_T]:
    """Run ``coro`` as a task held until done, on ``loop`` (default: the running or current one)."""
    task = (loop_for() if loop is None else loop).create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


async def _call_forms(f: Any, a: Any, k: Any) -> None:
    """Every form of an awaited call, compiled to read their instructions off (never run)."""
    await f()
    await f(a)
    await f(x=a)
    await f(*a)
    await f(*a, **k)
    await a.m()
    await a.m(x=a)


def _call_lengths() -> bytes:
    """Per opcode at a calling frame's ``f_lasti``, the bytes from there to the next instruction.

    Read off this Python's own bytecode for ``_call_forms``: a call
    instruction's length includes its inline caches (3.11+).  Python 3.11
    and 3.12 report a calling frame's ``f_lasti`` at the call's last inline
    cache entry instead, whose next instruction is 2 bytes on.  Opcodes not
    seen map to 0, which makes :func:`awaited_at_once` answer False (a Future).
    """
    lengths = bytearray(256)
    instructions = list(dis.get_instructions(_call_forms))
    for call, after in zip(instructions, instructions[1:]):
        if after.opname == "GET_AWAITABLE":
            lengths[call.opcode] = after.offset - call.offset
    if "CACHE" in dis.opmap and sys.version_info < (3, 13):
        lengths[dis.opmap["CACHE"]] = 2
    return bytes(lengths)


_CALL_LENGTHS = _call_lengths()
_GET_AWAITABLE = dis.opmap["GET_AWAITABLE"]


def awaited_at_once(caller: FrameType) -> bool:
    """Whether ``caller``, which is making a call, awaits what it returns right away.

    True for ``await coll.insert_one(doc)``: the instruction after the call
    (past its inline caches) is the ``await``'s GET_AWAITABLE, which takes the
    call's result from the stack before any other code runs.  False for
    anything else (``f = coll.insert_one(doc)``, ``gather(coll.insert_one(doc))``,
    a wrapper's ``return coll.insert_one(doc)``, tornado's ``yield``), and for
    a call instruction not among ``_call_forms``: then the caller gets the
    Future.  Frames of compiled code (C, Cython, mypyc) are not seen: a
    compiled function that calls a motorx method while Python code awaits it
    at once gets the coroutine, which is right when it returns the call's
    result, as ``functools.partial`` does, and not if it keeps it for itself.
    """
    code = caller.f_code.co_code
    i = caller.f_lasti
    return code[i + _CALL_LENGTHS[code[i]]] == _GET_AWAITABLE


def returns_future(
    method: Callable[_P, Coroutine[Any, Any, _T]],
) -> Callable[_P, asyncio.Future[_T]]:
    """Make a method that returns a coroutine return a started Future, as Motor's do.

    The method is an ``async def``, or a plain ``def`` that only hands on a
    coroutine (``return run_with_session(...)``): one coroutine frame less
    for every operation while it waits.  Such a ``def`` must do nothing that
    can fail before the coroutine starts, since that would raise at the call
    instead of through the Future.
    """

    # Without Concatenate (self is simply the first of _P): mypy then keeps
    # the signatures of methods of generic classes that take **kwargs.
    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> asyncio.Future[_T]:
        coro = method(*args, **kwargs)
        loop = _get_running_loop()
        if loop is not None and loop not in _unstarted and awaited_at_once(sys._getframe(1)):
            # Nothing called before it waits to start: the Future would run
            # it inline in the awaiting task, and no one else can hold it.
            return coro  # type: ignore[return-value]
        return OperationFuture(coro, args[0])

    call.returns_future = True  # type: ignore[attr-defined]
    return call
