"""The one list of spec cases that cannot pass here, and why.

``SERVER_DIFFERENCES``: cases that fail because the embedded server is not mongod.

Each entry is keyed ``<directory>/<file>::<description>`` and names the step
at which the case fails and the server behaviour responsible.  An entry
applies only against SecantusDB (``buildInfo.secantusVersion``); against a
real mongod the case must pass.  For every entry
``test_unified.py::test_pymongo_fails_the_same_way`` runs the case through
PyMongo's own ``AsyncMongoClient`` and requires it to fail at the same step:
that is the proof that the difference is the server's, not motorx's.

``DEPLOYMENT_NEEDS``: cases that need a deployment shape the test server
lacks although their runOnRequirements do not say so (the files assume the
drivers' usual three-member replica set).  They are skipped with the reason
only when the deployment lacks it; given it (``MONGODB_URI`` of a real
replica set with secondaries) they run.

``PYMONGO_GAPS``: cases that the installed PyMongo itself fails (motorx runs
on PyMongo, so it inherits the gap): skipped with the reason when the
installed PyMongo is older than the first release verified to pass, and
``test_unified.py::test_pymongo_gap_is_pymongos`` runs each through PyMongo's
own ``AsyncMongoClient`` and requires it to fail at the listed step.

``TIMING_SENSITIVE``: cases whose outcome depends on the server answering
within a tight socket timeout; against SecantusDB (a Python server sharing
the CPUs with the test run) such a case is run up to three times and passes
only if one whole run passes.

Never list a case here because motorx lacks a feature.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ServerDifference:
    step: str  # CaseFailure.step, e.g. "operations[2] commitTransaction"
    behaviour: str  # what SecantusDB does differently from mongod


SERVER_DIFFERENCES: dict[str, ServerDifference] = {}


@dataclasses.dataclass(frozen=True)
class DeploymentNeed:
    secondaries: int  # how many secondaries the case needs
    why: str


_SECONDARY_READ = DeploymentNeed(
    1,
    "a read preference of 'secondary' needs a secondary member to select before the driver "
    "can refuse it inside a transaction ('read preference in a transaction must be primary'); "
    "with none, server selection times out instead (PyMongo's AsyncMongoClient does the same)",
)

DEPLOYMENT_NEEDS: dict[str, DeploymentNeed] = {
    "transactions/read-pref.json::secondary readPreference": _SECONDARY_READ,
    "transactions/run-command.json::run command fails with explicit secondary read preference": _SECONDARY_READ,
    "transactions/run-command.json::run command fails with secondary read preference from transaction options": _SECONDARY_READ,
    "transactions/transaction-options.json::readPreference inherited from client": _SECONDARY_READ,
    "transactions/transaction-options.json::readPreference inherited from defaultTransactionOptions": _SECONDARY_READ,
    "transactions/transaction-options.json::startTransaction overrides readPreference": _SECONDARY_READ,
}


@dataclasses.dataclass(frozen=True)
class PyMongoGap:
    step: str  # where PyMongo's AsyncMongoClient fails the case (CaseFailure.step)
    passing_since: tuple[int, int]  # first PyMongo release verified to pass it
    behaviour: str


_BACKPRESSURE = (
    "PyMongo 4.13 does not retry errors labelled RetryableError + SystemOverloadedError "
    "(the client backpressure retries of newer PyMongo)"
)
_AFTER_CLUSTER_TIME = (
    "PyMongo 4.13 sends no readConcern.afterClusterTime on the first write after a "
    "transaction in a causally consistent session"
)

PYMONGO_GAPS: dict[str, PyMongoGap] = {
    "transactions/backpressure-retryable-abort.json::abortTransaction retries if backpressure labels are added": PyMongoGap(
        "expectEvents client0", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-abort.json::abortTransaction is retried maxAttempts=2 times if backpressure labels are added": PyMongoGap(
        "expectEvents client0", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-commit.json::commitTransaction retries if backpressure labels are added": PyMongoGap(
        "operations[3] commitTransaction", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-commit.json::commitTransaction is retried maxAttempts=2 times if backpressure labels are added": PyMongoGap(
        "expectEvents client0", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-reads.json::reads are retried if backpressure labels are added": PyMongoGap(
        "operations[3] find", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-reads.json::reads are retried maxAttempts=2 times if backpressure labels are added": PyMongoGap(
        "expectEvents client0", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-writes.json::writes are retried if backpressure labels are added": PyMongoGap(
        "operations[3] insertOne", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-writes.json::writes are retried maxAttempts=2 times if backpressure labels are added": PyMongoGap(
        "expectEvents client0", (4, 20), _BACKPRESSURE
    ),
    "transactions/backpressure-retryable-writes.json::retry succeeds if backpressure labels are added to the first operation in a transaction": PyMongoGap(
        "operations[2] insertOne", (4, 20), _BACKPRESSURE
    ),
    "transactions/commit.json::reset session state commit": PyMongoGap(
        "expectEvents client1 event[2]", (4, 20), _AFTER_CLUSTER_TIME
    ),
    "transactions/commit.json::reset session state abort": PyMongoGap(
        "expectEvents client1 event[2]", (4, 20), _AFTER_CLUSTER_TIME
    ),
    "transactions/retryable-writes.json::increment txnNumber": PyMongoGap(
        "expectEvents client0 event[2]", (4, 20), _AFTER_CLUSTER_TIME
    ),
    "transactions-convenient-api/callback-aborts.json::withTransaction still succeeds if callback aborts and runs extra op": PyMongoGap(
        "expectEvents client0 event[2]", (4, 20), _AFTER_CLUSTER_TIME
    ),
    "transactions-convenient-api/callback-commits.json::withTransaction still succeeds if callback commits and runs extra op": PyMongoGap(
        "expectEvents client0 event[3]", (4, 20), _AFTER_CLUSTER_TIME
    ),
}


TIMING_SENSITIVE: dict[str, str] = {
    "transactions/error-labels-blockConnection.json::add RetryableWriteError and UnknownTransactionCommitResult labels to connection errors": "socketTimeoutMS=100 against a fail point blocking commitTransaction for 150 ms: when the "
    "embedded server is slowed by a busy machine, the unblocked commands near 100 ms too "
    "and the driver's retry sequence changes (seen with PyMongo's AsyncMongoClient as well)",
}
