"""Pure-logic tests of the compiled session core, ``motorx._txcore``.

No server, no I/O, no event loop: the core only decides, so every decision is
checked here directly, against PyMongo's own rules and messages and against
small reference models written in this file:

* ``PyMongoSessionModel``: PyMongo's ``AsyncClientSession`` transaction rules
  (start/commit/abort/operation/end), state and messages only.
* ``reference_with_transaction``: the Convenient Transactions API
  specification's ``withTransaction`` pseudo-code, with PyMongo's backoff
  ``jitter * min(0.005 * 1.5**retry, 0.5)`` before retry number ``retry``.

The error ``with_transaction`` raises once its retry window is spent is built
in Python, by ``motorx.session._window_spent_error`` (pure, no I/O): the core
only answers GIVE_UP, so that error is tested here too.

Retry-policy changes are always undone (``policy()`` context manager), and the
module-scoped fixture at the bottom checks that nothing leaked.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.machinery
import inspect
import random
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    ExecutionTimeout,
    InvalidOperation,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
    WTimeoutError,
)

import motorx._txcore as txcore
from motorx._txcore import (
    GIVE_UP,
    RAISE,
    RETRY_COMMIT,
    RETRY_TRANSACTION,
    CoreDisagreement,
    RetryLoop,
    SessionCore,
    backoff_ceiling,
    get_retry_policy,
    restore_retry_policy,
    set_retry_policy,
)
from motorx.session import _window_spent_error

NONE, STARTING, IN_PROGRESS, COMMITTED, COMMITTED_EMPTY, ABORTED = 1, 2, 3, 4, 5, 6
ALL_STATES = (NONE, STARTING, IN_PROGRESS, COMMITTED, COMMITTED_EMPTY, ABORTED)

TTE = "TransientTransactionError"
UTCR = "UnknownTransactionCommitResult"

MSG_IN_PROGRESS = "Transaction already in progress"
MSG_ENDED = "Cannot use ended session"
MSG_SNAPSHOT = "Transactions are not supported in snapshot sessions"
MSG_NO_TXN = "No transaction started"
MSG_COMMIT_AFTER_ABORT = "Cannot call commitTransaction after calling abortTransaction"
MSG_ABORT_TWICE = "Cannot call abortTransaction twice"
MSG_ABORT_AFTER_COMMIT = "Cannot call abortTransaction after calling commitTransaction"

HYPOTHESIS = settings(
    max_examples=200,
    deadline=None,
    database=None,  # write nothing into the repository
    suppress_health_check=[HealthCheck.too_slow],
)


# -- helpers ----------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self, start: float = 0.0) -> None:
        self.ticks = [start]  # every value the clock has been advanced to
        self.calls = 0

    @property
    def now(self) -> float:
        return self.ticks[-1]

    def advance(self, seconds: float) -> None:
        self.ticks.append(self.ticks[-1] + seconds)

    def __call__(self) -> float:
        self.calls += 1
        return self.ticks[-1]


class Jitter:
    """A jitter source returning the given values in turn (the last one repeats)."""

    def __init__(self, *values: float) -> None:
        self.values = list(values) or [0.5]
        self.calls = 0

    def __call__(self) -> float:
        value = self.values[min(self.calls, len(self.values) - 1)]
        self.calls += 1
        return value


def constant(value: float) -> Any:
    return lambda: value


@contextlib.contextmanager
def policy(**kwargs: Any) -> Iterator[tuple]:
    old = set_retry_policy(**kwargs)
    try:
        yield old
    finally:
        restore_retry_policy(old)


def op_failure(msg: str = "x", code: Optional[int] = 112, labels: tuple = ()) -> OperationFailure:
    return OperationFailure(
        msg, code, {"errorLabels": list(labels), "code": code, "ok": 0, "errmsg": msg}
    )


def labelled(exc: PyMongoError, *labels: str) -> PyMongoError:
    for label in labels:
        exc._add_error_label(label)
    return exc


def max_time_top(msg: str = "x", labels: tuple = ()) -> OperationFailure:
    """``{ok: 0, code: 50, codeName: "MaxTimeMSExpired"}``."""
    return OperationFailure(
        msg,
        50,
        {"ok": 0, "code": 50, "codeName": "MaxTimeMSExpired", "errmsg": msg,
         "errorLabels": list(labels)},
    )


def max_time_wce(msg: str = "x", labels: tuple = ()) -> WriteConcernError:
    """What PyMongo raises for ``{ok: 1, writeConcernError: {code: 50}}``."""
    return WriteConcernError(
        msg,
        50,
        {"code": 50, "codeName": "MaxTimeMSExpired", "errmsg": msg, "errorLabels": list(labels)},
    )


def max_time_in_details(msg: str = "x", labels: tuple = ()) -> OperationFailure:
    """An error whose code is not 50 but whose response holds a code-50 write concern error."""
    return OperationFailure(
        msg,
        None,
        {"ok": 1, "writeConcernError": {"code": 50, "codeName": "MaxTimeMSExpired",
                                        "errmsg": msg},
         "errorLabels": list(labels)},
    )


def max_time_execution_timeout(msg: str = "x", labels: tuple = ()) -> ExecutionTimeout:
    return ExecutionTimeout(
        msg, 50, {"ok": 0, "code": 50, "errmsg": msg, "errorLabels": list(labels)}
    )


MAX_TIME_BUILDERS = {
    "top-level code 50": max_time_top,
    "WriteConcernError code 50": max_time_wce,
    "writeConcernError code 50 in details": max_time_in_details,
    "ExecutionTimeout code 50": max_time_execution_timeout,
}


def core_in(state: int, snapshot: bool = False) -> SessionCore:
    """A SessionCore driven to ``state`` the way the Python layer drives it."""
    paths = {
        NONE: [],
        STARTING: [STARTING],
        IN_PROGRESS: [STARTING, IN_PROGRESS],
        COMMITTED: [STARTING, IN_PROGRESS, COMMITTED],
        COMMITTED_EMPTY: [STARTING, COMMITTED_EMPTY],
        ABORTED: [STARTING, ABORTED],
    }
    core = SessionCore(snapshot=snapshot)
    for step in paths[state]:
        if step == STARTING:
            core.begin_transaction(("options",))
            assert core.take_pending_start() == ("options",)
        core.observe(step)
    assert core.state == state and not core.start_pending and not core.ended
    return core


def raised(fn: Any, *args: Any) -> Optional[tuple]:
    """``None`` if ``fn(*args)`` returned, else ``(type, message)`` of what it raised."""
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return (type(exc), str(exc))
    return None


# -- 1. the compiled module ------------------------------------------------------


def test_module_is_a_compiled_extension() -> None:
    assert txcore.__file__.endswith((".so", ".pyd")), txcore.__file__
    assert txcore.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    assert isinstance(txcore.__loader__, importlib.machinery.ExtensionFileLoader)
    # cdef-level names (the transition table, the error classifiers) are not
    # reachable from Python in the compiled module.
    for private in ("_LEGAL", "_bit", "_has_label", "_is_max_time_expired", "_clock",
                    "_jitter", "_window_override", "_MONOTONIC", "_DEFAULT_WINDOW",
                    "_CAPPED_RETRY", "_checked_window"):
        assert not hasattr(txcore, private), private


def test_the_removed_api_is_gone() -> None:
    # The session wrapper, its constructor and the shared no-options tuple
    # moved to motorx.session; the with_transaction hot path and the timeout
    # error are built in Python from the core's decisions.
    for name in ("SessionBase", "new_session", "NO_OPTIONS"):
        assert not hasattr(txcore, name), name
    assert not hasattr(SessionCore, "start_with_transaction")
    loop = RetryLoop(window=1.0, clock=FakeClock(), jitter=constant(0.5))
    for name in ("timeout_error", "options", "listeners"):
        assert not hasattr(RetryLoop, name) and not hasattr(loop, name), name


@pytest.mark.parametrize("cls, instance", [
    (SessionCore, lambda: SessionCore()),
    (RetryLoop, lambda: RetryLoop(window=1.0, clock=FakeClock(), jitter=constant(0.5))),
])
def test_core_classes_are_extension_types(cls: type, instance: Any) -> None:
    obj = instance()
    assert not hasattr(obj, "__dict__")
    with pytest.raises(AttributeError):
        obj.some_new_attribute = 1
    # Read-only C fields are getset descriptors, which Python code cannot create.
    field = "state" if cls is SessionCore else "attempt"
    assert isinstance(cls.__dict__[field], types.GetSetDescriptorType)
    with pytest.raises(AttributeError):
        setattr(obj, field, 3)
    # Methods are compiled functions, not Python functions.
    method = "check_commit" if cls is SessionCore else "on_commit_error"
    assert not inspect.isfunction(getattr(cls, method))
    assert not isinstance(getattr(cls, method), types.FunctionType)


def test_module_constants() -> None:
    from pymongo.asynchronous.client_session import _TxnState

    assert (txcore.TXN_NONE, txcore.TXN_STARTING, txcore.TXN_IN_PROGRESS, txcore.TXN_COMMITTED,
            txcore.TXN_COMMITTED_EMPTY, txcore.TXN_ABORTED) == (
        _TxnState.NONE, _TxnState.STARTING, _TxnState.IN_PROGRESS, _TxnState.COMMITTED,
        _TxnState.COMMITTED_EMPTY, _TxnState.ABORTED) == ALL_STATES
    assert txcore.STATE_NAMES == {
        1: "NONE", 2: "STARTING", 3: "IN_PROGRESS", 4: "COMMITTED", 5: "COMMITTED_EMPTY",
        6: "ABORTED",
    }
    # The decisions are the strings motorx.monitoring publishes.
    assert (RETRY_TRANSACTION, RETRY_COMMIT, RAISE, GIVE_UP) == (
        "retry_transaction", "retry_commit", "raise", "give_up")
    import motorx.monitoring as monitoring

    assert (monitoring.RETRY_TRANSACTION, monitoring.RETRY_COMMIT, monitoring.RAISE,
            monitoring.GIVE_UP) == (RETRY_TRANSACTION, RETRY_COMMIT, RAISE, GIVE_UP)
    assert (txcore.DEFAULT_WINDOW, txcore.BACKOFF_INITIAL, txcore.BACKOFF_MAX,
            txcore.BACKOFF_GROWTH) == (120.0, 0.005, 0.5, 1.5)


# -- 2. SessionCore ---------------------------------------------------------------


def test_core_disagreement_is_an_assertion_error() -> None:
    assert issubclass(CoreDisagreement, AssertionError)
    assert not issubclass(CoreDisagreement, PyMongoError)


@pytest.mark.parametrize("snapshot", [False, True])
def test_new_session_core(snapshot: bool) -> None:
    core = SessionCore(snapshot=snapshot)
    assert core.state == NONE
    assert core.snapshot is snapshot
    assert core.ended is False and core.start_pending is False
    assert core.pending_options is None and core.in_transaction is False
    core.check_usable()  # does not raise


def test_begin_transaction_records_a_pending_start() -> None:
    core = SessionCore()
    options = ("rc", "wc", "rp", 100)
    core.begin_transaction(options)
    assert core.state == STARTING
    assert core.start_pending is True
    assert core.pending_options is options
    assert core.in_transaction is True


def test_take_pending_start_returns_the_options_once() -> None:
    core = SessionCore()
    options = object()
    assert core.take_pending_start() is None  # nothing pending yet
    core.begin_transaction(options)
    assert core.take_pending_start() is options
    assert core.start_pending is False and core.pending_options is None
    assert core.state == STARTING and core.in_transaction
    assert core.take_pending_start() is None
    assert core.state == STARTING


@pytest.mark.parametrize("state", [STARTING, IN_PROGRESS])
def test_begin_transaction_while_in_transaction(state: int) -> None:
    core = core_in(state)
    with pytest.raises(InvalidOperation, match=f"^{MSG_IN_PROGRESS}$"):
        core.begin_transaction(("again",))
    assert core.state == state and not core.start_pending


def test_begin_transaction_while_a_start_is_pending() -> None:
    core = SessionCore()
    first = ("first",)
    core.begin_transaction(first)
    with pytest.raises(InvalidOperation, match=f"^{MSG_IN_PROGRESS}$"):
        core.begin_transaction(("second",))
    # The first pending start is kept.
    assert core.start_pending and core.pending_options is first
    assert core.take_pending_start() is first


@pytest.mark.parametrize("state", [NONE, COMMITTED, COMMITTED_EMPTY, ABORTED])
def test_begin_transaction_from_a_finished_state(state: int) -> None:
    core = core_in(state)
    core.begin_transaction(("next",))
    assert core.state == STARTING and core.start_pending
    assert core.pending_options == ("next",)


def test_begin_transaction_on_a_snapshot_session() -> None:
    core = SessionCore(snapshot=True)
    with pytest.raises(InvalidOperation, match=f"^{MSG_SNAPSHOT}$"):
        core.begin_transaction(())
    assert core.state == NONE and not core.start_pending


@pytest.mark.parametrize("snapshot", [False, True])
def test_begin_transaction_on_an_ended_session(snapshot: bool) -> None:
    # PyMongo checks "ended" before "snapshot".
    core = SessionCore(snapshot=snapshot)
    core.end()
    with pytest.raises(InvalidOperation, match=f"^{MSG_ENDED}$"):
        core.begin_transaction(())
    assert not core.start_pending


CHECK_COMMIT = {
    NONE: MSG_NO_TXN,
    STARTING: None,
    IN_PROGRESS: None,
    COMMITTED: None,  # re-commit is allowed
    COMMITTED_EMPTY: None,
    ABORTED: MSG_COMMIT_AFTER_ABORT,
}

CHECK_ABORT = {
    NONE: MSG_NO_TXN,
    STARTING: None,
    IN_PROGRESS: None,
    COMMITTED: MSG_ABORT_AFTER_COMMIT,
    COMMITTED_EMPTY: MSG_ABORT_AFTER_COMMIT,
    ABORTED: MSG_ABORT_TWICE,
}


@pytest.mark.parametrize("state", ALL_STATES)
def test_check_commit(state: int) -> None:
    core = core_in(state)
    expected = CHECK_COMMIT[state]
    assert raised(core.check_commit) == (None if expected is None else (InvalidOperation, expected))
    assert core.state == state  # a check never moves the state


@pytest.mark.parametrize("state", ALL_STATES)
def test_check_abort(state: int) -> None:
    core = core_in(state)
    expected = CHECK_ABORT[state]
    assert raised(core.check_abort) == (None if expected is None else (InvalidOperation, expected))
    assert core.state == state


def test_checks_allow_commit_and_abort_of_a_pending_start() -> None:
    core = SessionCore()
    core.begin_transaction(())
    core.check_commit()
    core.check_abort()
    assert core.start_pending and core.state == STARTING


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("kind", ["commit", "abort"])
def test_begin_commit_and_abort_check_like_the_checks(state: int, kind: str) -> None:
    # begin_commit/begin_abort are check_* plus take_pending_start, in one call.
    core = core_in(state)
    expected = (CHECK_COMMIT if kind == "commit" else CHECK_ABORT)[state]
    begin = core.begin_commit if kind == "commit" else core.begin_abort
    if expected is not None:
        assert raised(begin) == (InvalidOperation, expected)
        assert core.state == state
    else:
        assert begin() is None  # no start pending in core_in's states
        assert core.state == state


@pytest.mark.parametrize("kind", ["operation", "commit", "abort"])
def test_the_gates_steps_hand_over_a_pending_start_once(kind: str) -> None:
    # What enters the session's gate (an operation, commit or abort) is
    # checked, marked in flight and given the start to apply first.
    core = SessionCore()
    options = ("rc", None, None, 5)
    core.begin_transaction(options)
    begin = {"operation": core.enter_operation, "commit": core.begin_commit, "abort": core.begin_abort}[kind]
    assert begin() is options
    assert core.start_pending is False and core.pending_options is None
    assert core.state == STARTING and core.in_use
    core.leave_operation(STARTING)  # PyMongo's start applied, nothing else yet
    assert begin() is None


@pytest.mark.parametrize("kind", ["commit", "abort"])
def test_begin_commit_and_abort_refuse_an_ended_session(kind: str) -> None:
    core = SessionCore()
    core.begin_transaction(())
    core.end()
    begin = core.begin_commit if kind == "commit" else core.begin_abort
    assert raised(begin) == (InvalidOperation, MSG_ENDED)


def test_begin_transaction_without_pending_is_applied_at_once() -> None:
    # with_transaction's path: core.begin_transaction(options, False), then
    # the caller starts PyMongo's transaction itself.  Nothing is held back.
    core = SessionCore()
    options = ("rc", None, None, 5)
    core.begin_transaction(options, pending=False)
    assert core.state == STARTING and core.in_transaction
    assert core.start_pending is False and core.pending_options is None
    assert not core.in_use
    assert core.take_pending_start() is None
    assert core.begin_commit() is None  # no start to apply first
    assert core.in_use
    core.leave_operation(COMMITTED_EMPTY)  # PyMongo's state is adopted at once
    assert core.state == COMMITTED_EMPTY and not core.in_use


def test_a_start_applied_at_once_follows_pymongo_at_once() -> None:
    # A pending start ignores PyMongo's older state (it has not heard of the
    # transaction yet); a start applied at once does not: PyMongo is then
    # authoritative, and still reporting the previous transaction's state is
    # a disagreement.
    core = core_in(COMMITTED)
    core.begin_transaction(("opts",), False)
    with pytest.raises(CoreDisagreement, match="STARTING cannot follow PyMongo to COMMITTED"):
        core.observe(COMMITTED)
    assert core.state == STARTING
    core.enter_operation()
    assert core.in_use
    core.leave_operation(IN_PROGRESS)
    assert core.state == IN_PROGRESS and not core.in_use


@pytest.mark.parametrize("state", ALL_STATES)
def test_begin_transaction_checks_the_same_with_or_without_pending(state: int) -> None:
    held, at_once = core_in(state), core_in(state)
    expected = raised(held.begin_transaction, ("opts",))
    assert raised(at_once.begin_transaction, ("opts",), False) == expected
    if expected is None:
        assert held.start_pending and held.pending_options == ("opts",)
        assert at_once.state == STARTING
        assert not at_once.start_pending and at_once.pending_options is None
    else:
        assert expected == (InvalidOperation, MSG_IN_PROGRESS)
        assert at_once.state == state  # refused before anything changed


def test_begin_transaction_without_pending_refuses_snapshot_and_ended_sessions() -> None:
    snapshot = SessionCore(snapshot=True)
    assert raised(snapshot.begin_transaction, (), False) == (InvalidOperation, MSG_SNAPSHOT)
    assert snapshot.state == NONE
    core = SessionCore()
    core.end()
    assert raised(core.begin_transaction, (), False) == (InvalidOperation, MSG_ENDED)
    assert core.state == NONE and not core.start_pending


def test_begin_transaction_without_pending_keeps_a_pending_start() -> None:
    core = SessionCore()
    first = ("first",)
    core.begin_transaction(first)
    assert raised(core.begin_transaction, ("second",), False) == (
        InvalidOperation, MSG_IN_PROGRESS)
    assert core.start_pending and core.pending_options is first


MSG_BUSY = (
    "This session is running another operation of its transaction: "
    "only the code that started the transaction may use the session "
    "until it ends (one task per session)"
)


@pytest.mark.parametrize("state", ALL_STATES)
def test_one_operation_of_a_transaction_at_a_time(state: int) -> None:
    core = core_in(state)
    core.enter_operation()
    if state in (STARTING, IN_PROGRESS):
        assert core.in_use
        assert raised(core.enter_operation) == (InvalidOperation, MSG_BUSY)
        assert raised(core.begin_commit) == (InvalidOperation, MSG_BUSY)
        assert raised(core.begin_abort) == (InvalidOperation, MSG_BUSY)
        assert core.state == state and core.in_use  # refusals change nothing
        core.leave_operation(IN_PROGRESS)
        assert not core.in_use and core.state == IN_PROGRESS
        core.enter_operation()  # free again
        core.leave_operation(IN_PROGRESS)
    else:
        # Outside a transaction motorx adds no check.
        assert not core.in_use
        core.enter_operation()
        core.leave_operation(state)
        assert core.state == state


def test_commit_and_abort_hold_the_session_until_they_finish() -> None:
    core = core_in(IN_PROGRESS)
    assert core.begin_commit() is None
    assert core.in_use
    assert raised(core.enter_operation) == (InvalidOperation, MSG_BUSY)
    core.observe(COMMITTED)  # observing alone does not free it
    assert core.in_use and core.state == COMMITTED
    core.leave_operation(COMMITTED)
    assert not core.in_use and core.state == COMMITTED


def test_with_transaction_may_force_its_abort() -> None:
    core = core_in(IN_PROGRESS)
    core.enter_operation()  # a callback operation still in flight
    assert core.begin_abort(True) is None
    core.leave_operation(ABORTED)
    assert core.state == ABORTED and not core.in_use


def test_leave_operation_adopts_the_first_command_of_a_transaction() -> None:
    core = SessionCore()
    core.begin_transaction(())
    assert core.take_pending_start() == ()
    core.enter_operation()
    core.leave_operation(IN_PROGRESS)
    assert core.state == IN_PROGRESS
    # While a start is pending PyMongo's older state is not adopted.
    core2 = core_in(COMMITTED)
    core2.begin_transaction(())
    core2.leave_operation(COMMITTED)
    assert core2.state == STARTING and core2.start_pending
    with pytest.raises(CoreDisagreement):
        core_in(STARTING).leave_operation(COMMITTED)


@pytest.mark.parametrize("finished", [COMMITTED, COMMITTED_EMPTY, ABORTED])
def test_an_operation_after_a_finished_transaction_follows_pymongo_to_none(finished: int) -> None:
    # PyMongo resets a finished transaction's state when the session runs
    # its next operation; the core must follow, so that abort_transaction
    # then says "No transaction started" as PyMongo does.
    core = core_in(finished)
    core.enter_operation()
    core.leave_operation(NONE)
    assert core.state == NONE
    assert raised(core.begin_abort) == (InvalidOperation, MSG_NO_TXN)


def test_an_ended_session_keeps_its_state_after_a_refused_operation() -> None:
    # A pending start dropped by end(): PyMongo still reports the previous
    # transaction's state when it refuses the next operation.
    core = core_in(COMMITTED)
    core.begin_transaction(())
    core.end()
    assert core.state == ABORTED
    core.enter_operation()
    core.leave_operation(COMMITTED)  # no CoreDisagreement
    assert core.state == ABORTED and not core.in_use


def test_a_new_transaction_starts_idle() -> None:
    core = core_in(IN_PROGRESS)
    core.enter_operation()
    core.end()
    core2 = core_in(ABORTED)
    core2.begin_transaction(())
    assert not core2.in_use


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_check_fails_on_an_ended_session(state: int) -> None:
    core = core_in(state)
    core.end()
    for check in (core.check_usable, core.check_commit, core.check_abort):
        assert raised(check) == (InvalidOperation, MSG_ENDED)
    assert raised(core.begin_transaction, ()) == (InvalidOperation, MSG_ENDED)


@pytest.mark.parametrize("state, after", [
    (NONE, NONE),
    (STARTING, ABORTED),
    (IN_PROGRESS, ABORTED),
    (COMMITTED, COMMITTED),
    (COMMITTED_EMPTY, COMMITTED_EMPTY),
    (ABORTED, ABORTED),
])
def test_end(state: int, after: int) -> None:
    core = core_in(state)
    core.end()
    assert core.ended is True
    assert core.state == after
    assert core.in_transaction is False
    core.end()  # ending twice is harmless
    assert core.ended and core.state == after


def test_end_drops_a_pending_start() -> None:
    core = core_in(COMMITTED)
    core.begin_transaction(("opts",))
    core.end()
    assert core.ended and not core.start_pending and core.pending_options is None
    assert core.state == ABORTED and not core.in_transaction
    assert core.take_pending_start() is None


@pytest.mark.parametrize("pymongo_state", [NONE, COMMITTED, COMMITTED_EMPTY, ABORTED])
def test_abandon_pending_start(pymongo_state: int) -> None:
    core = SessionCore()
    core.begin_transaction(("opts",))
    core.abandon_pending_start(pymongo_state)
    assert core.state == pymongo_state
    assert not core.start_pending and core.pending_options is None
    assert core.take_pending_start() is None


@pytest.mark.parametrize("bad", [0, 7, -1, 100])
def test_abandon_pending_start_with_an_unknown_state(bad: int) -> None:
    core = SessionCore()
    options = ("opts",)
    core.begin_transaction(options)
    with pytest.raises(CoreDisagreement, match="unknown PyMongo transaction state"):
        core.abandon_pending_start(bad)
    assert core.state == STARTING and core.start_pending and core.pending_options is options


@pytest.mark.parametrize("older", [NONE, COMMITTED, COMMITTED_EMPTY, ABORTED])
def test_observe_ignores_pymongos_older_state_while_a_start_is_pending(older: int) -> None:
    core = core_in(older)
    options = ("opts",)
    core.begin_transaction(options)
    core.observe(older)  # PyMongo has not heard of the new transaction yet
    assert core.state == STARTING and core.start_pending and core.pending_options is options
    # Once the start is applied, PyMongo's state is authoritative again.
    assert core.take_pending_start() is options
    core.observe(STARTING)
    core.observe(IN_PROGRESS)
    assert core.state == IN_PROGRESS


# Legal PyMongo transitions, read off PyMongo's AsyncClientSession:
# start_transaction (NONE/finished -> STARTING), the first command
# (STARTING -> IN_PROGRESS), commit_transaction (STARTING/COMMITTED_EMPTY ->
# COMMITTED_EMPTY, IN_PROGRESS -> COMMITTED, COMMITTED -> IN_PROGRESS while a
# re-commit is sent), abort_transaction (STARTING/IN_PROGRESS -> ABORTED) and
# the reset to NONE when a finished transaction's session runs an operation.
PYMONGO_TRANSITIONS = {
    NONE: {STARTING},
    STARTING: {IN_PROGRESS, COMMITTED_EMPTY, ABORTED},
    IN_PROGRESS: {COMMITTED, ABORTED},
    COMMITTED: {STARTING, IN_PROGRESS, NONE},
    COMMITTED_EMPTY: {STARTING, NONE},
    ABORTED: {STARTING, NONE},
}


@pytest.mark.parametrize("source", ALL_STATES)
@pytest.mark.parametrize("target", ALL_STATES)
def test_observe_transition(source: int, target: int) -> None:
    core = core_in(source)
    if target == source or target in PYMONGO_TRANSITIONS[source]:
        core.observe(target)
        assert core.state == target
    else:
        with pytest.raises(CoreDisagreement) as info:
            core.observe(target)
        assert isinstance(info.value, AssertionError)
        message = str(info.value)
        assert txcore.STATE_NAMES[source] in message and txcore.STATE_NAMES[target] in message
        assert core.state == source


@pytest.mark.parametrize("bad", [0, 7, -3, 1000])
def test_observe_an_unknown_state(bad: int) -> None:
    core = core_in(IN_PROGRESS)
    with pytest.raises(CoreDisagreement, match="unknown PyMongo transaction state"):
        core.observe(bad)
    assert core.state == IN_PROGRESS


def test_full_lifecycle() -> None:
    core = SessionCore()
    core.begin_transaction(("a",))
    assert core.take_pending_start() == ("a",)
    core.observe(STARTING)
    core.observe(IN_PROGRESS)  # first command
    core.check_commit()
    core.observe(COMMITTED)
    core.check_commit()  # re-commit
    core.observe(IN_PROGRESS)
    core.observe(COMMITTED)
    assert raised(core.check_abort) == (InvalidOperation, MSG_ABORT_AFTER_COMMIT)
    core.observe(NONE)  # an operation outside a transaction
    assert raised(core.check_commit) == (InvalidOperation, MSG_NO_TXN)
    core.begin_transaction(("b",))
    core.check_abort()
    assert core.take_pending_start() == ("b",)
    core.observe(STARTING)
    core.observe(ABORTED)  # abort before any command
    assert raised(core.check_abort) == (InvalidOperation, MSG_ABORT_TWICE)
    assert raised(core.check_commit) == (InvalidOperation, MSG_COMMIT_AFTER_ABORT)
    core.end()
    assert core.ended and core.state == ABORTED


# -- 3. RetryLoop -----------------------------------------------------------------


def make_loop(window: float = 10.0, csot: bool = False, start: float = 100.0,
              jitter: Any = None) -> tuple:
    clock = FakeClock(start)
    jitter = Jitter(1.0) if jitter is None else jitter
    loop = RetryLoop(window=window, csot=csot, clock=clock, jitter=jitter)
    return loop, clock, jitter


def test_new_retry_loop() -> None:
    clock = FakeClock(42.5)
    loop = RetryLoop(window=7.0, csot=True, clock=clock, jitter=constant(0.5))
    assert loop.started_at == 42.5
    assert loop.window == 7.0 and loop.csot is True
    assert loop.attempt == 0 and loop.commit_attempts == 0 and loop.last_error is None
    clock.advance(1.25)
    assert loop.elapsed() == 1.25


def test_a_loop_built_as_with_transaction_builds_it_begins_attempt_one() -> None:
    # motorx.session builds RetryLoop(window, csot) itself (the window None
    # for the policy's), then begins the first attempt with next_attempt().
    clock, jitter = FakeClock(7.0), Jitter(0.5)
    with policy(clock=clock, jitter=jitter, window=3.0):
        loop = RetryLoop(None, False)
        under_csot = RetryLoop(2.5, True)
    assert loop.started_at == 7.0 and loop.window == 3.0 and loop.csot is False
    assert under_csot.started_at == 7.0 and under_csot.window == 2.5 and under_csot.csot is True
    for each in (loop, under_csot):
        assert each.attempt == 0
        assert each.next_attempt() == 0.0
        assert each.attempt == 1 and each.commit_attempts == 0 and each.total_backoff == 0.0
        assert each.last_error is None
    assert jitter.calls == 0
    with pytest.raises(ValueError):
        RetryLoop(-1.0, True)


def test_first_attempt_has_no_backoff_and_draws_no_jitter() -> None:
    loop, clock, jitter = make_loop()
    assert loop.next_attempt() == 0.0
    assert jitter.calls == 0
    assert loop.attempt == 1 and loop.commit_attempts == 0


def test_first_attempt_ignores_the_window() -> None:
    loop, clock, jitter = make_loop(window=0.0)
    clock.advance(5.0)
    assert loop.next_attempt() == 0.0
    assert loop.attempt == 1


# min(0.005 * 1.5**k, 0.5), k = 1..15, computed by hand.
EXPECTED_CEILINGS = {
    1: 0.0075, 2: 0.01125, 3: 0.016875, 4: 0.0253125, 5: 0.03796875, 6: 0.056953125,
    7: 0.0854296875, 8: 0.12814453125, 9: 0.192216796875, 10: 0.2883251953125,
    11: 0.43248779296875, 12: 0.5, 13: 0.5, 14: 0.5, 15: 0.5,
}


@pytest.mark.parametrize("retry", sorted(EXPECTED_CEILINGS))
def test_backoff_ceiling(retry: int) -> None:
    assert backoff_ceiling(retry) == pytest.approx(EXPECTED_CEILINGS[retry], rel=1e-12)
    assert backoff_ceiling(retry) == min(0.005 * 1.5 ** retry, 0.5)


@pytest.mark.parametrize("retry", [16, 100, 1749, 1750, 5000, 2**31 - 1])
def test_backoff_ceiling_never_overflows(retry: int) -> None:
    # 1.5**1750 overflows a double: fast-failing retries with tiny jitter
    # reach such counts well inside the 120 s window.
    assert backoff_ceiling(retry) == 0.5


def test_thousands_of_fast_retries_keep_backing_off() -> None:
    loop, clock, source = make_loop(window=120.0, jitter=Jitter(1e-6))
    loop.next_attempt()
    for _ in range(3000):
        assert loop.on_callback_error(labelled(PyMongoError("conflict"), TTE)) == RETRY_TRANSACTION
        assert loop.next_attempt() <= 0.5e-6
    assert loop.attempt == 3001


def test_total_backoff_adds_up_the_sleeps() -> None:
    loop, clock, source = make_loop(window=120.0, jitter=Jitter(0.5, 0.25, 1.0))
    assert loop.total_backoff == 0.0
    loop.next_attempt()
    assert loop.total_backoff == 0.0  # the first attempt never sleeps
    sleeps = []
    for _ in range(3):
        loop.on_callback_error(labelled(PyMongoError("conflict"), TTE))
        sleeps.append(loop.next_attempt())
    assert sleeps == [0.5 * 0.0075, 0.25 * 0.01125, 1.0 * 0.016875]
    assert loop.total_backoff == pytest.approx(sum(sleeps), rel=1e-12)


def test_a_backoff_refused_by_the_window_is_neither_counted_nor_remembered() -> None:
    loop, clock, source = make_loop(window=0.001, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    assert loop.on_callback_error(labelled(PyMongoError("conflict"), TTE)) == GIVE_UP
    assert source.calls == 1  # drawn (the window lasted): 7.5 ms would pass 1 ms
    assert loop.total_backoff == 0.0
    # An attempt begun anyway would not sleep the refused backoff.
    assert loop.next_attempt() == 0.0 and loop.total_backoff == 0.0


def test_the_decision_draws_the_jitter_and_next_attempt_takes_it_once() -> None:
    loop, clock, source = make_loop(window=120.0, jitter=Jitter(0.5))
    loop.next_attempt()
    assert loop.on_callback_error(labelled(PyMongoError("conflict"), TTE)) == RETRY_TRANSACTION
    assert source.calls == 1  # drawn by the RETRY_TRANSACTION decision...
    assert loop.total_backoff == 0.0  # ...but not slept yet
    assert loop.next_attempt() == 0.5 * 0.0075
    assert source.calls == 1  # next_attempt draws nothing
    assert loop.total_backoff == 0.5 * 0.0075
    # Taken once: an attempt with no RETRY_TRANSACTION before it sleeps nothing.
    assert loop.next_attempt() == 0.0
    assert loop.total_backoff == 0.5 * 0.0075 and loop.attempt == 3


def test_commit_retries_and_raises_draw_no_jitter_and_leave_nothing_to_sleep() -> None:
    loop, clock, source = make_loop(window=120.0, jitter=Jitter(0.5))
    loop.next_attempt()
    assert loop.on_commit_error(op_failure("unknown", 91, (UTCR,))) == RETRY_COMMIT
    assert loop.on_commit_error(op_failure("duplicate key", 11000)) == RAISE
    assert loop.on_callback_error(op_failure("duplicate key", 11000)) == RAISE
    assert source.calls == 0
    assert loop.next_attempt() == 0.0 and loop.total_backoff == 0.0


def test_the_real_clock_is_read_in_c_and_agrees_with_time_monotonic() -> None:
    # No clock injected: the loop reads time.monotonic's clock itself.
    before = time.monotonic()
    loop = RetryLoop()
    after = time.monotonic()
    assert before <= loop.started_at <= after
    assert 0.0 <= loop.elapsed() <= time.monotonic() - before


@pytest.mark.parametrize("jitter", [1.0, 0.37, 0.0, 0.999999])
def test_backoff_before_retries_1_to_15(jitter: float) -> None:
    loop, clock, source = make_loop(window=120.0, jitter=Jitter(jitter))
    assert loop.next_attempt() == 0.0
    sleeps = []
    for retry in range(1, 16):
        assert loop.on_callback_error(labelled(PyMongoError("conflict"), TTE)) == RETRY_TRANSACTION
        assert source.calls == retry  # drawn by the decision
        sleeps.append(loop.next_attempt())
        assert source.calls == retry  # not by next_attempt
        assert loop.attempt == retry + 1
    assert sleeps == [jitter * min(0.005 * 1.5 ** k, 0.5) for k in range(1, 16)]
    assert sleeps == pytest.approx([jitter * EXPECTED_CEILINGS[k] for k in range(1, 16)],
                                   rel=1e-12, abs=0.0)
    assert source.calls == 15  # one draw per retry
    if jitter:
        assert max(sleeps) == jitter * 0.5 and sleeps[-4:] == [jitter * 0.5] * 4


def test_backoff_that_would_pass_the_window_gives_up() -> None:
    loop, clock, jitter = make_loop(window=1.0, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    clock.advance(0.99609375)  # 1 - 2**-8: a 7.5 ms backoff would pass the window
    first = labelled(PyMongoError("write conflict"), TTE)
    assert loop.on_callback_error(first) == GIVE_UP  # returned, not raised
    assert jitter.calls == 1  # the window lasted, so the backoff was drawn
    assert loop.last_error is first
    assert loop.attempt == 1 and loop.total_backoff == 0.0  # no new attempt was begun
    # What with_transaction then raises wraps that error.
    err = _window_spent_error(loop.last_error, loop.csot)
    assert type(err) is NetworkTimeout
    assert str(err) == "write conflict"
    assert err.has_error_label(TTE)
    # 2**-7 before the window's end the same backoff still fits.
    loop, clock, jitter = make_loop(window=1.0, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    clock.advance(0.9921875)  # 0.9921875 + 0.0075 < 1
    assert loop.on_callback_error(first) == RETRY_TRANSACTION
    assert loop.next_attempt() == 0.0075


def test_backoff_reaching_the_window_exactly_gives_up() -> None:
    # jitter 1.0: the 12th retry backs off exactly 0.5 s; the window is 0.5 s.
    loop, clock, jitter = make_loop(window=0.5, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    err = labelled(PyMongoError("busy"), TTE)
    for _ in range(11):
        assert loop.on_callback_error(err) == RETRY_TRANSACTION
        assert loop.next_attempt() < 0.5
    assert loop.on_callback_error(err) == GIVE_UP
    assert loop.attempt == 12 and jitter.calls == 12
    # ... while a slightly larger window lets the same backoff through.
    loop, clock, jitter = make_loop(window=0.5000001, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    for _ in range(12):
        assert loop.on_callback_error(err) == RETRY_TRANSACTION
        loop.next_attempt()
    assert loop.attempt == 13


def test_a_transient_commit_error_whose_backoff_passes_the_window_gives_up() -> None:
    loop, clock, jitter = make_loop(window=1.0, start=0.0, jitter=Jitter(1.0))
    loop.next_attempt()
    callback_error = labelled(PyMongoError("callback"), TTE)
    assert loop.on_callback_error(callback_error) == RETRY_TRANSACTION
    loop.next_attempt()
    clock.advance(0.99)
    commit_error = op_failure("commit", 251, (TTE,))
    # Retry 2 would back off 1.0 * 11.25 ms: 0.99 + 0.01125 passes the window.
    assert loop.on_commit_error(commit_error) == GIVE_UP
    assert jitter.calls == 2 and loop.attempt == 2 and loop.commit_attempts == 0
    assert loop.last_error is commit_error  # what the timeout error wraps
    err = _window_spent_error(loop.last_error, loop.csot)
    assert str(err) == str(commit_error) and err.has_error_label(TTE)


class _DuckLabelled(Exception):
    """An error that answers has_error_label without being a PyMongoError."""

    def __init__(self, *labels: str) -> None:
        super().__init__("duck")
        self.labels = labels

    def has_error_label(self, label: str) -> bool:
        return label in self.labels


@pytest.mark.parametrize("make_error", [
    lambda: op_failure("conflict", 112, (TTE,)),
    lambda: labelled(PyMongoError("conflict"), TTE),
    lambda: labelled(AutoReconnect("reconnect"), TTE),
    lambda: op_failure("both", 112, (TTE, UTCR)),
    # Not a PyMongo error: its has_error_label is asked all the same.
    lambda: _DuckLabelled(TTE),
])
def test_callback_error_with_transient_label_retries_within_the_window(make_error: Any) -> None:
    loop, clock, jitter = make_loop(window=2.0)
    loop.next_attempt()
    clock.advance(1.99)  # the 7.5 ms backoff (jitter 1.0) still ends inside the window
    err = make_error()
    assert loop.on_callback_error(err) == RETRY_TRANSACTION
    assert loop.last_error is err
    assert loop.next_attempt() == 0.0075


class _PrivateLabelsOnly(Exception):
    """An error carrying PyMongo's private label set but no has_error_label."""

    def __init__(self, *labels: str) -> None:
        super().__init__("private")
        self._error_labels = set(labels)


