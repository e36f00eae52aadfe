"""Cancellation (issue 7, point 2): cancel a task at a random point in a transaction.

Per flavour, RUNS_PER_API runs cancel a task running ``with_transaction`` and
RUNS_PER_API cancel one inside ``async with s.start_transaction()``, after a
random delay drawn from a seeded generator (reproducible: the seed is in the
test id), spread over the whole length of an uncancelled transaction, so the
cancellation lands before the first command, during any operation, during the
commit, or after the end.

After every run:

* no transaction is left open on the server: a transactional write to the
  run's document from another client does not hit WriteConflict;
* no data from a cancelled transaction is visible, unless the cancellation
  came while commitTransaction was on the wire (then the outcome is unknown,
  but it is at most once);
* the session is not in a transaction and is usable for the next operation
  and transaction, then ends cleanly;
* PyMongo's pool has no connection checked out (CMAP events).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

import pytest
from reliability_support import DB, PoolRecorder, transaction_holds

RUNS_PER_API = 100
SEED = 20261121


@pytest.mark.parametrize("api", ["with_transaction", "start_transaction"])
def test_cancel_at_a_random_point(flavour: Any, sync_client: Any, api: str) -> None:
    rng = random.Random("%s-%s-%s" % (SEED, flavour.name, api))
    coll_name = "cancel_%s_%s" % (flavour.name, api)
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB].create_collection(coll_name)
    pool = PoolRecorder()
    outcomes: Counter[str] = Counter()

    async def body() -> None:
        client = flavour.client(listen=True, event_listeners=[pool])
        coll = client[DB][coll_name]

        async def transaction(s: Any, doc_id: str) -> str:
            await coll.insert_one({"_id": doc_id, "n": 1}, session=s)
            await coll.update_one({"_id": doc_id}, {"$inc": {"n": 1}}, session=s)
            await coll.find_one({"_id": doc_id}, session=s)
            return doc_id

        async def run(s: Any, doc_id: str) -> str:
            if api == "with_transaction":
                return await s.with_transaction(lambda s: transaction(s, doc_id))  # type: ignore[no-any-return]
            async with s.start_transaction():
                return await transaction(s, doc_id)

        # How long one uncancelled transaction takes here, so the random
        # points cover all of it (and a little after).
        durations = []
        async with await client.start_session() as s:
            for i in range(5):
                started = time.monotonic()
                await run(s, "calibrate-%d" % i)
                durations.append(time.monotonic() - started)
        # The median: one slow outlier must not push most points past the end.
        length = sorted(durations)[2]

        for i in range(RUNS_PER_API):
            doc_id = "run-%d" % i
            delay = rng.uniform(0, 1.1 * length)
            flavour.commands.clear()
            async with await client.start_session() as s:
                task = asyncio.ensure_future(run(s, doc_id))
                await asyncio.sleep(delay)
                task.cancel()
                done, _ = await asyncio.wait({task}, timeout=20)
                assert done, "run %d: the cancelled task did not finish within 20 s" % i
                cancelled = task.cancelled()
                if not cancelled:
                    assert task.result() == doc_id  # finished before the cancellation
                commit_sent = flavour.commands.count("commitTransaction") > 0
                outcome = "cancelled" if cancelled else "finished"
                if cancelled and commit_sent:
                    outcome = "cancelled-in-commit"
                outcomes[outcome] += 1

                assert not s.in_transaction, "run %d (%s): session still in a transaction" % (i, outcome)
                stored = sync_client[DB][coll_name].find_one({"_id": doc_id})
                if outcome == "finished":
                    assert stored == {"_id": doc_id, "n": 2}
                elif outcome == "cancelled":
                    assert stored is None, "run %d: data of a cancelled transaction is visible" % i
                else:
                    # Commit outcome unknown, but never partial or doubled.
                    assert stored in (None, {"_id": doc_id, "n": 2}), stored
                    outcomes["cancelled-in-commit-" + ("committed" if stored else "not-committed")] += 1
                # A commit cancelled on the wire may still be on its way to
                # the server: give it a bounded moment to land.
                patience = 2.0 if outcome == "cancelled-in-commit" else 0.0
                assert not await _open_transaction_stays(sync_client, coll_name, doc_id, patience), (
                    "run %d (%s): a transaction is still open on the server; commands: %s"
                    % (i, outcome, _command_story(flavour.commands))
                )
                # The session goes on: a plain read and, every tenth run, a
                # whole transaction.
                await coll.find_one({"_id": doc_id}, session=s)
                if i % 10 == 0:
                    await run(s, "after-%d" % i)
                    assert sync_client[DB][coll_name].find_one({"_id": "after-%d" % i})["n"] == 2
            assert s.has_ended
            assert pool.in_use() == 0, "run %d: connections still checked out: %s" % (i, pool.checked_out)

    flavour.run(body)
    assert pool.in_use() == 0
    assert sum(outcomes[k] for k in ("cancelled", "cancelled-in-commit", "finished")) == RUNS_PER_API
    # The random points really covered the transaction, not only one end.
    assert outcomes["cancelled"] >= RUNS_PER_API // 10, outcomes
    print("%s/%s cancellation outcomes: %s" % (flavour.name, api, dict(outcomes)))


RETRY_RUNS = 50


async def _open_transaction_stays(sync_client: Any, coll_name: str, doc_id: str, patience: float) -> bool:
    """True if a transaction holding ``doc_id`` is open now and after ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while transaction_holds(sync_client, DB, coll_name, doc_id):
        if time.monotonic() >= deadline:
            return True
        await asyncio.sleep(0.05)
    return False


