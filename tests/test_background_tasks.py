"""Tasks motorx starts and hands to no one are held until they are done.

asyncio keeps only weak references to tasks: a task waiting on a future that
nothing else references is garbage, and the garbage collector destroys it
mid-run ("Task was destroyed but it is pending!").  ``each()``, ``rewind()``'s
killing of the old server cursor, a GridOut's ``close()`` and the client's
``close()`` start such tasks; ``motorx._futures.spawn_background`` holds them.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any, Optional

from motorx import _futures
from motorx.cursor import _BaseCursor


class _Owner:
    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()


class _WaitingCursor(_BaseCursor):
    """A cursor whose every next() waits on a future only its coroutine references."""

    def __init__(self, documents: list[Any]) -> None:
        super().__init__(_Owner(), None)
        self.documents = documents
        self.waiting: list[weakref.ref[asyncio.Future[None]]] = []

    async def next(self) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(weakref.ref(future))
        await future
        if not self.documents:
            raise StopAsyncIteration
        return self.documents.pop(0)


async def _release(cursor: _WaitingCursor) -> bool:
    """Collect garbage while next() waits, then let it go on; False if the wait was destroyed."""
    while not cursor.waiting:
        await asyncio.sleep(0)
    gc.collect()
    future = cursor.waiting.pop()()
    if future is None:
        return False
    future.set_result(None)
    return True


def test_spawn_background_holds_the_task_until_done() -> None:
    async def main() -> None:
        waited: list[weakref.ref[asyncio.Future[None]]] = []

        async def job() -> str:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            waited.append(weakref.ref(future))
            await future
            return "done"

        task = _futures.spawn_background(job())
        task_ref = weakref.ref(task)
        del task
        while not waited:
            await asyncio.sleep(0)
        gc.collect()
        future = waited[0]()
        assert future is not None, "the task was collected while it waited"
        held = task_ref()
        assert held is not None and held in _futures._background
        future.set_result(None)
        assert await held == "done"
        assert held not in _futures._background  # let go once done

    asyncio.run(main())


def test_each_survives_garbage_collection() -> None:
    async def main() -> None:
        cursor = _WaitingCursor(["a", "b"])
        calls: list[tuple[Any, Optional[BaseException]]] = []
        cursor.each(lambda doc, error: calls.append((doc, error)))
        for _ in range(3):  # "a", "b", then the end
            assert await _release(cursor), "each()'s task was collected while it waited"
        for _ in range(10):
            await asyncio.sleep(0)
        assert calls == [("a", None), ("b", None), (None, None)]

    asyncio.run(main())


def test_rewind_kill_task_is_held(flavour: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client.motorx_background_test.rewind
        await coll.delete_many({})
        await coll.insert_many([{"i": i} for i in range(6)])
        cursor = coll.find().batch_size(2)
        await cursor.next()
        old_id = cursor.cursor_id
        assert old_id
        before = set(_futures._background)
        flavour.commands.clear()
        cursor.rewind()
        spawned = set(_futures._background) - before
        assert len(spawned) == 1  # the old cursor's killCursors, held
        del spawned
        gc.collect()
        for _ in range(200):
            if flavour.commands.count("killCursors"):
                break
            await asyncio.sleep(0.01)
        assert [c["cursors"] for c in flavour.commands.commands("killCursors")] == [[old_id]]
        assert (await cursor.next())["i"] == 0  # continues from the start

    flavour.run(body)