class _RefusingLabels(PyMongoError):
    """A PyMongo error whose has_error_label says no, whatever its label set holds."""

    def has_error_label(self, label: str) -> bool:
        return False


@pytest.mark.parametrize("make_error", [
    lambda: _PrivateLabelsOnly(TTE, UTCR),
    lambda: labelled(_RefusingLabels("refusing"), TTE, UTCR),
])
def test_labels_are_read_through_has_error_label_only(make_error: Any) -> None:
    # The core reads no private PyMongo attribute: only has_error_label counts.
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    err = make_error()
    assert err._error_labels == {TTE, UTCR}
    assert loop.on_callback_error(err) == RAISE
    assert loop.on_commit_error(err) == RAISE
    assert loop.commit_attempts == 0 and jitter.calls == 0


@pytest.mark.parametrize("csot", [False, True])
@pytest.mark.parametrize("spent", [2.0, 2.5, 1000.0])  # == window, and past it
def test_callback_transient_error_after_the_window_gives_up(csot: bool, spent: float) -> None:
    loop, clock, jitter = make_loop(window=2.0, csot=csot)
    loop.next_attempt()
    clock.advance(spent)
    err = op_failure("conflict", 112, (TTE,))
    assert loop.on_callback_error(err) == GIVE_UP  # returned, never raised
    assert jitter.calls == 0  # the window is spent: no backoff is drawn
    assert loop.last_error is err and loop.attempt == 1
    timeout = _window_spent_error(loop.last_error, loop.csot)
    assert type(timeout) is (ExecutionTimeout if csot else NetworkTimeout)
    assert timeout.has_error_label(TTE)


