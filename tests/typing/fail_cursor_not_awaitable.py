"""find() returns a cursor at once; awaiting it is an error (Motor 3 users who
wrote ``await coll.find()`` get told)."""

from __future__ import annotations

from motorx.motor_asyncio import AsyncIOMotorClient


async def main() -> None:
    client = AsyncIOMotorClient()
    docs = await client.shop.orders.find({})  # E: misc
    print(docs)
