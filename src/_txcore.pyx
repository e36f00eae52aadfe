"""motorx._txcore: the compiled session core.

This module decides; it never performs I/O, never awaits, and imports
nothing private from PyMongo.  The ``async`` code in :mod:`motorx.session`
asks it what is legal and what to do next, performs that against PyMongo's
``AsyncClientSession`` and reports back.  Two objects live here:

* :class:`SessionCore`: one client session's lifecycle and transaction state
  machine, including a *pending* start (Motor's ``start_transaction`` is a
  plain method, so the PyMongo-side start happens at the session's next
  operation).  Every illegal transition raises the ``InvalidOperation``
  PyMongo raises, word for word, before anything is sent.  After each PyMongo
  call the Python layer reports PyMongo's resulting state
  (:meth:`SessionCore.observe`), and a transition the state machine does not
  allow is a :class:`CoreDisagreement`: a motorx bug, never a user error.

* :class:`RetryLoop`: the bookkeeping of one ``with_transaction`` call under
  the Convenient Transactions API specification: attempts, deadline,
  exponential backoff with jitter, and the classification of callback and
  commit errors into the next action (one of the strings below, which
  :mod:`motorx.monitoring` publishes as its decisions).

The only module state that changes is the retry policy (clock, jitter,
default window), which tests replace through :func:`set_retry_policy`.
Directives (language_level=3, embedsignature, ...) are set once, in ``setup.py``.
"""

cimport cython
from cpython.time cimport monotonic as _c_monotonic

from pymongo.errors import InvalidOperation

import random as _random
import time as _time

# Transaction states (motorx._pymongo_internals maps PyMongo's onto these).
TXN_NONE = 1
TXN_STARTING = 2
TXN_IN_PROGRESS = 3
TXN_COMMITTED = 4
TXN_COMMITTED_EMPTY = 5
TXN_ABORTED = 6

cdef enum:
    NONE = 1
    STARTING = 2
    IN_PROGRESS = 3
    COMMITTED = 4
    COMMITTED_EMPTY = 5
    ABORTED = 6

# What a RetryLoop decides after an error: the same strings are
# motorx.monitoring's event decisions.
RETRY_TRANSACTION = "retry_transaction"  # back off, then run the callback again
RETRY_COMMIT = "retry_commit"            # commit again, at once
RAISE = "raise"                          # raise the error itself
GIVE_UP = "give_up"                      # a retry is due but the window is spent

STATE_NAMES = {
    TXN_NONE: "NONE",
    TXN_STARTING: "STARTING",
    TXN_IN_PROGRESS: "IN_PROGRESS",
    TXN_COMMITTED: "COMMITTED",
    TXN_COMMITTED_EMPTY: "COMMITTED_EMPTY",
    TXN_ABORTED: "ABORTED",
}

# Legal PyMongo-observed transitions, as a bit mask per "from" state.  Staying
# in the same state is always legal (an observation with nothing new).
cdef int _bit(int state):
    return 1 << state

cdef int[7] _LEGAL
_LEGAL[0] = 0
# start_transaction from any finished state.
_LEGAL[NONE] = _bit(STARTING)
# first command sent; empty commit; abort (sent or not).
_LEGAL[STARTING] = _bit(IN_PROGRESS) | _bit(COMMITTED_EMPTY) | _bit(ABORTED)
_LEGAL[IN_PROGRESS] = _bit(COMMITTED) | _bit(ABORTED)
# a retried commit moves back to IN_PROGRESS while it is being sent.
_LEGAL[COMMITTED] = _bit(STARTING) | _bit(IN_PROGRESS) | _bit(NONE)
_LEGAL[COMMITTED_EMPTY] = _bit(STARTING) | _bit(NONE)
_LEGAL[ABORTED] = _bit(STARTING) | _bit(NONE)
# (transitions to NONE happen when a finished transaction's session is reused
# for an operation outside a transaction: PyMongo resets its state then.)