@pytest.mark.parametrize("make_error", [
    lambda: op_failure("duplicate key", 11000),
    lambda: PyMongoError("plain"),
    lambda: op_failure("manual commit", 91, (UTCR,)),  # spec step 7.3
    lambda: ValueError("user bug"),
    lambda: asyncio.CancelledError(),
    lambda: KeyboardInterrupt(),
])
@pytest.mark.parametrize("spent", [0.0, 50.0])  # within and after the window
def test_callback_error_without_transient_label_raises(make_error: Any, spent: float) -> None:
    loop, clock, jitter = make_loop(window=10.0)
    loop.next_attempt()
    clock.advance(spent)
    err = make_error()
    assert loop.on_callback_error(err) == RAISE  # the original is re-raised, never wrapped
    assert loop.last_error is err


@pytest.mark.parametrize("make_error", [
    lambda: op_failure("not primary", 10107, (UTCR,)),
    lambda: labelled(ConnectionFailure("connection reset"), UTCR),
    lambda: labelled(AutoReconnect("reconnect"), UTCR),
    lambda: labelled(WTimeoutError("wtimeout", 64, {"code": 64, "errmsg": "wtimeout"}), UTCR),
    lambda: op_failure("both", 91, (UTCR, TTE)),
    lambda: _DuckLabelled(UTCR),
])
def test_commit_unknown_result_retries_the_commit(make_error: Any) -> None:
    loop, clock, jitter = make_loop(window=10.0)
    loop.next_attempt()
    err = make_error()
    assert loop.on_commit_error(err) == RETRY_COMMIT
    assert loop.commit_attempts == 1 and loop.last_error is err
    clock.advance(9.0)
    assert loop.on_commit_error(err) == RETRY_COMMIT
    assert loop.commit_attempts == 2
    assert jitter.calls == 0  # commits are retried without backoff


