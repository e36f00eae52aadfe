"""Shared helpers of the reliability tests (issue 7).

Not a conftest.py on purpose: ``tests/conftest.py`` is imported by other test
modules as ``conftest``, and a second, nested ``conftest.py`` (no packages in
``tests/``) would replace it in ``sys.modules``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from pymongo import MongoClient
from pymongo.errors import OperationFailure
from pymongo.monitoring import (
    ConnectionCheckedInEvent,
    ConnectionCheckedOutEvent,
    ConnectionCheckOutFailedEvent,
    ConnectionCheckOutStartedEvent,
    ConnectionClosedEvent,
    ConnectionCreatedEvent,
    ConnectionPoolListener,
    ConnectionReadyEvent,
    PoolClearedEvent,
    PoolClosedEvent,
    PoolCreatedEvent,
    PoolReadyEvent,
)

DB = "motorx_reliability"

WRITE_CONFLICT = 112


class PoolRecorder(ConnectionPoolListener):
    """CMAP events: how many connections are checked out right now.

    A connection that is closed while checked out (the socket died under an
    operation) is never checked in; CMAP reports it as closed instead, so it
    no longer counts as checked out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.checked_out: set[tuple[Any, int]] = set()
        self.events: Counter[str] = Counter()

    def _count(self, event: Any) -> None:
        with self._lock:
            self.events[type(event).__name__] += 1

    def connection_checked_out(self, event: ConnectionCheckedOutEvent) -> None:
        self._count(event)
        with self._lock:
            self.checked_out.add((event.address, event.connection_id))

    def connection_checked_in(self, event: ConnectionCheckedInEvent) -> None:
        self._count(event)
        with self._lock:
            self.checked_out.discard((event.address, event.connection_id))

    def connection_closed(self, event: ConnectionClosedEvent) -> None:
        self._count(event)
        with self._lock:
            self.checked_out.discard((event.address, event.connection_id))

    def pool_created(self, event: PoolCreatedEvent) -> None:
        self._count(event)

    def pool_ready(self, event: PoolReadyEvent) -> None:
        self._count(event)

    def pool_cleared(self, event: PoolClearedEvent) -> None:
        self._count(event)

    def pool_closed(self, event: PoolClosedEvent) -> None:
        self._count(event)

    def connection_created(self, event: ConnectionCreatedEvent) -> None:
        self._count(event)

    def connection_ready(self, event: ConnectionReadyEvent) -> None:
        self._count(event)

    def connection_check_out_started(self, event: ConnectionCheckOutStartedEvent) -> None:
        self._count(event)

    def connection_check_out_failed(self, event: ConnectionCheckOutFailedEvent) -> None:
        self._count(event)

    def in_use(self) -> int:
        with self._lock:
            return len(self.checked_out)


def transaction_holds(sync_client: MongoClient[Any], db: str, coll: str, doc_id: Any) -> bool:
    """True if some open transaction on the server has written ``doc_id``.

    SecantusDB's ``$currentOp`` does not list idle sessions or transactions
    (checked: ``{$currentOp: {idleSessions: true}}`` shows only itself), so
    this asks the data instead: a transactional write to a document another
    open transaction has written fails at once with WriteConflict (112), as on
    mongod.  The probe transaction is always aborted, so it writes nothing.
    """
    with sync_client.start_session() as probe:
        probe.start_transaction()
        try:
            sync_client[db][coll].update_one(
                {"_id": doc_id}, {"$set": {"probe": 1}}, upsert=True, session=probe
            )
        except OperationFailure as exc:
            if exc.code == WRITE_CONFLICT:
                return True
            raise
        finally:
            if probe.in_transaction:
                probe.abort_transaction()
    return False
