"""A misspelt method is a sub-collection (Motor's attribute access), which is
not awaitable: mypy catches the typo that would otherwise fail at run time."""

from __future__ import annotations

from motorx.motor_asyncio import AsyncIOMotorClient


async def main() -> None:
    client = AsyncIOMotorClient()
    await client.shop.orders.fnd_one({})  # E: misc
