"""Fixtures shared by the suite: the test server, the flavour, fail points.

* ``mongodb_uri`` (session scope): $MONGODB_URI when set, otherwise the
  embedded SecantusDB server started here and stopped by PID at the end.
* ``flavour``: every server test runs twice, once on asyncio
  (``AsyncIOMotorClient``) and once on tornado (``MotorClient`` on a tornado
  IOLoop).  ``flavour.run(coro_fn)`` runs a test body on that flavour's loop
  and closes the clients it made.
* Tests that use a server are marked ``server`` automatically, so
  ``pytest -m "not server"`` runs the pure-core tests with no server at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from embedded_server import server_uri
from flavours import Flavour
from pymongo import MongoClient


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    with server_uri() as uri:
        if uri is None:
            pytest.fail(
                "no test server: set MONGODB_URI, or run the suite with scripts/test, "
                "which installs the embedded server (SecantusDB) into .venv-secantus",
                pytrace=False,
            )
        yield uri


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "mongodb_uri" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


@pytest.fixture(params=["asyncio", "tornado"])
def flavour(request: pytest.FixtureRequest, mongodb_uri: str) -> Iterator[Flavour]:
    flavour = Flavour(request.param, mongodb_uri, request.node.nodeid)
    yield flavour
    if flavour.used_fail_point:
        flavour.switch_fail_point_off()


@pytest.fixture
def sync_client(mongodb_uri: str) -> Iterator[MongoClient[Any]]:
    """A plain PyMongo client to check what is really stored, outside motorx."""
    with MongoClient(mongodb_uri, serverSelectionTimeoutMS=10000) as client:
        yield client