def test_next_attempt_resets_commit_attempts() -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    loop.on_commit_error(op_failure("unknown", 91, (UTCR,)))
    loop.on_commit_error(op_failure("unknown", 91, (UTCR,)))
    assert loop.on_commit_error(op_failure("no such transaction", 251, (TTE,))) == RETRY_TRANSACTION
    assert loop.commit_attempts == 2
    loop.next_attempt()
    assert loop.commit_attempts == 0 and loop.attempt == 2


@pytest.mark.parametrize("kind", sorted(MAX_TIME_BUILDERS))
def test_commit_max_time_expired_is_not_retried(kind: str) -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    err = MAX_TIME_BUILDERS[kind]("operation exceeded time limit", (UTCR,))
    assert err.has_error_label(UTCR)
    assert loop.on_commit_error(err) == RAISE
    assert loop.commit_attempts == 0 and loop.last_error is err


@pytest.mark.parametrize("kind", sorted(MAX_TIME_BUILDERS))
def test_commit_max_time_expired_with_transient_label_retries_the_transaction(kind: str) -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    err = MAX_TIME_BUILDERS[kind]("operation exceeded time limit", (UTCR, TTE))
    assert loop.on_commit_error(err) == RETRY_TRANSACTION
    assert loop.commit_attempts == 0