class CoreDisagreement(AssertionError):
    """The core and PyMongo's session disagree on a transaction state.

    This is a motorx bug, never a user error.
    """


# Not tracked by the cyclic GC (16 bytes less per open session): its only
# object field holds the options of a pending start, which never refer back.
@cython.no_gc
@cython.freelist(16)
cdef class SessionCore:
    """Lifecycle and transaction state of one client session."""

    cdef readonly object pending_options
    # The state and flags as single bytes, and no C method table (plain def
    # methods), so that the object takes 32 bytes: an open session's cost
    # next to PyMongo's.  Read through the properties.
    cdef unsigned char _state
    cdef unsigned char _ended
    cdef unsigned char _snapshot
    cdef unsigned char _start_pending
    cdef unsigned char _in_use

    def __init__(self, bint snapshot=False):
        self._state = NONE
        self._ended = False
        self._snapshot = snapshot
        self._start_pending = False
        self.pending_options = None

    @property
    def state(self):
        """The transaction state, one of the ``TXN_*`` constants."""
        return self._state

    @property
    def in_transaction(self):
        """True from ``start_transaction`` until commit or abort."""
        return self._state == STARTING or self._state == IN_PROGRESS

    @property
    def snapshot(self):
        """A snapshot session: no transactions."""
        return bool(self._snapshot)

    @property
    def ended(self):
        return bool(self._ended)

    def check_usable(self):
        if self._ended:
            raise InvalidOperation("Cannot use ended session")

    def begin_transaction(self, object options, bint pending=True):
        """Validate a ``start_transaction`` call and record it.

        With ``pending`` (Motor's plain ``start_transaction``) the start is
        held until :meth:`take_pending_start`; without it the caller applies
        the start to PyMongo at once.  ``options`` is opaque to the core.
        """
        if self._ended:
            raise InvalidOperation("Cannot use ended session")
        if self._snapshot:
            raise InvalidOperation("Transactions are not supported in snapshot sessions")
        if self._state == STARTING or self._state == IN_PROGRESS:
            raise InvalidOperation("Transaction already in progress")
        self._state = STARTING
        self._in_use = False
        if pending:
            self._start_pending = True
            self.pending_options = options


    def refuse_concurrent_operation(self):
        """Raise the error for an operation from outside the transaction's code.

        The Python layer queues the transaction's own operations (those of
        the task that started it and of what it spawns); another task's
        would run inside someone else's transaction.
        """
        raise InvalidOperation(
            "This session is running another operation of its transaction: "
            "only the code that started the transaction may use the session "
            "until it ends (one task per session)"
        )

    @property
    def in_use(self):
        """An operation, commit or abort of the current transaction is in flight."""
        return bool(self._in_use)

    def enter_operation(self):
        """An operation is about to run in this session: checks, then take the pending start.

        Inside a transaction it is refused while another is in flight, and
        marks the session in use until :meth:`leave_operation`.  Returns the
        options of a pending start that must be applied to PyMongo first, or
        ``None``, as :meth:`begin_commit` does.
        """
        _check_idle(self)
        if self._state == STARTING or self._state == IN_PROGRESS:
            self._in_use = True
        return _take_pending_start(self)

    def leave_operation(self, int pymongo_state):
        """An operation, commit or abort finished (or failed): adopt PyMongo's state.

        The first command of a transaction moves PyMongo STARTING ->
        IN_PROGRESS; an operation after a finished transaction resets it to
        NONE; a commit or abort finishes it.  A pending start is not
        PyMongo's yet, so PyMongo's older state is not adopted then.
        """
        self._in_use = False
        # An ended session keeps its last state: PyMongo refused the
        # operation with "Cannot use ended session", which must not be
        # replaced by a disagreement about a transaction that is over.
        if pymongo_state != self._state and not self._start_pending and not self._ended:
            _observe(self, pymongo_state)

    @property
    def start_pending(self):
        """A ``start_transaction`` is recorded and not yet applied to PyMongo."""
        return bool(self._start_pending)

    def take_pending_start(self):
        """Return the options of the pending start and clear it.

        The caller must apply the start to PyMongo and then ``observe`` the
        result.  Returns ``None`` when no start is pending.
        """
        return _take_pending_start(self)

    def abandon_pending_start(self, int pymongo_state):
        """PyMongo refused the pending start: the transaction never began."""
        if pymongo_state < NONE or pymongo_state > ABORTED:
            raise CoreDisagreement("unknown PyMongo transaction state %r" % pymongo_state)
        self._in_use = False
        self._start_pending = False
        self.pending_options = None
        self._state = pymongo_state

    def check_commit(self):
        """Raise PyMongo's error if ``commit_transaction`` is illegal now."""
        _check_started(self)
        if self._state == ABORTED:
            raise InvalidOperation("Cannot call commitTransaction after calling abortTransaction")

    def begin_commit(self):
        """Begin ``commit_transaction``: checks, then take the pending start.

        Refused while an operation of the transaction is in flight, then
        ``check_commit``; marks the session in use until the next
        :meth:`observe`, and returns the options of a pending start that
        must be applied to PyMongo first, or ``None``.  The caller reports
        the outcome with :meth:`leave_operation`.
        """
        _check_idle(self)
        self.check_commit()
        self._in_use = True
        return _take_pending_start(self)

    def begin_abort(self, bint force=False):
        """``begin_commit``'s counterpart for ``abort_transaction``.

        ``force``: with_transaction aborting its own transaction after the
        callback failed, even with an operation of it still in flight.
        """
        if not force:
            _check_idle(self)
        self.check_abort()
        self._in_use = True
        return _take_pending_start(self)

    def check_abort(self):
        """Raise PyMongo's error if ``abort_transaction`` is illegal now."""
        _check_started(self)
        if self._state == ABORTED:
            raise InvalidOperation("Cannot call abortTransaction twice")
        if self._state == COMMITTED or self._state == COMMITTED_EMPTY:
            raise InvalidOperation("Cannot call abortTransaction after calling commitTransaction")

    def observe(self, int pymongo_state):
        """Adopt the state PyMongo reports, refusing an illegal transition.

        While a start is pending PyMongo has not heard of the transaction yet,
        so PyMongo's (older) state is not adopted.
        """
        _observe(self, pymongo_state)

    def end(self):
        """Mark the session ended; a pending start is dropped."""
        self._ended = True
        self._start_pending = False
        self.pending_options = None
        if self._state == STARTING or self._state == IN_PROGRESS:
            self._state = ABORTED


