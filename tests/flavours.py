"""The two flavours under test, the event loop they run on, and command monitoring.

Kept out of ``conftest.py`` so test modules can import them by name
(``from flavours import Flavour``): a ``conftest`` module name is not unique
once sub-directories have their own.

The event loop: ``pytest --event-loop uvloop`` (or ``MOTORX_TEST_LOOP=uvloop``;
tests/conftest.py calls ``use_event_loop``) makes every event loop this
process creates through asyncio's policy a ``uvloop.Loop``: ``asyncio.run``,
``asyncio.new_event_loop`` and tornado's ``IOLoop`` (an ``AsyncIOLoop`` on the
asyncio loop that ``asyncio.new_event_loop`` gives it), so both flavours and
the tests that make their own loops run on uvloop.  Child processes that
tests start keep the default loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import warnings
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Callable, TypeVar

from pymongo import MongoClient
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

_T = TypeVar("_T")

# "asyncio" (the default loop) or "uvloop": set once, by use_event_loop.
EVENT_LOOP = "asyncio"
# Event loops created through the policy while EVENT_LOOP is "uvloop".
uvloop_loops_created = 0


def use_event_loop(name: str) -> None:
    """Make every loop created through asyncio's policy a ``name`` loop.

    ``"asyncio"`` leaves the default policy.  ``"uvloop"`` installs a default
    policy whose ``new_event_loop`` is uvloop's, as ``uvloop.run()`` gives a
    worker (the policy's other behaviour stays asyncio's own; uvloop's own
    ``EventLoopPolicy`` is deprecated from Python 3.12).  Raises ImportError
    when uvloop is not installed.
    """
    global EVENT_LOOP
    if name == "asyncio":
        return
    if name != "uvloop":
        raise ValueError("unknown event loop %r (asyncio or uvloop)" % (name,))
    import uvloop

    with warnings.catch_warnings():
        # Python 3.14 deprecates the policy system (to go in 3.16); until
        # then it is the one way to reach every asyncio.run in the suite.
        warnings.simplefilter("ignore", DeprecationWarning)
        base: Any = asyncio.DefaultEventLoopPolicy

        class UvloopPolicy(base):  # type: ignore[misc]
            def new_event_loop(self) -> asyncio.AbstractEventLoop:
                global uvloop_loops_created
                uvloop_loops_created += 1
                return uvloop.new_event_loop()

        asyncio.set_event_loop_policy(UvloopPolicy())
    EVENT_LOOP = name


def restore_event_loop() -> None:
    """Back to asyncio's default policy (at the end of the run)."""
    global EVENT_LOOP
    if EVENT_LOOP != "asyncio":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.set_event_loop_policy(None)
        EVENT_LOOP = "asyncio"

# Commands that are monitoring noise, not what a test sends.
_IGNORED_COMMANDS = {
    "hello", "ismaster", "isMaster", "ping", "buildinfo", "buildInfo", "endSessions", "configureFailPoint",
}


class CommandRecorder(CommandListener):
    """Command monitoring: what the client sent and how it ended."""

    def __init__(self) -> None:
        self.started_events: list[CommandStartedEvent] = []
        self.succeeded_events: list[CommandSucceededEvent] = []
        self.failed_events: list[CommandFailedEvent] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name not in _IGNORED_COMMANDS:
            self.started_events.append(event)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        if event.command_name not in _IGNORED_COMMANDS:
            self.succeeded_events.append(event)

    def failed(self, event: CommandFailedEvent) -> None:
        if event.command_name not in _IGNORED_COMMANDS:
            self.failed_events.append(event)

    def names(self) -> list[str]:
        return [event.command_name for event in self.started_events]

    def count(self, name: str) -> int:
        return sum(1 for event in self.started_events if event.command_name == name)

    def commands(self, name: str) -> list[Any]:
        return [event.command for event in self.started_events if event.command_name == name]

    def clear(self) -> None:
        self.started_events.clear()
        self.succeeded_events.clear()
        self.failed_events.clear()


class Flavour:
    """One of motorx's two flavours, bound to the test server."""

    def __init__(self, name: str, uri: str, test_id: str) -> None:
        self.name = name
        self.uri = uri
        # Fail points are server-wide: each test scopes its own by appName.
        self.app_name = "motorx-" + hashlib.sha1(test_id.encode()).hexdigest()[:12]
        if name == "asyncio":
            from motorx import motor_asyncio as module

            self.Client = module.AsyncIOMotorClient
            self.Database = module.AsyncIOMotorDatabase
            self.Collection = module.AsyncIOMotorCollection
            self.Cursor = module.AsyncIOMotorCursor
            self.CommandCursor = module.AsyncIOMotorCommandCursor
            self.Session = module.AsyncIOMotorClientSession
        else:
            from motorx import motor_tornado as module  # type: ignore[no-redef]

            self.Client = module.MotorClient  # type: ignore[attr-defined]
            self.Database = module.MotorDatabase  # type: ignore[attr-defined]
            self.Collection = module.MotorCollection  # type: ignore[attr-defined]
            self.Cursor = module.MotorCursor  # type: ignore[attr-defined]
            self.CommandCursor = module.MotorCommandCursor  # type: ignore[attr-defined]
            self.Session = module.MotorClientSession  # type: ignore[attr-defined]
        self.commands = CommandRecorder()
        self._clients: list[Any] = []
        self.used_fail_point = False

    def client(self, listen: bool = False, **kwargs: Any) -> Any:
        """A motorx client of this flavour, closed when ``run`` returns."""
        kwargs.setdefault("appName", self.app_name)
        kwargs.setdefault("serverSelectionTimeoutMS", 10000)
        if listen:
            kwargs.setdefault("event_listeners", []).append(self.commands)
        client = self.Client(self.uri, **kwargs)
        self._clients.append(client)
        return client

    def run(self, fn: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Run ``fn(*args)`` on this flavour's event loop, then close clients."""

        async def main() -> _T:
            try:
                return await fn(*args)
            finally:
                while self._clients:
                    await self._clients.pop().close()

        if self.name == "asyncio":
            return asyncio.run(main())
        from tornado.ioloop import IOLoop

        io_loop = IOLoop(make_current=False)
        try:
            return io_loop.run_sync(main)  # type: ignore[no-any-return]
        finally:
            io_loop.close(all_fds=True)

    @contextlib.asynccontextmanager
    async def fail_point(self, client: Any, mode: Any, data: dict[str, Any]) -> AsyncIterator[None]:
        """``failCommand`` scoped to this test's appName; always switched off."""
        self.used_fail_point = True
        data = dict(data)
        data.setdefault("appName", self.app_name)
        await client.admin.command({"configureFailPoint": "failCommand", "mode": mode, "data": data})
        try:
            yield
        finally:
            await client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})

    def switch_fail_point_off(self) -> None:
        """Belt and braces after a test: off, even if its event loop died."""
        with MongoClient(self.uri, serverSelectionTimeoutMS=5000) as client:
            client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
