"""Events for ``with_transaction``: every attempt, failure, backoff and outcome.

PyMongo's command events show single commands; these show the loop around
them, as the compiled core decides it.  Subclass :class:`TransactionListener`
(override only what you need) and register an instance like a PyMongo
listener, either on one client or globally::

    client = AsyncIOMotorClient(uri, event_listeners=[MyListener()])
    motorx.monitoring.register(MyListener())   # clients created from now on

PyMongo listeners and motorx listeners can share one ``event_listeners`` list;
motorx keeps its own and hands PyMongo the rest.  As with PyMongo, a global
registration applies to clients created after it.

One ``with_transaction`` call publishes, in order::

    started, attempt_started(1), [callback_failed | commit_failed]...,
    [backoff(seconds), attempt_started(2), ...], then one of: committed;
    a failure event with decision "raise" (that error is raised); gave_up
    (the window is spent; the timeout error is raised).

Every event has ``session_id`` (the ``lsid`` PyMongo's command events carry,
to join the two) and ``app_name`` (the client's ``appname``, or None).  With
no listener registered the loop publishes nothing and builds no event.

A listener that raises does not change the transaction: the exception is
logged to the ``motorx.monitoring`` logger and the next listener still runs.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from motorx._pymongo_internals import error_labels
from motorx._txcore import GIVE_UP, RAISE, RETRY_COMMIT, RETRY_TRANSACTION

__all__ = [
    "GIVE_UP",
    "RAISE",
    "RETRY_COMMIT",
    "RETRY_TRANSACTION",
    "BackoffEvent",
    "CallbackFailedEvent",
    "CommitFailedEvent",
    "CommittedEvent",
    "GaveUpEvent",
    "TransactionAttemptStartedEvent",
    "TransactionListener",
    "TransactionStatistics",
    "WithTransactionStartedEvent",
    "register",
]

_LOGGER = logging.getLogger("motorx.monitoring")

# The decisions a failure event reports are the core's own: RETRY_TRANSACTION,
# RETRY_COMMIT, RAISE (the error itself is raised) and GIVE_UP (a retry was
# due but the window is spent: a GaveUpEvent follows).


class _TransactionEvent:
    __slots__ = ("app_name", "session_id")

    def __init__(self, session_id: Mapping[str, Any], app_name: Optional[str]) -> None:
        self.session_id = session_id
        self.app_name = app_name

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for cls in reversed(type(self).__mro__)
            for name in getattr(cls, "__slots__", ())
        )
        return f"{type(self).__name__}({fields})"


class WithTransactionStartedEvent(_TransactionEvent):
    """A ``with_transaction`` call began."""

    __slots__ = ()


class TransactionAttemptStartedEvent(_TransactionEvent):
    """Attempt ``attempt`` (1, 2, ...) began: a transaction is started and the callback runs."""

    __slots__ = ("attempt",)

    def __init__(self, session_id: Mapping[str, Any], app_name: Optional[str], attempt: int) -> None:
        super().__init__(session_id, app_name)
        self.attempt = attempt


class _FailureEvent(_TransactionEvent):
    __slots__ = ("attempt", "decision", "error")

    def __init__(
        self,
        session_id: Mapping[str, Any],
        app_name: Optional[str],
        attempt: int,
        error: BaseException,
        decision: str,
    ) -> None:
        super().__init__(session_id, app_name)
        self.attempt = attempt
        self.error = error
        self.decision = decision

    @property
    def error_type(self) -> str:
        return type(self.error).__name__

    @property
    def code(self) -> Optional[int]:
        """The server's error code, also for errors such as NotPrimaryError
        that keep it only in their ``details``."""
        code = getattr(self.error, "code", None)
        if code is None:
            details = getattr(self.error, "details", None)
            if isinstance(details, Mapping):
                code = details.get("code")
        return code

    @property
    def labels(self) -> tuple[str, ...]:
        return error_labels(self.error)


class CallbackFailedEvent(_FailureEvent):
    """The callback raised; ``decision`` is ``"retry_transaction"``, ``"raise"`` or ``"give_up"``."""

    __slots__ = ()


class CommitFailedEvent(_FailureEvent):
    """A commit raised; ``decision`` is ``"retry_commit"``, ``"retry_transaction"``, ``"raise"`` or ``"give_up"``.

    ``commit_attempt`` counts the commits of this attempt, from 1.
    """

    __slots__ = ("commit_attempt",)

    def __init__(
        self,
        session_id: Mapping[str, Any],
        app_name: Optional[str],
        attempt: int,
        error: BaseException,
        decision: str,
        commit_attempt: int,
    ) -> None:
        super().__init__(session_id, app_name, attempt, error, decision)
        self.commit_attempt = commit_attempt


class BackoffEvent(_TransactionEvent):
    """The loop slept ``seconds`` before attempt ``attempt``."""

    __slots__ = ("attempt", "seconds")

    def __init__(
        self, session_id: Mapping[str, Any], app_name: Optional[str], attempt: int, seconds: float
    ) -> None:
        super().__init__(session_id, app_name)
        self.attempt = attempt
        self.seconds = seconds


class CommittedEvent(_TransactionEvent):
    """The call returned with its transaction committed.

    ``attempts``: transactions started; ``commit_attempts``: commits sent in
    the last attempt (0 when the callback committed itself); ``total_backoff``
    and ``elapsed`` in seconds.
    """

    __slots__ = ("attempts", "commit_attempts", "elapsed", "total_backoff")

    def __init__(
        self,
        session_id: Mapping[str, Any],
        app_name: Optional[str],
        attempts: int,
        commit_attempts: int,
        total_backoff: float,
        elapsed: float,
    ) -> None:
        super().__init__(session_id, app_name)
        self.attempts = attempts
        self.commit_attempts = commit_attempts
        self.total_backoff = total_backoff
        self.elapsed = elapsed


class GaveUpEvent(_TransactionEvent):
    """The retry window was spent: ``error`` (raised) wraps ``cause``."""

    __slots__ = ("attempts", "cause", "elapsed", "error")

    def __init__(
        self,
        session_id: Mapping[str, Any],
        app_name: Optional[str],
        attempts: int,
        error: BaseException,
        cause: Optional[BaseException],
        elapsed: float,
    ) -> None:
        super().__init__(session_id, app_name)
        self.attempts = attempts
        self.error = error
        self.cause = cause
        self.elapsed = elapsed


class TransactionListener:
    """Base class for ``with_transaction`` listeners: override what you need."""

    def started(self, event: WithTransactionStartedEvent) -> None:
        pass

    def attempt_started(self, event: TransactionAttemptStartedEvent) -> None:
        pass

    def callback_failed(self, event: CallbackFailedEvent) -> None:
        pass

    def commit_failed(self, event: CommitFailedEvent) -> None:
        pass

    def backoff(self, event: BackoffEvent) -> None:
        pass

    def committed(self, event: CommittedEvent) -> None:
        pass

    def gave_up(self, event: GaveUpEvent) -> None:
        pass


_GLOBAL_LISTENERS: list[TransactionListener] = []


def register(listener: TransactionListener) -> None:
    """Register a listener for every client created from now on."""
    if not isinstance(listener, TransactionListener):
        raise TypeError(
            f"listeners must be motorx.monitoring.TransactionListener instances, not {type(listener)}"
        )
    _GLOBAL_LISTENERS.append(listener)


def split_listeners(
    event_listeners: Optional[Sequence[Any]],
) -> tuple[Any, tuple[TransactionListener, ...]]:
    """Separate motorx's listeners from PyMongo's in a client's ``event_listeners``.

    Returns (what to give PyMongo: the rest of the list, or the value as it
    was when it is not a list or tuple; motorx's listeners for this client,
    global ones first).
    """
    ours = list(_GLOBAL_LISTENERS)
    if not isinstance(event_listeners, (list, tuple)):
        # None, or something PyMongo will refuse with its own error.
        return event_listeners, tuple(ours)
    theirs = []
    for listener in event_listeners:
        if isinstance(listener, TransactionListener):
            ours.append(listener)
        else:
            theirs.append(listener)
    return theirs, tuple(ours)


class TransactionPublisher:
    """Publishes one ``with_transaction`` call's events to its listeners.

    Made only when the client has listeners, so the loop pays one ``None``
    check per event point otherwise.
    """

    __slots__ = ("app_name", "listeners", "session_id")

    def __init__(
        self,
        listeners: tuple[TransactionListener, ...],
        session_id: Mapping[str, Any],
        app_name: Optional[str],
    ) -> None:
        self.listeners = listeners
        self.session_id = session_id
        self.app_name = app_name

    def _publish(self, method: str, event: _TransactionEvent) -> None:
        for listener in self.listeners:
            try:
                getattr(listener, method)(event)
            except Exception:
                _LOGGER.exception("motorx transaction listener %r raised in %s()", listener, method)

    def started(self) -> None:
        self._publish("started", WithTransactionStartedEvent(self.session_id, self.app_name))

    def attempt_started(self, attempt: int) -> None:
        self._publish(
            "attempt_started", TransactionAttemptStartedEvent(self.session_id, self.app_name, attempt)
        )

    def callback_failed(self, attempt: int, error: BaseException, decision: str) -> None:
        self._publish(
            "callback_failed",
            CallbackFailedEvent(self.session_id, self.app_name, attempt, error, decision),
        )

    def commit_failed(self, attempt: int, error: BaseException, decision: str, commit_attempt: int) -> None:
        self._publish(
            "commit_failed",
            CommitFailedEvent(self.session_id, self.app_name, attempt, error, decision, commit_attempt),
        )

    def backoff(self, attempt: int, seconds: float) -> None:
        self._publish("backoff", BackoffEvent(self.session_id, self.app_name, attempt, seconds))

    def committed(self, attempts: int, commit_attempts: int, total_backoff: float, elapsed: float) -> None:
        self._publish(
            "committed",
            CommittedEvent(
                self.session_id, self.app_name, attempts, commit_attempts, total_backoff, elapsed
            ),
        )

    def gave_up(self, attempts: int, error: BaseException, elapsed: float) -> None:
        self._publish(
            "gave_up",
            GaveUpEvent(self.session_id, self.app_name, attempts, error, error.__cause__, elapsed),
        )


def _percentile(sorted_values: Sequence[float], fraction: float) -> Optional[float]:
    """Nearest-rank percentile of already sorted values (None if empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class TransactionStatistics(TransactionListener):
    """Counters and latency figures for ``with_transaction``, ready to log.

    Register it on a client (``event_listeners=[stats]``) and read
    :meth:`snapshot` periodically; :meth:`reset` starts a new period.
    Durations are kept for the last ``max_samples`` calls.
    """

    def __init__(self, max_samples: int = 10_000) -> None:
        if not isinstance(max_samples, int) or isinstance(max_samples, bool) or max_samples < 1:
            raise ValueError(f"max_samples must be a positive int, not {max_samples!r}")
        self.max_samples = max_samples
        self.reset()

    def reset(self) -> None:
        self.calls = 0                      # with_transaction calls started
        self.committed_calls = 0
        self.gave_up_calls = 0
        self.raised_calls = 0               # ended by a non-retryable error
        self.callback_invocations = 0       # attempts: one callback call each
        self.attempts_per_call: Counter[int] = Counter()  # committed calls by attempts
        self.retries_by_reason: Counter[str] = Counter()  # "callback:TransientTransactionError", ...
        self.commit_retries = 0
        self.backoff_total = 0.0
        self.backoffs = 0
        self._durations: list[float] = []

    # -- the listener -----------------------------------------------------------

    def started(self, event: WithTransactionStartedEvent) -> None:
        self.calls += 1

    def attempt_started(self, event: TransactionAttemptStartedEvent) -> None:
        self.callback_invocations += 1

    def callback_failed(self, event: CallbackFailedEvent) -> None:
        if event.decision == RETRY_TRANSACTION:
            self.retries_by_reason["callback:" + _reason(event)] += 1
        elif event.decision == RAISE:
            self.raised_calls += 1

    def commit_failed(self, event: CommitFailedEvent) -> None:
        if event.decision == RETRY_COMMIT:
            self.commit_retries += 1
            self.retries_by_reason["commit:" + _reason(event)] += 1
        elif event.decision == RETRY_TRANSACTION:
            self.retries_by_reason["commit:" + _reason(event)] += 1
        elif event.decision == RAISE:
            self.raised_calls += 1

    def backoff(self, event: BackoffEvent) -> None:
        self.backoffs += 1
        self.backoff_total += event.seconds

    def committed(self, event: CommittedEvent) -> None:
        self.committed_calls += 1
        self.attempts_per_call[event.attempts] += 1
        self._record(event.elapsed)

    def gave_up(self, event: GaveUpEvent) -> None:
        self.gave_up_calls += 1
        self._record(event.elapsed)

    def _record(self, seconds: float) -> None:
        durations = self._durations
        durations.append(seconds)
        if len(durations) > self.max_samples:
            del durations[: len(durations) - self.max_samples]

    # -- reading ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The figures so far, as a plain dict (durations in seconds)."""
        durations = sorted(self._durations)
        return {
            "calls": self.calls,
            "committed": self.committed_calls,
            "gave_up": self.gave_up_calls,
            "raised": self.raised_calls,
            "callback_invocations": self.callback_invocations,
            "retries": sum(self.retries_by_reason.values()),
            "retries_by_reason": dict(self.retries_by_reason),
            "commit_retries": self.commit_retries,
            "attempts_per_call": dict(sorted(self.attempts_per_call.items())),
            "backoffs": self.backoffs,
            "backoff_total": self.backoff_total,
            "duration_p50": _percentile(durations, 0.50),
            "duration_p99": _percentile(durations, 0.99),
        }


def _reason(event: _FailureEvent) -> str:
    """The label that drove a retry, else the error code or type."""
    labels = event.labels
    for label in ("TransientTransactionError", "UnknownTransactionCommitResult"):
        if label in labels:
            return label
    return str(event.code) if event.code is not None else event.error_type
