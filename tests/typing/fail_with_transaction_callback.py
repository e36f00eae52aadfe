"""with_transaction's callback takes the session and must be async."""

from __future__ import annotations

from motorx.motor_asyncio import AsyncIOMotorClient
from motorx.session import AgnosticClientSession


def not_async(session: AgnosticClientSession) -> int:
    return 1


async def no_session() -> int:
    return 1


async def main() -> None:
    client = AsyncIOMotorClient()
    async with await client.start_session() as s:
        await s.with_transaction(not_async)  # E: arg-type
        await s.with_transaction(no_session)  # E: arg-type
