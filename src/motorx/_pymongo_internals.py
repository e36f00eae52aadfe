"""Every private PyMongo name motorx relies on, in one place.

motorx runs on PyMongo's public async API, except for the few things below
that PyMongo offers no public way to reach.  Each is behind a function named
for what it gives, and nothing else in motorx (the compiled core included)
touches a private PyMongo name.  :func:`check_pymongo` runs at import: on a
PyMongo that lacks one of them, ``import motorx`` fails with an ImportError
naming the PyMongo version and the missing piece, instead of an
AttributeError in the middle of a transaction.  Supported: PyMongo 4.13 to
4.20 (``tests/test_pymongo_internals.py`` runs on both ends).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Optional, Union

import pymongo
from gridfs.asynchronous.grid_file import AsyncGridFSBucket, AsyncGridOut
from pymongo import _csot
from pymongo.asynchronous import client_session as _client_session
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.encryption import AsyncClientEncryption
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import InvalidOperation, PyMongoError

from motorx import _txcore

# -- sessions and transactions ---------------------------------------------------

# PyMongo's transaction states (its private _TxnState enum) as the core's.
_TXN_STATE = getattr(_client_session, "_TxnState", None)
_CORE_STATE_OF = {
    getattr(_TXN_STATE, name, None): getattr(_txcore, "TXN_" + name)
    for name in ("NONE", "STARTING", "IN_PROGRESS", "COMMITTED", "COMMITTED_EMPTY", "ABORTED")
}


def transaction_state(session: AsyncClientSession) -> int:
    """The state of ``session``'s transaction, as a core state (``_txcore.TXN_*``)."""
    state: int = _CORE_STATE_OF[session._transaction.state]
    return state


def client_side_timeout_remaining() -> Optional[float]:
    """Seconds left of the ``pymongo.timeout`` (or client ``timeoutMS``) in force, None if none."""
    return _csot.remaining()


def error_labels(error: BaseException) -> tuple[str, ...]:
    """All error labels of a PyMongo error (PyMongo has ``has_error_label`` only)."""
    return tuple(getattr(error, "_error_labels", ()) or ())


def add_error_labels(error: PyMongoError, labels: tuple[str, ...]) -> None:
    """Give ``error`` these error labels, as PyMongo labels its own errors."""
    for label in labels:
        error._add_error_label(label)


# -- clients -------------------------------------------------------------------


def bound_loop(client: AsyncMongoClient[Any]) -> Optional[asyncio.AbstractEventLoop]:
    """The event loop PyMongo bound ``client`` to at its first operation (None before)."""
    loop: Optional[asyncio.AbstractEventLoop] = client._loop
    return loop


def guard_topology(
    client: AsyncMongoClient[Any], guard: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]
) -> None:
    """Route every later operation of ``client`` through ``guard``.

    Each operation (and each getMore and killCursors) asks
    ``AsyncMongoClient._get_topology()`` for the topology before selecting a
    server; ``guard(get_topology)`` is awaited instead, on this instance, and
    may raise to refuse the operation.
    """
    get_topology = client._get_topology

    async def guarded() -> Any:
        return await guard(get_topology)

    client._get_topology = guarded  # type: ignore[method-assign]


# -- cursors ---------------------------------------------------------------------


def cursor_query_flags(cursor: AsyncCursor[Any]) -> int:
    """The wire-protocol query flags of ``cursor`` (``CursorType`` bits and options)."""
    flags: int = cursor._query_flags
    return flags


def cursor_buffered_count(cursor: Union[AsyncCursor[Any], AsyncCommandCursor[Any], None]) -> int:
    """How many documents ``cursor`` has fetched and not handed out yet (0 for None)."""
    return 0 if cursor is None else len(cursor._data)


# -- GridFS ----------------------------------------------------------------------


def grid_out_document(grid_out: AsyncGridOut) -> Optional[Mapping[str, Any]]:
    """The file document of an opened ``AsyncGridOut`` (None before ``open()``)."""
    document: Optional[Mapping[str, Any]] = grid_out._file
    return document


