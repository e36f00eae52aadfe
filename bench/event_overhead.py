"""What transaction events cost when nobody listens (issue: "no listener, no cost").

Times ``with_transaction`` with a no-op callback (no I/O, nothing sent) on:

* the shipped session, with no listener registered;
* the same session class with the event code taken out (built here from the
  shipped source: no listener lookup, no publisher checks);
* the shipped session with one listener that does nothing, for scale.

The three run interleaved, best of 21 rounds of process CPU time, so the
ratio holds on a busy machine.  Target: the first within 2 % of the second.

    .venv/bin/python bench/event_overhead.py
"""

from __future__ import annotations

import asyncio
import inspect
import gc
import re
import time
import types
from typing import Any

import motorx.session as shipped
from motorx.monitoring import TransactionListener
from motorx.motor_asyncio import AsyncIOMotorClient

# Nothing connects: sessions that run no operation never select a server.
URI = "mongodb://127.0.0.1:1/?replicaSet=secantus&serverSelectionTimeoutMS=100"
OPS = 20_000
ROUNDS = 21


def session_class_without_events() -> type:
    source = open(shipped.__file__).read()
    variant = source.replace(
        "        listeners = loop.listeners\n"
        "        publisher = None if not listeners else self._publisher(listeners)\n",
        "        publisher = None\n",
    )
    # Drop every `if publisher is not None:` block of the loop.
    variant = re.sub(r"\n(\s+)if publisher is not None:\n(\1    .*\n)+?(?=\1\S|\n)", "\n", variant)
    if variant == source or "self._publisher(listeners)" in variant:
        raise RuntimeError("session.py changed: update the event-free variant")
    module = types.ModuleType("motorx._session_without_events")
    exec(compile(variant, "session_without_events", "exec"), module.__dict__)

    class SessionWithoutEvents(module.AgnosticClientSession):  # type: ignore[name-defined,misc]
        __slots__ = ()

    return SessionWithoutEvents


async def noop(session: Any) -> None:
    return None


async def main() -> None:
    plain = AsyncIOMotorClient(URI)
    listened = AsyncIOMotorClient(URI, event_listeners=[TransactionListener()])
    sessions = {
        "shipped, no listener": await plain.start_session(),
        "events taken out": session_class_without_events()(
            plain.delegate.start_session(), plain, False, plain._timeout, plain._transaction_listeners
        ),
        "one no-op listener": await listened.start_session(),
    }

    async def run(session: Any) -> None:
        for _ in range(OPS):
            await session.with_transaction(noop)

    best = dict.fromkeys(sessions, float("inf"))
    for _ in range(ROUNDS):
        for name, session in sessions.items():
            gc.collect()
            started = time.process_time()
            await run(session)
            best[name] = min(best[name], time.process_time() - started)
    base = best["events taken out"]
    for name, seconds in best.items():
        print(f"{name:22s} {seconds / OPS * 1e6:7.3f} us per call   {seconds / base:6.3f} x")
    for client in (plain, listened):
        closed = client.close()  # a plain call, as in Motor; it may return a task to wait for
        if inspect.isawaitable(closed):
            await closed


if __name__ == "__main__":
    asyncio.run(main())
