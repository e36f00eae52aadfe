"""with_transaction returns what the callback returns: an int is not a str.

The callbacks in these negative cases take the base session class, which every
flavour's session is, so each file fails for its one reason only."""

from __future__ import annotations

from motorx.motor_asyncio import AsyncIOMotorClient
from motorx.session import AgnosticClientSession


async def main() -> None:
    client = AsyncIOMotorClient()

    async def count(session: AgnosticClientSession) -> int:
        return 1

    async with await client.start_session() as s:
        result = await s.with_transaction(count)
        name: str = result  # E: assignment
        print(name)
