"""A wrong document type is caught, on Motor and on motorx alike.

Never run; see motor_typed.py for how tests/test_typing.py checks it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from typing_extensions import TypedDict

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorCursor


class Movie(TypedDict):
    title: str
    year: int


async def main() -> None:
    client: AsyncIOMotorClient[Dict[str, Any]] = AsyncIOMotorClient()
    orders = client.shop.orders
    found: Optional[int] = await orders.find_one({})  # E: assignment
    not_checked_for_none: Dict[str, Any] = await orders.find_one({})  # E: assignment
    names: List[str] = await orders.find().to_list(10)  # E: assignment

    cinema: AsyncIOMotorClient[Movie] = AsyncIOMotorClient()
    movies = cinema["cinema"]["movies"]
    wrong: AsyncIOMotorCollection[Dict[str, int]] = movies  # E: assignment
    cursor: AsyncIOMotorCursor[Dict[str, str]] = movies.find().limit(1)  # E: assignment
    first: Optional[Movie] = await movies.find_one()
    if first is not None:
        year: str = first["year"]  # E: assignment
    print(found, not_checked_for_none, names, wrong, cursor, year)
