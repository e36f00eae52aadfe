"""Start and stop the embedded MongoDB-wire test server (SecantusDB) by PID.

Used by the test suite's session fixture, the demo and the benchmarks.  SecantusDB is a
GPL dev tool living in its own virtual environment (``.venv-secantus``,
made by ``scripts/test``/``scripts/demo``); motorx never imports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Optional

from pymongo import MongoClient
from pymongo.errors import PyMongoError

ROOT = Path(__file__).resolve().parent.parent
REPLICA_SET = "secantus"


class ServerStartError(RuntimeError):
    """The embedded server did not come up; the message carries its log."""


def find_secantusd() -> Optional[str]:
    """The ``secantusd-py`` executable: $MOTORX_SECANTUSD, .venv-secantus, or PATH."""
    candidates = [
        os.environ.get("MOTORX_SECANTUSD"),
        str(ROOT / ".venv-secantus" / "bin" / "secantusd-py"),
        shutil.which("secantusd-py"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """One ``secantusd-py`` process on a free loopback port.

    Storage is in memory unless ``storage_path`` names a directory, which
    then keeps the data across ``stop()`` and a later ``start()`` (a restart
    on the same port).
    """

    def __init__(self, executable: str, port: Optional[int] = None, storage_path: str = ":memory:") -> None:
        self.executable = executable
        self.port = port or free_port()
        self.storage_path = storage_path
        self.process: Optional[subprocess.Popen[bytes]] = None
        self._log: IO[bytes] = tempfile.NamedTemporaryFile(prefix="secantusd-", suffix=".log", delete=False)
        self.log_path = self._log.name

    @property
    def uri(self) -> str:
        return "mongodb://127.0.0.1:%d/?replicaSet=%s" % (self.port, REPLICA_SET)

    @property
    def pid(self) -> Optional[int]:
        return None if self.process is None else self.process.pid

    def log_text(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait for ``ping``; a bounded wait, never a hang."""
        if self._log.closed:
            # A restart after stop(): the same log file, appended to.
            self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                self.executable,
                "--host", "127.0.0.1",
                "--port", str(self.port),
                "--storage-path", self.storage_path,
                "--enable-test-commands",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        last_error: Optional[BaseException] = None
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                self.stop()
                raise ServerStartError(
                    "embedded server %s exited with code %s before answering ping.\n"
                    "--- server log (%s) ---\n%s" % (self.executable, code, self.log_path, self.log_text())
                )
            try:
                with MongoClient(
                    "127.0.0.1", self.port, directConnection=True,
                    serverSelectionTimeoutMS=500, connectTimeoutMS=500,
                ) as client:
                    client.admin.command("ping")
                return
            except PyMongoError as exc:
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise ServerStartError(
            "embedded server %s did not answer ping on port %d within %.0f s (last error: %s).\n"
            "--- server log (%s) ---\n%s"
            % (self.executable, self.port, timeout, last_error, self.log_path, self.log_text())
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server by PID: SIGTERM, then SIGKILL after ``timeout``."""
        process, self.process = self.process, None
        if process is None:
            self._log.close()
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
        self._log.close()


@contextlib.contextmanager
def server_uri() -> Iterator[Optional[str]]:
    """``$MONGODB_URI`` when set, else the URI of an embedded server started here.

    The embedded server is stopped by PID on exit.  Yields None when there is
    neither (no ``secantusd-py`` found): the caller says so its own way.
    """
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    executable = find_secantusd()
    if executable is None:
        yield None
        return
    server = EmbeddedServer(executable)
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()
