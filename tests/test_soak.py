"""No leak: a bounded soak, 12,000 transactions per flavour (24,000 in all).

``TASKS`` concurrent tasks each run transactions the way a worker does: start
a session, ``with_transaction`` (an insert and an update), end the session.
After a warm-up (connection pools, caches, the allocator's arenas), the run
goes on in phases; after each phase, with every task finished and a full
collection done, it measures the process's live objects
(``len(gc.get_objects())``), its resident memory, the motorx and PyMongo
session objects still alive, and the size of PyMongo's pool of server
sessions, which is also sampled while the phase runs.  It asserts:

* live objects stay within ``OBJECT_SLACK`` of the level after the warm-up
  (a leak of one object per 40 transactions fails);
* resident memory stays within ``RSS_SLACK`` of it (a leak of ~400 bytes per
  transaction fails, a forgotten session or its core included);
* no client session outlives its transaction, and the server-session pool
  never holds more than one session per concurrent task (plus the few the
  test's own set-up commands use).

Bounded in count and in time: every phase has ``PHASE_TIMEOUT`` seconds, and
the soak runs on a server of its own ($MONGODB_URI, or a fresh embedded
server), so its tens of thousands of documents never weigh on the rest of
the suite.  Marked ``soak``: scripts/test runs it once, on .venv (about a
minute on two cores); the floor and uvloop runs deselect it.  The figures
each flavour reached are printed in the run's summary.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from embedded_server import server_uri
from flavours import Flavour
from pymongo.asynchronous.client_session import AsyncClientSession

from motorx.core import AgnosticClientSession

pytestmark = [pytest.mark.soak, pytest.mark.server]

TASKS = 100
WARM_UP = 2_000  # transactions before the baseline is taken
PHASES = 4
PER_PHASE = 2_500  # transactions per phase after the warm-up
# Measured on CPython 3.11, 100 tasks: live objects within +-10 of the
# baseline, RSS +0.5 to +1.4 MB (the allocator settling) after the warm-up.
OBJECT_SLACK = PHASES * PER_PHASE // 40
RSS_SLACK = 4 * 1024 * 1024
PHASE_TIMEOUT = 120.0
SETTLE = 0.5  # seconds the loop runs after a phase before measuring
DB = "motorx_soak"


@pytest.fixture(scope="module")
def soak_uri() -> Iterator[str]:
    """A server for the soak alone: $MONGODB_URI, or a fresh embedded one."""
    with server_uri() as uri:
        if uri is None:
            pytest.fail("no test server for the soak: set MONGODB_URI, or run scripts/test", pytrace=False)
        yield uri


def rss_bytes() -> int:
    """Resident memory now (Linux); elsewhere the peak so far, which must stay flat too."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def server_session_pool(client: Any) -> Any:
    # PyMongo private: the topology's pool of server sessions (a deque of
    # _ServerSession), the same attribute on 4.13 through 4.20; there is no
    # public way to see it.
    return client.delegate._topology._session_pool


def live_sessions() -> tuple[int, int]:
    """(client sessions, PyMongo server sessions) alive in this process."""
    # PyMongo private, for counting only: where 4.20 defines _ServerSession,
    # else (4.13) its asynchronous module.
    try:
        from pymongo.client_session_shared import _ServerSession
    except ImportError:
        from pymongo.asynchronous.client_session import _ServerSession  # type: ignore[attr-defined, no-redef]

    client_sessions = server_sessions = 0
    for obj in gc.get_objects():
        if isinstance(obj, (AgnosticClientSession, AsyncClientSession)):
            client_sessions += 1
        elif isinstance(obj, _ServerSession):
            server_sessions += 1
    return client_sessions, server_sessions


