"""Bad-input cases (issue 7, point 5), written once for any Motor-shaped API.

Each case is an async function taking a :class:`Ctx` (client, collection,
session, ... of one library) that makes one bad call.  The same cases run
against motorx (both flavours) and, where Motor 3.7 is importable, against
Motor itself, so the expected exception type below is checked against the
library motorx replaces, not only written down.

``expected`` is the exception type Motor 3.7.1 / PyMongo raise (recorded
from running these very cases on Motor 3.7.1 with PyMongo 4.20);
``words`` must all appear in the message (case-insensitive): they name the
argument or the problem.  Motor's own messages for a bad ``with_transaction``
callback ("'NoneType' object is not callable", "object dict can't be used in
'await' expression") name neither the method nor the argument; issue 7 asks
for a message that does, so those cases ask motorx for better than Motor.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Callable

from pymongo.errors import (
    ConfigurationError,
    InvalidName,
    InvalidOperation,
    InvalidURI,
    OperationFailure,
)
from pymongo.write_concern import WriteConcern


@dataclass
class Ctx:
    """The objects one case may use; all of the library under test."""

    Client: Any
    uri: str
    client: Any
    other_client: Any
    db: Any
    coll: Any
    session: Any
    closed_client: Any
    ended_session: Any
    snapshot_session: Any


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Ctx], Awaitable[Any]]
    expected: type[BaseException]
    words: tuple[str, ...]
    # Where Motor 3.7.1 raises something else by accident (not PyMongo's
    # deliberate error), the type it raises; motorx raises ``expected``.
    motor_differs: Any = None


CASES: list[Case] = []


def case(
    expected: type[BaseException], *words: str, motor_differs: Any = None
) -> Callable[[Callable[[Ctx], Awaitable[Any]]], Any]:
    def register(fn: Callable[[Ctx], Awaitable[Any]]) -> Any:
        CASES.append(Case(fn.__name__, fn, expected, words, motor_differs))
        return fn

    return register


async def _insert(s: Any) -> None:
    await s.client["motorx_reliability"]["bad_input"].insert_one({"written": "by a bad call"}, session=s)


# -- session: with_transaction ------------------------------------------------


@case(TypeError, "with_transaction", "callback")
async def with_transaction_none(c: Ctx) -> Any:
    return await c.session.with_transaction(None)


@case(TypeError, "with_transaction", "callback")
async def with_transaction_not_callable(c: Ctx) -> Any:
    return await c.session.with_transaction("insert everything")


@case(TypeError, "with_transaction", "callback")
async def with_transaction_sync_function(c: Ctx) -> Any:
    def sync_callback(s: Any) -> None:
        pass  # a plain function: returns None, nothing to await

    return await c.session.with_transaction(sync_callback)


@case(TypeError, "with_transaction", "callback")
async def with_transaction_sync_function_returning_a_value(c: Ctx) -> Any:
    return await c.session.with_transaction(lambda s: {"inserted": 1})


@case(TypeError, "read_concern")
async def with_transaction_read_concern_wrong_type(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, read_concern="majority")


@case(TypeError, "write_concern")
async def with_transaction_write_concern_wrong_type(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, write_concern={"w": 1})


@case(TypeError, "read_preference")
async def with_transaction_read_preference_wrong_type(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, read_preference="primary")


@case(TypeError, "max_commit_time_ms")
async def with_transaction_max_commit_time_ms_wrong_type(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, max_commit_time_ms="10")


@case(ConfigurationError, "unacknowledged write concern")
async def with_transaction_unacknowledged_write_concern(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, write_concern=WriteConcern(w=0))


@case(TypeError, "unexpected keyword")
async def with_transaction_unknown_option(c: Ctx) -> Any:
    return await c.session.with_transaction(_insert, retries=3)


# -- session: start/commit/abort, ended and foreign sessions ----------------


@case(TypeError, "read_concern")
async def start_transaction_read_concern_wrong_type(c: Ctx) -> Any:
    async with c.session.start_transaction(read_concern=1):
        await _insert(c.session)


@case(ConfigurationError, "unacknowledged write concern")
async def start_transaction_unacknowledged(c: Ctx) -> Any:
    async with c.session.start_transaction(write_concern=WriteConcern(w=0)):
        await _insert(c.session)


@case(InvalidOperation, "already in progress")
async def start_transaction_twice(c: Ctx) -> Any:
    async with c.session.start_transaction():
        await _insert(c.session)
        c.session.start_transaction()


@case(InvalidOperation, "no transaction started")
async def commit_without_transaction(c: Ctx) -> Any:
    await c.session.commit_transaction()


@case(InvalidOperation, "no transaction started")
async def abort_without_transaction(c: Ctx) -> Any:
    await c.session.abort_transaction()


@case(InvalidOperation, "ended session")
async def operation_on_ended_session(c: Ctx) -> Any:
    await c.coll.insert_one({"written": "by a bad call"}, session=c.ended_session)


@case(InvalidOperation, "ended session")
async def start_transaction_on_ended_session(c: Ctx) -> Any:
    c.ended_session.start_transaction()


@case(InvalidOperation, "ended session")
async def with_transaction_on_ended_session(c: Ctx) -> Any:
    await c.ended_session.with_transaction(_insert)


@case(InvalidOperation, "session", "client")
async def session_of_another_client(c: Ctx) -> Any:
    other = await c.other_client.start_session()
    try:
        await c.coll.insert_one({"written": "by a bad call"}, session=other)
    finally:
        await other.end_session()


@case(InvalidOperation, "snapshot")
async def transaction_in_snapshot_session(c: Ctx) -> Any:
    async with c.snapshot_session.start_transaction():
        await _insert(c.snapshot_session)


# PyMongo's error; Motor 3.7 touched the string's attributes first.
@case(ValueError, "session", motor_differs=AttributeError)
async def session_argument_not_a_session(c: Ctx) -> Any:
    await c.coll.insert_one({"written": "by a bad call"}, session="my session")


@case(ConfigurationError, "causal_consistency", "snapshot")
async def start_session_snapshot_and_causal(c: Ctx) -> Any:
    await c.client.start_session(causal_consistency=True, snapshot=True)


@case(TypeError, "default_transaction_options")
async def start_session_bad_default_transaction_options(c: Ctx) -> Any:
    await c.client.start_session(default_transaction_options={"readConcern": "majority"})


# -- client -------------------------------------------------------------------


@case(ConfigurationError, "unknown option", "fooBarTimeout")
async def client_unknown_option(c: Ctx) -> Any:
    c.Client(c.uri, fooBarTimeout=5)


@case(ValueError, "serverselectiontimeoutms")
async def client_negative_server_selection_timeout(c: Ctx) -> Any:
    c.Client(c.uri, serverSelectionTimeoutMS=-1)


@case(ValueError, "timeoutms")
async def client_negative_timeout_ms(c: Ctx) -> Any:
    c.Client(c.uri, timeoutMS=-5)


@case(ValueError, "waitqueuetimeoutms")
async def client_zero_wait_queue_timeout(c: Ctx) -> Any:
    c.Client(c.uri, waitQueueTimeoutMS=0)


@case(ValueError, "maxpoolsize")
async def client_negative_max_pool_size(c: Ctx) -> Any:
    c.Client(c.uri, maxPoolSize=-1)


@case(TypeError, "port")
async def client_port_wrong_type(c: Ctx) -> Any:
    c.Client("127.0.0.1", port="27017")


@case(InvalidURI, "mongodb://")
async def client_bad_uri_scheme(c: Ctx) -> Any:
    c.Client("mongo://127.0.0.1")


@case(TypeError, "io_loop")
async def client_io_loop_wrong_type(c: Ctx) -> Any:
    c.Client(c.uri, io_loop=object())


@case(TypeError, "name must be an instance of str")
async def database_name_wrong_type(c: Ctx) -> Any:
    c.client[123]


@case(InvalidOperation, "after close")
async def closed_client_operation(c: Ctx) -> Any:
    await c.closed_client["motorx_reliability"]["bad_input"].insert_one({"written": "by a bad call"})


# -- collection -------------------------------------------------------------------


@case(InvalidName, "collection names")
async def collection_name_empty(c: Ctx) -> Any:
    c.db[""]


@case(TypeError, "document must be an instance of")
async def insert_one_not_a_document(c: Ctx) -> Any:
    await c.coll.insert_one("not a document")


@case(TypeError, "documents must be a non-empty list")
async def insert_many_empty(c: Ctx) -> Any:
    await c.coll.insert_many([])


@case(TypeError, "document must be an instance of")
async def insert_many_not_documents(c: Ctx) -> Any:
    await c.coll.insert_many([{"written": "by a bad call"}, "not a document"])


@case(ValueError, "update only works with $ operators")
async def update_one_without_operator(c: Ctx) -> Any:
    await c.coll.update_one({}, {"written": "by a bad call"}, upsert=True)


@case(ValueError, "replacement can not include $ operators")
async def replace_one_with_operator(c: Ctx) -> Any:
    await c.coll.replace_one({}, {"$set": {"written": "by a bad call"}}, upsert=True)


@case(TypeError, "upsert")
async def update_one_upsert_wrong_type(c: Ctx) -> Any:
    await c.coll.update_one({}, {"$set": {"written": "by a bad call"}}, upsert="yes")


@case(TypeError, "filter")
async def delete_one_filter_wrong_type(c: Ctx) -> Any:
    await c.coll.delete_one("everything")


# Not checked by the driver: the server refuses it (Motor and PyMongo alike).
@case(OperationFailure, "filter")
async def count_documents_filter_wrong_type(c: Ctx) -> Any:
    await c.coll.count_documents(["x"])


# Not checked by the driver: the server refuses it (Motor and PyMongo alike).
@case(OperationFailure, "bypassDocumentValidation")
async def insert_one_bypass_wrong_type(c: Ctx) -> Any:
    await c.coll.insert_one({"written": "by a bad call"}, bypass_document_validation="yes")


@case(TypeError, "unexpected keyword")
async def insert_one_unknown_option(c: Ctx) -> Any:
    await c.coll.insert_one({"written": "by a bad call"}, retries=3)


@case(TypeError, "write_concern")
async def with_options_write_concern_wrong_type(c: Ctx) -> Any:
    c.coll.with_options(write_concern="majority")


@case(TypeError, "pipeline")
async def aggregate_pipeline_wrong_type(c: Ctx) -> Any:
    await c.coll.aggregate({"$match": {}}).to_list(None)


# -- cursor -------------------------------------------------------------------


@case(TypeError, "limit")
async def cursor_limit_wrong_type(c: Ctx) -> Any:
    c.coll.find().limit("5")


@case(ValueError, "skip")
async def cursor_negative_skip(c: Ctx) -> Any:
    c.coll.find().skip(-1)


@case(ValueError, "batch_size")
async def cursor_negative_batch_size(c: Ctx) -> Any:
    c.coll.find().batch_size(-1)


@case(TypeError, "max_time_ms")
async def cursor_max_time_ms_wrong_type(c: Ctx) -> Any:
    c.coll.find().max_time_ms("1s")


@case(TypeError, "filter")
async def find_filter_wrong_type(c: Ctx) -> Any:
    c.coll.find("everything")


@case(ValueError, "length")
async def to_list_negative_length(c: Ctx) -> Any:
    await c.coll.find().to_list(-1)


@case(InvalidOperation, "cannot set options after executing query")
async def cursor_option_after_start(c: Ctx) -> Any:
    cursor = c.coll.find()
    await cursor.to_list(1)
    cursor.limit(1)


@case(TypeError, "unexpected keyword")
async def find_unknown_option(c: Ctx) -> Any:
    c.coll.find({}, retries=3)


# -- negative or zero timeouts and a closed client, continued -------------------


# Not checked by the driver (Motor and PyMongo alike): the commit carries
# maxTimeMS -1 and the server refuses it (BadValue), after the callback ran;
# nothing is committed.
@case(OperationFailure, "maxtimems")
async def with_transaction_negative_max_commit_time_ms(c: Ctx) -> Any:
    try:
        return await c.session.with_transaction(_insert, max_commit_time_ms=-1)
    finally:
        # The refused commit leaves the transaction open on the server (after
        # a commit attempt the driver does not abort); it would hold its
        # writes until it expires.  The session's next transaction number
        # ends it.
        async with c.session.start_transaction():
            await c.coll.find_one({}, session=c.session)


# Not checked by the driver (Motor and PyMongo alike): the server refuses it.
@case(OperationFailure, "maxtimems")
async def cursor_negative_max_time_ms(c: Ctx) -> Any:
    await c.coll.find().max_time_ms(-1).to_list(None)


@case(ValueError, "sockettimeoutms")
async def client_negative_socket_timeout(c: Ctx) -> Any:
    c.Client(c.uri, socketTimeoutMS=-1)


@case(InvalidOperation, "after close")
async def closed_client_start_session_and_write(c: Ctx) -> Any:
    s = await c.closed_client.start_session()
    await c.closed_client["motorx_reliability"]["bad_input"].insert_one({"written": "by a bad call"}, session=s)


@case(InvalidOperation, "after close")
async def closed_client_cursor(c: Ctx) -> Any:
    await c.closed_client["motorx_reliability"]["bad_input"].find().to_list(None)
