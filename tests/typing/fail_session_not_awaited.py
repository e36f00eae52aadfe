"""start_session() is a coroutine: ``async with client.start_session()`` without
``await`` is a type error (it fails at run time too)."""

from __future__ import annotations

from motorx.motor_asyncio import AsyncIOMotorClient


async def main() -> None:
    client = AsyncIOMotorClient()
    async with client.start_session() as session:  # E: attr-defined
        print(session)
