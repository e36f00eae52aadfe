"""Bad input (issue 7, point 5): a clear error of Motor's type, and nothing written.

The cases live in ``bad_input_cases.py``.  Each runs on both flavours: it must
raise the exception type Motor 3.7.1 / PyMongo raise, with a message naming
the argument or problem, leave the session out of any transaction, and write
nothing (checked with a separate client).  Where Motor 3.7 is installed (the
dev environment), one more test runs every case on Motor itself and checks
that it raises the same type.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from bad_input_cases import CASES, Case, Ctx
from reliability_support import DB

COLL = "bad_input"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@asynccontextmanager
async def _context(client_class: Any, uri: str, **client_kwargs: Any) -> AsyncIterator[Ctx]:
    """Clients and sessions of one library; no I/O until a case makes some."""
    client = client_class(uri, **client_kwargs)
    other_client = client_class(uri, **client_kwargs)
    closed_client = client_class(uri, **client_kwargs)
    await closed_client.admin.command("ping")
    closing = closed_client.close()  # motorx: a task; Motor: None
    if closing is not None:
        await closing
    ended_session = await client.start_session()
    await ended_session.end_session()
    snapshot_session = await client.start_session(snapshot=True)
    session = await client.start_session()
    db = client[DB]
    try:
        yield Ctx(
            Client=client_class, uri=uri, client=client, other_client=other_client, db=db,
            coll=db[COLL], session=session, closed_client=closed_client,
            ended_session=ended_session, snapshot_session=snapshot_session,
        )
    finally:
        await session.end_session()
        await snapshot_session.end_session()
        for c in (client, other_client):
            closing = c.close()
            if closing is not None:
                await closing


async def _raised(case: Case, ctx: Ctx) -> BaseException:
    try:
        await asyncio.wait_for(case.call(ctx), 20)
    except Exception as exc:  # noqa: BLE001 - the type is what is checked
        return exc
    raise AssertionError("%s: no error raised" % case.name)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(flavour: Any, sync_client: Any, case: Case) -> None:
    sync_client[DB][COLL].delete_many({})

    async def body() -> BaseException:
        async with _context(flavour.Client, flavour.uri, appName=flavour.app_name) as ctx:
            error = await _raised(case, ctx)
            assert not ctx.session.in_transaction, "the bad call left a transaction open"
            # The session still works after the error.
            await ctx.coll.find_one({}, session=ctx.session)
        return error

    error = flavour.run(body)
    assert type(error) is case.expected, "expected %s, got %r" % (case.expected.__name__, error)
    message = str(error).lower()
    missing = [word for word in case.words if word.lower() not in message]
    assert not missing, "the message %r does not name %s" % (str(error), missing)
    assert sync_client[DB][COLL].count_documents({}) == 0, "a bad call wrote data"


def test_motor_3_7_raises_the_same_types(mongodb_uri: str, sync_client: Any) -> None:
    """The expected types are Motor's own: run every case on Motor 3.7."""
    motor_asyncio = pytest.importorskip(
        "motor.motor_asyncio", reason="Motor 3.7 is not installed here (it is in the dev venv)"
    )
    sync_client[DB][COLL].delete_many({})

    async def body() -> dict[str, str]:
        mismatches = {}
        async with _context(motor_asyncio.AsyncIOMotorClient, mongodb_uri) as ctx:
            for case in CASES:
                ctx.session = await ctx.client.start_session()
                try:
                    error = await _raised(case, ctx)
                finally:
                    await ctx.session.end_session()
                motor_type = case.motor_differs or case.expected
                if type(error) is not motor_type:
                    mismatches[case.name] = "%s: %s" % (type(error).__name__, error)
        return mismatches

    assert asyncio.run(body()) == {}
    assert sync_client[DB][COLL].count_documents({}) == 0