# SessionCore's own steps, as C functions: it has no C method table (see its fields).

cdef int _check_idle(SessionCore core) except -1:
    # Two operations of one transaction at once (two tasks sharing the
    # session) would interleave it, and one could commit or abort it under
    # the other, whose later writes would then run outside any transaction.
    # Refused before anything is sent.
    if core._in_use and (core._state == STARTING or core._state == IN_PROGRESS):
        core.refuse_concurrent_operation()
    return 0


cdef int _check_started(SessionCore core) except -1:
    # What commit and abort both need: a session not ended, a transaction begun.
    if core._ended:
        raise InvalidOperation("Cannot use ended session")
    if core._state == NONE:
        raise InvalidOperation("No transaction started")
    return 0


cdef int _observe(SessionCore core, int pymongo_state) except -1:
    if pymongo_state < NONE or pymongo_state > ABORTED:
        raise CoreDisagreement("unknown PyMongo transaction state %r" % pymongo_state)
    if pymongo_state == core._state or core._start_pending:
        return 0
    if not (_LEGAL[core._state] & _bit(pymongo_state)):
        raise CoreDisagreement(
            "motorx core in state %s cannot follow PyMongo to %s"
            % (STATE_NAMES[core._state], STATE_NAMES[pymongo_state])
        )
    core._state = pymongo_state
    return 0


cdef object _take_pending_start(SessionCore core):
    cdef object options
    if not core._start_pending:
        return None
    options = core.pending_options
    core._start_pending = False
    core.pending_options = None
    return options