def test_commit_error_with_other_code_in_write_concern_error_is_retried() -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    err = OperationFailure("wtimeout", None, {
        "ok": 1, "writeConcernError": {"code": 64, "errmsg": "wtimeout"}, "errorLabels": [UTCR]})
    assert loop.on_commit_error(err) == RETRY_COMMIT


@pytest.mark.parametrize("make_error", [
    lambda: op_failure("no such transaction", 251, (TTE,)),
    lambda: labelled(PyMongoError("transient"), TTE),
])
def test_commit_transient_error_retries_the_transaction(make_error: Any) -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    err = make_error()
    assert loop.on_commit_error(err) == RETRY_TRANSACTION
    assert loop.commit_attempts == 0 and loop.last_error is err


@pytest.mark.parametrize("make_error", [
    lambda: op_failure("duplicate key", 11000),
    lambda: PyMongoError("plain"),
    lambda: max_time_top("max time, no label"),
    lambda: ValueError("not from pymongo"),
    lambda: asyncio.CancelledError(),
])
def test_commit_error_without_labels_raises(make_error: Any) -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    clock.advance(9.5)
    err = make_error()
    assert loop.on_commit_error(err) == RAISE
    assert loop.last_error is err


@pytest.mark.parametrize("csot", [False, True])
@pytest.mark.parametrize("make_error", [
    lambda: op_failure("unknown", 91, (UTCR,)),
    lambda: op_failure("no such transaction", 251, (TTE,)),
    lambda: op_failure("duplicate key", 11000),
    lambda: max_time_top("max time", (UTCR,)),
    lambda: max_time_wce("max time", (UTCR, TTE)),
    lambda: labelled(ConnectionFailure("reset"), UTCR),
])
@pytest.mark.parametrize("spent", [10.0, 10.5])  # == window, and past it
def test_any_commit_error_after_the_window_gives_up(csot: bool, make_error: Any,
                                                    spent: float) -> None:
    loop, clock, jitter = make_loop(window=10.0, csot=csot)
    loop.next_attempt()
    clock.advance(spent)
    err = make_error()
    assert loop.on_commit_error(err) == GIVE_UP  # returned, never raised
    assert loop.last_error is err and loop.commit_attempts == 0
    assert jitter.calls == 0  # no backoff is drawn once the window is spent
    timeout = _window_spent_error(loop.last_error, loop.csot)
    assert type(timeout) is (ExecutionTimeout if csot else NetworkTimeout)
    assert timeout._error_labels == err._error_labels


