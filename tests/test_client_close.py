"""``client.close()``: a plain call, final when it returns, as in Motor.

After ``close()`` every operation raises Motor's ``InvalidOperation("Cannot
use MongoClient after close")``.  PyMongo's clean-up (endSessions, pending
killCursors, pools, monitors) finishes on the loop: at once with no loop
running, else in a task motorx holds, which survives ``asyncio.run``
cancelling it.  What happens while a loop is being torn down (warnings
printed from ``__del__``, "Task was destroyed but it is pending!") only shows
in a process of its own, so those scenarios run in a child Python with
``-X dev -W error`` and must leave its stderr empty.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pymongo import monitoring
from pymongo.errors import InvalidOperation

AFTER_CLOSE = "^Cannot use MongoClient after close$"  # Motor's message, exactly


class EndSessions(monitoring.CommandListener):
    """Every endSessions and killCursors the client sends (the suite's recorder ignores endSessions)."""

    def __init__(self) -> None:
        self.end_sessions: list[Any] = []
        self.kill_cursors: list[Any] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "endSessions":
            self.end_sessions.append(event.command["endSessions"])
        elif event.command_name == "killCursors":
            self.kill_cursors.append(event.command["cursors"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_operations_after_close_are_refused(flavour: Any) -> None:
    async def body() -> None:
        client = flavour.client()
        coll = client.motorx_close_test.refused
        await coll.insert_one({"x": 1})
        closing = client.close()  # not awaited: refused from here on
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await coll.find_one()
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await coll.insert_one({"x": 2})
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await coll.find().to_list(None)
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await client.list_database_names()
        assert closing is not None
        await closing
        assert client.delegate._closed  # PyMongo's close ran to its end
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await coll.count_documents({})
        # Closing again is fine: same task, nothing more done.
        assert client.close() is closing

        # A client that never connected.
        unused = flavour.client()
        unused.close()
        with pytest.raises(InvalidOperation, match=AFTER_CLOSE):
            await unused.motorx_close_test.refused.find_one()

    flavour.run(body)


def test_close_on_a_running_loop_ends_the_sessions(flavour: Any) -> None:
    listener = EndSessions()

    async def body() -> None:
        client = flavour.client(event_listeners=[listener])
        coll = client.motorx_close_test.sessions
        session = await client.start_session()
        await coll.insert_one({"x": 1}, session=session)
        lsid = session.session_id
        await session.end_session()
        # A server cursor dropped unexhausted: PyMongo queues its killCursors,
        # which the close sends (a cursor still referenced is not killed, as in Motor).
        await coll.insert_many([{"i": i} for i in range(5)])
        cursor = coll.find().batch_size(2)
        await cursor.next()
        cursor_id = cursor.cursor_id
        assert cursor_id
        del cursor
        gc.collect()
        closing = client.close()
        assert listener.end_sessions == []  # sent by the task, on the loop
        await closing
        assert len(listener.end_sessions) == 1
        assert lsid in listener.end_sessions[0]
        assert [cursor_id] in listener.kill_cursors
        client.close()
        await asyncio.sleep(0.05)
        assert len(listener.end_sessions) == 1  # a second close sends nothing

    flavour.run(body)


def test_close_task_is_held_until_done(flavour: Any) -> None:
    """Nobody needs to keep what close() returned: motorx holds the task."""
    from motorx import _futures

    listener = EndSessions()

    async def body() -> None:
        client = flavour.client(event_listeners=[listener])
        async with await client.start_session() as session:
            await client.motorx_close_test.held.find_one({}, session=session)
        closing = client.close()
        assert closing in _futures._background and not closing.done()
        del closing
        gc.collect()
        for _ in range(200):
            if client.delegate._closed:
                break
            await asyncio.sleep(0.01)
        assert client.delegate._closed
        assert len(listener.end_sessions) == 1

    flavour.run(body)


# -- in a child process: loop shutdown must print nothing -------------------------------

CHILD = textwrap.dedent(
    """
    import asyncio, gc, json, sys
    from pymongo import monitoring
    from pymongo.errors import InvalidOperation
    from motorx.motor_asyncio import AsyncIOMotorClient
    from motorx.motor_tornado import MotorClient

    uri, case, flavour = sys.argv[1:4]
    Client = AsyncIOMotorClient if flavour == "asyncio" else MotorClient
    sent = {"endSessions": 0, "killCursors": 0}

    class Listener(monitoring.CommandListener):
        def started(self, event):
            if event.command_name in sent:
                sent[event.command_name] += 1
        def succeeded(self, event):
            pass
        def failed(self, event):
            pass

    def make_client(**kwargs):
        return Client(uri, event_listeners=[Listener()], serverSelectionTimeoutMS=10000, **kwargs)

    async def work(client):
        coll = client.motorx_close_child.c
        await coll.delete_many({})
        await coll.insert_many([{"i": i} for i in range(6)])
        async with await client.start_session() as session:
            await coll.find_one({}, session=session)
        cursor = coll.find().batch_size(2)
        await cursor.next()  # a server cursor left open

    async def refused(client):
        try:
            await client.motorx_close_child.c.find_one()
        except InvalidOperation as exc:
            return str(exc)
        return "not refused"

    result = {}
    if case == "last_line_of_asyncio_run":
        async def main():
            client = make_client()
            await work(client)
            client.close()
        asyncio.run(main())
    elif case == "cancelled_by_asyncio_run":
        # endSessions still in flight when main() returns: asyncio.run cancels the task.
        async def main():
            global client
            client = make_client()
            await work(client)
            send_end_sessions = client.delegate._end_sessions
            async def slow_end_sessions(ids):
                result["endSessions started"] = True
                await asyncio.sleep(30)
                await send_end_sessions(ids)
            client.delegate._end_sessions = slow_end_sessions
            client.close()
        asyncio.run(main())
        result["pymongo closed"] = client.delegate._closed
    elif case == "no_loop_after_run_until_complete":
        loop = asyncio.new_event_loop()
        client = make_client(io_loop=loop) if flavour == "asyncio" else make_client()
        loop.run_until_complete(work(client))
        result["close returned"] = repr(client.close())
        result["refused"] = loop.run_until_complete(refused(client))
        result["pymongo closed"] = client.delegate._closed
        client.close()  # twice: nothing more
        loop.close()
    elif case == "no_loop_after_tornado_run_sync":
        from tornado.ioloop import IOLoop
        io_loop = IOLoop(make_current=False)
        client = make_client(io_loop=io_loop)
        io_loop.run_sync(lambda: work(client))
        result["close returned"] = repr(client.close())
        result["refused"] = io_loop.run_sync(lambda: refused(client))
        result["pymongo closed"] = client.delegate._closed
        io_loop.close(all_fds=True)
    elif case == "collected_unclosed_between_runs":
        # AWS Lambda's pattern (Motor's docs): one loop, run once per request,
        # never closed, and a client that is never closed either.
        loop = asyncio.new_event_loop()
        client = make_client(io_loop=loop) if flavour == "asyncio" else make_client()
        for _ in range(3):
            loop.run_until_complete(work(client))
        delegate = client.delegate
        client = None
        gc.collect()
        result["pymongo closed"] = delegate._closed
        result["pending tasks"] = len(asyncio.all_tasks(loop))
        delegate = None
        gc.collect()  # tasks destroyed pending would be logged here
        loop.close()  # the loop's own sockets: the application's to close
    elif case == "never_connected":
        client = make_client()
        result["close returned"] = repr(client.close())
        result["refused"] = asyncio.run(refused(client))
    else:
        raise SystemExit("unknown case " + case)
    client = None
    gc.collect()
    result.update(sent)
    print(json.dumps(result))
    """
)


def run_child(tmp_path: Path, uri: str, case: str, flavour: str) -> dict[str, Any]:
    script = tmp_path / "close_child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", str(script), uri, case, flavour],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # asyncio's debug mode (-X dev) logs callbacks slower than 100 ms: load, not a fault.
    stderr = re.sub(r"(?m)^Executing <.*> took \d+\.\d+ seconds\n", "", done.stderr)
    assert done.returncode == 0 and stderr == "", done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_close_as_the_last_line_of_asyncio_run(tmp_path: Path, mongodb_uri: str, flavour_name: str) -> None:
    result = run_child(tmp_path, mongodb_uri, "last_line_of_asyncio_run", flavour_name)
    assert result["endSessions"] == 1 and result["killCursors"] == 1


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_close_cancelled_by_asyncio_run_still_releases_everything(
    tmp_path: Path, mongodb_uri: str, flavour_name: str
) -> None:
    result = run_child(tmp_path, mongodb_uri, "cancelled_by_asyncio_run", flavour_name)
    assert result["endSessions started"] is True
    assert result["pymongo closed"] is True
    assert result["endSessions"] == 0  # cancelled in flight; the pools were closed all the same


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_close_with_no_loop_running(tmp_path: Path, mongodb_uri: str, flavour_name: str) -> None:
    result = run_child(tmp_path, mongodb_uri, "no_loop_after_run_until_complete", flavour_name)
    assert result["close returned"] == "None"  # as Motor's
    assert result["refused"] == "Cannot use MongoClient after close"
    assert result["pymongo closed"] is True
    assert result["endSessions"] == 1 and result["killCursors"] == 1


def test_close_with_no_loop_running_after_tornado_run_sync(tmp_path: Path, mongodb_uri: str) -> None:
    result = run_child(tmp_path, mongodb_uri, "no_loop_after_tornado_run_sync", "tornado")
    assert result["close returned"] == "None"
    assert result["refused"] == "Cannot use MongoClient after close"
    assert result["pymongo closed"] is True
    assert result["endSessions"] == 1 and result["killCursors"] == 1


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_close_of_a_client_that_never_connected(tmp_path: Path, mongodb_uri: str, flavour_name: str) -> None:
    result = run_child(tmp_path, mongodb_uri, "never_connected", flavour_name)
    assert result["close returned"] == "None"
    assert result["refused"] == "Cannot use MongoClient after close"
    assert result["endSessions"] == 0


@pytest.mark.parametrize("flavour_name", ["asyncio", "tornado"])
def test_client_collected_unclosed_between_loop_runs_closes_itself(
    tmp_path: Path, mongodb_uri: str, flavour_name: str
) -> None:
    # Motor's monitor threads ended with the collected client; PyMongo Async's
    # monitor tasks would be destroyed pending with a loop that never runs again.
    result = run_child(tmp_path, mongodb_uri, "collected_unclosed_between_runs", flavour_name)
    assert result["pymongo closed"] is True
    assert result["pending tasks"] == 0
    assert result["endSessions"] == 1
