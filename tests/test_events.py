"""with_transaction events (motorx.monitoring) against a real server.

Each retry path, driven by a fail point, must publish exactly the event
sequence the specification's decisions imply; the statistics listener must
add up to the callback invocations seen; a raising listener changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flavours import CommandRecorder, Flavour
from pymongo.errors import NetworkTimeout, OperationFailure

from motorx import _txcore, monitoring
from motorx.monitoring import TransactionListener, TransactionStatistics

DB = "motorx_test"


class EventRecorder(TransactionListener):
    """Every event, whole, and a compact form of the sequence to compare."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def started(self, event: Any) -> None:
        self.events.append(event)

    attempt_started = callback_failed = commit_failed = backoff = committed = gave_up = started

    def sequence(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for e in self.events:
            if isinstance(e, monitoring.WithTransactionStartedEvent):
                out.append(("started",))
            elif isinstance(e, monitoring.TransactionAttemptStartedEvent):
                out.append(("attempt", e.attempt))
            elif isinstance(e, monitoring.CallbackFailedEvent):
                out.append(("callback_failed", e.attempt, e.code, e.decision))
            elif isinstance(e, monitoring.CommitFailedEvent):
                out.append(("commit_failed", e.attempt, e.commit_attempt, e.code, e.decision))
            elif isinstance(e, monitoring.BackoffEvent):
                out.append(("backoff", e.attempt))
            elif isinstance(e, monitoring.CommittedEvent):
                out.append(("committed", e.attempts, e.commit_attempts))
            elif isinstance(e, monitoring.GaveUpEvent):
                out.append(("gave_up", e.attempts, type(e.error).__name__, type(e.cause).__name__))
            else:  # pragma: no cover - a new event type must be added here
                raise AssertionError(e)
        return out

    def of(self, cls: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


class RaisingListener(TransactionListener):
    """Raises from every method."""

    def __init__(self) -> None:
        self.calls = 0

    def started(self, event: Any) -> None:
        self.calls += 1
        raise RuntimeError("listener bug")

    attempt_started = callback_failed = commit_failed = backoff = committed = gave_up = started


@contextlib.contextmanager
def small_jitter() -> Iterator[None]:
    # Fast but non-zero backoff: the embedded server is not flooded.
    old = _txcore.set_retry_policy(jitter=lambda: 0.01)
    try:
        yield
    finally:
        _txcore.restore_retry_policy(old)


async def _fresh(client: Any, name: str) -> Any:
    coll = client[DB][name]
    await coll.drop()
    await client[DB].create_collection(name)
    return coll


def _name(flavour: Flavour, what: str) -> str:
    return "ev_%s_%s" % (what, flavour.name)


def _counting_insert(coll: Any, calls: list[int]) -> Any:
    async def callback(s: Any) -> str:
        calls.append(1)
        await coll.insert_one({"n": len(calls)}, session=s)
        return "ok"

    return callback


# -- every path, its whole sequence ------------------------------------------------


def test_committed_first_time(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "ok"))
        calls: list[int] = []
        async with await client.start_session() as s:
            assert await s.with_transaction(_counting_insert(coll, calls)) == "ok"
            session_id = s.session_id
        assert recorder.sequence() == [("started",), ("attempt", 1), ("committed", 1, 1)]
        for event in recorder.events:
            assert event.session_id == session_id
            assert event.app_name == flavour.app_name
        committed = recorder.of(monitoring.CommittedEvent)[0]
        assert committed.total_backoff == 0.0 and committed.elapsed > 0.0
        assert sync_client[DB][_name(flavour, "ok")].count_documents({}) == 1

    flavour.run(body)


def test_transient_callback_errors(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "tte"))
        calls: list[int] = []
        async with flavour.fail_point(client, {"times": 2}, {"failCommands": ["insert"], "errorCode": 112}):
            async with await client.start_session() as s:
                await s.with_transaction(_counting_insert(coll, calls))
        assert len(calls) == 3
        assert recorder.sequence() == [
            ("started",), ("attempt", 1),
            ("callback_failed", 1, 112, "retry_transaction"), ("backoff", 2), ("attempt", 2),
            ("callback_failed", 2, 112, "retry_transaction"), ("backoff", 3), ("attempt", 3),
            ("committed", 3, 1),
        ]
        failed = recorder.of(monitoring.CallbackFailedEvent)
        assert all(e.error_type == "OperationFailure" for e in failed)
        assert all("TransientTransactionError" in e.labels for e in failed)
        backoffs = [e.seconds for e in recorder.of(monitoring.BackoffEvent)]
        assert all(0.0 <= b <= 0.01 * 0.01125 for b in backoffs)
        committed = recorder.of(monitoring.CommittedEvent)[0]
        assert committed.total_backoff == pytest.approx(sum(backoffs))
        assert [d["n"] for d in sync_client[DB][_name(flavour, "tte")].find()] == [3]

    with small_jitter():
        flavour.run(body)