def test_commit_error_just_inside_the_window_is_retried() -> None:
    loop, clock, jitter = make_loop(window=10.0, start=0.0)
    loop.next_attempt()
    clock.advance(9.999999)
    assert loop.on_commit_error(op_failure("unknown", 91, (UTCR,))) == RETRY_COMMIT


def test_window_spent_error_without_csot_is_a_network_timeout() -> None:
    original = op_failure("write conflict", 112, (TTE, UTCR))
    err = _window_spent_error(original, False)
    assert type(err) is NetworkTimeout
    assert not isinstance(err, OperationFailure)
    assert str(err) == str(original)
    assert err._error_labels == {TTE, UTCR}
    assert err.timeout is True
    # The labels are copied, not shared.
    err._add_error_label("Extra")
    assert not original.has_error_label("Extra")


def test_window_spent_error_with_csot_is_an_execution_timeout() -> None:
    original = labelled(PyMongoError("write conflict"), TTE)
    err = _window_spent_error(original, True)
    assert type(err) is ExecutionTimeout
    assert err.code == 50
    assert err.details == {"ok": 0, "errmsg": "write conflict", "code": 50}
    assert err._error_labels == {TTE}
    assert err.timeout is True


@pytest.mark.parametrize("csot", [False, True])
def test_window_spent_error_of_an_unlabelled_error_has_no_labels(csot: bool) -> None:
    assert _window_spent_error(op_failure("plain", 2), csot)._error_labels == set()
    err = _window_spent_error(ValueError("not pymongo"), csot)
    assert err._error_labels == set()
    if csot:
        assert err.details == {"ok": 0, "errmsg": "not pymongo", "code": 50}
    else:
        assert str(err) == "not pymongo"


@pytest.mark.parametrize("csot", [False, True])
def test_window_spent_error_matches_pymongos(csot: bool) -> None:
    import importlib

    import pymongo

    make = None
    for name in ("pymongo.client_session_shared", "pymongo.asynchronous.client_session"):
        try:
            make = getattr(importlib.import_module(name), "_make_timeout_error", None)
        except ImportError:
            continue
        if make is not None:
            break
    if make is None:
        pytest.skip("this PyMongo has no _make_timeout_error (added after 4.13)")
    original = op_failure("write conflict", 112, (TTE,))
    ours = _window_spent_error(original, csot)
    if csot:
        with pymongo.timeout(10):
            theirs = make(original)
    else:
        theirs = make(original)
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs)
    assert ours._error_labels == theirs._error_labels
    assert getattr(ours, "details", None) == getattr(theirs, "details", None)


def test_last_error_tracks_both_callback_and_commit_errors() -> None:
    loop, clock, jitter = make_loop()
    loop.next_attempt()
    a = labelled(PyMongoError("a"), TTE)
    loop.on_callback_error(a)
    assert loop.last_error is a
    loop.next_attempt()
    b = op_failure("b", 91, (UTCR,))
    loop.on_commit_error(b)
    assert loop.last_error is b


# -- 4. the retry policy ----------------------------------------------------------


def test_set_retry_policy_with_no_arguments_changes_nothing() -> None:
    before = get_retry_policy()
    old = set_retry_policy()
    assert get_retry_policy() == before
    restore_retry_policy(old)
    assert get_retry_policy() == before


def test_default_policy() -> None:
    # Put the specification's defaults back explicitly, whatever a conftest set.
    with policy() as old:
        restore_retry_policy((time.monotonic, random.random, None))
        try:
            clock, jitter, window = get_retry_policy()
            assert clock is time.monotonic
            assert jitter == random.random
            assert window == 120.0
            loop = RetryLoop()
            assert loop.window == 120.0 and loop.csot is False
            assert 0.0 <= loop.elapsed() < 60.0  # the real monotonic clock
        finally:
            restore_retry_policy(old)


def test_set_retry_policy_is_used_by_new_retry_loops_and_restored() -> None:
    original = get_retry_policy()
    clock = FakeClock(5.0)
    jitter = Jitter(0.25)
    old = set_retry_policy(clock=clock, jitter=jitter, window=3)
    try:
        assert old[0] is original[0] and old[1] == original[1]
        assert get_retry_policy() == (clock, jitter, 3.0)
        assert isinstance(get_retry_policy()[2], float)
        loop = RetryLoop()
        assert loop.started_at == 5.0 and loop.window == 3.0
        assert loop.next_attempt() == 0.0
        loop.on_callback_error(labelled(PyMongoError("x"), TTE))
        assert loop.next_attempt() == 0.25 * 0.0075
        assert jitter.calls == 1
        clock.advance(2.0)
        assert loop.elapsed() == 2.0
        # Arguments given to RetryLoop win over the policy.
        other_clock = FakeClock(9.0)
        explicit = RetryLoop(window=8.0, clock=other_clock, jitter=constant(1.0))
        assert explicit.started_at == 9.0 and explicit.window == 8.0
        # A later change leaves the other policy parts alone.
        inner = set_retry_policy(window=7.5)
        assert inner == (clock, jitter, 3.0)
        assert get_retry_policy() == (clock, jitter, 7.5)
    finally:
        restore_retry_policy(old)
    assert get_retry_policy() == original
    assert RetryLoop().window == original[2]
    # A loop keeps the clock it was created with.
    clock.advance(1.0)
    assert loop.elapsed() == 3.0


def test_set_retry_policy_window_zero() -> None:
    with policy(window=0):
        assert get_retry_policy()[2] == 0.0
        jitter = Jitter(0.5)
        loop = RetryLoop(clock=FakeClock(), jitter=jitter)
        loop.next_attempt()
        assert loop.on_callback_error(labelled(PyMongoError("x"), TTE)) == GIVE_UP
        assert loop.on_commit_error(op_failure("unknown", 91, (UTCR,))) == GIVE_UP
        assert jitter.calls == 0


@pytest.mark.parametrize("kwargs", [
    {"clock": 5},
    {"clock": "monotonic"},
    {"jitter": 0.5},
    {"jitter": [0.5]},
])
def test_set_retry_policy_rejects_non_callables(kwargs: dict) -> None:
    before = get_retry_policy()
    with pytest.raises(TypeError):
        with policy(**kwargs):
            pass  # pragma: no cover
    assert get_retry_policy() == before


@pytest.mark.parametrize("window", [-1, -0.001, True, False, "5", [5]])
def test_set_retry_policy_rejects_bad_windows(window: Any) -> None:
    before = get_retry_policy()
    with pytest.raises(ValueError):
        with policy(window=window):
            pass  # pragma: no cover
    assert get_retry_policy() == before


# -- 5a. property: the transaction state machine against PyMongo's rules ------------


class PyMongoSessionModel:
    """PyMongo's ``AsyncClientSession`` transaction rules, state and messages only."""

    def __init__(self, snapshot: bool) -> None:
        self.state = NONE
        self.ended = False
        self.snapshot = snapshot

    @property
    def in_transaction(self) -> bool:
        return self.state in (STARTING, IN_PROGRESS)

    def check_ended(self) -> None:
        if self.ended:
            raise InvalidOperation(MSG_ENDED)

    def start_transaction(self) -> None:
        self.check_ended()
        if self.snapshot:
            raise InvalidOperation(MSG_SNAPSHOT)
        if self.in_transaction:
            raise InvalidOperation(MSG_IN_PROGRESS)
        self.state = STARTING

    def commit_transaction(self) -> None:
        self.check_ended()
        if self.state == NONE:
            raise InvalidOperation(MSG_NO_TXN)
        if self.state in (STARTING, COMMITTED_EMPTY):
            self.state = COMMITTED_EMPTY  # nothing to send
            return
        if self.state == ABORTED:
            raise InvalidOperation(MSG_COMMIT_AFTER_ABORT)
        self.state = COMMITTED  # sent (or re-sent); COMMITTED whatever the reply

    def abort_transaction(self) -> None:
        self.check_ended()
        if self.state == NONE:
            raise InvalidOperation(MSG_NO_TXN)
        if self.state == ABORTED:
            raise InvalidOperation(MSG_ABORT_TWICE)
        if self.state in (COMMITTED, COMMITTED_EMPTY):
            raise InvalidOperation(MSG_ABORT_AFTER_COMMIT)
        self.state = ABORTED

    def run_operation(self) -> None:
        self.check_ended()
        if not self.in_transaction:
            self.state = NONE  # a finished transaction is forgotten
        elif self.state == STARTING:
            self.state = IN_PROGRESS

    def end_session(self) -> None:
        if not self.ended and self.in_transaction:
            self.state = ABORTED
        self.ended = True


