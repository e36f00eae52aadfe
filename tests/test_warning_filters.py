"""The suite's warning filters: every warning is an error, with one narrow exception.

PyMongo leaves a socket unclosed when the task connecting it is cancelled
before the connection completes (see ``filterwarnings`` in pyproject.toml).
Such a socket has a local address and no peer; the garbage collector then
warns about it in whatever test happens to be running.  Only that shape is
ignored: an unclosed socket with a peer still fails the test.
"""

from __future__ import annotations

import gc
import socket
import warnings

import pytest


def test_a_socket_left_mid_connect_is_let_through() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a local address and no peer, like a cut-short connect
    assert "raddr" not in repr(sock)
    with warnings.catch_warnings(record=True) as caught:
        # The suite's own filters, as pytest installed them for this test.
        del sock
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_an_unclosed_connected_socket_still_fails() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        try:
            assert "raddr" in repr(client)
            with pytest.raises(ResourceWarning, match="unclosed <socket.socket"):
                # warn() the way socket.__del__ does, under the suite's filters.
                warnings.warn("unclosed %r" % (client,), ResourceWarning, stacklevel=1)
        finally:
            client.close()
            accepted.close()