def _mb(n: float) -> str:
    return "%.1f MB" % (n / 1e6)


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_transactions_leak_nothing(
    flavour_name: str, soak_uri: str, request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> None:
    flavour = Flavour(flavour_name, soak_uri, request.node.nodeid)
    total = WARM_UP + PHASES * PER_PHASE
    rows: list[dict[str, Any]] = []

    async def body() -> None:
        client = flavour.client(maxPoolSize=TASKS)
        coll = client[DB]["txn_%s" % flavour_name]
        await coll.drop()
        await client[DB].create_collection(coll.name)
        pool = server_session_pool(client)
        next_id = 0
        peak_pool = 0

        async def transaction(session: Any, doc_id: int) -> None:
            await coll.insert_one({"_id": doc_id, "n": 0}, session=session)
            await coll.update_one({"_id": doc_id}, {"$inc": {"n": 1}}, session=session)

        async def worker(count: int) -> None:
            nonlocal next_id
            for _ in range(count):
                doc_id = next_id
                next_id += 1
                session = await client.start_session()
                await session.with_transaction(functools.partial(transaction, doc_id=doc_id))
                await session.end_session()

        async def sample_pool() -> None:
            nonlocal peak_pool
            while True:
                peak_pool = max(peak_pool, len(pool))
                await asyncio.sleep(0.01)

        async def phase(name: str, count: int) -> None:
            nonlocal peak_pool
            peak_pool = len(pool)
            started = time.perf_counter()
            sampler = asyncio.ensure_future(sample_pool())
            per_task, extra = divmod(count, TASKS)
            try:
                await asyncio.wait_for(
                    asyncio.gather(*(worker(per_task + (i < extra)) for i in range(TASKS))),
                    PHASE_TIMEOUT,
                )
            except asyncio.TimeoutError:
                pytest.fail(
                    "%s: %s (%d transactions on %d tasks) did not finish within %.0f s"
                    % (flavour_name, name, count, TASKS, PHASE_TIMEOUT),
                    pytrace=False,
                )
            finally:
                sampler.cancel()
            elapsed = time.perf_counter() - started
            # Let the loop run a moment first: timers cancelled during the
            # phase stay in its heap until due (a fraction of a second), and
            # each keeps the context it was made in, with the transaction's
            # session; counted at once, up to a hundred sessions look alive.
            await asyncio.sleep(SETTLE)
            gc.collect()
            client_sessions, server_sessions = live_sessions()
            rows.append(
                {
                    "phase": name,
                    "txn/s": count / elapsed,
                    "objects": len(gc.get_objects()),
                    "rss": rss_bytes(),
                    "pool": len(pool),
                    "peak pool": max(peak_pool, len(pool)),
                    "client sessions": client_sessions,
                    "server sessions": server_sessions,
                }
            )

        await phase("warm-up", WARM_UP)
        for number in range(1, PHASES + 1):
            await phase("phase %d" % number, PER_PHASE)
        assert await coll.count_documents({"n": 1}) == total
        assert await coll.count_documents({}) == total
        await coll.drop()

    started = time.perf_counter()
    flavour.run(body)
    elapsed = time.perf_counter() - started

    table = "\n".join(
        "  %-8s %5.0f txn/s  objects %6d  RSS %s  pool %3d (peak %3d)  live sessions: client %d, server %d"
        % (
            r["phase"], r["txn/s"], r["objects"], _mb(r["rss"]), r["pool"], r["peak pool"],
            r["client sessions"], r["server sessions"],
        )
        for r in rows
    )
    base, after = rows[0], rows[1:]
    object_growth = max(r["objects"] for r in after) - base["objects"]
    rss_growth = max(r["rss"] for r in after) - base["rss"]
    peak_pool = max(r["peak pool"] for r in rows)
    record_property(
        "soak",
        "soak %s: %d transactions on %d tasks in %.0f s; after the warm-up live objects %+d "
        "(limit %d), RSS %+.1f MB (limit %.1f MB); server-session pool at most %d\n%s"
        % (flavour_name, total, TASKS, elapsed, object_growth, OBJECT_SLACK, rss_growth / 1e6,
           RSS_SLACK / 1e6, peak_pool, table),
    )
    detail = "\n%s: %d transactions on %d tasks in %.0f s\n%s" % (flavour_name, total, TASKS, elapsed, table)
    assert object_growth <= OBJECT_SLACK, "live objects grew by %d after the warm-up%s" % (object_growth, detail)
    assert rss_growth <= RSS_SLACK, "RSS grew by %s after the warm-up%s" % (_mb(rss_growth), detail)
    assert all(r["client sessions"] == 0 for r in rows), "client sessions outlived their transactions%s" % detail
    # One server session per concurrent task, plus the set-up commands' own.
    assert peak_pool <= TASKS + 2, "the server-session pool grew past %d%s" % (TASKS + 2, detail)
    assert all(r["server sessions"] <= TASKS + 2 for r in rows), "server sessions outside the pool%s" % detail
