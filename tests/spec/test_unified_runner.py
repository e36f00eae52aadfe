"""The runner itself: it fails a case when it should, at the right step, and cleans up.

Small cases written here (not from the specifications repository) go
through the same runner as the spec files, on motorx's asyncio flavour.
A runner that accepted anything would make the spec suite meaningless.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import pytest
from bson import json_util
from pymongo import MongoClient
from unified_runner import (
    CaseFailure,
    MotorxDriver,
    PyMongoDriver,
    RunnerError,
    ServerInfo,
    SpecCase,
    app_name_for,
    run_case_sync,
    skip_reason,
    unmet_requirements,
    unsupported_in,
)

DB = "motorx-spec-selftest"

FILE = json_util.loads(
    """{
  "description": "runner self-test",
  "schemaVersion": "1.3",
  "createEntities": [
    {"client": {"id": "client0", "observeEvents": ["commandStartedEvent"]}},
    {"database": {"id": "database0", "client": "client0", "databaseName": "%s"}},
    {"collection": {"id": "collection0", "database": "database0", "collectionName": "coll"}},
    {"session": {"id": "session0", "client": "client0"}}
  ],
  "initialData": [{"collectionName": "coll", "databaseName": "%s", "documents": [{"_id": 1}]}],
  "tests": []
}"""
    % (DB, DB)
)

INSERT_IN_TRANSACTION = [
    {"object": "session0", "name": "startTransaction"},
    {
        "object": "collection0",
        "name": "insertOne",
        "arguments": {"session": "session0", "document": {"_id": 2}},
        "expectResult": {"$$unsetOrMatches": {"insertedId": {"$$unsetOrMatches": 2}}},
    },
    {"object": "session0", "name": "commitTransaction"},
]

INSERT_EVENT = {
    "commandStartedEvent": {
        "command": {
            "insert": "coll",
            "documents": [{"_id": 2}],
            "lsid": {"$$sessionLsid": "session0"},
            "txnNumber": {"$numberLong": "1"},
            "startTransaction": True,
            "autocommit": False,
            "readConcern": {"$$exists": False},
        },
        "commandName": "insert",
        "databaseName": DB,
    }
}
COMMIT_EVENT = {
    "commandStartedEvent": {
        "command": {
            "commitTransaction": 1,
            "lsid": {"$$sessionLsid": "session0"},
            "txnNumber": {"$numberLong": "1"},
            "autocommit": False,
            "startTransaction": {"$$exists": False},
        },
        "commandName": "commitTransaction",
        "databaseName": "admin",
    }
}
OUTCOME = [{"collectionName": "coll", "databaseName": DB, "documents": [{"_id": 1}, {"_id": 2}]}]


def _case(
    description: str, operations: list[Any], events: Optional[list[Any]] = None, outcome: Any = None
) -> SpecCase:
    test: dict[str, Any] = {
        "description": description,
        "operations": json_util.loads(json_util.dumps(operations)),
    }
    if events is not None:
        test["expectEvents"] = [
            {"client": "client0", "events": json_util.loads(json_util.dumps(events))}
        ]
    if outcome is not None:
        test["outcome"] = outcome
    return SpecCase("selftest", "selftest.json", description, FILE, test)


def _run(case: SpecCase, server: ServerInfo, internal: MongoClient[Any]) -> None:
    run_case_sync(case, MotorxDriver("asyncio"), server, internal)


def _failure_step(case: SpecCase, server: ServerInfo, internal: MongoClient[Any]) -> str:
    with pytest.raises(CaseFailure) as info:
        _run(case, server, internal)
    return info.value.step


def test_a_correct_case_passes(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    """The positive control for every negative test below."""
    _run(
        _case("ok", INSERT_IN_TRANSACTION, [INSERT_EVENT, COMMIT_EVENT], OUTCOME),
        spec_server,
        spec_internal_client,
    )


def test_wrong_outcome_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    outcome = copy.deepcopy(OUTCOME)
    outcome[0]["documents"][1] = {"_id": 2, "x": 1}
    case = _case("outcome", INSERT_IN_TRANSACTION, None, outcome)
    assert _failure_step(case, spec_server, spec_internal_client) == "outcome %s.coll" % DB


def test_wrong_event_field_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    event = copy.deepcopy(INSERT_EVENT)
    event["commandStartedEvent"]["command"]["txnNumber"] = {"$numberLong": "2"}
    case = _case("event", INSERT_IN_TRANSACTION, [event, COMMIT_EVENT])
    assert _failure_step(case, spec_server, spec_internal_client) == "expectEvents client0 event[0]"


def test_an_unlisted_event_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    case = _case("extra event", INSERT_IN_TRANSACTION, [INSERT_EVENT])
    assert _failure_step(case, spec_server, spec_internal_client) == "expectEvents client0"


def test_an_empty_event_list_means_no_events(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    case = _case("no events", INSERT_IN_TRANSACTION, [])
    assert _failure_step(case, spec_server, spec_internal_client) == "expectEvents client0"


def test_wrong_result_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    operations = copy.deepcopy(INSERT_IN_TRANSACTION)
    operations[1]["expectResult"] = {"$$unsetOrMatches": {"insertedId": {"$$unsetOrMatches": 3}}}
    case = _case("result", operations)
    assert _failure_step(case, spec_server, spec_internal_client) == "operations[1] insertOne"


def test_expected_error_that_does_not_happen_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    operations = copy.deepcopy(INSERT_IN_TRANSACTION)
    del operations[1]["expectResult"]
    operations[1]["expectError"] = {"isError": True}
    case = _case("no error", operations)
    assert _failure_step(case, spec_server, spec_internal_client) == "operations[1] insertOne"


def test_unexpected_error_fails(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    # _id 1 is in initialData: a duplicate key error nobody expects.
    operations = [
        {"object": "collection0", "name": "insertOne", "arguments": {"document": {"_id": 1}}}
    ]
    assert (
        _failure_step(_case("dup", operations), spec_server, spec_internal_client)
        == "operations[0] insertOne"
    )


@pytest.mark.parametrize(
    "expect_error",
    [
        {"errorCodeName": "WriteConflict"},
        {"errorCode": 1},
        {"errorContains": "no such text in the message"},
        {"errorLabelsContain": ["TransientTransactionError"]},
        {"isClientError": True},
    ],
    ids=lambda e: next(iter(e)),
)
def test_error_assertions_can_fail(
    expect_error: dict[str, Any], spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    operations = [
        {
            "object": "collection0",
            "name": "insertOne",
            "arguments": {"document": {"_id": 1}},
            "expectError": expect_error,
        }
    ]
    assert (
        _failure_step(_case("error", operations), spec_server, spec_internal_client)
        == "operations[0] insertOne"
    )


def test_error_assertions_that_hold_pass(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    operations = [
        {
            "object": "collection0",
            "name": "insertOne",
            "arguments": {"document": {"_id": 1}},
            "expectError": {
                "isClientError": False,
                "errorCode": 11000,
                "errorContains": "duplicate key",
                "errorLabelsOmit": ["TransientTransactionError"],
            },
        }
    ]
    _run(_case("error ok", operations), spec_server, spec_internal_client)


def test_callback_errors_reach_with_transaction(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    """An error in the callback is asserted there and again on withTransaction."""
    callback = [
        {
            "object": "collection0",
            "name": "insertOne",
            "arguments": {"session": "session0", "document": {"_id": 1}},
            "expectError": {"errorCode": 11000},
        }
    ]
    operations: list[Any] = [
        {
            "object": "session0",
            "name": "withTransaction",
            "arguments": {"callback": callback},
            "expectError": {"errorCode": 11000, "errorLabelsOmit": ["TransientTransactionError"]},
        }
    ]
    _run(_case("callback error", operations), spec_server, spec_internal_client)
    # Without expectError on withTransaction the propagated error fails the case there.
    del operations[0]["expectError"]
    assert _failure_step(
        _case("callback error", operations), spec_server, spec_internal_client
    ) == ("operations[0] withTransaction")


def test_fail_points_are_scoped_and_switched_off(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    operations = [
        {
            "object": "testRunner",
            "name": "failPoint",
            "arguments": {
                "client": "client0",
                "failPoint": {
                    "configureFailPoint": "failCommand",
                    "mode": "alwaysOn",
                    "data": {"failCommands": ["insert"], "errorCode": 8},
                },
            },
        },
        {
            "object": "collection0",
            "name": "insertOne",
            "arguments": {"document": {"_id": 5}},
            "expectError": {"errorCode": 8},
        },
    ]
    case = _case("fail point", operations)
    _run(case, spec_server, spec_internal_client)
    # Off afterwards, even for a client with the case's own appName.
    app_name = app_name_for(case, MotorxDriver("asyncio"))
    with MongoClient(spec_server.uri, appName=app_name, serverSelectionTimeoutMS=10000) as client:
        client[DB].coll.insert_one({"_id": 6})


def test_unsupported_things_are_errors_not_passes(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    for operations in (
        [{"object": "collection0", "name": "noSuchOperation"}],
        [{"object": "testRunner", "name": "noSuchSpecialOperation"}],
        [
            {
                "object": "collection0",
                "name": "insertOne",
                "arguments": {"document": {}, "bogusOption": 1},
            }
        ],
        [{"object": "nobody", "name": "insertOne", "arguments": {"document": {}}}],
    ):
        with pytest.raises(RunnerError):
            _run(_case("unsupported", operations), spec_server, spec_internal_client)


def test_requirements(spec_server: ServerInfo) -> None:
    assert unmet_requirements(None, spec_server) is None
    assert unmet_requirements([{"minServerVersion": "99.0"}], spec_server)
    assert unmet_requirements([{"maxServerVersion": "1.0"}], spec_server)
    assert unmet_requirements([{"topologies": ["load-balanced"]}], spec_server)
    assert unmet_requirements([{"csfle": True}], spec_server)
    # Any one requirement satisfied is enough.
    assert (
        unmet_requirements([{"minServerVersion": "99.0"}, {"minServerVersion": "3.6"}], spec_server)
        is None
    )
    assert unmet_requirements([{"topologies": [spec_server.topology]}], spec_server) is None
    case = _case("skip", [])
    skipped = SpecCase(
        case.subdir,
        case.file_name,
        case.description,
        {**FILE, "runOnRequirements": [{"topologies": ["sharded"]}]},
        case.test,
    )
    reason = skip_reason(skipped, spec_server)
    assert reason is not None and "sharded" in reason
    with_reason = SpecCase(
        case.subdir, case.file_name, case.description, FILE, {**case.test, "skipReason": "why"}
    )
    assert skip_reason(with_reason, spec_server) == "skipReason in the test file: why"


def test_unsupported_constructs_are_found_without_running() -> None:
    case = _case(
        "static",
        [
            {"object": "collection0", "name": "noSuchOperation"},
            {"object": "testRunner", "name": "loop", "arguments": {}},
            {
                "object": "session0",
                "name": "withTransaction",
                "arguments": {
                    "callback": [
                        {
                            "object": "collection0",
                            "name": "insertOne",
                            "expectError": {"isBogus": True},
                        }
                    ]
                },
            },
        ],
        [
            {"poolTeleportedEvent": {}},
            {"commandStartedEvent": {"commandName": "x", "bogusField": 1}},
        ],
    )
    assert unsupported_in(case) == [
        "operation noSuchOperation on collection0 (collection)",
        "special operation loop",
        "expectError field isBogus",
        "event poolTeleportedEvent",
        "event field commandStartedEvent.bogusField",
    ]
    assert (
        unsupported_in(_case("fine", INSERT_IN_TRANSACTION, [INSERT_EVENT, COMMIT_EVENT], OUTCOME))
        == []
    )


def test_finding_the_spec_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import unified_runner

    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setattr(unified_runner, "REPO_ROOT", repo)
    monkeypatch.delenv("MOTORX_SPEC_DIR", raising=False)
    # Nothing beside the repository: None (the tests report a skip with the reason).
    assert unified_runner.find_spec_dir() is None
    # ../shared/spec beside the repository.
    shared = tmp_path / "shared" / "spec"
    shared.mkdir(parents=True)
    assert unified_runner.find_spec_dir() == shared
    # MOTORX_SPEC_DIR wins; a wrong one is an error, not a skip.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("MOTORX_SPEC_DIR", str(elsewhere))
    assert unified_runner.find_spec_dir() == elsewhere
    monkeypatch.setenv("MOTORX_SPEC_DIR", str(tmp_path / "missing"))
    with pytest.raises(unified_runner.SpecDirError):
        unified_runner.find_spec_dir()
    # A directory without the two sub-directories is an error too.
    with pytest.raises(unified_runner.SpecDirError):
        unified_runner.load_cases(elsewhere, "transactions")
    # Flat (../shared/spec) and a specifications checkout's source/ layout.
    flat = elsewhere / "transactions"
    flat.mkdir()
    (flat / "a.json").write_text(
        '{"schemaVersion": "1.3", "tests": [{"description": "d", "operations": []}]}'
    )
    assert [c.key for c in unified_runner.load_cases(elsewhere, "transactions")] == [
        "transactions/a.json::d"
    ]
    nested = tmp_path / "source" / "transactions" / "tests" / "unified"
    nested.mkdir(parents=True)
    (nested / "b.json").write_text(
        '{"schemaVersion": "1.3", "tests": [{"description": "e", "operations": []}]}'
    )
    cases = unified_runner.load_cases(tmp_path / "source", "transactions")
    assert [c.key for c in cases] == ["transactions/b.json::e"]


def test_pymongo_driver_runs_the_same_cases_and_fails_at_the_same_steps(
    spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    """The witness used for xfail proofs: PyMongo's AsyncMongoClient through the same runner."""
    good = _case("ok", INSERT_IN_TRANSACTION, [INSERT_EVENT, COMMIT_EVENT], OUTCOME)
    run_case_sync(good, PyMongoDriver(), spec_server, spec_internal_client)
    event = copy.deepcopy(INSERT_EVENT)
    event["commandStartedEvent"]["command"]["startTransaction"] = False
    bad = _case("event", INSERT_IN_TRANSACTION, [event, COMMIT_EVENT])
    steps = []
    for driver in (PyMongoDriver(), MotorxDriver("asyncio"), MotorxDriver("tornado")):
        with pytest.raises(CaseFailure) as info:
            run_case_sync(bad, driver, spec_server, spec_internal_client)
        steps.append(info.value.step)
    assert steps == ["expectEvents client0 event[0]"] * 3
