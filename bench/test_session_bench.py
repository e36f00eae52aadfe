"""Session benchmarks: motorx against PyMongo Async and Motor 3.7, no I/O.

Three paths, each a pytest-benchmark group:

* ``session-start-end``: start a session and end it.
* ``empty-transaction``: start a transaction and commit it with no operation
  in it (PyMongo's "committed empty": nothing is sent), on one session.
* ``with-transaction-noop``: ``with_transaction`` with a callback that does
  nothing, on one session.
* ``txcore-decision``: the retry decisions of one ``with_transaction`` call
  alone, no session and no loop: a transient callback error (retry the
  transaction, with backoff), then an unknown commit result (retry the
  commit).  motorx makes them in its compiled ``RetryLoop``; PyMongo Async and
  Motor make them inline in their ``with_transaction``, so their side is that
  inline sequence of checks, written out here with their own helper functions
  (``_within_time_limit``, ``_max_time_expired_error``, PyMongo's backoff).

None of them needs a server: clients connect lazily, sessions that run no
operation never select a server, and an empty commit sends nothing.  The URI
points at a closed port with a short server selection timeout all the same,
and every benchmark checks afterwards that its client never opened its
topology (so a benchmark that started doing I/O fails instead of timing it).

Each benchmark owns one event loop.  A round is ``--bench-ops`` operations in a
single ``loop.run_until_complete`` call (the per-call loop overhead would
otherwise dominate), so pytest-benchmark's times are per round; ``extra_info``
carries ``ops_per_round`` and ``bench/report.py`` divides it out.

The issue's targets (motorx within 10% of PyMongo Async on the first two paths,
no slower than PyMongo's pure-Python ``with_transaction`` on the third, ten
times faster than Motor on all three) are reported by ``bench/report.py``,
never asserted here: timings on a shared machine are not a test.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("pytest_benchmark")

import motor
import motor.motor_asyncio
import pymongo

import motorx
import motorx.motor_asyncio

# Nothing may connect: port 1 is closed, and server selection would give up fast.
URI = "mongodb://127.0.0.1:1/?replicaSet=secantus&serverSelectionTimeoutMS=100"


# -- the timed code ------------------------------------------------------------
#
# One coroutine per (implementation, path), written out so that the loop body
# is exactly the call sequence a user writes.  ``target`` is the client for
# session-start-end and the session for the other two paths; each returns the
# last session it touched, for the sanity checks after timing.


async def _noop(session: Any) -> None:
    return None


async def start_end_motorx(client: Any, n: int) -> Any:
    for _ in range(n):
        s = await client.start_session()
        await s.end_session()
    return s


async def start_end_pymongo(client: Any, n: int) -> Any:
    for _ in range(n):
        s = client.start_session()  # a plain method in PyMongo Async
        await s.end_session()
    return s


async def start_end_motor(client: Any, n: int) -> Any:
    for _ in range(n):
        s = await client.start_session()
        await s.end_session()
    return s


async def empty_txn_motorx(s: Any, n: int) -> Any:
    for _ in range(n):
        s.start_transaction()  # a plain method, as in Motor
        await s.commit_transaction()
    return s


async def empty_txn_pymongo(s: Any, n: int) -> Any:
    for _ in range(n):
        await s.start_transaction()  # a coroutine in PyMongo Async
        await s.commit_transaction()
    return s


async def empty_txn_motor(s: Any, n: int) -> Any:
    for _ in range(n):
        s.start_transaction()
        await s.commit_transaction()
    return s


async def with_txn_any(s: Any, n: int) -> Any:
    for _ in range(n):
        await s.with_transaction(_noop)
    return s


# -- implementations -------------------------------------------------------------


def _topology_opened(pymongo_client: Any) -> bool:
    # Private, but it is the one place that says whether monitoring/connecting
    # ever started; absent in some future PyMongo, the check is skipped.
    topology = getattr(pymongo_client, "_topology", None)
    return bool(getattr(topology, "_opened", False))


@dataclass(frozen=True)
class Impl:
    name: str
    make_client: Callable[[], Any]  # called inside the running loop
    start_session: Callable[[Any], Awaitable[Any]]
    close: Callable[[Any], Awaitable[None]]
    pymongo_client: Callable[[Any], Any]
    paths: dict[str, Callable[[Any, int], Awaitable[Any]]]


async def _await(value: Any) -> Any:
    return await value


async def _start_sync(client: Any) -> Any:
    return client.start_session()


async def _close_motorx(client: Any) -> None:
    task = client.close()  # a task when a loop is running
    if task is not None:
        await task


async def _close_pymongo(client: Any) -> None:
    await client.close()


async def _close_motor(client: Any) -> None:
    client.close()


def _motorx_tornado_client() -> Any:
    from motorx.motor_tornado import MotorClient

    return MotorClient(URI)


_MOTORX_PATHS = {
    "session-start-end": start_end_motorx,
    "empty-transaction": empty_txn_motorx,
    "with-transaction-noop": with_txn_any,
}

IMPLS = {
    "motorx": Impl(
        "motorx",
        lambda: motorx.motor_asyncio.AsyncIOMotorClient(URI),
        lambda c: _await(c.start_session()),
        _close_motorx,
        lambda c: c.delegate,
        _MOTORX_PATHS,
    ),
    "pymongo": Impl(
        "pymongo",
        lambda: pymongo.AsyncMongoClient(URI),
        _start_sync,
        _close_pymongo,
        lambda c: c,
        {
            "session-start-end": start_end_pymongo,
            "empty-transaction": empty_txn_pymongo,
            "with-transaction-noop": with_txn_any,
        },
    ),
    "motor": Impl(
        "motor",
        lambda: motor.motor_asyncio.AsyncIOMotorClient(URI),
        lambda c: _await(c.start_session()),
        _close_motor,
        lambda c: c.delegate,
        {
            "session-start-end": start_end_motor,
            "empty-transaction": empty_txn_motor,
            "with-transaction-noop": with_txn_any,
        },
    ),
    # Informational: motorx's tornado flavour runs the same code on asyncio.
    "motorx-tornado": Impl(
        "motorx-tornado",
        _motorx_tornado_client,
        lambda c: _await(c.start_session()),
        _close_motorx,
        lambda c: c.delegate,
        _MOTORX_PATHS,
    ),
}

IMPL_NAMES = list(IMPLS)


def _versions() -> dict[str, str]:
    return {
        "motorx": motorx.__version__,
        "pymongo": pymongo.version,
        "motor": motor.version,
    }


# -- the runner ------------------------------------------------------------------


def run_session_bench(benchmark: Any, record: Any, impl_name: str, path: str, ops: int) -> None:
    impl = IMPLS[impl_name]
    batch = impl.paths[path]
    benchmark.extra_info.update(
        {"path": path, "impl": impl_name, "ops_per_round": ops, "versions": _versions()}
    )

    loop = asyncio.new_event_loop()
    client: Any = None
    session: Any = None
    try:

        async def setup() -> None:
            nonlocal client, session
            client = impl.make_client()
            if path != "session-start-end":
                session = await impl.start_session(client)

        loop.run_until_complete(setup())
        target = client if path == "session-start-end" else session

        def one_round() -> Any:
            return loop.run_until_complete(batch(target, ops))

        one_round()  # warm-up: lazy imports, Motor's executor threads, caches
        gc.collect()
        last = benchmark(one_round)

        # Sanity, not timing: the path did what it says and touched no server.
        if path == "session-start-end":
            assert last.has_ended
        else:
            assert last is session and not session.in_transaction
        assert not _topology_opened(impl.pymongo_client(client)), (
            "%s opened its topology: the %s benchmark is doing I/O" % (impl_name, path)
        )
        record(benchmark)
    finally:

        async def teardown() -> None:
            if session is not None:
                await session.end_session()
            if client is not None:
                await impl.close(client)

        try:
            loop.run_until_complete(teardown())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


# -- the _txcore decision step alone -------------------------------------------------

from pymongo.errors import OperationFailure, PyMongoError  # noqa: E402

from motorx._txcore import RETRY_COMMIT, RETRY_TRANSACTION, RetryLoop  # noqa: E402

_TRANSIENT = OperationFailure("WriteConflict", 112, {"errorLabels": ["TransientTransactionError"]})
_UNKNOWN_COMMIT = OperationFailure(
    "not primary", 10107, {"errorLabels": ["UnknownTransactionCommitResult"]}
)


def decide_motorx(n: int) -> int:
    retry_transaction, retry_commit = RETRY_TRANSACTION, RETRY_COMMIT
    decided = 0
    for _ in range(n):
        loop = RetryLoop()
        loop.next_attempt()
        decided += loop.on_callback_error(_TRANSIENT) == retry_transaction
        loop.next_attempt()  # the retry's backoff
        decided += loop.on_commit_error(_UNKNOWN_COMMIT) == retry_commit
    return decided


def _pymongo_decider() -> Callable[[int], int]:
    import random
    import time

    from pymongo.asynchronous import client_session as cs

    within, max_time_expired = cs._within_time_limit, cs._max_time_expired_error
    initial, ceiling = cs._BACKOFF_INITIAL, cs._BACKOFF_MAX

    def decide_pymongo(n: int) -> int:
        # PyMongo Async's with_transaction (4.16+), its checks in its order.
        decided = 0
        for _ in range(n):
            start_time = time.monotonic()
            retry = 1
            exc: Any = _TRANSIENT
            if isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError"):
                if within(start_time):
                    decided += 1
            backoff = random.random() * min(initial * (1.5**retry), ceiling)
            if within(start_time, backoff):
                retry += 1
            exc = _UNKNOWN_COMMIT
            if exc.has_error_label("UnknownTransactionCommitResult") and not max_time_expired(exc):
                if within(start_time):
                    decided += 1
        return decided

    return decide_pymongo


def _motor_decider() -> Callable[[int], int]:
    import time

    from motor import core

    within, max_time_expired = core._within_time_limit, core._max_time_expired_error

    def decide_motor(n: int) -> int:
        # Motor 3.7's with_transaction: no backoff, the same label checks.
        decided = 0
        for _ in range(n):
            start_time = time.monotonic()
            exc: Any = _TRANSIENT
            if (
                isinstance(exc, PyMongoError)
                and exc.has_error_label("TransientTransactionError")
                and within(start_time)
            ):
                decided += 1
            exc = _UNKNOWN_COMMIT
            if (
                exc.has_error_label("UnknownTransactionCommitResult")
                and within(start_time)
                and not max_time_expired(exc)
            ):
                decided += 1
        return decided

    return decide_motor


DECIDERS: dict[str, Callable[[], Callable[[int], int]]] = {
    "motorx": lambda: decide_motorx,
    "pymongo": _pymongo_decider,
    "motor": _motor_decider,
}


@pytest.mark.benchmark(group="txcore-decision")
@pytest.mark.parametrize("impl", list(DECIDERS))
def test_txcore_decision(benchmark: Any, record_bench: Any, bench_ops: int, impl: str) -> None:
    try:
        decide = DECIDERS[impl]()
    except (ImportError, AttributeError) as exc:  # e.g. a PyMongo before 4.16 has no backoff
        pytest.skip("%s has no with_transaction decision helpers to compare: %s" % (impl, exc))
    benchmark.extra_info.update(
        {"path": "txcore-decision", "impl": impl, "ops_per_round": bench_ops, "versions": _versions()}
    )
    decide(bench_ops)  # warm-up
    gc.collect()
    decided = benchmark(decide, bench_ops)
    # Every call decided "retry" twice: the sequence really ran both branches.
    assert decided == 2 * bench_ops
    record_bench(benchmark)


@pytest.mark.benchmark(group="session-start-end")
@pytest.mark.parametrize("impl", IMPL_NAMES)
def test_session_start_end(benchmark: Any, record_bench: Any, bench_ops: int, impl: str) -> None:
    run_session_bench(benchmark, record_bench, impl, "session-start-end", bench_ops)


@pytest.mark.benchmark(group="empty-transaction")
@pytest.mark.parametrize("impl", IMPL_NAMES)
def test_empty_transaction(benchmark: Any, record_bench: Any, bench_ops: int, impl: str) -> None:
    run_session_bench(benchmark, record_bench, impl, "empty-transaction", bench_ops)


@pytest.mark.benchmark(group="with-transaction-noop")
@pytest.mark.parametrize("impl", IMPL_NAMES)
def test_with_transaction_noop(benchmark: Any, record_bench: Any, bench_ops: int, impl: str) -> None:
    run_session_bench(benchmark, record_bench, impl, "with-transaction-noop", bench_ops)