def _command_story(recorder: Any) -> list[str]:
    """What was sent and how it ended, for a failure message."""
    ended = {e.request_id: "ok" for e in recorder.succeeded_events}
    ended.update({e.request_id: "failed %s" % (e.failure.get("code"),) for e in recorder.failed_events})
    return [
        "%s txn=%s %s" % (e.command_name, e.command.get("txnNumber"), ended.get(e.request_id, "no reply"))
        for e in recorder.started_events
    ]


def test_cancel_while_with_transaction_retries(flavour: Any, sync_client: Any) -> None:
    """Cancel during the retry loop: an operation, an abort or a backoff sleep.

    Every transaction's second operation fails with WriteConflict (112,
    TransientTransactionError), so with_transaction keeps aborting and
    retrying, backing off in between, until the task is cancelled at a random
    (seeded) point.  (The fault is not put on commitTransaction: a fail point
    refuses a commit without ending the transaction on the server, which then
    stays open until the session's next transaction or its expiry -- an
    artifact of the fail point, on mongod as here.)
    """
    rng = random.Random("%s-%s-retrying" % (SEED, flavour.name))
    coll_name = "cancel_retrying_%s" % flavour.name
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB].create_collection(coll_name)
    pool = PoolRecorder()
    points: Counter[str] = Counter()

    async def body() -> None:
        setup = flavour.client()
        client = flavour.client(listen=True, event_listeners=[pool])
        coll = client[DB][coll_name]

        async def transaction(s: Any, doc_id: str) -> None:
            await coll.insert_one({"_id": doc_id}, session=s)
            await coll.update_one({"_id": doc_id}, {"$inc": {"n": 1}}, session=s)

        fail = {"failCommands": ["update"], "errorCode": 112}
        async with flavour.fail_point(setup, "alwaysOn", fail):
            for i in range(RETRY_RUNS):
                doc_id = "retrying-%d" % i
                flavour.commands.clear()
                async with await client.start_session() as s:
                    task = asyncio.ensure_future(
                        s.with_transaction(lambda s, doc_id=doc_id: transaction(s, doc_id))
                    )
                    await asyncio.sleep(rng.uniform(0, 0.1))
                    task.cancel()
                    done, _ = await asyncio.wait({task}, timeout=20)
                    assert done and task.cancelled(), "run %d: not cancelled: %r" % (i, task)
                    points["attempts=%d" % flavour.commands.count("insert")] += 1
                    assert not s.in_transaction
                    assert sync_client[DB][coll_name].find_one({"_id": doc_id}) is None
                    assert not transaction_holds(sync_client, DB, coll_name, doc_id), (
                        "run %d: a transaction is still open on the server; commands: %s"
                        % (i, _command_story(flavour.commands))
                    )
                    await coll.find_one({"_id": doc_id}, session=s)
                assert pool.in_use() == 0, "run %d: connections still checked out" % i

    flavour.run(body)
    # The cancellations landed after different numbers of retries.
    assert len(points) >= 3, points
    print("%s: transaction attempts before the cancellation: %s" % (flavour.name, dict(points)))


BLOCK_MS = 400


@pytest.mark.parametrize("api", ["with_transaction", "start_transaction"])
def test_cancelled_first_operation_cannot_open_a_transaction_later(
    flavour: Any, sync_client: Any, api: str
) -> None:
    """The race the random cancellations hit now and then, made deterministic.

    The transaction's first operation (an insert carrying startTransaction)
    is held on the server for BLOCK_MS; the task is cancelled while it waits
    for the reply.  The abort that follows reaches the server first and finds
    no transaction (251, ignored).  Then the held insert runs and starts the
    transaction -- which nobody will ever commit or abort: it stays open,
    holding its writes, until the server reaps it (60 s) or the session's
    server session is reused.  No transaction may be left open.
    """
    coll_name = "cancel_first_op_%s_%s" % (flavour.name, api)
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB].create_collection(coll_name)
    doc_id = "held-insert"

    async def body() -> list[str]:
        setup = flavour.client()
        client = flavour.client(listen=True)
        coll = client[DB][coll_name]

        async def run(s: Any) -> None:
            if api == "with_transaction":
                await s.with_transaction(lambda s: coll.insert_one({"_id": doc_id}, session=s))
            else:
                async with s.start_transaction():
                    await coll.insert_one({"_id": doc_id}, session=s)

        held = {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": BLOCK_MS}
        async with flavour.fail_point(setup, {"times": 1}, held):
            flavour.commands.clear()
            async with await client.start_session() as s:
                task = asyncio.ensure_future(run(s))
                await _wait_for_start(flavour.commands, "insert")
                task.cancel()
                done, _ = await asyncio.wait({task}, timeout=20)
                assert done and task.cancelled()
                assert not s.in_transaction
                # Let the held insert run on the server.
                await asyncio.sleep(2 * BLOCK_MS / 1000)
                story = _command_story(flavour.commands)
                assert sync_client[DB][coll_name].find_one({"_id": doc_id}) is None
                assert not transaction_holds(sync_client, DB, coll_name, doc_id), (
                    "a transaction is still open on the server; commands: %s" % story
                )
        return story

    flavour.run(body)


async def _wait_for_start(recorder: Any, command_name: str) -> None:
    for _ in range(200):
        if any(e.command_name == command_name for e in recorder.started_events):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("%s was never sent" % command_name)
