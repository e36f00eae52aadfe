"""Restart (issue 7, point 4): the server stops mid-workload and comes back.

A server of its own, with persistent storage in a temporary directory, is
stopped (SIGTERM) while workers run transactions, then started again on the
same port.  Afterwards, read with a separate client:

* every ``with_transaction`` call returned: those in flight across the
  restart resumed after it (no error reaches the caller);
* explicit transactions in flight failed with labelled errors
  (TransientTransactionError, or UnknownTransactionCommitResult on commit);
* every transaction reported committed is present, exactly once (each
  transaction inserts its own ``_id`` and increments its worker's counter);
  none that failed with TransientTransactionError is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from embedded_server import EmbeddedServer, find_secantusd
from pymongo import MongoClient
from pymongo.errors import PyMongoError
from reliability_support import DB

TTE = "TransientTransactionError"
UTCR = "UnknownTransactionCommitResult"
WORKERS = 2  # of each kind
COMMITS_BEFORE = 3
COMMITS_AFTER = 3


@pytest.fixture(scope="module")
def persistent_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    executable = find_secantusd()
    if executable is None:
        pytest.fail("no embedded server (secantusd-py) to restart", pytrace=False)
    server = EmbeddedServer(executable, storage_path=str(tmp_path_factory.mktemp("secantus-data")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out after %.0f s waiting for %s" % (timeout, what)
        await asyncio.sleep(0.05)


def test_restart_mid_workload(flavour: Any, persistent_server: EmbeddedServer) -> None:
    server = persistent_server
    coll_name = "restart_%s" % flavour.name
    setup: MongoClient[dict[str, Any]]
    with MongoClient(server.uri, serverSelectionTimeoutMS=10000) as setup:
        setup[DB].drop_collection(coll_name)
        setup[DB].create_collection(coll_name)

    phase = "before"
    # (key, phase when the call started, phase when it returned)
    wt_committed: list[tuple[str, str, str]] = []
    wt_errors: list[tuple[str, BaseException]] = []
    ex_committed: list[str] = []
    ex_transient: list[str] = []
    ex_unknown: list[str] = []
    ex_unlabelled: list[tuple[str, BaseException]] = []

    async def body() -> None:
        nonlocal phase
        done = asyncio.Event()  # on the flavour's loop
        # One explicit transaction is held between its two writes until the
        # server is down, so that one is surely in flight across the restart.
        hold_one = False
        held = asyncio.Event()
        server_down = asyncio.Event()
        client = flavour.Client(
            server.uri,
            appName=flavour.app_name,
            # Rediscover the restarted server fast; wait for it longer than a restart takes.
            heartbeatFrequencyMS=500,
            serverSelectionTimeoutMS=20000,
        )
        coll = client[DB][coll_name]

        async def transaction(s: Any, key: str, counter: str) -> None:
            await coll.insert_one({"_id": key}, session=s)
            await coll.update_one({"_id": counter}, {"$inc": {"n": 1}}, upsert=True, session=s)

        async def with_transaction_worker(w: int) -> None:
            i = 0
            async with await client.start_session() as s:
                while not done.is_set():
                    key, i = "wt-%d-%d" % (w, i), i + 1
                    started = phase
                    try:
                        await s.with_transaction(
                            lambda s, key=key: transaction(s, key, "ctr-wt-%d" % w)
                        )
                    except Exception as exc:  # noqa: BLE001 - any error is a failure, checked below
                        wt_errors.append((key, exc))
                        await asyncio.sleep(0.05)
                        continue
                    wt_committed.append((key, started, phase))

        async def held_transaction(s: Any, key: str, counter: str) -> None:
            await coll.insert_one({"_id": key}, session=s)
            if hold_one and not held.is_set():
                held.set()
                await server_down.wait()
            await coll.update_one({"_id": counter}, {"$inc": {"n": 1}}, upsert=True, session=s)

        async def explicit_worker(w: int) -> None:
            i = 0
            async with await client.start_session() as s:
                while not done.is_set():
                    key, i = "ex-%d-%d" % (w, i), i + 1
                    try:
                        async with s.start_transaction():
                            await held_transaction(s, key, "ctr-ex-%d" % w)
                    except PyMongoError as exc:
                        if exc.has_error_label(UTCR):
                            ex_unknown.append(key)
                        elif exc.has_error_label(TTE):
                            ex_transient.append(key)
                        else:
                            ex_unlabelled.append((key, exc))
                        await asyncio.sleep(0.05)
                        continue
                    ex_committed.append(key)

        def committed_by(prefix: str, when: Optional[str] = None) -> int:
            if prefix == "wt":
                return sum(1 for _, started, _ in wt_committed if when is None or started == when)
            return len(ex_committed)

        workers = [asyncio.ensure_future(with_transaction_worker(w)) for w in range(WORKERS)]
        workers += [asyncio.ensure_future(explicit_worker(w)) for w in range(WORKERS)]
        try:
            await _wait_until(
                lambda: committed_by("wt") >= COMMITS_BEFORE * WORKERS and len(ex_committed) >= COMMITS_BEFORE * WORKERS,
                30, "transactions before the restart",
            )
            loop = asyncio.get_running_loop()
            hold_one = True
            await asyncio.wait_for(held.wait(), 30)
            phase = "down"
            await loop.run_in_executor(None, server.stop)
            server_down.set()
            ex_before = len(ex_committed)
            await loop.run_in_executor(None, server.start)
            phase = "after"
            await _wait_until(
                lambda: committed_by("wt", "after") >= COMMITS_AFTER * WORKERS
                and len(ex_committed) >= ex_before + COMMITS_AFTER * WORKERS,
                60, "transactions after the restart",
            )
        finally:
            done.set()
            finished, pending = await asyncio.wait(workers, timeout=60)
            for task in pending:
                task.cancel()
            await client.close()
        assert not pending, "workers did not stop within 60 s"
        for task in finished:
            task.result()

    flavour.run(body)

    # with_transaction resumed: nothing reached the callers, and calls that
    # started before the server came back returned after it did.
    assert wt_errors == [], wt_errors
    spanning = [key for key, started, ended in wt_committed if started != "after" and ended == "after"]
    assert spanning, "no with_transaction call was in flight across the restart"
    # Explicit transactions in flight failed with labelled errors only.
    assert ex_unlabelled == [], ex_unlabelled
    assert ex_transient or ex_unknown, "no explicit transaction was in flight across the restart"

    check: MongoClient[dict[str, Any]]
    with MongoClient(server.uri, serverSelectionTimeoutMS=10000) as check:
        coll: Any = check[DB][coll_name]
        stored = {doc["_id"]: doc.get("n") for doc in coll.find()}
    for key, _, _ in wt_committed:
        assert key in stored, "with_transaction reported %s committed; it is gone after the restart" % key
    for key in ex_committed:
        assert key in stored, "commit_transaction reported %s committed; it is gone after the restart" % key
    for key in ex_transient:
        assert key not in stored, "%s failed with TransientTransactionError but is stored" % key
    # Exactly once: each worker's counter equals its stored transactions.
    for kind in ("wt", "ex"):
        for w in range(WORKERS):
            docs = [k for k in stored if k.startswith("%s-%d-" % (kind, w))]
            assert stored.get("ctr-%s-%d" % (kind, w)) == len(docs), (kind, w, len(docs))
    wt_keys = {key for key, _, _ in wt_committed}
    assert {k for k in stored if k.startswith("wt-")} == wt_keys
    print(
        "%s: with_transaction %d committed (%d across the restart); explicit %d committed, "
        "%d transient, %d unknown commit result"
        % (flavour.name, len(wt_committed), len(spanning), len(ex_committed), len(ex_transient), len(ex_unknown))
    )