def test_unknown_commit_result_retries_the_commit(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        # Code 91 marks the server unknown; the next heartbeat rediscovers it.
        client = flavour.client(event_listeners=[recorder], heartbeatFrequencyMS=500)
        coll = await _fresh(client, _name(flavour, "utcr"))
        calls: list[int] = []
        async with flavour.fail_point(
            client, {"times": 2}, {"failCommands": ["commitTransaction"], "errorCode": 91}
        ):
            async with await client.start_session() as s:
                await s.with_transaction(_counting_insert(coll, calls))
        assert len(calls) == 1
        # PyMongo retries the commit once itself; the second failure is motorx's.
        assert recorder.sequence() == [
            ("started",), ("attempt", 1),
            ("commit_failed", 1, 1, 91, "retry_commit"),
            ("committed", 1, 2),
        ]
        assert "UnknownTransactionCommitResult" in recorder.of(monitoring.CommitFailedEvent)[0].labels
        assert sync_client[DB][_name(flavour, "utcr")].count_documents({}) == 1

    flavour.run(body)


def test_no_such_transaction_on_commit_retries_the_transaction(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "nst"))
        calls: list[int] = []
        async with flavour.fail_point(
            client, {"times": 1}, {"failCommands": ["commitTransaction"], "errorCode": 251}
        ):
            async with await client.start_session() as s:
                await s.with_transaction(_counting_insert(coll, calls))
        assert len(calls) == 2
        assert recorder.sequence() == [
            ("started",), ("attempt", 1),
            ("commit_failed", 1, 1, 251, "retry_transaction"), ("backoff", 2), ("attempt", 2),
            ("committed", 2, 1),
        ]
        assert [d["n"] for d in sync_client[DB][_name(flavour, "nst")].find()] == [2]

    with small_jitter():
        flavour.run(body)


def test_non_retryable_callback_error_is_raised(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "raise"))

        async def callback(s: Any) -> None:
            await coll.insert_one({}, session=s)
            raise KeyError("application bug")

        async with await client.start_session() as s:
            with pytest.raises(KeyError, match="application bug"):
                await s.with_transaction(callback)
        assert recorder.sequence() == [
            ("started",), ("attempt", 1), ("callback_failed", 1, None, "raise"),
        ]
        assert recorder.of(monitoring.CallbackFailedEvent)[0].error_type == "KeyError"
        assert sync_client[DB][_name(flavour, "raise")].count_documents({}) == 0

    flavour.run(body)


def test_non_retryable_commit_error_is_raised(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "commit_raise"))
        calls: list[int] = []
        # Unauthorized (13) carries no retry label.
        async with flavour.fail_point(
            client, {"times": 1}, {"failCommands": ["commitTransaction"], "errorCode": 13}
        ):
            async with await client.start_session() as s:
                with pytest.raises(OperationFailure) as info:
                    await s.with_transaction(_counting_insert(coll, calls))
        assert info.value.code == 13
        assert recorder.sequence() == [
            ("started",), ("attempt", 1), ("commit_failed", 1, 1, 13, "raise"),
        ]

    flavour.run(body)


