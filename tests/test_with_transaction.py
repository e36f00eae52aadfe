"""with_transaction against a real server: retry paths driven by fail points.

Follows the current Convenient Transactions API specification, including
where it differs from Motor 3.7 (a failed first commit is retried).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pymongo
import pytest
from flavours import Flavour
from pymongo.errors import (
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
)

from motorx import _txcore

DB = "motorx_test"


@contextlib.contextmanager
def retry_policy(**kwargs: Any) -> Iterator[None]:
    old = _txcore.set_retry_policy(**kwargs)
    try:
        yield
    finally:
        _txcore.restore_retry_policy(old)


def _coll_name(flavour: Flavour, what: str) -> str:
    return "wt_%s_%s" % (what, flavour.name)


async def _fresh(client: Any, name: str) -> Any:
    coll = client[DB][name]
    await coll.drop()
    # Create it outside any transaction so inserts in transactions never
    # need an implicit collection creation.
    await client[DB].create_collection(name)
    return coll


def test_seed_example_orders_and_inventory(flavour: Flavour, sync_client: Any) -> None:
    async def coro(session: Any) -> Any:
        orders = session.client[DB].orders
        inventory = session.client[DB].inventory
        inserted = await orders.insert_one({"sku": "abc123", "qty": 100}, session=session)
        await inventory.update_one(
            {"sku": "abc123", "qty": {"$gte": 100}}, {"$inc": {"qty": -100}}, session=session
        )
        return inserted.inserted_id

    async def body() -> None:
        client = flavour.client()
        await _fresh(client, "orders")
        inventory = await _fresh(client, "inventory")
        await inventory.insert_one({"sku": "abc123", "qty": 500})
        async with await client.start_session() as session:
            inserted_id = await session.with_transaction(coro)
        assert sync_client[DB].orders.find_one({"_id": inserted_id})["qty"] == 100
        assert sync_client[DB].inventory.find_one({"sku": "abc123"})["qty"] == 400

    flavour.run(body)


def test_lambda_form_with_custom_arguments(flavour: Flavour) -> None:
    seen: list[Any] = []

    async def coro(session: Any, custom_arg: str, custom_kwarg: int = 0) -> str:
        seen.append((session, custom_arg, custom_kwarg))
        return "done"

    async def body() -> None:
        async with await flavour.client().start_session() as s:
            assert await s.with_transaction(lambda s: coro(s, "custom_arg", custom_kwarg=1)) == "done"
            assert seen == [(s, "custom_arg", 1)]

    flavour.run(body)


def test_options_reach_the_transaction(flavour: Flavour) -> None:
    from pymongo.read_concern import ReadConcern
    from pymongo.write_concern import WriteConcern

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, _coll_name(flavour, "opts"))
        flavour.commands.clear()
        async with await client.start_session() as s:
            await s.with_transaction(
                lambda s: coll.insert_one({}, session=s),
                read_concern=ReadConcern("majority"),
                write_concern=WriteConcern(w="majority"),
                max_commit_time_ms=4321,
            )
        insert, commit = flavour.commands.started_events
        assert insert.command["readConcern"]["level"] == "majority"
        assert commit.command["writeConcern"] == {"w": "majority"}
        assert commit.command["maxTimeMS"] == 4321

    flavour.run(body)


def test_transient_callback_error_retries_the_whole_transaction(flavour: Flavour, sync_client: Any) -> None:
    calls = 0

    async def body() -> None:
        nonlocal calls
        client = flavour.client(listen=True)
        name = _coll_name(flavour, "transient")
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({"n": calls}, session=s)

        async with flavour.fail_point(client, {"times": 2}, {"failCommands": ["insert"], "errorCode": 112}):
            flavour.commands.clear()
            async with await client.start_session() as s:
                await s.with_transaction(callback)
        assert calls == 3
        names = [n for n in flavour.commands.names() if n != "configureFailPoint"]
        assert names == [
            "insert", "abortTransaction", "insert", "abortTransaction", "insert", "commitTransaction",
        ]
        assert [d["n"] for d in sync_client[DB][name].find()] == [3]

    flavour.run(body)


def test_unknown_commit_result_beyond_pymongos_retry_retries_the_commit(flavour: Flavour, sync_client: Any) -> None:
    """Motor 3.7 never retried a failed first commit; motorx does, per the spec."""
    calls = 0

    async def body() -> None:
        nonlocal calls
        # Code 91 marks the server unknown; the next heartbeat rediscovers it.
        client = flavour.client(listen=True, heartbeatFrequencyMS=500)
        name = _coll_name(flavour, "unknown")
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({"n": calls}, session=s)

        async with flavour.fail_point(
            client, {"times": 2}, {"failCommands": ["commitTransaction"], "errorCode": 91}
        ):
            flavour.commands.clear()
            async with await client.start_session() as s:
                await s.with_transaction(callback)
        assert calls == 1
        commits = flavour.commands.commands("commitTransaction")
        # PyMongo's own single retry, then motorx's retry of the commit.
        assert len(commits) == 3
        # Retried commits are upgraded to w: majority (transactions spec).
        assert commits[2]["writeConcern"]["w"] == "majority"
        assert "abortTransaction" not in flavour.commands.names()
        assert sync_client[DB][name].count_documents({}) == 1

    flavour.run(body)


def test_commit_no_such_transaction_retries_the_whole_transaction(flavour: Flavour, sync_client: Any) -> None:
    calls = 0

    async def body() -> None:
        nonlocal calls
        client = flavour.client(listen=True)
        name = _coll_name(flavour, "nst")
        coll = await _fresh(client, name)

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({"n": calls}, session=s)

        async with flavour.fail_point(
            client, {"times": 1}, {"failCommands": ["commitTransaction"], "errorCode": 251}
        ):
            flavour.commands.clear()
            async with await client.start_session() as s:
                await s.with_transaction(callback)
        assert calls == 2
        assert list(flavour.commands.names()) == [
            "insert", "commitTransaction", "insert", "commitTransaction",
        ]
        assert [d["n"] for d in sync_client[DB][name].find()] == [2]

    flavour.run(body)


@pytest.mark.parametrize("where", ["top-level", "writeConcernError"])
def test_max_time_ms_expired_commit_is_not_retried(flavour: Flavour, sync_client: Any, where: str) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        name = _coll_name(flavour, "mtm")
        coll = await _fresh(client, name)
        if where == "top-level":
            data: dict[str, Any] = {"failCommands": ["commitTransaction"], "errorCode": 50}
        else:
            data = {
                "failCommands": ["commitTransaction"],
                "writeConcernError": {"code": 50, "codeName": "MaxTimeMSExpired", "errmsg": "exceeded"},
            }
        calls = 0

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({}, session=s)

        async with flavour.fail_point(client, {"times": 1}, data):
            flavour.commands.clear()
            async with await client.start_session() as s:
                with pytest.raises(OperationFailure) as info:
                    await s.with_transaction(callback, max_commit_time_ms=1000)
        assert info.value.code == 50
        assert info.value.has_error_label("UnknownTransactionCommitResult")
        assert calls == 1
        commits = flavour.commands.commands("commitTransaction")
        assert len(commits) == 1
        assert commits[0]["maxTimeMS"] == 1000

    flavour.run(body)


@pytest.mark.parametrize("failures", [1, 2])
def test_connection_closed_on_commit(flavour: Flavour, sync_client: Any, failures: int) -> None:
    async def body() -> None:
        client = flavour.client(listen=True, heartbeatFrequencyMS=500)
        name = _coll_name(flavour, "close%d" % failures)
        coll = await _fresh(client, name)
        calls = 0

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({"n": calls}, session=s)

        async with flavour.fail_point(
            client, {"times": failures}, {"failCommands": ["commitTransaction"], "closeConnection": True}
        ):
            flavour.commands.clear()
            async with await client.start_session() as s:
                await s.with_transaction(callback)
        assert calls == 1
        assert flavour.commands.count("commitTransaction") == failures + 1
        assert sync_client[DB][name].count_documents({}) == 1

    flavour.run(body)


def test_callback_that_commits_or_aborts_itself(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        name = _coll_name(flavour, "self")
        coll = await _fresh(client, name)

        async def commits(s: Any) -> str:
            await coll.insert_one({"by": "commits"}, session=s)
            await s.commit_transaction()
            return "committed"

        async def aborts(s: Any) -> str:
            await coll.insert_one({"by": "aborts"}, session=s)
            await s.abort_transaction()
            return "aborted"

        flavour.commands.clear()
        async with await client.start_session() as s:
            assert await s.with_transaction(commits) == "committed"
            assert await s.with_transaction(aborts) == "aborted"
        assert flavour.commands.names() == ["insert", "commitTransaction", "insert", "abortTransaction"]
        assert [d["by"] for d in sync_client[DB][name].find()] == ["commits"]

    flavour.run(body)


def test_cancellation_aborts_and_the_session_stays_usable(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        name = _coll_name(flavour, "cancel")
        coll = await _fresh(client, name)
        inserted = asyncio.Event()

        async def slow(s: Any) -> None:
            await coll.insert_one({"by": "cancelled"}, session=s)
            inserted.set()
            await asyncio.sleep(30)

        flavour.commands.clear()
        async with await client.start_session() as s:
            task = asyncio.ensure_future(s.with_transaction(slow))
            await asyncio.wait_for(inserted.wait(), 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not s.in_transaction
            assert flavour.commands.names() == ["insert", "abortTransaction"]
            # The same session runs the next transaction normally.
            await s.with_transaction(lambda s: coll.insert_one({"by": "next"}, session=s))
        assert [d["by"] for d in sync_client[DB][name].find()] == ["next"]

    flavour.run(body)


# -- the specification's prose tests ----------------------------------------


def test_prose_callback_raises_a_custom_error(flavour: Flavour) -> None:
    class CustomError(Exception):
        pass

    error = CustomError("mine")
    calls = 0

    async def body() -> None:
        nonlocal calls
        client = flavour.client(listen=True)
        coll = await _fresh(client, _coll_name(flavour, "custom"))

        async def callback(s: Any) -> None:
            nonlocal calls
            calls += 1
            await coll.insert_one({}, session=s)
            raise error

        flavour.commands.clear()
        async with await client.start_session() as s:
            with pytest.raises(CustomError) as info:
                await s.with_transaction(callback)
        assert info.value is error
        assert calls == 1
        assert flavour.commands.names() == ["insert", "abortTransaction"]

    flavour.run(body)


def test_prose_callback_returns_a_value(flavour: Flavour) -> None:
    value = {"some": ["value", 1]}

    async def body() -> None:
        async with await flavour.client().start_session() as s:
            assert await s.with_transaction(lambda s: _return(value)) is value

    flavour.run(body)


async def _return(value: Any) -> Any:
    return value


@pytest.mark.parametrize(
    "case, command, data, label",
    [
        ("callback transient", "insert", {"errorCode": 112}, "TransientTransactionError"),
        ("commit unknown result", "commitTransaction", {"errorCode": 64, "errorLabels": ["UnknownTransactionCommitResult"]}, "UnknownTransactionCommitResult"),
        ("commit transient", "commitTransaction", {"errorCode": 251}, "TransientTransactionError"),
    ],
)
def test_prose_retry_timeout_is_enforced(
    flavour: Flavour, case: str, command: str, data: dict[str, Any], label: str
) -> None:
    """Past the window, the error is a timeout wrapping the last error, labels copied.

    The window is shrunk through the core's retry policy instead of waiting
    120 s; the fail point is always on, so only the window ends the loop.
    """

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = await _fresh(client, _coll_name(flavour, "timeout"))
        fail = {"failCommands": [command], **data}
        with retry_policy(window=0.3):
            async with flavour.fail_point(client, "alwaysOn", fail):
                async with await client.start_session() as s:
                    started = time.monotonic()
                    with pytest.raises(NetworkTimeout) as info:
                        await s.with_transaction(lambda s: coll.insert_one({}, session=s))
                    elapsed = time.monotonic() - started
        error = info.value
        assert error.has_error_label(label)
        cause = error.__cause__
        assert isinstance(cause, PyMongoError) and cause.has_error_label(label)
        assert str(error) == str(cause)
        assert elapsed < 5
        assert flavour.commands.count(command) >= 2, "it must have retried before timing out"

    flavour.run(body)


def test_prose_retry_backoff_is_enforced(flavour: Flavour) -> None:
    """13 commit failures (code 251): jitter ~1 takes ~2.28 s longer than jitter 0."""
    async def run_with(jitter: float) -> float:
        client = flavour.client()
        coll = await _fresh(client, _coll_name(flavour, "backoff"))
        with retry_policy(jitter=lambda: jitter):
            async with flavour.fail_point(
                client, {"times": 13}, {"failCommands": ["commitTransaction"], "errorCode": 251}
            ):
                async with await client.start_session() as s:
                    started = time.monotonic()
                    await s.with_transaction(lambda s: coll.insert_one({}, session=s))
                    return time.monotonic() - started

    async def body() -> tuple[float, float]:
        return await run_with(0.0), await run_with(0.99999)

    no_backoff, full_backoff = flavour.run(body)
    expected = sum(min(0.005 * 1.5**k, 0.5) for k in range(1, 14))
    assert abs(expected - 2.2824) < 0.001
    assert abs((full_backoff - no_backoff) - expected) < 0.5, (no_backoff, full_backoff)


# -- client-side operation timeout as the window ------------------------------


def test_pymongo_timeout_is_the_window(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = await _fresh(client, _coll_name(flavour, "csot"))
        # The default window is made tiny: the CSOT window must win and extend
        # it.  Small jitter: backoffs of at most 25 ms cannot end it much early.
        with retry_policy(window=0.05, jitter=lambda: 0.05):
            async with flavour.fail_point(client, "alwaysOn", {"failCommands": ["insert"], "errorCode": 112}):
                async with await client.start_session() as s:
                    started = time.monotonic()
                    with pytest.raises(ExecutionTimeout) as info:
                        with pymongo.timeout(0.8):
                            await s.with_transaction(lambda s: coll.insert_one({}, session=s))
                    elapsed = time.monotonic() - started
        assert info.value.code == 50
        _check_deadline_error(info.value)
        assert 0.65 <= elapsed < 5

    flavour.run(body)


def test_client_timeout_ms_is_the_window(flavour: Flavour) -> None:
    async def body() -> None:
        # Set-up and fail point through a client without timeoutMS, so only
        # the transaction runs under the 0.7 s deadline.
        setup = flavour.client()
        await _fresh(setup, _coll_name(flavour, "ctimeout"))
        client = flavour.client(timeoutMS=700)
        coll = client[DB][_coll_name(flavour, "ctimeout")]
        # Small jitter: backoffs of at most 25 ms cannot end the loop much
        # before the deadline, and the server is not flooded with retries.
        with retry_policy(jitter=lambda: 0.05):
            async with flavour.fail_point(setup, "alwaysOn", {"failCommands": ["insert"], "errorCode": 112}):
                async with await client.start_session() as s:
                    started = time.monotonic()
                    with pytest.raises(ExecutionTimeout) as info:
                        await s.with_transaction(lambda s: coll.insert_one({}, session=s))
                    elapsed = time.monotonic() - started
        # Far less than the 120 s default: timeoutMS (0.7 s) bounded the whole call.
        assert 0.6 <= elapsed < 5
        _check_deadline_error(info.value)

    flavour.run(body)


def _check_deadline_error(error: ExecutionTimeout) -> None:
    """The deadline either ended the retry loop or an operation inside it.

    Under a client-side timeout both are legitimate: the loop raises the
    wrapping timeout error (labels copied, cause kept); an operation that hits
    the shared deadline raises PyMongo's own ExecutionTimeout, which the loop
    re-raises because it carries no retry label.
    """
    if error.__cause__ is not None:
        assert isinstance(error.__cause__, PyMongoError)
        assert error.has_error_label("TransientTransactionError")
        assert str(error).startswith(str(error.__cause__))
    else:
        assert "exceed time limit" in str(error) or "timed out" in str(error)
        assert not error.has_error_label("TransientTransactionError")


@pytest.mark.parametrize("callback, message", [
    (None, "with_transaction() needs a callback: an async function taking the session, not None"),
    ("insert", "with_transaction() needs a callback: an async function taking the session, not 'insert'"),
    (lambda s: {"x": 1}, "with_transaction()'s callback must return an awaitable (define it with 'async def')"),
])
def test_a_wrong_callback_is_named_and_nothing_commits(
    flavour: Flavour, sync_client: Any, callback: Any, message: str
) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        async with await client.start_session() as s:
            flavour.commands.clear()
            with pytest.raises(TypeError) as info:
                await s.with_transaction(callback)
            assert str(info.value).startswith(message)
            assert isinstance(info.value.__cause__, TypeError)
            assert not s.in_transaction
            assert "commitTransaction" not in flavour.commands.names()

    flavour.run(body)


def test_a_type_error_inside_a_proper_callback_is_left_alone(flavour: Flavour) -> None:
    async def callback(s: Any) -> None:
        raise TypeError("the application's own")

    async def body() -> None:
        async with await flavour.client().start_session() as s:
            with pytest.raises(TypeError, match="^the application's own$"):
                await s.with_transaction(callback)

    flavour.run(body)