def bucket_files_collection(bucket: AsyncGridFSBucket) -> AsyncCollection[Any]:
    """The bucket's files collection, with the bucket's write concern."""
    files: AsyncCollection[Any] = bucket._files
    return files


# -- client-side field level encryption ------------------------------------------------


class ClientEncryptionWithMotorMessages(AsyncClientEncryption[Any]):
    """PyMongo's ClientEncryption, refusing use after close with Motor's message.

    PyMongo's check, which each of its methods calls first, names
    ``AsyncClientEncryption``.
    """

    def _check_closed(self) -> None:
        if self._encryption is None:
            raise InvalidOperation("Cannot use closed ClientEncryption")


# -- the check at import ------------------------------------------------------


def _assigned_in(cls: type, attribute: str) -> bool:
    """Whether some function of ``cls`` (or its bases) sets or reads ``attribute``."""
    for klass in cls.__mro__:
        for member in vars(klass).values():
            code = getattr(inspect.unwrap(member), "__code__", None) if callable(member) else None
            if code is not None and attribute in code.co_names:
                return True
    return False


def _missing_pieces() -> list[str]:
    missing = []
    if not callable(getattr(_csot, "remaining", None)):
        missing.append("pymongo._csot.remaining()")
    if None in _CORE_STATE_OF:
        missing.append("the transaction states of pymongo.asynchronous.client_session._TxnState")
    transaction = getattr(_client_session, "_Transaction", None)
    if transaction is None or not _assigned_in(transaction, "state"):
        missing.append("_Transaction.state (pymongo.asynchronous.client_session)")
    if not _assigned_in(AsyncClientSession, "_transaction"):
        missing.append("AsyncClientSession._transaction")
    if not _assigned_in(PyMongoError, "_error_labels") or not callable(
        getattr(PyMongoError, "_add_error_label", None)
    ):
        missing.append("PyMongoError._error_labels and ._add_error_label()")
    if not _assigned_in(AsyncMongoClient, "_loop"):
        missing.append("AsyncMongoClient._loop")
    if not inspect.iscoroutinefunction(getattr(AsyncMongoClient, "_get_topology", None)):
        missing.append("AsyncMongoClient._get_topology() (a coroutine function)")
    for attribute in ("_query_flags", "_data"):
        if not _assigned_in(AsyncCursor, attribute):
            missing.append(f"AsyncCursor.{attribute}")
    if not _assigned_in(AsyncCommandCursor, "_data"):
        missing.append("AsyncCommandCursor._data")
    if not _assigned_in(AsyncGridOut, "_file"):
        missing.append("AsyncGridOut._file")
    if not _assigned_in(AsyncGridFSBucket, "_files"):
        missing.append("AsyncGridFSBucket._files")
    if not callable(getattr(AsyncClientEncryption, "_check_closed", None)) or not _assigned_in(
        AsyncClientEncryption, "_encryption"
    ):
        missing.append("ClientEncryption._check_closed() and ._encryption (pymongo.asynchronous.encryption)")
    return missing


def check_pymongo() -> None:
    """Raise ImportError, naming what is missing, if this PyMongo lacks a piece motorx uses."""
    missing = _missing_pieces()
    if missing:
        raise ImportError(
            f"motorx cannot run on PyMongo {pymongo.version}: it lacks "
            + "; ".join(missing)
            + " (motorx supports PyMongo 4.13 to 4.20)"
        )


check_pymongo()

__all__ = [
    "add_error_labels",
    "ClientEncryptionWithMotorMessages",
    "bound_loop",
    "bucket_files_collection",
    "check_pymongo",
    "client_side_timeout_remaining",
    "cursor_buffered_count",
    "cursor_query_flags",
    "error_labels",
    "grid_out_document",
    "guard_topology",
    "transaction_state",
]
