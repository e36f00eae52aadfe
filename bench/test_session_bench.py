"""Session benchmarks: motorx against PyMongo Async and Motor 3.7, no I/O.

The paths, each a pytest-benchmark group:

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
* ``call-model`` and ``call-model-suspending`` (informational): what Motor's
  call model costs per call.  One method whose body does nothing
  (``call-model``), or awaits once as an operation awaits its I/O
  (``call-model-suspending``), called and awaited ``--bench-ops`` times:
  motorx's column is the method decorated with
  ``motorx._futures.returns_future``, awaited at once
  (``await op.started()``: no Future is built, see
  ``motorx._futures.awaited_at_once``), its ``motorx-future`` lane the same
  call kept and then awaited (``future = op.started(); await future``: a
  started OperationFuture, run inside the awaiting task), PyMongo Async's
  the same ``async def`` awaited directly, as PyMongo's methods are; in
  ``call-model`` Motor's column is Motor's own mechanism for the same no-op
  (``run_on_executor``: a Future completed by its executor thread).  Each
  motorx lane minus PyMongo is what that use costs per call, on the Python
  the report names.
* ``open-session-memory``: not a time but the bytes an open, idle session
  holds (tracemalloc over 2,000 sessions kept alive), per driver.

Each path runs as each driver's users write it, and also like for like,
for motorx's own layer (the project's no-I/O targets are on that):

* ``motorx-layer``: motorx with Motor's call model around ``end_session``
  and ``commit_transaction`` left out (the method ``returns_future``
  wrapped, its coroutine awaited directly).  What the call model adds as
  users write the calls (awaited at once) is motorx minus ``motorx-layer``,
  a row of its own.
  ``with_transaction`` is a coroutine function, as in Motor, and commits
  through motorx's own commit path without a Future: ``motorx`` is its layer.
  Both start transactions the same way: PyMongo resolves what they inherit.

None of them needs a server: clients connect lazily, sessions that run no
operation never select a server, and an empty commit sends nothing.  The URI
points at a closed port with a short server selection timeout all the same,
and every benchmark checks afterwards that its client never opened its
topology (so a benchmark that started doing I/O fails instead of timing it).

Each benchmark (one per path) owns one event loop and a client of every
implementation on it.  A batch is ``--bench-ops`` operations of one
implementation in a single ``loop.run_until_complete`` call (the per-call loop
overhead would otherwise dominate); a round runs every implementation's batch
once, the order rotating from round to round (``run_interleaved``), and there
are ``--bench-rounds`` rounds.  Per-operation medians (batch time / ops) per
implementation are in ``extra_info["impls"]``, read by ``bench/report.py``.

The project's benchmark targets (``bench/report.py`` names each, with its
reason) are reported there, never asserted here: timings on a shared
machine are not a test.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import itertools
import sys
import time
import tracemalloc
import types
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
from motorx._futures import OperationFuture, returns_future

from test_e2e_bench import rotated  # noqa: E402 - bench/ is on sys.path for its conftest

# Nothing may connect: port 1 is closed, and server selection would give up fast.
URI = "mongodb://127.0.0.1:1/?replicaSet=secantus&serverSelectionTimeoutMS=100"


# -- the timed code ------------------------------------------------------------
#
# One coroutine per path and API shape, written out so that the loop body is
# exactly the call sequence a user writes.  ``target`` is the client for
# session-start-end and the session for the other two paths; each returns the
# last session it touched, for the sanity checks after timing.  Motor and
# motorx share Motor's shape; PyMongo Async's start_session and
# start_transaction differ.


async def _noop(session: Any) -> None:
    return None


async def start_end_awaited(client: Any, n: int) -> Any:
    for _ in range(n):
        s = await client.start_session()
        await s.end_session()
    return s


async def start_end_pymongo(client: Any, n: int) -> Any:
    for _ in range(n):
        s = client.start_session()  # a plain method in PyMongo Async
        await s.end_session()
    return s


async def empty_txn_plain_start(s: Any, n: int) -> Any:
    for _ in range(n):
        s.start_transaction()  # a plain method, as in Motor
        await s.commit_transaction()
    return s


async def empty_txn_pymongo(s: Any, n: int) -> Any:
    for _ in range(n):
        await s.start_transaction()  # a coroutine in PyMongo Async
        await s.commit_transaction()
    return s


async def with_txn(s: Any, n: int) -> Any:
    for _ in range(n):
        await s.with_transaction(_noop)
    return s


# motorx's own layer: the methods Motor's call model makes return a Future,
# called as the methods they wrap, which return a coroutine (returns_future
# keeps them as ``__wrapped__``), so no Future is made.


def _without_future(method: Any) -> Callable[..., Awaitable[Any]]:
    """The coroutine-returning method behind one that returns a started Future (itself if none)."""
    if getattr(method, "returns_future", False):
        return method.__wrapped__  # type: ignore[no-any-return]
    assert inspect.iscoroutinefunction(method), method
    return method  # type: ignore[no-any-return]


_SESSION = motorx.motor_asyncio.AsyncIOMotorClientSession


async def start_end_layer(client: Any, n: int) -> Any:
    end_session = _without_future(_SESSION.end_session)
    for _ in range(n):
        s = await client.start_session()
        await end_session(s)
    return s


async def empty_txn_layer(s: Any, n: int) -> Any:
    commit = _without_future(_SESSION.commit_transaction)
    for _ in range(n):
        s.start_transaction()
        await commit(s)
    return s


def _own(loop: Callable[[Any, int], Awaitable[Any]], impl: str) -> Callable[[Any, int], Awaitable[Any]]:
    """A copy of ``loop`` with a code object of its own, for one implementation.

    CPython specialises a call site (``s.with_transaction``) for the type it
    sees; a loop shared by several session types is not specialised, which
    charges whichever implementation that slows most (about 7 % for motorx's
    with_transaction).  Each implementation therefore runs its own copy.
    """
    code = loop.__code__.replace()  # a new code object: its own inline caches
    copy: Callable[[Any, int], Awaitable[Any]] = types.FunctionType(
        code, loop.__globals__, "%s_%s" % (loop.__name__, impl)
    )
    return copy


def _motor_shaped_paths(impl: str) -> dict[str, Callable[[Any, int], Awaitable[Any]]]:
    return {
        "session-start-end": _own(start_end_awaited, impl),
        "empty-transaction": _own(empty_txn_plain_start, impl),
        "with-transaction-noop": _own(with_txn, impl),
    }


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
    result = client.close()  # Motor's close is a plain call; it may hand back a task to await
    if inspect.isawaitable(result):
        await result


async def _close_pymongo(client: Any) -> None:
    await client.close()


async def _close_motor(client: Any) -> None:
    client.close()


def _motorx_tornado_client() -> Any:
    from motorx.motor_tornado import MotorClient

    return MotorClient(URI)


IMPLS = {
    "motorx": Impl(
        "motorx",
        lambda: motorx.motor_asyncio.AsyncIOMotorClient(URI),
        lambda c: _await(c.start_session()),
        _close_motorx,
        lambda c: c.delegate,
        _motor_shaped_paths("motorx"),
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
            "with-transaction-noop": _own(with_txn, "pymongo"),
        },
    ),
    "motor": Impl(
        "motor",
        lambda: motor.motor_asyncio.AsyncIOMotorClient(URI),
        lambda c: _await(c.start_session()),
        _close_motor,
        lambda c: c.delegate,
        _motor_shaped_paths("motor"),
    ),
    "motorx-layer": Impl(
        "motorx-layer",
        lambda: motorx.motor_asyncio.AsyncIOMotorClient(URI),
        lambda c: _await(c.start_session()),
        _close_motorx,
        lambda c: c.delegate,
        {"session-start-end": start_end_layer, "empty-transaction": empty_txn_layer},
    ),
    # Informational: motorx's tornado flavour runs the same code on asyncio.
    "motorx-tornado": Impl(
        "motorx-tornado",
        _motorx_tornado_client,
        lambda c: _await(c.start_session()),
        _close_motorx,
        lambda c: c.delegate,
        _motor_shaped_paths("motorx-tornado"),
    ),
}

def _versions() -> dict[str, str]:
    return {
        "motorx": motorx.__version__,
        "pymongo": pymongo.version,
        "motor": motor.version,
    }


# -- the runner ------------------------------------------------------------------


def _stats(samples: list[float], ops: int) -> dict[str, Any]:
    """Per-operation median, min and IQR of a list of round times."""
    ordered = sorted(x / ops for x in samples)
    n = len(ordered)

    def quantile(q: float) -> float:
        # Linear interpolation between closest ranks.
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    return {
        "median": quantile(0.5),
        "min": ordered[0],
        "iqr": quantile(0.75) - quantile(0.25),
        "rounds": n,
        "ops_per_round": ops,
        # Per-operation time of each round, in round order: the report pairs
        # them across implementations (adjacent in time) for its ratios.
        "round_us": [x / ops * 1e6 for x in samples],
    }


def run_interleaved(
    benchmark: Any,
    record: Any,
    progress: Any,
    path: str,
    ops: int,
    rounds: int,
    batches: dict[str, Callable[[], Any]],
) -> dict[str, Any]:
    """Time every implementation's batch in each round, in rotating order.

    On a shared machine a burst of load from elsewhere then lands on all the
    implementations alike, instead of on whichever test happened to run at that
    moment: the ratios stay honest.  ``batches`` maps an implementation to a
    callable running ``ops`` operations.  Garbage is collected before each
    batch, outside the timing, so no implementation pays for another's
    garbage.  pytest-benchmark times the whole interleaved round; the
    per-implementation figures go to ``extra_info["impls"]``.
    """
    names = list(batches)
    samples: dict[str, list[float]] = {name: [] for name in names}
    results: dict[str, Any] = {}
    counter = itertools.count()
    clock = time.perf_counter

    def interleaved_round() -> None:
        done = next(counter)
        for name in rotated(names, done):
            gc.collect()
            batch = batches[name]
            t0 = clock()
            results[name] = batch()
            samples[name].append(clock() - t0)
        progress.step(path, done + 1, rounds, "round %d/%d, %s" % (done + 1, rounds, ", ".join(
            "%s %.2f µs" % (name, samples[name][-1] / ops * 1e6) for name in names)))

    for batch in batches.values():  # warm-up: lazy imports, Motor's executor threads, caches
        batch()
    benchmark.pedantic(interleaved_round, rounds=rounds, iterations=1)
    benchmark.extra_info.update(
        {
            "path": path,
            "interleaved": True,
            "versions": _versions(),
            "impls": {name: _stats(samples[name], ops) for name in names},
        }
    )
    record(benchmark)
    return results


def run_session_bench(benchmark: Any, record: Any, progress: Any, path: str, ops: int, rounds: int) -> None:
    loop = asyncio.new_event_loop()
    clients: dict[str, Any] = {}
    sessions: dict[str, Any] = {}
    try:

        # Only the implementations this path has (the like-for-like one has two).
        impls = {name: impl for name, impl in IMPLS.items() if path in impl.paths}

        async def setup() -> None:
            for name, impl in impls.items():
                clients[name] = impl.make_client()
                if path != "session-start-end":
                    sessions[name] = await impl.start_session(clients[name])

        loop.run_until_complete(setup())

        def make_batch(name: str) -> Callable[[], Any]:
            batch = IMPLS[name].paths[path]
            target = clients[name] if path == "session-start-end" else sessions[name]
            return lambda: loop.run_until_complete(batch(target, ops))

        last = run_interleaved(
            benchmark, record, progress, path, ops, rounds, {name: make_batch(name) for name in impls}
        )

        # Sanity, not timing: each path did what it says and touched no server.
        for name, impl in impls.items():
            if path == "session-start-end":
                assert last[name].has_ended, name
            else:
                assert last[name] is sessions[name] and not sessions[name].in_transaction, name
            assert not _topology_opened(impl.pymongo_client(clients[name])), (
                "%s opened its topology: the %s benchmark is doing I/O" % (name, path)
            )
    finally:

        async def teardown() -> None:
            for session in sessions.values():
                await session.end_session()
            for name, client in clients.items():
                await IMPLS[name].close(client)

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


def test_txcore_decision(
    benchmark: Any, record_bench: Any, progress: Any, bench_ops: int, bench_rounds: int
) -> None:
    batches: dict[str, Callable[[], Any]] = {}
    for name, make in DECIDERS.items():
        try:
            decide = make()
        except (ImportError, AttributeError) as exc:  # e.g. a PyMongo before 4.16 has no backoff
            pytest.fail("%s has no with_transaction decision helpers to compare: %s" % (name, exc))
        batches[name] = functools.partial(decide, bench_ops)
    decided = run_interleaved(
        benchmark, record_bench, progress, "txcore-decision", bench_ops, bench_rounds, batches
    )
    # Every call decided "retry" twice: the sequence really ran both branches.
    assert decided == dict.fromkeys(DECIDERS, 2 * bench_ops)


@pytest.mark.parametrize(
    "path", ["session-start-end", "empty-transaction", "with-transaction-noop"]
)
def test_session_path(
    benchmark: Any, record_bench: Any, progress: Any, bench_ops: int, bench_rounds: int, path: str
) -> None:
    benchmark.group = path
    run_session_bench(benchmark, record_bench, progress, path, bench_ops, bench_rounds)


# -- what a Future costs per call ---------------------------------------------------
#
# Motor's methods return a Future and motorx's a started OperationFuture
# (motorx._futures), unless the call is awaited at once (then the coroutine
# runs in the awaiting task, no Future built).  PyMongo Async's are
# coroutines, awaited directly.  The same no-op method in each shape, so the
# difference is the call model alone: for a kept Future, creating it, its
# start handle, and running it in place.


def _motor_noop() -> None:
    return None


class CallModel:
    """One operation in each call model; ``*_suspending`` await once, as on I/O."""

    __slots__ = ()

    async def awaited(self) -> None:  # PyMongo Async: an async def, awaited
        return None

    @returns_future
    async def started(self) -> None:  # motorx: a started OperationFuture
        return None

    async def awaited_suspending(self) -> None:
        await asyncio.sleep(0)  # one suspension: the loop runs something else, then resumes it

    @returns_future
    async def started_suspending(self) -> None:
        await asyncio.sleep(0)

    def motor(self) -> Any:  # Motor: its executor hop, as its generated methods make it
        from motor.frameworks.asyncio import run_on_executor

        return run_on_executor(asyncio.get_running_loop(), _motor_noop)  # type: ignore[no-untyped-call]


async def call_started(op: CallModel, n: int) -> None:
    for _ in range(n):
        await op.started()


async def call_started_kept(op: CallModel, n: int) -> None:
    for _ in range(n):
        future = op.started()
        await future


async def call_awaited(op: CallModel, n: int) -> None:
    for _ in range(n):
        await op.awaited()


async def call_motor(op: CallModel, n: int) -> None:
    for _ in range(n):
        await op.motor()


async def call_started_suspending(op: CallModel, n: int) -> None:
    for _ in range(n):
        await op.started_suspending()


async def call_started_suspending_kept(op: CallModel, n: int) -> None:
    for _ in range(n):
        future = op.started_suspending()
        await future


async def call_awaited_suspending(op: CallModel, n: int) -> None:
    for _ in range(n):
        await op.awaited_suspending()


CALL_MODEL_PATHS: dict[str, dict[str, Callable[[CallModel, int], Awaitable[None]]]] = {
    "call-model": {
        "motorx": call_started,
        "motorx-future": call_started_kept,
        "pymongo": call_awaited,
        "motor": call_motor,
    },
    "call-model-suspending": {
        "motorx": call_started_suspending,
        "motorx-future": call_started_suspending_kept,
        "pymongo": call_awaited_suspending,
    },
}


@pytest.mark.parametrize("path", list(CALL_MODEL_PATHS))
def test_call_model(
    benchmark: Any, record_bench: Any, progress: Any, bench_ops: int, bench_rounds: int, path: str
) -> None:
    benchmark.group = path
    loop = asyncio.new_event_loop()
    try:
        op = CallModel()

        # Sanity: kept, the decorated method's result is motorx's Future
        # (tests/test_call_model.py shows that awaited at once it builds
        # none); the plain one is a coroutine.
        async def shapes() -> None:
            future = op.started()
            assert isinstance(future, OperationFuture), type(future)
            await future
            coro = op.awaited()
            assert inspect.iscoroutine(coro)
            await coro

        loop.run_until_complete(shapes())

        def make_batch(call: Callable[[CallModel, int], Awaitable[None]]) -> Callable[[], Any]:
            return lambda: loop.run_until_complete(call(op, bench_ops))

        # Before run_interleaved, which records extra_info for the summary.
        benchmark.extra_info["python"] = "%d.%d.%d" % sys.version_info[:3]
        benchmark.extra_info["eager_tasks"] = sys.version_info >= (3, 12)
        batches = {name: make_batch(call) for name, call in CALL_MODEL_PATHS[path].items()}
        run_interleaved(benchmark, record_bench, progress, path, bench_ops, bench_rounds, batches)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


# -- what an open session costs in memory -----------------------------------------
#
# An open, idle session (started, no operation run yet), as each driver's
# users start one, measured with tracemalloc: the bytes allocated by N
# sessions kept alive, per session.  For motorx that is its session object,
# its compiled core and the PyMongo session it wraps; PyMongo's is the last
# alone.  Memory, not time: one measurement, no rounds.

OPEN_SESSIONS = 2000


async def _bytes_per_open_session(impl: Impl, client: Any) -> float:
    for _ in range(10):  # warm: lazily made caches, the server session pool's first entries
        await (await impl.start_session(client)).end_session()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sessions = [await impl.start_session(client) for _ in range(OPEN_SESSIONS)]
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(not s.has_ended and not s.in_transaction for s in sessions)
    for s in sessions:
        await s.end_session()
    return held / OPEN_SESSIONS - sys.getsizeof(sessions) / OPEN_SESSIONS  # the list's own slots


def test_open_session_memory(benchmark: Any, record_bench: Any) -> None:
    benchmark.group = "open-session-memory"
    names = ("motorx", "pymongo", "motor")
    loop = asyncio.new_event_loop()

    async def make_clients() -> dict[str, Any]:
        return {name: IMPLS[name].make_client() for name in names}

    clients = loop.run_until_complete(make_clients())
    figures: dict[str, float] = {}

    def measure() -> None:
        for name in names:
            figures[name] = loop.run_until_complete(_bytes_per_open_session(IMPLS[name], clients[name]))

    try:
        benchmark.pedantic(measure, rounds=1, iterations=1)
        for name in names:
            assert not _topology_opened(IMPLS[name].pymongo_client(clients[name])), name
    finally:
        for name, client in clients.items():
            loop.run_until_complete(IMPLS[name].close(client))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
    # A session is an object graph of hundreds of bytes for every driver.
    assert all(200 < figures[name] < 5000 for name in names), figures
    benchmark.extra_info.update(
        {
            "kind": "memory",
            "case": "open-session",
            "sessions": OPEN_SESSIONS,
            "versions": _versions(),
            "impls": {name: {"bytes": figures[name]} for name in names},
        }
    )
    record_bench(benchmark)
