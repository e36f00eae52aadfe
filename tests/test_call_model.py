"""Motor's call model: methods that return a Future in Motor return a started one here.

The list of such methods is derived from Motor 3.7.1 itself: for every public
method of every class of both flavours, "coroutine function / returns a
Future / plain" must be the same in motorx.  The behaviour tests then show
what that means for a Motor user: an operation starts when its method is
called, awaited or not, and its result is a real asyncio Future (callbacks,
``result()``, awaiting twice, ``asyncio.wait``, tornado's ``add_future``,
``gen.multi`` and ``gen.WaitIterator``).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import sys
import warnings
from typing import Any

import pytest
from flavours import Flavour
from pymongo.errors import DuplicateKeyError, InvalidOperation

import motorx._futures
import motorx.motor_asyncio
import motorx.motor_tornado

_DUNDERS = ("__aenter__", "__aexit__", "__anext__", "__aiter__")


def _call_kinds(module: Any) -> dict[str, dict[str, str]]:
    """``{class name: {member: kind}}`` for a flavour module's public classes."""
    kinds: dict[str, dict[str, str]] = {}
    for class_name in dir(module):
        cls = getattr(module, class_name)
        if not (class_name.startswith(("AsyncIOMotor", "Motor")) and isinstance(cls, type)):
            continue
        members = kinds[class_name] = {}
        for name in dir(cls):
            if name.startswith("_") and name not in _DUNDERS:
                continue
            raw = inspect.getattr_static(cls, name)
            fn = raw.fget if isinstance(raw, property) else getattr(cls, name)
            if inspect.iscoroutinefunction(fn):
                members[name] = "coroutine function"
            elif getattr(fn, "is_async_method", False) or getattr(fn, "coroutine_annotation", False) or (
                getattr(fn, "returns_future", False)
            ):
                # Motor marks its Future-returning methods is_async_method (the
                # generated ones) or coroutine_annotation (the hand-written ones).
                members[name] = "returns a Future" + (" (property)" if isinstance(raw, property) else "")
            elif callable(fn):
                members[name] = "plain"
    return kinds


@pytest.mark.parametrize("flavour_module", ["motor_asyncio", "motor_tornado"])
def test_every_method_has_motors_call_kind(flavour_module: str) -> None:
    motor_module = pytest.importorskip("motor." + flavour_module, reason="motor 3.7.1 is a test extra")
    motor_kinds = _call_kinds(motor_module)
    motorx_kinds = _call_kinds(getattr(motorx, flavour_module))
    assert len(motor_kinds) >= 13
    differences = []
    futures = 0
    for class_name, members in motor_kinds.items():
        ours = motorx_kinds.get(class_name)
        if ours is None:
            # Motor's flavour modules hold a few helper classes motorx does
            # not need (checked by the import-surface test).
            continue
        for name, kind in members.items():
            futures += kind.startswith("returns a Future")
            if ours.get(name) != kind:
                differences.append(f"{class_name}.{name}: Motor {kind}, motorx {ours.get(name)}")
    assert differences == []
    assert futures >= 75  # the derivation found Motor's Future methods (77 per flavour)


# -- behaviour ---------------------------------------------------------------


