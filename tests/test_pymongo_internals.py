"""The one seam to PyMongo's private names, ``motorx._pymongo_internals``.

Runs on the newest and the oldest supported PyMongo (``scripts/test`` runs the
suite on both): each accessor gives what its name says on real PyMongo
objects, the import-time check names what a PyMongo lacks, and no other
motorx module (the compiled core included) reaches a private PyMongo name.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pymongo
import pytest
from gridfs.asynchronous.grid_file import AsyncGridFSBucket, AsyncGridOut
from pymongo import AsyncMongoClient, CursorType
from pymongo.errors import InvalidOperation, NetworkTimeout, OperationFailure, ServerSelectionTimeoutError

import motorx
import motorx._pymongo_internals as internals
from motorx import _txcore


def _client() -> AsyncMongoClient[Any]:
    # Never connects: nothing below needs a server.
    return AsyncMongoClient("mongodb://127.0.0.1:1", connect=False, serverSelectionTimeoutMS=1)


def test_transaction_state_follows_pymongos_session() -> None:
    async def body() -> list[int]:
        client = _client()
        try:
            session = client.start_session()
            states = [internals.transaction_state(session)]
            await session.start_transaction()
            states.append(internals.transaction_state(session))
            await session.abort_transaction()  # nothing was sent: no I/O
            states.append(internals.transaction_state(session))
            await session.end_session()
            return states
        finally:
            await client.close()

    assert asyncio.run(body()) == [_txcore.TXN_NONE, _txcore.TXN_STARTING, _txcore.TXN_ABORTED]


def test_client_side_timeout_remaining() -> None:
    assert internals.client_side_timeout_remaining() is None
    with pymongo.timeout(5):
        remaining = internals.client_side_timeout_remaining()
        assert remaining is not None and 4 < remaining <= 5
    assert internals.client_side_timeout_remaining() is None


def test_error_labels_are_read_and_added() -> None:
    error = OperationFailure("x", 112, {"errorLabels": ["TransientTransactionError"], "ok": 0})
    assert internals.error_labels(error) == ("TransientTransactionError",)
    assert internals.error_labels(ValueError("not PyMongo's")) == ()
    timeout = NetworkTimeout("t")
    internals.add_error_labels(timeout, ("A", "B"))
    assert timeout.has_error_label("A") and timeout.has_error_label("B")
    assert sorted(internals.error_labels(timeout)) == ["A", "B"]


def test_bound_loop_and_guard_topology() -> None:
    async def body() -> tuple[Any, Any, str]:
        client = _client()
        before = internals.bound_loop(client)
        seen: list[Any] = []

        async def refuse(get_topology: Any) -> Any:
            seen.append(get_topology)
            raise InvalidOperation("refused by the guard")

        internals.guard_topology(client, refuse)
        try:
            await client.admin.command("ping")
        except InvalidOperation as exc:
            message = str(exc)
        else:
            message = "not refused"
        assert len(seen) == 1 and callable(seen[0])
        await client.close()
        other = _client()
        try:  # PyMongo binds the client to this loop, then finds no server
            await other.admin.command("ping")
        except ServerSelectionTimeoutError:
            pass
        await other.close()
        return before, internals.bound_loop(other), message

    before, after, message = asyncio.run(body())
    assert before is None
    assert isinstance(after, asyncio.AbstractEventLoop)
    assert message == "refused by the guard"


def test_cursor_query_flags_and_buffer() -> None:
    client = _client()
    collection = client.db.coll
    tailable = collection.find(cursor_type=CursorType.TAILABLE)
    plain = collection.find()
    assert internals.cursor_query_flags(tailable) & CursorType.TAILABLE
    assert not internals.cursor_query_flags(plain) & CursorType.TAILABLE
    assert internals.cursor_buffered_count(plain) == 0
    assert internals.cursor_buffered_count(None) == 0


def test_gridfs_file_document_and_files_collection() -> None:
    client = _client()
    bucket = AsyncGridFSBucket(client.db, bucket_name="photos")
    assert internals.bucket_files_collection(bucket).full_name == "db.photos.files"
    grid_out = AsyncGridOut(client.db.photos, file_id=1)
    assert internals.grid_out_document(grid_out) is None  # not opened


# -- the check at import -----------------------------------------------------------


def test_this_pymongo_has_every_piece() -> None:
    assert internals._missing_pieces() == []
    internals.check_pymongo()


class _Bare:
    """A class none of whose functions touch any private PyMongo attribute."""

    def __init__(self) -> None:
        self.public = 1


@pytest.mark.parametrize(
    "target, name, piece",
    [
        (internals._csot, "remaining", "pymongo._csot.remaining()"),
        (AsyncMongoClient, "_get_topology", "AsyncMongoClient._get_topology()"),
        (pymongo.errors.PyMongoError, "_add_error_label", "PyMongoError._error_labels and ._add_error_label()"),
    ],
)
def test_a_missing_function_is_named(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, piece: str) -> None:
    monkeypatch.delattr(target, name)
    with pytest.raises(ImportError) as raised:
        internals.check_pymongo()
    message = str(raised.value)
    assert f"PyMongo {pymongo.version}" in message
    assert piece in message


@pytest.mark.parametrize(
    "class_name, piece",
    [
        ("AsyncCursor", "AsyncCursor._query_flags"),
        ("AsyncCommandCursor", "AsyncCommandCursor._data"),
        ("AsyncGridOut", "AsyncGridOut._file"),
        ("AsyncGridFSBucket", "AsyncGridFSBucket._files"),
        ("AsyncClientSession", "AsyncClientSession._transaction"),
    ],
)
def test_a_missing_attribute_is_named(monkeypatch: pytest.MonkeyPatch, class_name: str, piece: str) -> None:
    # As if this PyMongo's class never set the attribute.
    monkeypatch.setattr(internals, class_name, _Bare)
    assert piece in "; ".join(internals._missing_pieces())


def test_importing_motorx_on_a_pymongo_without_a_piece_fails_at_import() -> None:
    script = textwrap.dedent(
        """
        import pymongo._csot
        del pymongo._csot.remaining
        try:
            import motorx
        except ImportError as exc:
            print(exc)
        else:
            print("imported")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"motorx cannot run on PyMongo {pymongo.version}: it lacks pymongo._csot.remaining()")


# -- nobody else reaches PyMongo's private names -------------------------------------

# The private PyMongo names the seam wraps, as attribute reads or imports.
_PRIVATE = re.compile(
    r"\.(_transaction|_csot|_error_labels|_add_error_label|_loop|_get_topology|_query_flags|_data"
    r"|_file|_files|_check_closed|_encryption|_TxnState|_QUERY_OPTIONS|_inherit_option)\b"
    r"|from pymongo[\w.]* import (\(\s*)?_(?!ServerMode)"
)


def test_no_other_module_uses_a_private_pymongo_name() -> None:
    package = Path(motorx.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "_pymongo_internals.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _PRIVATE.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_compiled_core_holds_nothing_from_pymongos_private_modules() -> None:
    assert inspect.getfile(_txcore).endswith((".so", ".pyd"))
    for name, value in vars(_txcore).items():
        module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(module, str) and module.startswith("pymongo"):
            assert not any(part.startswith("_") for part in module.split(".")), (name, module)