# -- with_transaction bookkeeping -------------------------------------------

# Defaults of the Convenient Transactions API specification.
# Seconds, used when no client-side timeout is in force (a C double: read per call).
cdef double _DEFAULT_WINDOW = 120.0
DEFAULT_WINDOW = _DEFAULT_WINDOW
BACKOFF_INITIAL = 0.005     # seconds
BACKOFF_MAX = 0.500         # seconds
BACKOFF_GROWTH = 1.5

# Replaceable from Python so tests never wait for the real window.
cdef object _MONOTONIC = _time.monotonic
cdef object _clock = _MONOTONIC
cdef object _jitter = _random.random
cdef object _window_override = None


cdef object _checked_window(object window):
    if (
        not isinstance(window, (int, float))
        or isinstance(window, bool)
        or window != window  # NaN would never time out
        or window < 0
    ):
        raise ValueError("window must be a non-negative number of seconds, not %r" % (window,))
    return float(window)


def set_retry_policy(clock=None, jitter=None, window=None):
    """Replace the clock, jitter source or default window; return the old ones.

    ``clock`` is a zero-argument callable returning seconds (monotonic);
    ``jitter`` a zero-argument callable returning a float in [0, 1);
    ``window`` the retry window in seconds used when no client-side operation
    timeout is in force.  An argument left as ``None`` is unchanged.  All
    arguments are checked before any is installed.  Pass the returned tuple
    to :func:`restore_retry_policy` to undo.
    """
    global _clock, _jitter, _window_override
    if clock is not None and not callable(clock):
        raise TypeError("clock must be callable, not %r" % (clock,))
    if jitter is not None and not callable(jitter):
        raise TypeError("jitter must be callable, not %r" % (jitter,))
    if window is not None:
        window = _checked_window(window)
    old = (_clock, _jitter, _window_override)
    if clock is not None:
        _clock = clock
    if jitter is not None:
        _jitter = jitter
    if window is not None:
        _window_override = window
    return old


def restore_retry_policy(old):
    """Undo :func:`set_retry_policy` with the tuple it returned."""
    global _clock, _jitter, _window_override
    if not isinstance(old, tuple) or len(old) != 3:
        raise TypeError("expected the tuple set_retry_policy returned, not %r" % (old,))
    clock, jitter, window = old
    if not callable(clock) or not callable(jitter):
        raise TypeError("expected the tuple set_retry_policy returned, not %r" % (old,))
    _clock, _jitter = clock, jitter
    _window_override = None if window is None else _checked_window(window)


def get_retry_policy():
    """Return the current ``(clock, jitter, window)``."""
    return (_clock, _jitter, DEFAULT_WINDOW if _window_override is None else _window_override)


# From this retry on the ceiling is BACKOFF_MAX (5 ms * 1.5**12 > 500 ms).  The
# exponent is never evaluated past it: 1.5**k overflows a double near k = 1750,
# which fast-failing retries with small jitter reach well inside 120 s.
cdef int _CAPPED_RETRY = 12


cpdef double backoff_ceiling(int retry):
    """Upper bound of the sleep before transaction retry number ``retry`` (>= 1)."""
    cdef double ceiling
    if retry >= _CAPPED_RETRY:
        return BACKOFF_MAX
    ceiling = BACKOFF_INITIAL * (BACKOFF_GROWTH ** retry)
    return ceiling if ceiling < BACKOFF_MAX else BACKOFF_MAX


cdef bint _has_label(object exc, str label):
    has = getattr(exc, "has_error_label", None)  # PyMongo errors only
    return has is not None and has(label)


cdef bint _is_max_time_expired(object exc):
    # MaxTimeMSExpired is code 50 either at top level ({ok: 0, code: 50}) or
    # inside a write concern error ({ok: 1, writeConcernError: {code: 50}}).
    if getattr(exc, "code", None) == 50:
        return True
    details = getattr(exc, "details", None)
    if isinstance(details, dict):
        wce = details.get("writeConcernError")
        if isinstance(wce, dict) and wce.get("code") == 50:
            return True
    return False