def test_an_operation_runs_without_await(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.not_awaited
        await coll.drop()
        # Not awaited: Motor still runs them.  One at a time (the embedded
        # server once hung on an index build racing an insert).
        coll.create_index("email", unique=True)
        await asyncio.sleep(0.3)
        coll.insert_one({"_id": 1})
        await asyncio.sleep(0.3)
        assert await coll.find_one({"_id": 1}) == {"_id": 1}
        await coll.insert_one({"_id": 2, "email": "a"})
        with pytest.raises(DuplicateKeyError):
            await coll.insert_one({"_id": 3, "email": "a"})

    flavour.run(body)


def test_operations_start_in_call_order(flavour: Flavour) -> None:
    async def body() -> None:
        # One connection: the commands reach the server in the order their
        # operations started (with more, two connections race, on Motor too).
        client = flavour.client(maxPoolSize=1)
        coll = client.test_call_model.order
        await coll.drop()
        insert = coll.insert_one({"_id": 1})
        # Awaited first, called second: the insert started before it.
        assert await coll.find_one({"_id": 1}) == {"_id": 1}
        assert insert.done()

    flavour.run(body)


def test_an_operation_awaited_at_once_builds_no_future(flavour: Flavour, monkeypatch: pytest.MonkeyPatch) -> None:
    # ``await coll.insert_one(doc)``: only that await ever sees the result, so
    # the operation's coroutine runs in the awaiting task without a Future.
    # Every other use gets one, and so does a call made while an earlier one
    # waits to start (it must wait its turn).
    built: list[Any] = []

    class CountedFuture(motorx._futures.OperationFuture[Any]):
        __slots__ = ()

        def __init__(self, coro: Any, owner: Any = None) -> None:
            built.append(coro)
            super().__init__(coro, owner)

    monkeypatch.setattr(motorx._futures, "OperationFuture", CountedFuture)

    async def body() -> None:
        client = flavour.client(maxPoolSize=1)
        coll = client.test_call_model.awaited_at_once
        await coll.drop()
        built.clear()
        await coll.insert_one({"_id": 1})
        assert await coll.find_one({"_id": 1}) == {"_id": 1}
        assert (await coll.find().to_list(None)) == [{"_id": 1}]
        assert built == []
        kept = coll.insert_one({"_id": 2})
        assert isinstance(kept, CountedFuture) and len(built) == 1
        await kept
        first = coll.insert_one({"_id": 3})
        assert await coll.find_one({"_id": 3}) == {"_id": 3}  # after the insert called before it
        assert len(built) == 3 and first.done()
        done, _ = await asyncio.wait([coll.count_documents({})])
        assert [task.result() for task in done] == [3] and len(built) == 4

    flavour.run(body)


def _probe(*args: Any, **kwargs: Any) -> Any:
    """Records whether its caller awaits what it returns right away."""
    _probe.seen.append(motorx._futures.awaited_at_once(sys._getframe(1)))  # type: ignore[attr-defined]
    return asyncio.sleep(0)


def test_awaited_at_once_reads_the_instruction_after_the_call() -> None:
    async def body() -> list[bool]:
        _probe.seen = []  # type: ignore[attr-defined]
        await _probe()
        await _probe(1, key=2)  # CALL_KW on 3.13
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        await _probe(*args, **kwargs)  # CALL_FUNCTION_EX: no inline caches after it
        await (_probe())
        kept = _probe()
        await kept
        await asyncio.gather(_probe())
        await asyncio.wait_for(_probe(), 1)

        async def wrapper() -> Any:
            return _probe()

        await (await wrapper())
        await functools.partial(_probe)()  # what the partial returns is awaited
        return _probe.seen  # type: ignore[attr-defined, no-any-return]

    assert asyncio.run(body()) == [True, True, True, True, False, False, False, False, True]


def test_the_result_is_a_future(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.future
        await coll.drop()
        future = coll.insert_one({"_id": 1})
        assert isinstance(future, asyncio.Future)
        seen: list[Any] = []
        future.add_done_callback(seen.append)
        result = await future
        assert result.inserted_id == 1
        assert (await future) is result  # awaiting again gives the same result
        assert future.done() and future.result() is result and future.exception() is None
        await asyncio.sleep(0)
        assert seen == [future]
        listed = coll.find().to_list(None)
        assert isinstance(listed, asyncio.Future)
        assert await listed == [{"_id": 1}]
        done, pending = await asyncio.wait([coll.insert_one({"_id": n}) for n in (2, 3)])
        assert len(done) == 2 and not pending
        assert await coll.count_documents({}) == 3
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cursor = coll.find().sort("_id")
            fetched = cursor.fetch_next
        assert isinstance(fetched, asyncio.Future)
        assert await fetched is True

    flavour.run(body)


def test_an_error_lands_in_the_future(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.errors
        await coll.drop()
        await coll.insert_one({"_id": 1})
        future = coll.insert_one({"_id": 1})
        with pytest.raises(DuplicateKeyError):
            await future
        assert isinstance(future.exception(), DuplicateKeyError)

    flavour.run(body)


def test_bad_arguments_land_in_the_future_not_at_the_call(flavour: Flavour) -> None:
    # Most of these methods only hand their arguments on to a coroutine
    # (returns_future's plain-def form): what motorx checks, the session
    # argument and the transaction state, is checked when it starts.  Real
    # Motor 3.7.1 also returns a Future here, its error raised on await.
    async def body() -> None:
        client = flavour.client()
        db = client.test_call_model
        calls = {
            "insert_one": lambda: db.errors.insert_one({}, session="not a session"),
            "find_one": lambda: db.errors.find_one({}, session="not a session"),
            "count_documents": lambda: db.errors.count_documents({}, session="not a session"),
            "find_one_and_update": lambda: db.errors.find_one_and_update(
                {}, {"$set": {"x": 1}}, session="not a session"),
            "command": lambda: db.command("ping", session="not a session"),
            "list_database_names": lambda: client.list_database_names(session="not a session"),
        }
        for name, call in calls.items():
            future = call()
            assert isinstance(future, asyncio.Future), name
            with pytest.raises(ValueError, match="'session' argument must be"):
                await future
        session = await client.start_session()
        future = session.commit_transaction()  # no transaction started
        assert isinstance(future, asyncio.Future)
        with pytest.raises(InvalidOperation, match="No transaction started"):
            await future
        await session.end_session()

    flavour.run(body)


def test_cancelling_the_future_cancels_the_operation(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.cancel
        await coll.drop()
        await coll.insert_one({"_id": 1})
        held = {"failCommands": ["find"], "blockConnection": True, "blockTimeMS": 500}
        async with flavour.fail_point(client, {"times": 1}, held):
            slow = coll.find_one({"_id": 1})
            await asyncio.sleep(0.1)
            assert not slow.done()
            assert slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            assert slow.cancelled()
        # The client is still usable after the cancelled call.
        assert await coll.find_one({"_id": 1}) == {"_id": 1}

    flavour.run(body)


def test_cancelling_the_awaiting_task_cancels_the_operation(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.cancel_outer
        await coll.drop()
        futures: list[asyncio.Future[Any]] = []

        async def waiter() -> None:
            future = coll.insert_one({"_id": 1})
            futures.append(future)
            await future
            await asyncio.sleep(10)

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Cancelled before its first step or while in flight: either way the
        # operation's Future is finished, not left running.
        assert futures[0].done()

    flavour.run(body)


def test_an_unretrieved_error_is_reported_by_asyncio(flavour: Flavour) -> None:
    reported: list[dict[str, Any]] = []

    async def body() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
        client = flavour.client()
        coll = client.test_call_model.unretrieved
        await coll.drop()
        await coll.insert_one({"_id": 1})
        future = coll.insert_one({"_id": 1})
        while not future.done():
            await asyncio.sleep(0.01)
        del future
        gc.collect()

    flavour.run(body)
    assert [type(context.get("exception")) for context in reported] == [DuplicateKeyError]


def test_tornado_takes_the_futures(flavour: Flavour) -> None:
    if flavour.name != "tornado":
        pytest.skip("tornado's future helpers")
    from tornado import gen
    from tornado.ioloop import IOLoop

    async def body() -> None:
        client = flavour.client()
        coll = client.test_call_model.tornado
        await coll.drop()
        called = asyncio.get_running_loop().create_future()
        IOLoop.current().add_future(coll.insert_one({"_id": 1}), called.set_result)
        assert (await called).result().inserted_id == 1
        results = await gen.multi([coll.insert_one({"_id": 2}), coll.insert_one({"_id": 3})])
        assert sorted(r.inserted_id for r in results) == [2, 3]
        waited = []
        wait_iterator = gen.WaitIterator(coll.find_one({"_id": 2}), coll.count_documents({}))
        while not wait_iterator.done():
            waited.append(await wait_iterator.next())
        assert sorted(map(str, waited)) == sorted(["{'_id': 2}", "3"])

    flavour.run(body)


def test_a_coroutine_function_in_motor_stays_one() -> None:
    session_class = motorx.motor_asyncio.AsyncIOMotorClientSession
    assert inspect.iscoroutinefunction(session_class.with_transaction)
    assert inspect.iscoroutinefunction(motorx.motor_asyncio.AsyncIOMotorClient.start_session)
    assert not inspect.iscoroutinefunction(motorx.motor_asyncio.AsyncIOMotorCollection.insert_one)
    # The real signature stays visible (Motor users read it in help()).
    assert list(inspect.signature(motorx.motor_asyncio.AsyncIOMotorCollection.insert_one).parameters)[:2] == [
        "self",
        "document",
    ]


def test_a_call_with_no_loop_running_runs_on_the_clients_io_loop(mongodb_uri: str) -> None:
    # As Motor: the Future belongs to the client's io_loop, which need not be
    # the current loop (there is none here).
    loop = asyncio.new_event_loop()
    try:
        client = motorx.motor_asyncio.AsyncIOMotorClient(mongodb_uri, io_loop=loop)
        future = client.admin.command("ping")
        assert isinstance(future, asyncio.Future) and future.get_loop() is loop
        assert loop.run_until_complete(future)["ok"] == 1
        client.close()
    finally:
        loop.close()
