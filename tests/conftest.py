"""Fixtures shared by the suite: the test server, the flavour, fail points.

* ``mongodb_uri`` (session scope): $MONGODB_URI when set, otherwise the
  embedded SecantusDB server started here and stopped by PID at the end.
* ``flavour``: every server test runs twice, once on asyncio
  (``AsyncIOMotorClient``) and once on tornado (``MotorClient`` on a tornado
  IOLoop).  ``flavour.run(coro_fn)`` runs a test body on that flavour's loop
  and closes the clients it made.
* Tests that use a server are marked ``server`` automatically, so
  ``pytest -m "not server"`` runs the pure-core tests with no server at all.
* ``--event-loop uvloop`` (default: $MOTORX_TEST_LOOP, else ``asyncio``) runs
  every event loop the suite creates on uvloop, both flavours included
  (``flavours.use_event_loop``); the header says which loop, the summary how
  many uvloop loops were made.  Asking for uvloop where it is not installed
  is a usage error, never a quiet run on the default loop.
* The ``soak`` marker (tests/test_soak.py): the bounded leak soak, run once
  by scripts/test (on .venv, deselected on the floor and uvloop runs).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterator
from typing import Any

import flavours
import pytest
from embedded_server import server_uri
from flavours import Flavour
from pymongo import MongoClient


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--event-loop",
        choices=("asyncio", "uvloop"),
        default=os.environ.get("MOTORX_TEST_LOOP") or "asyncio",
        help="the event loop every test runs on: asyncio's default, or uvloop "
        "(default: $MOTORX_TEST_LOOP, else asyncio)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "soak: the bounded leak soak (tens of thousands of transactions, about a minute); "
        "scripts/test runs it once, on .venv (deselect with -m 'not soak')",
    )
    loop = config.getoption("event_loop")
    try:
        flavours.use_event_loop(loop)
    except ImportError as exc:
        raise pytest.UsageError(
            "--event-loop %s: uvloop cannot be imported on %s, Python %s (%s); it is in the "
            "test extra except on Windows" % (loop, sys.platform, platform.python_version(), exc)
        ) from None


def pytest_unconfigure(config: pytest.Config) -> None:
    flavours.restore_event_loop()


def pytest_report_header(config: pytest.Config) -> str:
    if flavours.EVENT_LOOP == "uvloop":
        import uvloop

        return (
            "event loop: uvloop %s (every loop asyncio.run, asyncio.new_event_loop and tornado's "
            "IOLoop create)" % uvloop.__version__  # type: ignore[attr-defined]
        )
    return "event loop: asyncio's default"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # What the soak measured (tests/test_soak.py records it), pass or fail.
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, value in getattr(report, "user_properties", ()):
            if name == "soak" and report.when == "call":
                terminalreporter.write_line(str(value))
    if flavours.EVENT_LOOP == "uvloop":
        terminalreporter.write_line(
            "event loop: uvloop, %d uvloop loops created by the tests" % flavours.uvloop_loops_created
        )


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