@cython.freelist(8)
cdef class RetryLoop:
    """The state of one ``with_transaction`` call.

    ``window`` is the retry window in seconds: what is left of the client-side
    operation timeout when one is in force (``csot=True``; the caller reads
    it), else the retry policy's default (120 s).  The loop only decides:
    after an error, :meth:`on_callback_error` / :meth:`on_commit_error` say
    what comes next; before each transaction attempt, :meth:`next_attempt`
    says how long to sleep.
    """

    cdef readonly double started_at
    cdef readonly double window
    cdef readonly bint csot
    cdef readonly int attempt          # transactions started so far
    cdef readonly int commit_attempts  # commits retried in the current attempt
    cdef readonly double total_backoff  # seconds slept before the attempts so far
    cdef readonly object last_error
    # The sleep decided with RETRY_TRANSACTION, taken by next_attempt().
    cdef double _backoff_due
    cdef object clock
    cdef object jitter

    def __init__(self, window=None, bint csot=False, clock=None, jitter=None):
        self.clock = _clock if clock is None else clock
        self.jitter = _jitter if jitter is None else jitter
        if window is None:
            self.window = _DEFAULT_WINDOW if _window_override is None else _window_override
        else:
            self.window = _checked_window(window)
        self.csot = csot
        self.attempt = 0
        self.commit_attempts = 0
        self.total_backoff = 0.0
        self._backoff_due = 0.0
        self.last_error = None
        self.started_at = self._now()

    cpdef double elapsed(self):
        return self._now() - self.started_at

    cdef inline double _now(self) except? -1.0:
        # time.monotonic's own clock, read in C unless a test replaced it.
        if self.clock is _MONOTONIC:
            return _c_monotonic()
        return self.clock()

    cpdef double next_attempt(self):
        """Begin a transaction attempt; return the seconds to sleep first.

        The first attempt never sleeps; a retry sleeps what was decided with
        its RETRY_TRANSACTION.
        """
        cdef double backoff = self._backoff_due
        self._backoff_due = 0.0
        self.total_backoff += backoff
        self.attempt += 1
        self.commit_attempts = 0
        return backoff

    cpdef str on_callback_error(self, object exc):
        """Decide after the callback raised ``exc`` (the transaction already aborted).

        RETRY_TRANSACTION for an error labelled TransientTransactionError while
        the window lasts, GIVE_UP once it is spent, else RAISE.
        """
        self.last_error = exc
        if _has_label(exc, "TransientTransactionError"):
            return self._retry_transaction()
        return RAISE

    cpdef str on_commit_error(self, object exc):
        """Decide after ``commit_transaction`` raised ``exc``.

        GIVE_UP once the window is spent; RETRY_COMMIT on an unknown commit
        result (unless the server ran out of maxTimeMS); RETRY_TRANSACTION on
        a transient error; else RAISE.
        """
        self.last_error = exc
        if self.elapsed() >= self.window:
            return GIVE_UP
        if _has_label(exc, "UnknownTransactionCommitResult") and not _is_max_time_expired(exc):
            self.commit_attempts += 1
            return RETRY_COMMIT
        if _has_label(exc, "TransientTransactionError"):
            return self._retry_transaction()
        return RAISE

    cdef str _retry_transaction(self):
        # Before retry number k the sleep is
        # jitter * min(BACKOFF_INITIAL * 1.5**k, BACKOFF_MAX); a retry whose
        # sleep would carry the call past its window is not started.
        cdef double elapsed = self.elapsed()
        cdef double backoff
        if elapsed >= self.window:
            return GIVE_UP
        backoff = self.jitter() * backoff_ceiling(self.attempt)
        if elapsed + backoff >= self.window:
            return GIVE_UP
        self._backoff_due = backoff
        return RETRY_TRANSACTION
