"""The runner's matching rules: every ``$$`` operator can fail, and does when it should.

A matcher that cannot fail would make every spec case pass meaninglessly, so
each rule is tested both ways.  No server needed.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from bson import json_util
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from unified_matching import MISSING, Matcher, MatchError, bson_type_name, match

LSID = {"id": Binary(b"\x01" * 16, 4)}
OTHER_LSID = {"id": Binary(b"\x02" * 16, 4)}


def _matcher() -> Matcher:
    def lsid(name: str) -> Any:
        if name != "session0":
            raise KeyError(name)
        return LSID

    return Matcher(lsid, {"oid0": ObjectId("000000000000000000000001")}.__getitem__)


def matches(expected: Any, actual: Any, root: bool = True) -> bool:
    try:
        _matcher().match(expected, actual, root)
    except MatchError:
        return False
    return True


# -- plain values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1, 1),
        (1, 1.0),
        (1, Int64(1)),
        (Int64(5), 5),
        (2.5, 2.5),
        ("a", "a"),
        (None, None),
        (True, True),
        ([1, 2], [1, 2]),
        (Timestamp(1, 2), Timestamp(1, 2)),
        (ObjectId("000000000000000000000001"), ObjectId("000000000000000000000001")),
        (Binary(b"ab", 0), b"ab"),
    ],
)
def test_equal_values_match(expected: Any, actual: Any) -> None:
    assert matches(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1, 2),
        (1, 1.5),
        (1, "1"),
        ("1", 1),
        (1, True),
        (True, 1),
        (False, 0),
        (None, 0),
        (0, None),
        ("a", "A"),
        ([1, 2], [1, 2, 3]),
        ([1, 2, 3], [1, 2]),
        ([1, 2], [2, 1]),
        ([1], {"0": 1}),
        (Decimal128("1"), 1),
        (Binary(b"ab", 4), b"ab"),
        (1, MISSING),
    ],
)
def test_different_values_do_not_match(expected: Any, actual: Any) -> None:
    assert not matches(expected, actual)


# -- documents ---------------------------------------------------------------------


def test_root_document_may_have_extra_keys_but_nested_may_not() -> None:
    assert matches({"x": 1}, {"x": 1, "y": 2})
    assert not matches({"x": 1}, {"x": 1, "y": 2}, root=False)
    assert not matches({"x": {"y": 1}}, {"x": {"y": 1, "z": 1}})
    assert matches({"x": {"y": 1}}, {"x": {"y": 1}, "z": 1})


def test_missing_key_and_key_order() -> None:
    assert not matches({"x": 1, "y": 1}, {"x": 1})
    assert matches({"x": 1, "y": 1}, {"y": 1, "x": 1})
    assert not matches({"x": 1}, [1])
    assert not matches({"x": {"y": 1}}, {"x": 5})


def test_array_elements_are_nested_documents() -> None:
    assert not matches({"a": [{"x": 1}]}, {"a": [{"x": 1, "y": 1}]})
    assert matches({"a": [{"x": 1}]}, {"a": [{"x": 1}]})


def test_iterated_results_are_root_documents_each() -> None:
    m = _matcher()
    m.match_documents([{"x": 1}], [{"x": 1, "_id": 1}])
    with pytest.raises(MatchError):
        m.match_documents([{"x": 1}], [{"x": 1}, {"x": 2}])
    with pytest.raises(MatchError):
        m.match_documents([{"x": 1}], [{"x": 2}])


# -- $$exists -----------------------------------------------------------------------


def test_exists_true() -> None:
    assert matches({"a": {"$$exists": True}}, {"a": None})
    assert matches({"a": {"$$exists": True}}, {"a": 5})
    assert not matches({"a": {"$$exists": True}}, {"b": 5})


def test_exists_false() -> None:
    assert matches({"a": {"$$exists": False}}, {"b": 1})
    assert not matches({"a": {"$$exists": False}}, {"a": None})
    assert not matches({"a": {"$$exists": False}}, {"a": 1})


def test_exists_needs_a_boolean() -> None:
    assert not matches({"a": {"$$exists": 1}}, {"a": 1})


# -- $$unsetOrMatches ----------------------------------------------------------------


def test_unset_or_matches() -> None:
    assert matches({"a": {"$$unsetOrMatches": 1}}, {})
    assert matches({"a": {"$$unsetOrMatches": 1}}, {"a": 1})
    assert not matches({"a": {"$$unsetOrMatches": 1}}, {"a": 2})
    assert not matches({"a": {"$$unsetOrMatches": 1}}, {"a": None})


def test_unset_or_matches_at_the_root_keeps_root_rules() -> None:
    expected = {"$$unsetOrMatches": {"insertedId": {"$$unsetOrMatches": 1}}}
    assert matches(expected, {"insertedId": 1, "extra": True})
    assert matches(expected, MISSING)
    assert not matches(expected, {"insertedId": 2})
    # Nested: still no extra keys.
    assert not matches({"r": {"$$unsetOrMatches": {"x": 1}}}, {"r": {"x": 1, "y": 2}})


# -- $$type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "value"),
    [
        ("int", 1),
        ("long", Int64(1)),
        ("long", 2**40),
        ("double", 1.5),
        ("string", "s"),
        ("object", {}),
        ("array", []),
        ("bool", False),
        ("null", None),
        ("objectId", ObjectId()),
        ("date", datetime.datetime(2020, 1, 1)),
        ("timestamp", Timestamp(0, 1)),
        ("binData", b"x"),
        ("decimal", Decimal128("1.5")),
        ("number", 1),
        ("number", 1.5),
    ],
)
def test_type_matches(alias: str, value: Any) -> None:
    assert matches({"v": {"$$type": alias}}, {"v": value})
    assert bson_type_name(value) == alias or alias == "number"


@pytest.mark.parametrize(
    ("alias", "value"),
    [
        ("int", Int64(1)),
        ("int", True),
        ("long", 1),
        ("string", 1),
        ("object", []),
        ("array", {}),
        ("bool", 0),
        ("null", 0),
        ("double", 1),
        ("number", "1"),
    ],
)
def test_type_mismatches(alias: str, value: Any) -> None:
    assert not matches({"v": {"$$type": alias}}, {"v": value})


def test_type_list_and_missing_and_unknown_alias() -> None:
    assert matches({"v": {"$$type": ["int", "long"]}}, {"v": Int64(3)})
    assert not matches({"v": {"$$type": ["string", "long"]}}, {"v": 3})
    assert not matches({"v": {"$$type": "int"}}, {})
    assert not matches({"v": {"$$type": "integer"}}, {"v": 3})


# -- $$sessionLsid, $$matchesEntity ---------------------------------------------------------


def test_session_lsid() -> None:
    assert matches({"lsid": {"$$sessionLsid": "session0"}}, {"lsid": LSID})
    assert not matches({"lsid": {"$$sessionLsid": "session0"}}, {"lsid": OTHER_LSID})
    assert not matches({"lsid": {"$$sessionLsid": "session0"}}, {})
    with pytest.raises(KeyError):
        _matcher().match({"lsid": {"$$sessionLsid": "session9"}}, {"lsid": LSID})


def test_matches_entity() -> None:
    assert matches(
        {"_id": {"$$matchesEntity": "oid0"}}, {"_id": ObjectId("000000000000000000000001")}
    )
    assert not matches(
        {"_id": {"$$matchesEntity": "oid0"}}, {"_id": ObjectId("000000000000000000000002")}
    )


# -- $$lte, $$matchesHexBytes, $$matchAsDocument, $$matchAsRoot, unknown --------------------------


def test_lte() -> None:
    assert matches({"n": {"$$lte": 5}}, {"n": 5})
    assert matches({"n": {"$$lte": 5}}, {"n": 4.5})
    assert not matches({"n": {"$$lte": 5}}, {"n": 5.5})
    assert not matches({"n": {"$$lte": 5}}, {"n": "4"})
    assert not matches({"n": {"$$lte": 5}}, {})


def test_matches_hex_bytes() -> None:
    assert matches({"b": {"$$matchesHexBytes": "12ab"}}, {"b": b"\x12\xab"})
    assert not matches({"b": {"$$matchesHexBytes": "12ab"}}, {"b": b"\x12\xac"})
    assert not matches({"b": {"$$matchesHexBytes": "12a"}}, {"b": b"\x12"})


def test_match_as_document_and_as_root() -> None:
    text = json_util.dumps({"x": 1, "y": 2})
    assert matches({"s": {"$$matchAsDocument": {"x": 1, "y": 2}}}, {"s": text})
    assert not matches({"s": {"$$matchAsDocument": {"x": 1}}}, {"s": text})
    assert matches({"s": {"$$matchAsDocument": {"$$matchAsRoot": {"x": 1}}}}, {"s": text})
    assert matches({"d": {"$$matchAsRoot": {"x": 1}}}, {"d": {"x": 1, "y": 2}})
    assert not matches({"d": {"x": 1}}, {"d": {"x": 1, "y": 2}})


def test_unknown_operator_never_matches() -> None:
    assert not matches({"a": {"$$bogus": 1}}, {"a": 1})
    assert not matches({"$$bogus": 1}, {"a": 1})


def test_a_command_like_the_spec_files_check() -> None:
    """A commandStartedEvent command as the transactions files describe it."""
    expected = json_util.loads(
        '{"insert": "test", "documents": [{"_id": 1}], "ordered": true,'
        ' "readConcern": {"$$exists": false}, "lsid": {"$$sessionLsid": "session0"},'
        ' "txnNumber": {"$numberLong": "1"}, "startTransaction": true, "autocommit": false,'
        ' "writeConcern": {"$$exists": false}}'
    )
    actual = {
        "insert": "test",
        "ordered": True,
        "lsid": LSID,
        "txnNumber": Int64(1),
        "startTransaction": True,
        "autocommit": False,
        "documents": [{"_id": 1}],
        "$db": "transaction-tests",
    }
    assert matches(expected, actual)
    assert not matches(expected, {**actual, "writeConcern": {"w": 1}})
    assert not matches(expected, {**actual, "txnNumber": Int64(2)})
    assert not matches(expected, {**actual, "lsid": OTHER_LSID})
    assert not matches(expected, {**actual, "autocommit": True})
    assert not matches(expected, {**actual, "documents": [{"_id": 1, "x": 1}]})
    no_start = dict(actual)
    del no_start["startTransaction"]
    assert not matches(expected, no_start)


def test_module_level_match_raises() -> None:
    match({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(MatchError, match=r"\$\.a"):
        match({"a": 1}, {"a": 2})