class CoreDriver:
    """Drives a SessionCore the way motorx's session layer does, over a PyMongo model.

    The delegate (PyMongo) only hears of a start when it is applied, at the
    next operation, commit or abort; the core reports what motorx's users see.
    """

    def __init__(self, snapshot: bool) -> None:
        self.core = SessionCore(snapshot=snapshot)
        self.delegate = PyMongoSessionModel(snapshot)
        self.pending: Any = None

    def _pymongo(self, method: str) -> None:
        # Every illegal call must be refused by the core, before PyMongo is asked.
        try:
            getattr(self.delegate, method)()
        except InvalidOperation as exc:
            raise AssertionError("the core let PyMongo refuse %s: %s" % (method, exc)) from exc

    def _apply_pending_start(self) -> None:
        core = self.core
        if not core.start_pending:
            assert core.take_pending_start() is None
            return
        options = core.take_pending_start()
        assert options is self.pending
        assert core.take_pending_start() is None
        self.pending = None
        self._pymongo("start_transaction")
        core.observe(self.delegate.state)

    def start(self, options: Any) -> None:
        self.core.begin_transaction(options)
        self.pending = options

    def operation(self) -> None:
        self.core.check_usable()
        self._apply_pending_start()
        self._pymongo("run_operation")
        self.core.observe(self.delegate.state)

    def commit(self) -> None:
        self.core.check_commit()
        self._apply_pending_start()
        try:
            self._pymongo("commit_transaction")
        finally:
            self.core.observe(self.delegate.state)

    def abort(self) -> None:
        self.core.check_abort()
        self._apply_pending_start()
        try:
            self._pymongo("abort_transaction")
        finally:
            self.core.observe(self.delegate.state)

    def end(self) -> None:
        self._pymongo("end_session")
        self.core.end()
        self.pending = None

    def poll(self) -> None:
        # An observation with nothing new, or a stale one while a start is pending.
        if not self.core.ended:
            self.core.observe(self.delegate.state)

    def check_usable(self) -> None:
        self.core.check_usable()


SESSION_OPS = ("start", "operation", "commit", "abort", "end", "poll", "check_usable")


def apply_reference(ref: PyMongoSessionModel, op: str) -> None:
    # Motor applies start_transaction to PyMongo at once, so PyMongo's own
    # rules applied immediately are what motorx must look like.
    if op == "start":
        ref.start_transaction()
    elif op == "operation":
        ref.run_operation()
    elif op == "commit":
        ref.commit_transaction()
    elif op == "abort":
        ref.abort_transaction()
    elif op == "end":
        ref.end_session()
    elif op == "check_usable":
        ref.check_ended()
    else:
        assert op == "poll"


@HYPOTHESIS
@given(snapshot=st.booleans(),
       ops=st.lists(st.sampled_from(SESSION_OPS), max_size=40))
@example(snapshot=False, ops=["start", "commit", "commit", "operation", "commit", "abort"])
@example(snapshot=False, ops=["start", "commit", "abort", "commit", "start", "operation",
                              "commit", "abort", "commit"])
@example(snapshot=False, ops=["start", "poll", "operation", "commit", "start", "poll", "start",
                              "abort", "abort", "commit", "end", "start"])
@example(snapshot=True, ops=["start", "operation", "commit", "abort", "end", "check_usable"])
@example(snapshot=False, ops=["start", "operation", "abort", "start", "end", "abort"])
def test_session_core_follows_pymongos_rules(snapshot: bool, ops: list) -> None:
    ref = PyMongoSessionModel(snapshot)
    driver = CoreDriver(snapshot)
    core = driver.core
    for i, op in enumerate(ops):
        expected = raised(apply_reference, ref, op)
        if op == "start":
            actual = raised(driver.start, ("options", i))
        else:
            actual = raised(getattr(driver, op))
        assert actual == expected, (i, op)
        assert core.state == ref.state, (i, op)
        assert core.in_transaction == ref.in_transaction
        assert core.ended == ref.ended
        assert core.start_pending == (driver.pending is not None)
        assert core.pending_options is driver.pending
        if not core.start_pending and not core.ended:
            # Outside a pending start the core mirrors PyMongo exactly.
            assert core.state == driver.delegate.state


# -- 5b. property: RetryLoop against the specification's withTransaction ----------


@dataclass(frozen=True)
class Outcome:
    """What one callback run or commit does: take ``duration`` seconds, maybe fail."""

    duration: float
    kind: Optional[str] = None  # None: success
    labels: tuple = ()

    @property
    def max_time(self) -> bool:
        # MaxTimeMSExpired: code 50 at top level or inside writeConcernError.
        return self.kind is not None and self.kind.startswith("maxtime")


CALLBACK_KINDS = ("operation_failure", "pymongo_error", "value_error", "cancelled")
COMMIT_KINDS = ("operation_failure", "connection_failure", "wtimeout", "maxtime_top",
                "maxtime_wce", "maxtime_details", "maxtime_execution_timeout")
NON_PYMONGO = ("value_error", "cancelled")


def build_error(outcome: Outcome, name: str) -> BaseException:
    kind, labels = outcome.kind, outcome.labels
    if kind == "operation_failure":
        return op_failure(name, 112, labels)
    if kind == "pymongo_error":
        return labelled(PyMongoError(name), *labels)
    if kind == "connection_failure":
        return labelled(ConnectionFailure(name), *labels)
    if kind == "wtimeout":
        return labelled(WTimeoutError(name, 64, {"code": 64, "errmsg": name}), *labels)
    if kind == "maxtime_top":
        return max_time_top(name, labels)
    if kind == "maxtime_wce":
        return max_time_wce(name, labels)
    if kind == "maxtime_details":
        return max_time_in_details(name, labels)
    if kind == "maxtime_execution_timeout":
        return max_time_execution_timeout(name, labels)
    if kind == "value_error":
        return ValueError(name)
    assert kind == "cancelled"
    return asyncio.CancelledError(name)


SUCCESS = Outcome(0.0)


@dataclass(frozen=True)
class Scenario:
    start: float
    window: float
    csot: bool
    callbacks: tuple  # Outcome per callback run; success once exhausted
    commits: tuple  # Outcome per commit; success once exhausted
    jitters: tuple  # jitter values in turn; the last repeats (0.5 if none)


def reference_with_transaction(sc: Scenario) -> tuple:
    """The spec's withTransaction pseudo-code, on a simulated clock.

    A transaction retry is decided where the error is caught: once the window
    is spent it is a timeout (no jitter drawn); otherwise the jitter is drawn
    there, and if ``elapsed + backoff >= timeout`` it is a timeout too, else
    the backoff is slept before the next attempt.

    Returns (trace, result, draws): trace lists ("sleep", seconds),
    ("callback", n), ("commit", n) and the retry decisions; result is
    ("return",), ("raise", error name) or ("timeout", error name); draws is
    how many jitter values were drawn.
    """
    now = start = sc.start
    timeout = sc.window
    jitters = list(sc.jitters) or [0.5]
    draws = 0
    callbacks, commits = iter(sc.callbacks), iter(sc.commits)
    ncallback = ncommit = 0
    transaction_attempt = 0
    backoff = 0.0
    trace: list = []

    def backoff_within_window() -> Optional[float]:
        # The sleep before retry number transaction_attempt (PyMongo's
        # exponent, 1-based), or None when the retry would pass the window.
        nonlocal draws
        if now - start >= timeout:
            return None
        jitter = jitters[min(draws, len(jitters) - 1)]
        draws += 1
        sleep = jitter * min(0.005 * 1.5 ** transaction_attempt, 0.5)
        if (now - start) + sleep >= timeout:
            return None
        return sleep

    while True:  # retryTransaction
        if transaction_attempt > 0:
            trace.append(("sleep", backoff))
            now += backoff
        transaction_attempt += 1

        ncallback += 1
        trace.append(("callback", ncallback))
        outcome = next(callbacks, SUCCESS)
        now += outcome.duration
        if outcome.kind is not None:
            name = "callback#%d" % ncallback
            if TTE in outcome.labels and outcome.kind not in NON_PYMONGO:
                due = backoff_within_window()
                if due is None:
                    return trace, ("timeout", name), draws
                backoff = due
                trace.append(("retry transaction",))
                continue
            return trace, ("raise", name), draws

        while True:  # retryCommit
            ncommit += 1
            trace.append(("commit", ncommit))
            outcome = next(commits, SUCCESS)
            now += outcome.duration
            if outcome.kind is None:
                return trace, ("return",), draws
            name = "commit#%d" % ncommit
            if now - start >= timeout:
                return trace, ("timeout", name), draws
            if not outcome.max_time and UTCR in outcome.labels:
                trace.append(("retry commit",))
                continue
            if TTE in outcome.labels:
                due = backoff_within_window()
                if due is None:
                    return trace, ("timeout", name), draws
                backoff = due
                trace.append(("retry transaction",))
                break
            return trace, ("raise", name), draws


def raise_decision(action: str, loop: RetryLoop, exc: BaseException) -> Any:
    """Raise what motorx's with_transaction raises for ``action`` (RAISE or GIVE_UP).

    RAISE: ``exc`` itself.  GIVE_UP: the window-spent error wrapping the
    loop's last error, raised from it.
    """
    if action == RAISE:
        raise exc
    assert action == GIVE_UP, action
    assert loop.last_error is exc
    raise _window_spent_error(loop.last_error, loop.csot) from loop.last_error