def test_window_spent_gives_up(flavour: Flavour, sync_client: Any) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "gave_up"))
        calls: list[int] = []
        async with flavour.fail_point(client, {"times": 1}, {"failCommands": ["insert"], "errorCode": 112}):
            async with await client.start_session() as s:
                with pytest.raises(NetworkTimeout) as info:
                    await s.with_transaction(_counting_insert(coll, calls))
        assert recorder.sequence() == [
            ("started",), ("attempt", 1),
            ("callback_failed", 1, 112, "give_up"),
            ("gave_up", 1, "NetworkTimeout", "OperationFailure"),
        ]
        gave_up = recorder.of(monitoring.GaveUpEvent)[0]
        assert gave_up.error is info.value and gave_up.cause is info.value.__cause__
        assert info.value.has_error_label("TransientTransactionError")
        assert sync_client[DB][_name(flavour, "gave_up")].count_documents({}) == 0

    old = _txcore.set_retry_policy(window=0.0)  # every retry is past the window
    try:
        flavour.run(body)
    finally:
        _txcore.restore_retry_policy(old)


def test_callback_that_commits_itself(flavour: Flavour) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[recorder])
        coll = await _fresh(client, _name(flavour, "self_commit"))

        async def callback(s: Any) -> None:
            await coll.insert_one({}, session=s)
            await s.commit_transaction()

        async with await client.start_session() as s:
            await s.with_transaction(callback)
        assert recorder.sequence() == [("started",), ("attempt", 1), ("committed", 1, 0)]

    flavour.run(body)


# -- listeners that misbehave, registration, no listener ---------------------------


def test_raising_listener_changes_nothing(
    flavour: Flavour, sync_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    raising, recorder = RaisingListener(), EventRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[raising, recorder])
        coll = await _fresh(client, _name(flavour, "raising"))
        calls: list[int] = []
        async with flavour.fail_point(client, {"times": 1}, {"failCommands": ["insert"], "errorCode": 112}):
            async with await client.start_session() as s:
                assert await s.with_transaction(_counting_insert(coll, calls)) == "ok"
        assert len(calls) == 2
        assert [d["n"] for d in sync_client[DB][_name(flavour, "raising")].find()] == [2]

    with caplog.at_level(logging.ERROR, logger="motorx.monitoring"), small_jitter():
        flavour.run(body)
    # The listener after the raising one saw every event.
    assert recorder.sequence() == [
        ("started",), ("attempt", 1), ("callback_failed", 1, 112, "retry_transaction"),
        ("backoff", 2), ("attempt", 2), ("committed", 2, 1),
    ]
    assert raising.calls == len(recorder.events) == 6
    logged = [r for r in caplog.records if r.name == "motorx.monitoring"]
    assert len(logged) == 6
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in logged)


def test_pymongo_and_motorx_listeners_share_event_listeners(flavour: Flavour) -> None:
    recorder, commands = EventRecorder(), CommandRecorder()

    async def body() -> None:
        client = flavour.client(event_listeners=[commands, recorder])
        assert client._transaction_listeners == (recorder,)
        coll = await _fresh(client, _name(flavour, "shared"))
        commands.clear()
        async with await client.start_session() as s:
            await s.with_transaction(lambda s: coll.insert_one({}, session=s))
        assert commands.names() == ["insert", "commitTransaction"]
        assert recorder.sequence()[-1] == ("committed", 1, 1)

    flavour.run(body)


def test_no_listener_means_no_publisher(flavour: Flavour) -> None:
    async def body() -> None:
        assert flavour.client()._transaction_listeners == ()
        assert flavour.client(event_listeners=[CommandRecorder()])._transaction_listeners == ()

    flavour.run(body)


