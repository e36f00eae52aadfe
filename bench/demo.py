"""The main job (for now a demo): transactions with motorx on both flavours.

Starts the embedded server (or uses $MONGODB_URI), runs the same order /
inventory transfer with ``with_transaction`` on the asyncio flavour and on
the tornado flavour, forces one transient failure so a retry shows, and prints
what happened.  Run it with ``scripts/demo``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from embedded_server import EmbeddedServer, find_secantusd
from pymongo import monitoring

import motorx
import motorx._txcore
from motorx.motor_asyncio import AsyncIOMotorClient
from motorx.motor_tornado import MotorClient

DB = "motorx_demo"


class Printer(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in {"insert", "update", "commitTransaction", "abortTransaction"}:
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def transfer(client: Any, flavour: str, commands: Printer) -> None:
    orders = client[DB].orders
    inventory = client[DB].inventory
    await orders.drop()
    await inventory.drop()
    await client[DB].create_collection("orders")
    await inventory.insert_one({"sku": "abc123", "qty": 500})
    attempts = 0

    async def place_order(session: Any, qty: int) -> Any:
        nonlocal attempts
        attempts += 1
        result = await session.client[DB].orders.insert_one({"sku": "abc123", "qty": qty}, session=session)
        await session.client[DB].inventory.update_one(
            {"sku": "abc123", "qty": {"$gte": qty}}, {"$inc": {"qty": -qty}}, session=session
        )
        return result.inserted_id

    # One injected write conflict (TransientTransactionError) on the first insert.
    app_name = "motorx-demo-" + flavour
    await client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"times": 1},
        "data": {"failCommands": ["insert"], "errorCode": 112, "appName": app_name},
    })
    try:
        async with await client.start_session() as session:
            order_id = await session.with_transaction(lambda s: place_order(s, 100))
            async with session.start_transaction():
                await orders.insert_one({"sku": "abc123", "qty": 50}, session=session)
                await inventory.update_one({"sku": "abc123"}, {"$inc": {"qty": -50}}, session=session)
    finally:
        await client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    stock = await inventory.find_one({"sku": "abc123"})
    placed = await orders.count_documents({})
    print("[%s] with_transaction committed order %s after %d attempts (one injected write conflict)"
          % (flavour, order_id, attempts))
    print("[%s] start_transaction block committed a second order" % flavour)
    print("[%s] commands sent: %s" % (flavour, " ".join(commands.names)))
    print("[%s] orders placed: %d, stock left: %d" % (flavour, placed, stock["qty"]))
    assert placed == 2 and stock["qty"] == 350


def run_flavour(uri: str, flavour: str) -> None:
    commands = Printer()
    kwargs = {"appName": "motorx-demo-" + flavour, "event_listeners": [commands]}

    async def main() -> None:
        client_class = AsyncIOMotorClient if flavour == "asyncio" else MotorClient
        client = client_class(uri, **kwargs)
        try:
            await transfer(client, flavour, commands)
        finally:
            closed = client.close()  # a plain call, as in Motor; it may return a task to wait for
            if inspect.isawaitable(closed):
                await closed

    if flavour == "asyncio":
        asyncio.run(main())
    else:
        from tornado.ioloop import IOLoop

        io_loop = IOLoop(make_current=False)
        try:
            io_loop.run_sync(main)
        finally:
            io_loop.close(all_fds=True)


def main() -> int:
    print("motorx %s, compiled core: %s" % (motorx.__version__, os.path.basename(motorx._txcore.__file__)))
    uri = os.environ.get("MONGODB_URI")
    server = None
    if not uri:
        executable = find_secantusd()
        if executable is None:
            print("no server: run this through scripts/demo, or set MONGODB_URI", file=sys.stderr)
            return 2
        server = EmbeddedServer(executable)
        server.start()
        uri = server.uri
        print("embedded SecantusDB server pid %s at %s" % (server.pid, uri))
    try:
        for flavour in ("asyncio", "tornado"):
            run_flavour(uri, flavour)
    finally:
        if server is not None:
            server.stop()
            print("embedded server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