def drive_retry_loop(sc: Scenario) -> tuple:
    """Run the core's RetryLoop the way motorx's with_transaction does.

    Returns (trace, result, loop, jitter), trace and result as the reference's.
    """
    clock = FakeClock(sc.start)
    jitter = Jitter(*sc.jitters)
    loop = RetryLoop(window=sc.window, csot=sc.csot, clock=clock, jitter=jitter)
    assert loop.started_at == sc.start and loop.window == sc.window
    callbacks, commits = iter(sc.callbacks), iter(sc.commits)
    ncallback = ncommit = 0
    errors: list = []  # (error object, name); kept alive so identities stay unique
    trace: list = []
    try:
        while True:
            draws = jitter.calls
            backoff = loop.next_attempt()
            assert jitter.calls == draws  # next_attempt never draws
            if loop.attempt > 1:
                trace.append(("sleep", backoff))
                clock.advance(backoff)
            else:
                assert backoff == 0.0 and jitter.calls == 0
            assert loop.commit_attempts == 0

            ncallback += 1
            trace.append(("callback", ncallback))
            assert loop.attempt == ncallback
            outcome = next(callbacks, SUCCESS)
            clock.advance(outcome.duration)
            if outcome.kind is not None:
                exc = build_error(outcome, "callback#%d" % ncallback)
                errors.append((exc, "callback#%d" % ncallback))
                action = loop.on_callback_error(exc)
                assert loop.last_error is exc
                if action == RETRY_TRANSACTION:
                    trace.append(("retry transaction",))
                    continue
                raise_decision(action, loop, exc)

            retry_transaction = False
            while not retry_transaction:
                ncommit += 1
                trace.append(("commit", ncommit))
                outcome = next(commits, SUCCESS)
                clock.advance(outcome.duration)
                if outcome.kind is None:
                    return trace, ("return",), loop, jitter
                exc = build_error(outcome, "commit#%d" % ncommit)
                errors.append((exc, "commit#%d" % ncommit))
                before = loop.commit_attempts
                action = loop.on_commit_error(exc)
                assert loop.last_error is exc
                if action == RETRY_COMMIT:
                    assert loop.commit_attempts == before + 1
                    trace.append(("retry commit",))
                elif action == RETRY_TRANSACTION:
                    assert loop.commit_attempts == before
                    trace.append(("retry transaction",))
                    retry_transaction = True
                else:
                    raise_decision(action, loop, exc)
    except BaseException as exc:  # noqa: BLE001 - CancelledError is classified too
        names = {id(error): name for error, name in errors}
        if id(exc) in names:
            return trace, ("raise", names[id(exc)]), loop, jitter
        cause = exc.__cause__
        assert cause is not None and id(cause) in names, repr(exc)
        assert cause is loop.last_error
        assert type(exc) is (ExecutionTimeout if sc.csot else NetworkTimeout)
        if sc.csot:
            assert exc.code == 50
            assert exc.details == {"ok": 0, "errmsg": str(cause), "code": 50}
        else:
            assert str(exc) == str(cause)
        assert exc._error_labels == set(getattr(cause, "_error_labels", ()))
        return trace, ("timeout", names[id(cause)]), loop, jitter


# Dyadic durations and windows, so that "exactly at the window" happens often;
# repeated entries weight the draw.
DURATIONS = st.sampled_from([0.0, 0.0, 0.0, 2.0 ** -10, 2.0 ** -7, 2.0 ** -5, 0.25, 0.5, 1.0])
WINDOWS = st.sampled_from([0.0, 2.0 ** -7, 2.0 ** -6, 2.0 ** -4, 0.25, 1.0, 2.0, 120.0, 120.0,
                           120.0])
LABELS = st.sampled_from([(), (TTE,), (UTCR,), (TTE, UTCR)])
RETRY_LABELS = st.sampled_from([(TTE,), (UTCR,), (TTE, UTCR)])


def outcomes(kinds: tuple, retry_kinds: tuple) -> st.SearchStrategy:
    """Success, any failure, or (twice as likely) a failure the loop may retry."""
    success = st.builds(Outcome, DURATIONS)
    failure = st.builds(Outcome, DURATIONS, st.sampled_from(kinds), LABELS)
    retryable = st.builds(Outcome, DURATIONS, st.sampled_from(retry_kinds), RETRY_LABELS)
    return st.one_of(success, failure, retryable, retryable)


scenarios = st.builds(
    Scenario,
    start=st.sampled_from([0.0, 100.0, 12345.5]),
    window=WINDOWS,
    csot=st.booleans(),
    callbacks=st.lists(outcomes(CALLBACK_KINDS, ("operation_failure", "pymongo_error")),
                       max_size=12).map(tuple),
    commits=st.lists(outcomes(COMMIT_KINDS, COMMIT_KINDS[:3]), max_size=12).map(tuple),
    jitters=st.lists(st.floats(0.0, 1.0, exclude_max=True), max_size=6).map(tuple),
)


def _tte(duration: float = 0.0) -> Outcome:
    return Outcome(duration, "operation_failure", (TTE,))


@HYPOTHESIS
@given(sc=scenarios)
# A plain success.
@example(sc=Scenario(0.0, 120.0, False, (), (), ()))
# Transient callback errors, then a commit retried on an unknown result.
@example(sc=Scenario(100.0, 120.0, False, (_tte(), _tte()),
                     (Outcome(0.5, "connection_failure", (UTCR,)),), (0.3, 0.9)))
# The backoff itself would pass the window: timeout wrapping the last error.
@example(sc=Scenario(0.0, 2.0 ** -6, False, (_tte(2.0 ** -7), _tte()), (), (0.99,)))
# The same after a transient commit error: 2**-8 + 7.5 ms passes 2**-7.
@example(sc=Scenario(0.0, 2.0 ** -7, True, (), (Outcome(2.0 ** -8, "operation_failure", (TTE,)),),
                     (1.0,)))
# A transient callback error once the window is spent (CSOT: ExecutionTimeout).
@example(sc=Scenario(12345.5, 0.25, True, (_tte(0.25),), (), ()))
# Unknown commit results until the window is spent.
@example(sc=Scenario(0.0, 1.0, False, (),
                     (Outcome(0.5, "wtimeout", (UTCR,)), Outcome(0.5, "wtimeout", (UTCR,))),
                     ()))
# MaxTimeMSExpired in a write concern error is raised, or retried as transient.
@example(sc=Scenario(0.0, 120.0, False, (), (Outcome(0.0, "maxtime_wce", (UTCR,)),), ()))
@example(sc=Scenario(0.0, 120.0, True, (),
                     (Outcome(0.0, "maxtime_details", (UTCR, TTE)),
                      Outcome(0.0, "maxtime_top", (UTCR,))), ()))
# A non-PyMongo callback error is re-raised even with a label-like history.
@example(sc=Scenario(0.0, 120.0, False, (_tte(), Outcome(0.0, "cancelled", (TTE,))), (), ()))
def test_retry_loop_follows_the_specification(sc: Scenario) -> None:
    expected_trace, expected_result, expected_draws = reference_with_transaction(sc)
    trace, result, loop, jitter = drive_retry_loop(sc)
    assert trace == expected_trace
    assert result == expected_result
    # The jitter is drawn when, and only when, the specification draws it.
    assert jitter.calls == expected_draws
    attempts = sum(1 for step in expected_trace if step[0] == "callback")
    assert loop.attempt == attempts
    # total_backoff is what was slept, added up in order as the loop adds it.
    slept = 0.0
    for step in trace:
        if step[0] == "sleep":
            slept += step[1]
    assert loop.total_backoff == slept


# -- no test may leak a retry policy -----------------------------------------------


@pytest.fixture(autouse=True, scope="module")
def _policy_is_restored() -> Iterator[None]:
    before = get_retry_policy()
    yield
    assert get_retry_policy() == before


# -- argument checking of the policy and observation -------------------------


def test_a_rejected_set_retry_policy_changes_nothing() -> None:
    before = txcore.get_retry_policy()

    def clock() -> float:
        return 0.0

    with pytest.raises(TypeError):
        txcore.set_retry_policy(clock=clock, jitter=3)
    with pytest.raises(ValueError):
        txcore.set_retry_policy(jitter=lambda: 0.5, window=-1)
    assert txcore.get_retry_policy() == before


@pytest.mark.parametrize("window", [float("nan"), -0.1, True, "5"])
def test_a_bad_window_is_refused_everywhere(window: Any) -> None:
    with pytest.raises(ValueError, match="window must be a non-negative number"):
        txcore.set_retry_policy(window=window)
    with pytest.raises((ValueError, TypeError)):
        RetryLoop(window)


def test_restore_retry_policy_refuses_what_set_retry_policy_never_returned() -> None:
    before = txcore.get_retry_policy()
    for junk in [(1, 2, 3), (), None, (time.monotonic, random.random, -5.0)]:
        with pytest.raises((TypeError, ValueError)):
            txcore.restore_retry_policy(junk)
    assert txcore.get_retry_policy() == before


def test_observe_refuses_an_unknown_state_even_while_a_start_is_pending() -> None:
    core = SessionCore()
    core.begin_transaction(None)
    with pytest.raises(txcore.CoreDisagreement, match="unknown PyMongo transaction state 99"):
        core.observe(99)
    assert core.start_pending and core.state == txcore.TXN_STARTING