def test_global_registration_applies_to_clients_created_after_it(flavour: Flavour) -> None:
    recorder = EventRecorder()

    async def body() -> None:
        before = flavour.client()
        monitoring.register(recorder)
        try:
            after = flavour.client()
        finally:
            monitoring._GLOBAL_LISTENERS.remove(recorder)
        assert before._transaction_listeners == ()
        assert after._transaction_listeners == (recorder,)
        async with await after.start_session() as s:
            await s.with_transaction(lambda s: after[DB][_name(flavour, "global")].insert_one({}, session=s))
        assert recorder.sequence() == [("started",), ("attempt", 1), ("committed", 1, 1)]

    flavour.run(body)


def test_register_refuses_what_is_not_a_transaction_listener() -> None:
    with pytest.raises(TypeError, match="TransactionListener"):
        monitoring.register(CommandRecorder())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="TransactionListener"):
        monitoring.register(object())  # type: ignore[arg-type]
    assert monitoring._GLOBAL_LISTENERS == []


def test_bad_event_listeners_still_get_pymongos_error(flavour: Flavour) -> None:
    with pytest.raises(TypeError):
        flavour.Client(flavour.uri, event_listeners=42)
    with pytest.raises(TypeError):
        flavour.Client(flavour.uri, event_listeners=[object()])


# -- the statistics listener --------------------------------------------------------


def test_statistics_add_up_to_the_callback_invocations(flavour: Flavour, sync_client: Any) -> None:
    stats = TransactionStatistics()
    calls: list[int] = []

    async def body() -> None:
        client = flavour.client(event_listeners=[stats])
        coll = await _fresh(client, _name(flavour, "stats"))
        callback = _counting_insert(coll, calls)
        async with await client.start_session() as s:
            for _ in range(3):
                await s.with_transaction(callback)
            async with flavour.fail_point(client, {"times": 2}, {"failCommands": ["insert"], "errorCode": 112}):
                await s.with_transaction(callback)
            async with flavour.fail_point(
                client, {"times": 1}, {"failCommands": ["commitTransaction"], "errorCode": 251}
            ):
                await s.with_transaction(callback)

            async def bad(s: Any) -> None:
                calls.append(1)
                raise ValueError("no")

            with pytest.raises(ValueError):
                await s.with_transaction(bad)

    with small_jitter():
        flavour.run(body)
    snap = stats.snapshot()
    assert snap["callback_invocations"] == len(calls) == 3 + 3 + 2 + 1
    assert snap["calls"] == 6 and snap["committed"] == 5 and snap["raised"] == 1 and snap["gave_up"] == 0
    assert snap["retries"] == 3 and snap["commit_retries"] == 0
    assert snap["retries_by_reason"] == {
        "callback:TransientTransactionError": 2, "commit:TransientTransactionError": 1,
    }
    assert snap["attempts_per_call"] == {1: 3, 2: 1, 3: 1}
    assert snap["backoffs"] == 3 and snap["backoff_total"] >= 0.0
    assert 0.0 < snap["duration_p50"] <= snap["duration_p99"]
    assert sync_client[DB][_name(flavour, "stats")].count_documents({}) == 5
    stats.reset()
    assert stats.snapshot()["calls"] == 0 and stats.snapshot()["duration_p50"] is None


def test_statistics_reject_a_bad_sample_size() -> None:
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError):
            TransactionStatistics(max_samples=bad)  # type: ignore[arg-type]


def test_statistics_keep_the_last_samples() -> None:
    stats = TransactionStatistics(max_samples=3)
    for elapsed in (1.0, 2.0, 3.0, 4.0, 5.0):
        stats.committed(monitoring.CommittedEvent({"id": 1}, None, 1, 1, 0.0, elapsed))
    snap = stats.snapshot()
    assert snap["committed"] == 5
    assert (snap["duration_p50"], snap["duration_p99"]) == (4.0, 5.0)
