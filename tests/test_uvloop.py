"""The event loop the suite runs on is the one it says (``--event-loop``).

On the uvloop run (``scripts/test``'s third run, ``--event-loop uvloop``)
these prove that both flavours, a plain ``asyncio.run`` and a tornado IOLoop
really ran on ``uvloop.Loop``; on the default runs, that they did not.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flavours
from flavours import Flavour


def _loop_kind() -> str:
    loop = asyncio.get_running_loop()
    if flavours.EVENT_LOOP == "uvloop":
        import uvloop

        assert type(loop) is uvloop.Loop, type(loop)
        return "uvloop"
    assert type(loop).__module__.startswith("asyncio"), type(loop)
    assert "uvloop" not in type(loop).__module__
    return "asyncio"


def test_each_flavour_runs_on_the_selected_loop_and_does_io(flavour: Flavour) -> None:
    async def body() -> Any:
        kind = _loop_kind()
        client = flavour.client()
        coll = client.motorx_test["uvloop_%s" % flavour.name]
        await coll.drop()
        async with await client.start_session() as session:
            async def insert(s: Any) -> None:
                await coll.insert_one({"loop": kind}, session=s)

            await session.with_transaction(insert)
        docs = await coll.find({}, {"_id": 0}).to_list(None)
        assert docs == [{"loop": kind}]
        assert _loop_kind() == kind
        return kind

    assert flavour.run(body) == flavours.EVENT_LOOP


def test_asyncio_run_and_new_event_loop_use_the_selected_loop() -> None:
    async def kind() -> str:
        return _loop_kind()

    assert asyncio.run(kind()) == flavours.EVENT_LOOP
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(kind()) == flavours.EVENT_LOOP
    finally:
        loop.close()


def test_tornado_ioloop_wraps_the_selected_loop() -> None:
    from tornado.ioloop import IOLoop

    async def kind() -> str:
        assert IOLoop.current() is io_loop
        return _loop_kind()

    io_loop = IOLoop(make_current=False)
    try:
        assert io_loop.run_sync(kind) == flavours.EVENT_LOOP
        if flavours.EVENT_LOOP == "uvloop":
            import uvloop

            assert type(io_loop.asyncio_loop) is uvloop.Loop
    finally:
        io_loop.close(all_fds=True)
