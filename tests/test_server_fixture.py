"""The embedded test server: a clear error instead of a hang, both ways."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest
from embedded_server import EmbeddedServer, ServerStartError, find_secantusd
from pymongo.errors import ConnectionFailure, PyMongoError

from motorx.motor_asyncio import AsyncIOMotorClient


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-secantusd"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_server_that_never_answers_fails_clearly_within_the_bound(tmp_path: Path) -> None:
    server = EmbeddedServer(_script(tmp_path, "echo 'stuck starting'; exec sleep 600"))
    started = time.monotonic()
    with pytest.raises(ServerStartError) as info:
        server.start(timeout=2)
    assert time.monotonic() - started < 15
    message = str(info.value)
    assert "did not answer ping" in message
    assert "stuck starting" in message  # the server's log is in the error
    assert server.process is None  # it was stopped, not left running


def test_a_server_that_exits_fails_clearly_with_its_log(tmp_path: Path) -> None:
    server = EmbeddedServer(_script(tmp_path, "echo 'bad option --frobnicate' >&2; exit 3"))
    with pytest.raises(ServerStartError) as info:
        server.start(timeout=30)
    assert "exited with code 3" in str(info.value)
    assert "bad option --frobnicate" in str(info.value)


@pytest.mark.server
def test_stopping_the_server_mid_test_gives_an_error_not_a_hang() -> None:
    executable = find_secantusd()
    if executable is None:
        pytest.skip("needs the embedded server executable (scripts/test installs it); "
                    "not available when testing against MONGODB_URI only")
    server = EmbeddedServer(executable)
    server.start()
    pid = server.pid
    assert pid is not None

    async def body() -> list[BaseException]:
        client = AsyncIOMotorClient(server.uri, serverSelectionTimeoutMS=1500, connectTimeoutMS=1000)
        errors: list[BaseException] = []
        try:
            coll = client.motorx_test.stopped
            await coll.insert_one({"before": True})
            async with await client.start_session() as s:
                s.start_transaction()
                await coll.insert_one({"in": "transaction"}, session=s)
                server.stop()
                for attempt in (lambda: s.commit_transaction(), lambda: coll.insert_one({"after": True})):
                    try:
                        await asyncio.wait_for(attempt(), 30)
                    except PyMongoError as exc:
                        errors.append(exc)
        finally:
            await client.close()
        return errors

    try:
        errors = asyncio.run(body())
    finally:
        server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert len(errors) == 2
    commit_error, insert_error = errors
    assert isinstance(commit_error, ConnectionFailure)
    assert commit_error.has_error_label("UnknownTransactionCommitResult")
    assert isinstance(insert_error, ConnectionFailure)
