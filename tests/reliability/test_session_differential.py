"""Random session call sequences: motorx behaves like PyMongo Async's own session.

A seeded generator makes sequences of session calls (start, operation, read,
commit, abort, with_transaction, end, in any order, legal or not).  Each
sequence runs on a motorx session and on a raw PyMongo ``AsyncClientSession``
against the same server; after every call both must agree on the outcome
(returned, or the same exception type and message), on ``in_transaction`` and
``has_ended``; at the end both must have stored the same documents.
(Complements the compiled core's model tests in tests/test_txcore.py, which
never touch a server.)
"""

from __future__ import annotations

import os
import random
from typing import Any, Optional

from pymongo import AsyncMongoClient
from reliability_support import DB

SEQUENCES = 100
MAX_LENGTH = 12
SEED = int(os.environ.get("MOTORX_DIFFERENTIAL_SEED", "7"))
CALLS = [
    "start", "insert", "find", "cursor", "count", "commit", "abort", "with_transaction",
    "with_transaction_raises", "with_transaction_commits", "with_transaction_aborts",
    "with_transaction_starts", "end",
]
WEIGHTS = [4, 4, 1, 1, 1, 3, 2, 2, 1, 1, 1, 1, 1]


# Found by the random sequences, kept so they always run first.
REGRESSIONS = [
    # A start_transaction still pending at end_session after a committed
    # transaction: the next operation must say "Cannot use ended session".
    ["with_transaction", "start", "end", "insert"],
    ["start", "insert", "commit", "start", "end", "find"],
    ["start", "commit", "start", "end", "insert"],
]


def _sequences(flavour_name: str) -> list[list[str]]:
    rng = random.Random("%s-%s" % (SEED, flavour_name))
    randoms = [rng.choices(CALLS, WEIGHTS, k=rng.randint(1, MAX_LENGTH)) for _ in range(SEQUENCES)]
    return REGRESSIONS + randoms


async def _call(lib: str, session: Any, coll: Any, call: str, tag: dict[str, Any]) -> Optional[tuple[str, str]]:
    """Make one call; return None or (exception type, message)."""

    async def callback(s: Any) -> str:
        await coll.insert_one(dict(tag, by=call), session=s)
        if call == "with_transaction_raises":
            raise ValueError("callback error")
        if call == "with_transaction_commits":
            await s.commit_transaction()
        elif call == "with_transaction_aborts":
            await s.abort_transaction()
        elif call == "with_transaction_starts":
            if lib == "pymongo":
                await s.start_transaction()
            else:
                s.start_transaction()
        return "returned"

    try:
        if call == "start":
            if lib == "pymongo":
                await session.start_transaction()
            else:
                session.start_transaction()  # Motor's start_transaction is a plain call
        elif call == "insert":
            await coll.insert_one(dict(tag), session=session)
        elif call == "find":
            await coll.find_one({"lib": lib}, session=session)
        elif call == "cursor":
            await coll.find({"lib": lib}, session=session).to_list(None)
        elif call == "count":
            await coll.count_documents({"lib": lib}, session=session)
        elif call == "commit":
            await session.commit_transaction()
        elif call == "abort":
            await session.abort_transaction()
        elif call.startswith("with_transaction"):
            assert await session.with_transaction(callback) == "returned"
        else:
            assert call == "end"
            await session.end_session()
    except Exception as exc:  # noqa: BLE001 - compared between the two libraries
        return type(exc).__name__, str(exc).replace("AsyncMongoClient", "MongoClient")
    return None


def test_motorx_sessions_behave_like_pymongos(flavour: Any, sync_client: Any) -> None:
    coll_name = "differential_%s" % flavour.name
    sync_client[DB].drop_collection(coll_name)
    sync_client[DB].create_collection(coll_name)
    sequences = _sequences(flavour.name)

    mismatches: list[str] = []

    async def body() -> None:
        motorx_client = flavour.client()
        raw_client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(flavour.uri)
        try:
            colls = {"motorx": motorx_client[DB][coll_name], "pymongo": raw_client[DB][coll_name]}
            for n, sequence in enumerate(sequences):
                sessions = {
                    "motorx": await motorx_client.start_session(),
                    "pymongo": raw_client.start_session(),
                }
                try:
                    for i, call in enumerate(sequence):
                        outcome = {}
                        for lib in ("pymongo", "motorx"):
                            tag = {"lib": lib, "seq": n, "call": i}
                            outcome[lib] = await _call(lib, sessions[lib], colls[lib], call, tag)
                        state = {
                            lib: (outcome[lib], sessions[lib].in_transaction, sessions[lib].has_ended)
                            for lib in sessions
                        }
                        if state["motorx"] != state["pymongo"]:
                            # Report every sequence that differs, not only the first.
                            mismatches.append(
                                "sequence %d %s, call %d (%s): motorx %r, PyMongo %r"
                                % (n, sequence, i, call, state["motorx"], state["pymongo"])
                            )
                            break
                finally:
                    for session in sessions.values():
                        await session.end_session()
        finally:
            await raw_client.close()

    flavour.run(body)
    assert not mismatches, "%d of %d sequences differ:\n%s" % (
        len(mismatches), len(sequences), "\n".join(mismatches[:10])
    )

    def stored(lib: str) -> list[tuple[Any, ...]]:
        docs = sync_client[DB][coll_name].find({"lib": lib})
        return sorted((d["seq"], d["call"], d.get("by")) for d in docs)

    assert stored("motorx") == stored("pymongo")
    assert stored("motorx"), "no sequence committed anything: the test tested nothing"
