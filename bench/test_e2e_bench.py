"""End-to-end benchmarks: motorx against PyMongo Async and Motor 3.7 on a real server.

The server (the embedded SecantusDB, or ``$MONGODB_URI``) runs in its own
process, so the client CPU figures, taken with ``resource.getrusage`` of this
process, exclude the server's work.  Every case runs for all three
implementations in the same test on one loop, their rounds interleaved and
each round run in slices the implementations take turns at (see
``run_interleaved``), so their ratios hold on a noisy shared machine.
pytest-benchmark times whole interleaved rounds; the per-implementation,
per-operation figures are in each benchmark's ``extra_info["impls"]`` (read by
``bench/report.py``):

* ``ops``: operations completed in the timed rounds;
* ``throughput``: operations per second of wall time (all tasks together),
  median over rounds;
* ``p50_ms``/``p99_ms``: per-operation latency percentiles over all rounds,
  ``samples`` the number of operations they are taken from (every case has
  enough that a p99 is not simply the slowest one);
* ``cpu_us``: client CPU microseconds (user + system, all threads, so Motor's
  executor threads count) per operation, median over rounds;
* ``attempts``: callback invocations for transaction cases (retries = attempts - ops).

Cases:

* ``txn-c1``/``txn-c16``/``txn-c128``: ``with_transaction`` with one insert and
  one update, at 1, 16 and 128 concurrent tasks on one client.  Each
  transaction is what a Motor user writes: start a session, run
  ``with_transaction``, end the session.  Every task updates its own counter
  document, so the transactions do not conflict.
* ``find-one``/``find-one-c16``/``find-one-c128``: ``find_one`` by ``_id``
  on 1, 16 and 128 concurrent tasks.
* ``cursor-1000``: reading a 1,000-document collection with ``find().to_list(None)``.
* ``contention``: 100 tasks (50 in quick mode) each incrementing the *same*
  document 10 times inside ``with_transaction``: attempts (retries), p99
  latency, wall time, and the final counter, which must be exactly tasks x 10
  (a lost update fails the run).
* ``tornado-txn-c16``: the 16-task transaction case on tornado's IOLoop.
* ``uvloop-txn-c16``: the 16-task transaction case for motorx and PyMongo
  Async on uvloop, and PyMongo Async on asyncio's default loop beside them
  (the target compares motorx on uvloop with PyMongo Async on the default
  loop).  Skipped where uvloop is not installed.

After the timed rounds every case checks the data it wrote (every committed
transaction's insert and increment is there, exactly once), so a benchmark
that went fast by losing writes fails.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import itertools
import math
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Optional, TypeVar

import pytest

pytest.importorskip("pytest_benchmark")

import motor
import motor.motor_asyncio
import motor.motor_tornado
import pymongo
from pymongo.errors import PyMongoError

import motorx
import motorx.motor_asyncio
import motorx.motor_tornado

DB = "motorx_bench"
IMPL_NAMES = ["motorx", "pymongo", "motor"]
# A lane of an interleaved case: which driver, on which loop.  By default a
# case runs each driver once, on the case's loop, under the driver's name.
Lane = tuple[str, str]  # (driver name, loop flavour)
UVLOOP_LANES: dict[str, Lane] = {
    "motorx-uvloop": ("motorx", "uvloop"),
    "pymongo-uvloop": ("pymongo", "uvloop"),
    "pymongo": ("pymongo", "asyncio"),
}

# (case, concurrent tasks, transactions per task per slice, slices per round):
# rounds by mode below.  Rounds of a few hundred milliseconds each: CPU per
# transaction of smaller rounds swung by +-15% from round to round on the
# shared 2-core machine.  A round runs in slices, the drivers taking turns
# slice by slice: the load on this machine drifts over a second or so, and
# with a driver's whole round at once the per-round ratio motorx / PyMongo
# of find_one (1 task, the three drivers, 15 rounds) swung about three times
# as much: interquartile range 0.26 against 0.09 with slices of 24 calls.
# Where a round has several slices, their number is a multiple of the three
# drivers, so within a round each runs in each place of the rotation equally
# often; the 128-task cases, whose slice is one call or two transactions a
# task, keep whole rounds.
TXN_CASES = {"txn-c1": (1, 8, 12), "txn-c16": (16, 2, 3), "txn-c128": (128, 2, 1)}
# Contended retries grow faster than the tasks: Motor, which retries without
# backoff, takes ~2.5 minutes for a round of 100 tasks on a 2-core machine
# and under a minute for 50, so quick mode runs 50.
CONTENTION_TASKS = {"quick": 50, "full": 100}
CONTENTION_INCREMENTS = 10
# (case, concurrent tasks, slices); each round is FIND_ONE_PER_ROUND calls
# split among the tasks, in slices of equal size.
FIND_ONE_CASES = {"find-one": (1, 12), "find-one-c16": (16, 6), "find-one-c128": (128, 1)}
FIND_ONE_PER_ROUND = 288
CURSOR_DOCS = 1000
# 25: quick mode (5 rounds) then has more than 100 reads, so its p99 is not simply the slowest.
CURSOR_READS_PER_ROUND = 25

ROUNDS = {
    "quick": {"txn": 7, "find-one": 5, "cursor": 5, "contention": 1},
    "full": {"txn": 41, "find-one": 21, "cursor": 21, "contention": 2},
}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _median(values: list[float]) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(q / 100.0 * len(sorted_values))  # 1-based
    return sorted_values[max(1, min(rank, len(sorted_values))) - 1]


# -- the three drivers, behind one small adapter ----------------------------------


@dataclass(frozen=True)
class Driver:
    """How one implementation spells the few calls that differ between them."""

    name: str
    asyncio_client: Callable[..., Any]
    tornado_client: Callable[..., Any]
    # PyMongo Async's start_session is a plain method; Motor's and motorx's a coroutine.
    session_is_coroutine: bool

    async def start_session(self, client: Any) -> Any:
        if self.session_is_coroutine:
            return await client.start_session()
        return client.start_session()

    async def close(self, client: Any) -> None:
        # PyMongo Async's close is a coroutine; Motor's a plain call, and
        # motorx's, which may hand back a task to wait for the close.
        result = client.close()
        if inspect.isawaitable(result):
            await result


DRIVERS = {
    "motorx": Driver(
        "motorx",
        motorx.motor_asyncio.AsyncIOMotorClient,
        motorx.motor_tornado.MotorClient,
        session_is_coroutine=True,
    ),
    "pymongo": Driver(
        "pymongo",
        pymongo.AsyncMongoClient,
        pymongo.AsyncMongoClient,  # runs on tornado's IOLoop, which is asyncio underneath
        session_is_coroutine=False,
    ),
    "motor": Driver(
        "motor",
        motor.motor_asyncio.AsyncIOMotorClient,
        motor.motor_tornado.MotorClient,
        session_is_coroutine=True,
    ),
}


def _versions() -> dict[str, str]:
    return {"motorx": motorx.__version__, "pymongo": pymongo.version, "motor": motor.version}


# -- the loop a benchmark runs on ------------------------------------------------------


class Runner:
    """One event loop (asyncio, or tornado's IOLoop) owned by one benchmark."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        if flavour == "asyncio":
            self._loop = asyncio.new_event_loop()
        elif flavour == "uvloop":
            import uvloop

            self._loop = uvloop.new_event_loop()
        else:
            from tornado.ioloop import IOLoop

            self._io_loop = IOLoop(make_current=False)

    @property
    def on_asyncio(self) -> bool:
        """Whether the clients are asyncio's (on either loop), not tornado's."""
        return self.flavour != "tornado"

    def run(self, make_coro: Callable[[], Awaitable[Any]]) -> Any:
        if self.on_asyncio:
            return self._loop.run_until_complete(make_coro())
        return self._io_loop.run_sync(make_coro)

    def close(self) -> None:
        if self.on_asyncio:
            loop = self._loop
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
        else:
            self._io_loop.close(all_fds=True)


@dataclass
class Tally:
    """What the timed rounds did: each round's totals, and every operation's latency."""

    latencies: list[float] = field(default_factory=list)
    round_walls: list[float] = field(default_factory=list)
    round_cpu: list[float] = field(default_factory=list)  # client CPU seconds
    round_ops: list[int] = field(default_factory=list)
    round_attempts: list[int] = field(default_factory=list)
    # The round in progress, summed over its slices so far.
    open_wall: float = 0.0
    open_cpu: float = 0.0
    open_ops: int = 0
    open_attempts: int = 0

    @property
    def attempts(self) -> int:
        return sum(self.round_attempts)

    def add_slice(self, latencies: list[float], ops: int, attempts: int, wall: float, cpu: float) -> None:
        self.latencies.extend(latencies)
        self.open_wall += wall
        self.open_cpu += cpu
        self.open_ops += ops
        self.open_attempts += attempts

    def end_round(self) -> None:
        self.round_walls.append(self.open_wall)
        self.round_cpu.append(self.open_cpu)
        self.round_ops.append(self.open_ops)
        self.round_attempts.append(self.open_attempts)
        self.open_wall = self.open_cpu = 0.0
        self.open_ops = self.open_attempts = 0

    def extra(self) -> dict[str, Any]:
        """Medians over rounds (CPU, throughput), percentiles over all operations."""
        lat = sorted(self.latencies)
        ops = sum(self.round_ops)
        round_cpu_us = [cpu / n * 1e6 for cpu, n in zip(self.round_cpu, self.round_ops)]
        return {
            "ops": ops,
            "rounds": len(self.round_walls),
            "throughput": _median([n / wall for n, wall in zip(self.round_ops, self.round_walls)]),
            "p50_ms": _percentile(lat, 50) * 1e3,
            "p99_ms": _percentile(lat, 99) * 1e3,
            "samples": len(lat),
            "cpu_us": _median(round_cpu_us),
            "cpu_us_mean": sum(self.round_cpu) / ops * 1e6 if ops else None,
            "attempts": self.attempts,
            "round_walls": self.round_walls,
            "round_attempts": self.round_attempts,
            "round_cpu_us": round_cpu_us,
        }


class Case:
    """A client, its collections, and one timed round of work (subclasses)."""

    def __init__(self, runner: Runner, driver: Driver, uri: str, name: str, label: Optional[str] = None) -> None:
        self.runner = runner
        self.driver = driver
        self.uri = uri
        self.name = name
        self.label = label or driver.name  # the lane: a driver may run twice in one case
        self.client: Any = None
        self.tally = Tally()
        self.timing = False  # the warm-up round is not tallied
        self.slices = 1  # a round is work() this many times (see run_interleaved)

    def make_client(self) -> Any:
        app_name = "motorx-bench-%s-%s" % (self.label, self.name)
        factory = self.driver.asyncio_client if self.runner.on_asyncio else self.driver.tornado_client
        # The embedded server closes connections idle for 300 s, and a pooled
        # connection closed that way surfaces as AutoReconnect on the next
        # non-retryable operation.  Interleaved contention rounds leave a client
        # idle for minutes, so every driver drops connections idle for a minute.
        return factory(self.uri, appName=app_name, maxIdleTimeMS=60_000)

    def coll(self, suffix: str) -> Any:
        return self.client[DB]["%s_%s_%s" % (self.name.replace("-", "_"), self.label.replace("-", "_"), suffix)]

    async def setup(self) -> None:
        self.client = self.make_client()
        await self.prepare()

    async def prepare(self) -> None:
        raise NotImplementedError

    async def work(self) -> tuple[list[float], int, int]:
        """One round: (per-operation latencies, operations, callback attempts)."""
        raise NotImplementedError

    async def verify(self) -> None:
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """Case-specific figures for ``extra_info``."""
        return {}

    async def teardown(self) -> None:
        if self.client is not None:
            await self.driver.close(self.client)

    def one_round(self) -> None:
        """A round, its slices one after another (warm-ups, the sweep, the profilers)."""
        for _ in range(self.slices):
            self.one_slice()
        self.end_round()

    def one_slice(self) -> None:
        """One slice of a round: ``work()`` once."""
        gc.collect()  # before the clocks start: a collection belongs to no one
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        latencies, ops, attempts = self.runner.run(self.work)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        if self.timing:
            self.tally.add_slice(latencies, ops, attempts, wall, cpu)

    def end_round(self) -> None:
        if self.timing:
            self.tally.end_round()


def error_kind(exc: BaseException) -> str:
    """An error's type, with the server's code name where it has one: ``OperationFailure (InternalError)``."""
    details = getattr(exc, "details", None)
    code_name = details.get("codeName") if isinstance(details, dict) else None
    return "%s (%s)" % (type(exc).__name__, code_name) if code_name else type(exc).__name__


class TransactionCase(Case):
    """``with_transaction`` (insert + update) on ``tasks`` concurrent tasks.

    A failed transaction fails the round, unless ``errors`` is a Counter:
    then it is counted there by ``error_kind`` and the round goes on (the
    concurrency sweep reports a failing driver with what it failed with).
    """

    def __init__(
        self, runner: Runner, driver: Driver, uri: str, name: str, tasks: int, per_task: int,
        label: Optional[str] = None, slices: int = 1,
    ) -> None:
        super().__init__(runner, driver, uri, name, label)
        self.tasks = tasks
        self.per_task = per_task  # transactions per task in one work(), a slice
        self.slices = slices
        self.committed = 0
        self.errors: Optional[Counter[str]] = None

    async def prepare(self) -> None:
        self.orders = self.coll("orders")
        self.counters = self.coll("counters")
        await self.orders.drop()
        await self.counters.drop()
        await self.counters.insert_many([{"_id": i, "n": 0} for i in range(self.tasks)])

    async def work(self) -> tuple[list[float], int, int]:
        driver, client, orders, counters = self.driver, self.client, self.orders, self.counters
        errors = self.errors
        latencies: list[float] = []
        attempts = 0

        async def task(key: int) -> None:
            nonlocal attempts

            async def callback(session: Any) -> None:
                nonlocal attempts
                attempts += 1
                await orders.insert_one({"k": key}, session=session)
                await counters.update_one({"_id": key}, {"$inc": {"n": 1}}, session=session)

            for _ in range(self.per_task):
                t0 = time.perf_counter()
                try:
                    session = await driver.start_session(client)
                    try:
                        await session.with_transaction(callback)
                    finally:
                        await session.end_session()
                except PyMongoError as exc:
                    if errors is None:
                        raise
                    errors[error_kind(exc)] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                self.committed += 1

        await asyncio.gather(*(task(k) for k in range(self.tasks)))
        return latencies, self.tasks * self.per_task, attempts

    async def verify(self) -> None:
        inserted = await self.orders.count_documents({})
        total = 0
        async for doc in self.counters.find({}):
            total += doc["n"]
        assert inserted == self.committed and total == self.committed, (
            "%s %s: %d transactions committed, but %d inserts and %d increments are stored"
            % (self.driver.name, self.name, self.committed, inserted, total)
        )


class ContentionCase(Case):
    """``tasks`` tasks x 10 increments of one document, each in its own transaction."""

    final_counter = -1

    def __init__(self, runner: Runner, driver: Driver, uri: str, name: str, tasks: int) -> None:
        super().__init__(runner, driver, uri, name)
        self.tasks = tasks

    async def prepare(self) -> None:
        self.counter = self.coll("counter")
        await self.counter.drop()

    async def work(self) -> tuple[list[float], int, int]:
        # The warm-up is a tenth of the run: a full contended run is slow on
        # the embedded server (Motor retries without backoff).
        tasks = self.tasks if self.timing else max(1, self.tasks // 10)
        driver, client, counter = self.driver, self.client, self.counter
        await counter.delete_many({})
        await counter.insert_one({"_id": "c", "n": 0})
        latencies: list[float] = []
        attempts = 0

        async def callback(session: Any) -> None:
            nonlocal attempts
            attempts += 1
            await counter.update_one({"_id": "c"}, {"$inc": {"n": 1}}, session=session)

        async def task() -> None:
            for _ in range(CONTENTION_INCREMENTS):
                t0 = time.perf_counter()
                session = await driver.start_session(client)
                try:
                    await session.with_transaction(callback)
                finally:
                    await session.end_session()
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(task() for _ in range(tasks)))
        doc = await counter.find_one({"_id": "c"})
        expected = tasks * CONTENTION_INCREMENTS
        # Checked every round, the warm-up too: a lost update is a bug.
        assert doc is not None and doc["n"] == expected, (
            "%s: lost update under contention: counter is %s, expected exactly %d"
            % (driver.name, None if doc is None else doc["n"], expected)
        )
        self.final_counter = int(doc["n"])
        return latencies, expected, attempts

    async def verify(self) -> None:
        assert self.final_counter == self.tasks * CONTENTION_INCREMENTS

    def summary(self) -> dict[str, Any]:
        t = self.tally
        walls = sorted(t.round_walls)
        per_round = _median([float(a) for a in t.round_attempts])
        expected = self.tasks * CONTENTION_INCREMENTS
        return {
            "final_counter": self.final_counter,
            # Per run of tasks x 10 increments (median over rounds), not summed over rounds.
            "attempts": per_round,
            "retries": None if per_round is None else per_round - expected,
            "attempts_total": t.attempts,
            "wall_s": _median(walls),
        }


class FindOneCase(Case):
    """``find_one`` by ``_id``, FIND_ONE_PER_ROUND calls a round split among ``tasks`` tasks."""

    def __init__(self, runner: Runner, driver: Driver, uri: str, name: str, tasks: int, slices: int = 1) -> None:
        super().__init__(runner, driver, uri, name)
        self.tasks = tasks
        self.slices = slices

    async def prepare(self) -> None:
        self.docs = self.coll("docs")
        await self.docs.drop()
        await self.docs.insert_many([{"_id": i, "x": i, "s": "x" * 64} for i in range(100)])

    async def work(self) -> tuple[list[float], int, int]:
        docs = self.docs
        latencies = []

        calls = FIND_ONE_PER_ROUND // self.slices

        async def task(first: int) -> None:
            for i in range(first, calls, self.tasks):
                t0 = time.perf_counter()
                doc = await docs.find_one({"_id": i % 100})
                latencies.append(time.perf_counter() - t0)
                assert doc is not None and doc["x"] == i % 100

        await asyncio.gather(*(task(k) for k in range(self.tasks)))
        return latencies, calls, 0

    async def verify(self) -> None:
        pass


class CursorCase(Case):
    async def prepare(self) -> None:
        self.docs = self.coll("docs")
        await self.docs.drop()
        await self.docs.insert_many(
            [{"_id": i, "x": i, "s": "x" * 64, "sub": {"a": i, "b": [1, 2, 3]}} for i in range(CURSOR_DOCS)]
        )

    async def work(self) -> tuple[list[float], int, int]:
        docs = self.docs
        latencies = []
        for _ in range(CURSOR_READS_PER_ROUND):
            t0 = time.perf_counter()
            result = await docs.find({}).to_list(None)
            latencies.append(time.perf_counter() - t0)
            assert len(result) == CURSOR_DOCS
        return latencies, CURSOR_READS_PER_ROUND, 0

    async def verify(self) -> None:
        pass


# -- the runner ------------------------------------------------------------------

_Item = TypeVar("_Item")


def rotated(items: list[_Item], round_index: int) -> list[_Item]:
    """``items`` in the order round ``round_index`` (from 0) runs them: each round starts one later.

    No implementation always runs first (or right after another), so a
    slow start or a predecessor's after-effects fall on each in turn.
    """
    first = round_index % len(items)
    return items[first:] + items[:first]


def run_interleaved(
    benchmark: Any,
    record: Any,
    progress: Any,
    mode: str,
    name: str,
    make_case: Callable[[Runner, Driver, str], Case],
    rounds_key: str,
    flavour: str = "asyncio",
    lanes: Optional[dict[str, Lane]] = None,
    extra: Optional[dict[str, Any]] = None,
) -> dict[str, Case]:
    """Time one case for every lane (by default the three drivers), their rounds interleaved.

    Each lane is a driver on a loop (``flavour`` for all by default); lanes of
    one flavour share one loop.  Each benchmark round runs one round of every
    lane, slice by slice (a case's ``slices``): the lanes take turns at each
    slice, the order rotating from slice to slice, so load from elsewhere on
    a shared machine, which drifts over a second or so, lands on all alike
    and the ratios stay honest.  pytest-benchmark's own time is that of the whole interleaved
    round; each lane's figures are in ``extra_info["impls"]``, under its name.
    ``make_case(runner, driver, lane)`` builds one lane's case.
    """
    lanes = lanes or {impl: (impl, flavour) for impl in IMPL_NAMES}
    runners: dict[str, Runner] = {}
    cases: dict[str, Case] = {}
    try:
        for lane, (driver, lane_flavour) in lanes.items():
            if lane_flavour not in runners:
                runners[lane_flavour] = Runner(lane_flavour)
            runner = runners[lane_flavour]
            cases[lane] = make_case(runner, DRIVERS[driver], lane)
            runner.run(cases[lane].setup)
        for case in cases.values():
            case.one_round()  # warm-up: connections, server sessions, caches
            case.timing = True
        order = list(lanes)
        total = ROUNDS[mode][rounds_key]
        rounds = itertools.count(1)
        steps = itertools.count(1)

        (slices,) = {case.slices for case in cases.values()}  # the lanes of a case alike

        def interleaved_round() -> None:
            done = next(rounds)
            for part in range(slices):
                for lane in rotated(order, (done - 1) * slices + part):
                    cases[lane].one_slice()
            for lane in order:
                cases[lane].end_round()
                # A line per lane: one lane's round of a long case takes half a minute.
                progress.step(name, next(steps), total * len(order), "round %d/%d, %s %.2f s" % (
                    done, total, lane, cases[lane].tally.round_walls[-1]))

        benchmark.pedantic(interleaved_round, rounds=total, iterations=1)
        impls: dict[str, Any] = {}
        for lane, case in cases.items():
            case.runner.run(case.verify)
            impls[lane] = {**case.tally.extra(), **case.summary()}
        benchmark.extra_info.update(
            {
                "kind": "e2e",
                "case": name,
                "flavour": flavour,
                "lanes": {lane: {"driver": d, "loop": f} for lane, (d, f) in lanes.items()},
                "mode": mode,
                "interleaved": True,
                "versions": _versions(),
                "impls": impls,
                **(extra or {}),
            }
        )
        record(benchmark)
        return cases
    finally:
        for case in cases.values():
            case.runner.run(case.teardown)
        for runner in runners.values():
            runner.close()


@pytest.mark.parametrize("case", list(TXN_CASES))
def test_transaction(
    benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str, case: str
) -> None:
    benchmark.group = case
    tasks, per_task, slices = TXN_CASES[case]
    run_interleaved(
        benchmark, record_bench, progress, bench_mode, case,
        lambda r, d, lane: TransactionCase(r, d, bench_uri, case, tasks, per_task, lane, slices),
        "txn", extra={"tasks": tasks},
    )


@pytest.mark.parametrize("case", list(FIND_ONE_CASES))
def test_find_one(
    benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str, case: str
) -> None:
    benchmark.group = case
    tasks, slices = FIND_ONE_CASES[case]
    run_interleaved(benchmark, record_bench, progress, bench_mode, case,
                    lambda r, d, lane: FindOneCase(r, d, bench_uri, case, tasks, slices), "find-one",
                    extra={"tasks": tasks})


def test_cursor_read(benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str) -> None:
    benchmark.group = "cursor-1000"
    run_interleaved(benchmark, record_bench, progress, bench_mode, "cursor-1000",
                    lambda r, d, lane: CursorCase(r, d, bench_uri, "cursor-1000"), "cursor")


def test_contention(benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str) -> None:
    benchmark.group = "contention"
    tasks = CONTENTION_TASKS[bench_mode]
    cases = run_interleaved(
        benchmark, record_bench, progress, bench_mode, "contention",
        lambda r, d, lane: ContentionCase(r, d, bench_uri, "contention", tasks), "contention",
        extra={"tasks": tasks, "increments": CONTENTION_INCREMENTS},
    )
    for impl, case in cases.items():
        assert isinstance(case, ContentionCase)
        assert case.final_counter == tasks * CONTENTION_INCREMENTS, impl


def test_tornado_transaction(
    benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str
) -> None:
    benchmark.group = "tornado-txn-c16"
    tasks, per_task, slices = TXN_CASES["txn-c16"]
    run_interleaved(
        benchmark, record_bench, progress, bench_mode, "tornado-txn-c16",
        lambda r, d, lane: TransactionCase(r, d, bench_uri, "tornado-txn-c16", tasks, per_task, lane, slices),
        "txn", flavour="tornado", extra={"tasks": tasks},
    )


def test_uvloop_transaction(
    benchmark: Any, record_bench: Any, progress: Any, bench_mode: str, bench_uri: str
) -> None:
    pytest.importorskip("uvloop", reason="uvloop is not installed (pip install 'motorx[bench]')")
    benchmark.group = "uvloop-txn-c16"
    tasks, per_task, slices = TXN_CASES["txn-c16"]
    run_interleaved(
        benchmark, record_bench, progress, bench_mode, "uvloop-txn-c16",
        lambda r, d, lane: TransactionCase(r, d, bench_uri, "uvloop-txn-c16", tasks, per_task, lane, slices),
        "txn", lanes=UVLOOP_LANES, extra={"tasks": tasks},
    )
