"""The client session: Motor 3.7's public shape on the compiled core."""

from __future__ import annotations

from typing import Any

import pytest
from bson.timestamp import Timestamp
from flavours import Flavour
from pymongo import AsyncMongoClient, _csot
from pymongo.asynchronous.client_session import SessionOptions
from pymongo.asynchronous.client_session import TransactionOptions as AsyncTransactionOptions
from pymongo.client_session import TransactionOptions
from pymongo.errors import ConfigurationError, InvalidOperation
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

DB = "motorx_test"


def _state_agrees(session: Any) -> None:
    """The core and PyMongo's session hold the same transaction state."""
    if not session._core.start_pending:
        assert session._core.state == session.delegate._transaction.state


def test_start_session_returns_the_flavours_session(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        s = await client.start_session()
        try:
            assert isinstance(s, flavour.Session)
            assert s.client is client
            assert isinstance(s.options, SessionOptions)
            assert s.options.causal_consistency is True
            assert s.options.snapshot is False
            assert not s.has_ended and not s.in_transaction
            assert isinstance(s.session_id, dict) and "id" in s.session_id
            assert s.get_io_loop() is client.get_io_loop()
        finally:
            await s.end_session()
        assert s.has_ended

    flavour.run(body)


def test_start_session_options(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        opts = TransactionOptions(write_concern=WriteConcern(w=1), max_commit_time_ms=1234)
        async with await client.start_session(causal_consistency=False, default_transaction_options=opts) as s:
            assert s.options.causal_consistency is False
            assert s.options.default_transaction_options.max_commit_time_ms == 1234
        async with await client.start_session(snapshot=True) as s:
            assert s.options.snapshot is True
        with pytest.raises(ConfigurationError):
            await client.start_session(causal_consistency=True, snapshot=True)
        # Options given as their defaults are the defaults.
        async with await client.start_session(None, None, False) as s:
            assert s.options.causal_consistency is True and s.options.snapshot is False
            assert s.options.default_transaction_options is None

    flavour.run(body)


def test_wrap_makes_a_session_of_a_pymongo_session(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client(timeoutMS=5000)
        plain = client.wrap(client.delegate.start_session())
        snap = client.wrap(client.delegate.start_session(snapshot=True))
        try:
            assert isinstance(plain, flavour.Session) and plain.client is client
            # A snapshot session stays one: its transactions are refused.
            with pytest.raises(InvalidOperation, match="^Transactions are not supported in snapshot sessions$"):
                snap.start_transaction()
            # The client's timeoutMS comes along: with_transaction runs under it.
            seen = []

            async def callback(s: Any) -> None:
                seen.append(_csot.get_timeout())

            await plain.with_transaction(callback)
            assert seen == [5.0]
        finally:
            await plain.end_session()
            await snap.end_session()

    flavour.run(body)


def test_async_with_ends_the_session_and_aborts_an_active_transaction(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB]["ends_" + flavour.name]
        await coll.drop()
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({"x": 1}, session=s)
            assert s.in_transaction
        assert s.has_ended
        assert not s.in_transaction
        assert flavour.commands.names()[-1] == "abortTransaction"
        assert sync_client[DB]["ends_" + flavour.name].count_documents({}) == 0

    flavour.run(body)


def test_plain_with_shows_the_right_form(flavour: Flavour) -> None:
    async def body() -> None:
        s = await flavour.client().start_session()
        try:
            with pytest.raises(AttributeError, match=r"async with await client.start_session\(\)"):
                with s:  # type: ignore[attr-defined]
                    pass
            with pytest.raises(AttributeError, match=r"async with session.start_transaction\(\)"):
                with s.start_transaction():  # type: ignore[attr-defined]
                    pass
        finally:
            await s.end_session()

    flavour.run(body)


def test_start_transaction_commits_on_normal_exit(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB]["commit_" + flavour.name]
        await coll.drop()
        flavour.commands.clear()
        async with await client.start_session() as s:
            ctx = s.start_transaction()  # a plain call: no await
            assert s.in_transaction
            async with ctx:
                await coll.insert_one({"x": 1}, session=s)
                await coll.insert_one({"x": 2}, session=s)
                assert sync_client[DB]["commit_" + flavour.name].count_documents({}) == 0
            assert not s.in_transaction
            _state_agrees(s)
        assert flavour.commands.names() == ["insert", "insert", "commitTransaction"]
        assert sync_client[DB]["commit_" + flavour.name].count_documents({}) == 2

    flavour.run(body)


def test_start_transaction_aborts_on_exception(flavour: Flavour, sync_client: Any) -> None:
    class Boom(Exception):
        pass

    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB]["abort_" + flavour.name]
        await coll.drop()
        flavour.commands.clear()
        async with await client.start_session() as s:
            with pytest.raises(Boom):
                async with s.start_transaction():
                    await coll.insert_one({"x": 1}, session=s)
                    raise Boom
            assert not s.in_transaction
            _state_agrees(s)
        assert flavour.commands.names() == ["insert", "abortTransaction"]
        assert sync_client[DB]["abort_" + flavour.name].count_documents({}) == 0

    flavour.run(body)


def test_motor_style_start_without_async_with(flavour: Flavour, sync_client: Any) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB]["plain_" + flavour.name]
        await coll.drop()
        flavour.commands.clear()
        s = await client.start_session()
        s.start_transaction(write_concern=WriteConcern(w="majority"), read_concern=ReadConcern("snapshot"))
        await coll.insert_one({"x": 1}, session=s)
        _state_agrees(s)
        await coll.update_one({"x": 1}, {"$set": {"y": 2}}, session=s)
        await s.commit_transaction()
        _state_agrees(s)
        await s.end_session()
        first, _, commit = flavour.commands.started_events
        assert first.command["startTransaction"] is True
        assert first.command["readConcern"]["level"] == "snapshot"
        assert commit.command["writeConcern"] == {"w": "majority"}
        assert sync_client[DB]["plain_" + flavour.name].find_one({}, {"_id": 0}) == {"x": 1, "y": 2}

    flavour.run(body)


def test_illegal_start_raises_at_the_call(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB].illegal
        s = await client.start_session()
        s.start_transaction()
        # Pending (nothing sent yet) and in progress are both "in progress".
        with pytest.raises(InvalidOperation, match="^Transaction already in progress$"):
            s.start_transaction()
        await coll.insert_one({}, session=s)
        with pytest.raises(InvalidOperation, match="^Transaction already in progress$"):
            s.start_transaction()
        await s.abort_transaction()
        with pytest.raises(TypeError):
            s.start_transaction(read_concern="majority")  # type: ignore[arg-type]
        assert not s.in_transaction
        await s.end_session()
        with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
            s.start_transaction()
        snap = await client.start_session(snapshot=True)
        with pytest.raises(InvalidOperation, match="^Transactions are not supported in snapshot sessions$"):
            snap.start_transaction()
        await snap.end_session()

    flavour.run(body)


def test_unacknowledged_write_concern_is_refused_at_the_call(flavour: Flavour) -> None:
    async def body() -> None:
        s = await flavour.client().start_session()
        with pytest.raises(ConfigurationError, match="unacknowledged write concern"):
            s.start_transaction(write_concern=WriteConcern(w=0))
        assert not s.in_transaction
        await s.end_session()

    flavour.run(body)


async def _errors_of(session: Any, steps: list[str], coll: Any) -> list[str]:
    """Run commit/abort/start/op steps, returning each step's error text."""
    out = []
    for step in steps:
        try:
            if step == "start":
                result = session.start_transaction()
                if hasattr(result, "__await__"):
                    await result
            elif step == "op":
                await coll.insert_one({}, session=session)
            elif step == "commit":
                await session.commit_transaction()
            elif step == "abort":
                await session.abort_transaction()
            elif step == "end":
                await session.end_session()
            out.append("ok")
        except InvalidOperation as exc:
            out.append("InvalidOperation: %s" % exc)
    return out


SEQUENCES = [
    ["commit"],
    ["abort"],
    ["start", "abort", "abort"],
    ["start", "op", "abort", "abort"],
    ["start", "abort", "commit"],
    ["start", "op", "abort", "commit"],
    ["start", "commit", "abort"],
    ["start", "op", "commit", "abort"],
    ["start", "op", "commit", "commit", "commit"],
    ["start", "commit", "commit"],
    ["start", "op", "commit", "start", "op", "abort", "start", "commit"],
    ["start", "start"],
    ["start", "op", "start"],
    ["start", "op", "end", "start"],
    ["end", "commit"],
    ["end", "abort"],
    ["end", "op"],
]


@pytest.mark.parametrize("steps", SEQUENCES, ids=["-".join(s) for s in SEQUENCES])
def test_same_errors_and_states_as_pymongo(flavour: Flavour, steps: list[str]) -> None:
    """Word for word PyMongo's errors, and the core never disagrees with PyMongo."""

    async def body() -> None:
        client = flavour.client()
        motorx_session = await client.start_session()
        reference = AsyncMongoClient(flavour.uri)
        try:
            pymongo_session = reference.start_session()
            mine = await _errors_of(motorx_session, steps, client[DB].seq)
            theirs = await _errors_of(pymongo_session, steps, reference[DB].seq)
            assert mine == theirs
            if not pymongo_session.has_ended:
                assert motorx_session.in_transaction == pymongo_session.in_transaction
                assert motorx_session._core.state == pymongo_session._transaction.state
                _state_agrees(motorx_session)
                await pymongo_session.end_session()
        finally:
            await motorx_session.end_session()
            await reference.close()

    flavour.run(body)


def test_empty_transaction_sends_nothing(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client(listen=True)
        flavour.commands.clear()
        async with await client.start_session() as s:
            s.start_transaction()
            await s.commit_transaction()
            _state_agrees(s)
            s.start_transaction()
            await s.abort_transaction()
            _state_agrees(s)
            async with s.start_transaction():
                pass
        assert flavour.commands.names() == []

    flavour.run(body)


def test_cluster_and_operation_time(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        async with await client.start_session() as s:
            await client[DB].times.insert_one({}, session=s)
            assert isinstance(s.operation_time, Timestamp)
            assert "clusterTime" in s.cluster_time
            other = await client.start_session()
            try:
                assert other.operation_time is None
                other.advance_operation_time(s.operation_time)
                other.advance_cluster_time(s.cluster_time)
                assert other.operation_time == s.operation_time
                assert other.cluster_time == s.cluster_time
                with pytest.raises(TypeError):
                    other.advance_operation_time("not a timestamp")  # type: ignore[arg-type]
                with pytest.raises(TypeError):
                    other.advance_cluster_time("not a cluster time")  # type: ignore[arg-type]
            finally:
                await other.end_session()

    flavour.run(body)


def test_ended_session_is_refused_by_operations(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        s = await client.start_session()
        await s.end_session()
        with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
            await client[DB].x.insert_one({}, session=s)
        with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
            await client[DB].x.find({}, session=s).to_list(None)
        with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
            await s.commit_transaction()

    flavour.run(body)


def test_an_operation_after_a_finished_transaction_resets_the_state(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.motorx_test.session_reset
        async with await client.start_session() as s:
            s.start_transaction()
            await coll.insert_one({}, session=s)
            await s.abort_transaction()
            await coll.insert_one({}, session=s)  # outside any transaction
            with pytest.raises(InvalidOperation, match="^No transaction started$"):
                await s.abort_transaction()
            # and the delegate agrees
            with pytest.raises(InvalidOperation, match="^No transaction started$"):
                await s.delegate.abort_transaction()

    flavour.run(body)


@pytest.mark.parametrize("where", ["client", "session defaults", "argument"])
def test_unacknowledged_write_concern_is_refused_at_start_transaction(flavour: Flavour, where: str) -> None:
    from pymongo.write_concern import WriteConcern

    async def body() -> None:
        client = flavour.client(w=0) if where == "client" else flavour.client()
        if where == "session defaults":
            # PyMongo refuses such defaults already when the session starts.
            with pytest.raises(ConfigurationError, match="unacknowledged write concern"):
                await client.start_session(
                    default_transaction_options=TransactionOptions(write_concern=WriteConcern(w=0))
                )
            return
        async with await client.start_session() as s:
            with pytest.raises(ConfigurationError, match="transactions do not support unacknowledged write concern"):
                if where == "argument":
                    s.start_transaction(write_concern=WriteConcern(w=0))
                else:
                    s.start_transaction()  # the call raises, before any await
            assert not s.in_transaction
            # An acknowledged write concern given explicitly is fine.
            async with s.start_transaction(write_concern=WriteConcern(w=1)):
                pass

    flavour.run(body)


# -- inherited transaction options: resolved by PyMongo once, then handed back ----------


def _transaction_options_sent(recorder: Any) -> list[tuple[Any, Any, Any]]:
    """Per transaction: its insert's read concern level, its commit's write concern and maxTimeMS."""
    inserts = recorder.commands("insert")
    commits = recorder.commands("commitTransaction")
    assert len(inserts) == len(commits)
    return [
        (insert.get("readConcern", {}).get("level"), dict(commit.get("writeConcern", {})), commit.get("maxTimeMS"))
        for insert, commit in zip(inserts, commits)
    ]


async def _each_way_of_running_a_transaction(session: Any, coll: Any, **options: Any) -> None:
    async with session.start_transaction(**options):
        await coll.insert_one({}, session=session)
    session.start_transaction(**options)
    await coll.insert_one({}, session=session)
    await session.commit_transaction()

    async def callback(s: Any) -> None:
        await coll.insert_one({}, session=s)

    await session.with_transaction(callback, **options)


def test_session_default_transaction_options_hold_for_every_transaction(flavour: Flavour) -> None:
    # A transaction with options of its own must not change what the next
    # one without options inherits.
    async def body() -> None:
        client = flavour.client(listen=True)
        coll = client[DB].inherited_options
        await coll.insert_one({})  # the collection exists before any transaction
        defaults = TransactionOptions(
            read_concern=ReadConcern("majority"), write_concern=WriteConcern(w="majority"), max_commit_time_ms=4321
        )
        inherited = ("majority", {"w": "majority"}, 4321)
        own = ("local", {"w": 1}, 999)
        flavour.commands.clear()
        async with await client.start_session(default_transaction_options=defaults) as s:
            await _each_way_of_running_a_transaction(s, coll)
            await _each_way_of_running_a_transaction(s, coll)
            await _each_way_of_running_a_transaction(
                s, coll, read_concern=ReadConcern("local"), write_concern=WriteConcern(w=1), max_commit_time_ms=999
            )
            await _each_way_of_running_a_transaction(s, coll)
            _state_agrees(s)
        assert _transaction_options_sent(flavour.commands) == [inherited] * 6 + [own] * 3 + [inherited] * 3

    flavour.run(body)


def test_the_clients_resolved_options_go_only_to_sessions_without_defaults(flavour: Flavour) -> None:
    async def body() -> None:
        client = flavour.client(listen=True, w="majority", readConcernLevel="majority")
        coll = client[DB].inherited_options
        await coll.insert_one({})
        from_client = ("majority", {"w": "majority"}, None)
        defaults = TransactionOptions(
            read_concern=ReadConcern("local"), write_concern=WriteConcern(w=1), max_commit_time_ms=777
        )
        from_defaults = ("local", {"w": 1}, 777)
        flavour.commands.clear()
        async with await client.start_session() as first:
            await _each_way_of_running_a_transaction(first, coll)
        # A later session without defaults inherits the client's again.
        async with await client.start_session() as later:
            await _each_way_of_running_a_transaction(later, coll)
        # A session with defaults of its own inherits those.
        async with await client.start_session(default_transaction_options=defaults) as own:
            await _each_way_of_running_a_transaction(own, coll)
        async with await client.start_session() as after:
            await _each_way_of_running_a_transaction(after, coll)
        # So do PyMongo sessions wrapped later.
        wrapped_plain = client.wrap(client.delegate.start_session())
        # The async session's own TransactionOptions (PyMongo 4.13 refuses the other).
        async_defaults = AsyncTransactionOptions(
            defaults.read_concern, defaults.write_concern, defaults.read_preference, defaults.max_commit_time_ms
        )
        wrapped_own = client.wrap(client.delegate.start_session(default_transaction_options=async_defaults))
        try:
            await _each_way_of_running_a_transaction(wrapped_own, coll)
        finally:
            await wrapped_plain.end_session()
            await wrapped_own.end_session()
        assert _transaction_options_sent(flavour.commands) == (
            [from_client] * 6 + [from_defaults] * 3 + [from_client] * 3 + [from_defaults] * 3
        )

    flavour.run(body)


async def _no_op(session: Any) -> None:
    return None
