"""Matching expected values against actual ones, as the Unified Test Format specifies.

``match(expected, actual)`` raises :class:`MatchError` (an AssertionError)
naming the path of the first mismatch.  The rules (section "Evaluating
Matches" of ``unified-test-format.md``):

* a root-level document may hold extra keys, a nested one may not;
* arrays match element by element and must have the same length;
* numbers compare by value across int32/int64/double (not bool, not Decimal128);
* an expected document whose only key starts with ``$$`` is a special
  operator: ``$$exists``, ``$$type``, ``$$unsetOrMatches``, ``$$sessionLsid``,
  ``$$matchesEntity``, ``$$matchesHexBytes``, ``$$lte``, ``$$matchAsDocument``,
  ``$$matchAsRoot``.  An unknown ``$$`` operator is an error, never a match.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any, Callable, Optional

from bson import json_util
from bson.binary import Binary
from bson.code import Code
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp


class MatchError(AssertionError):
    """Expected and actual values differ (the message names where)."""


class _Missing:
    """An absent key (distinct from a present ``null``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def bson_type_name(value: Any) -> str:
    """The ``$type`` alias of a decoded BSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Int64):
        return "long"
    if isinstance(value, int):
        return "int" if _INT32_MIN <= value <= _INT32_MAX else "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Decimal128):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, (bytes, Binary)):
        return "binData"
    if isinstance(value, ObjectId):
        return "objectId"
    if isinstance(value, datetime.datetime):
        return "date"
    if isinstance(value, (Regex, re.Pattern)):
        return "regex"
    if isinstance(value, Code):
        return "javascriptWithScope" if value.scope else "javascript"
    if isinstance(value, Timestamp):
        return "timestamp"
    if isinstance(value, MinKey):
        return "minKey"
    if isinstance(value, MaxKey):
        return "maxKey"
    if isinstance(value, DBRef):
        return "dbPointer"
    raise MatchError(
        "value %r of Python type %s has no BSON type alias" % (value, type(value).__name__)
    )


_KNOWN_TYPES = {
    "double",
    "string",
    "object",
    "array",
    "binData",
    "undefined",
    "objectId",
    "bool",
    "date",
    "null",
    "regex",
    "dbPointer",
    "javascript",
    "symbol",
    "javascriptWithScope",
    "int",
    "timestamp",
    "long",
    "decimal",
    "minKey",
    "maxKey",
    "number",
}


class Matcher:
    """Matches with access to the test's entities (for ``$$sessionLsid`` and friends).

    ``session_lsid(name)`` returns the logical session id of session entity
    ``name``; ``entity(name)`` returns any entity.  Both raise for unknown names.
    """

    def __init__(
        self,
        session_lsid: Optional[Callable[[str], Any]] = None,
        entity: Optional[Callable[[str], Any]] = None,
    ) -> None:
        self._session_lsid = session_lsid
        self._entity = entity

    # -- entry point ---------------------------------------------------------

    def match(self, expected: Any, actual: Any, root: bool = True, path: str = "$") -> None:
        if _is_operator(expected):
            self._operator(expected, actual, root, path)
            return
        if isinstance(expected, Mapping):
            self._document(expected, actual, root, path)
            return
        if isinstance(expected, (list, tuple)):
            if actual is MISSING:
                raise MatchError("%s: expected an array, the key is missing" % path)
            if not isinstance(actual, (list, tuple)):
                raise MatchError("%s: expected an array, got %r" % (path, actual))
            if len(actual) != len(expected):
                raise MatchError(
                    "%s: expected %d elements, got %d: %r"
                    % (path, len(expected), len(actual), actual)
                )
            for index, (exp, act) in enumerate(zip(expected, actual)):
                # Elements of a plain array are nested values, not root documents.
                self.match(exp, act, False, "%s[%d]" % (path, index))
            return
        self._scalar(expected, actual, path)

    def match_documents(self, expected: Any, actual: Any, path: str = "$") -> None:
        """An iterated result (find, aggregate): each element is a root-level document."""
        if not isinstance(actual, (list, tuple)):
            raise MatchError("%s: expected a list of documents, got %r" % (path, actual))
        if not isinstance(expected, (list, tuple)):
            raise MatchError("%s: the expected result is not an array: %r" % (path, expected))
        if len(actual) != len(expected):
            raise MatchError(
                "%s: expected %d documents, got %d: %r" % (path, len(expected), len(actual), actual)
            )
        for index, (exp, act) in enumerate(zip(expected, actual)):
            self.match(exp, act, True, "%s[%d]" % (path, index))

    # -- the pieces ----------------------------------------------------------

    def _document(self, expected: Mapping[str, Any], actual: Any, root: bool, path: str) -> None:
        if actual is MISSING:
            raise MatchError("%s: expected a document, the key is missing" % path)
        if not isinstance(actual, Mapping):
            raise MatchError("%s: expected a document, got %r" % (path, actual))
        for key, value in expected.items():
            sub_path = "%s.%s" % (path, key)
            present = key in actual
            sub_actual = actual[key] if present else MISSING
            if _is_operator(value):
                name, argument = next(iter(value.items()))
                if name == "$$exists":
                    if not isinstance(argument, bool):
                        raise MatchError(
                            "%s: $$exists needs a boolean, got %r" % (sub_path, argument)
                        )
                    if argument and not present:
                        raise MatchError("%s: expected the key to exist" % sub_path)
                    if not argument and present:
                        raise MatchError(
                            "%s: expected no such key, got %r" % (sub_path, sub_actual)
                        )
                    continue
                if name == "$$unsetOrMatches" and not present:
                    continue
                # Other operators judge the value (which may be MISSING).
                self._operator(value, sub_actual, False, sub_path)
                continue
            if not present:
                raise MatchError("%s: expected %r, the key is missing" % (sub_path, value))
            self.match(value, sub_actual, False, sub_path)
        if not root:
            extra = [key for key in actual if key not in expected]
            if extra:
                raise MatchError(
                    "%s: unexpected extra keys %r in a nested document %r" % (path, extra, actual)
                )

    def _operator(self, expected: Mapping[str, Any], actual: Any, root: bool, path: str) -> None:
        name, argument = next(iter(expected.items()))
        if name == "$$exists":
            # Only meaningful as a key's value; as a plain value it judges presence.
            if argument is True and actual is MISSING:
                raise MatchError("%s: expected a value" % path)
            if argument is False and actual is not MISSING:
                raise MatchError("%s: expected nothing, got %r" % (path, actual))
            return
        if name == "$$unsetOrMatches":
            if actual is MISSING:
                return
            # Does not change whether the value is a root-level document.
            self.match(argument, actual, root, path)
            return
        if name == "$$type":
            names = [argument] if isinstance(argument, str) else list(argument)
            unknown = [n for n in names if n not in _KNOWN_TYPES]
            if unknown or not names:
                raise MatchError("%s: unknown $$type alias %r" % (path, unknown or argument))
            if actual is MISSING:
                raise MatchError(
                    "%s: expected a value of type %r, the key is missing" % (path, names)
                )
            actual_type = bson_type_name(actual)
            if actual_type in names:
                return
            if "number" in names and actual_type in ("int", "long", "double", "decimal"):
                return
            raise MatchError(
                "%s: expected type %r, got %s (%r)" % (path, names, actual_type, actual)
            )
        if name == "$$sessionLsid":
            if self._session_lsid is None:
                raise MatchError("%s: $$sessionLsid needs session entities" % path)
            lsid = self._session_lsid(argument)
            if actual is MISSING:
                raise MatchError(
                    "%s: expected the lsid of session %r, the key is missing" % (path, argument)
                )
            if actual != lsid:
                raise MatchError(
                    "%s: expected the lsid of session %r (%r), got %r"
                    % (path, argument, lsid, actual)
                )
            return
        if name == "$$matchesEntity":
            if self._entity is None:
                raise MatchError("%s: $$matchesEntity needs entities" % path)
            self.match(self._entity(argument), actual, root, path)
            return
        if name == "$$matchesHexBytes":
            if not isinstance(argument, str) or not re.fullmatch(r"(?:[0-9a-fA-F]{2})*", argument):
                raise MatchError("%s: malformed $$matchesHexBytes %r" % (path, argument))
            if not isinstance(actual, (bytes, Binary)):
                raise MatchError("%s: expected bytes, got %r" % (path, actual))
            if bytes(actual) != bytes.fromhex(argument):
                raise MatchError(
                    "%s: expected bytes %s, got %s" % (path, argument, bytes(actual).hex())
                )
            return
        if name == "$$lte":
            if not _is_number(argument):
                raise MatchError("%s: $$lte needs a number, got %r" % (path, argument))
            if actual is MISSING or not _is_number(actual):
                raise MatchError("%s: expected a number <= %r, got %r" % (path, argument, actual))
            if not actual <= argument:
                raise MatchError("%s: expected a number <= %r, got %r" % (path, argument, actual))
            return
        if name == "$$matchAsDocument":
            if not isinstance(actual, str):
                raise MatchError(
                    "%s: $$matchAsDocument needs an Extended JSON string, got %r" % (path, actual)
                )
            self.match(argument, json_util.loads(actual), False, path)
            return
        if name == "$$matchAsRoot":
            self.match(argument, actual, True, path)
            return
        raise MatchError("%s: unsupported special operator %r" % (path, name))

    def _scalar(self, expected: Any, actual: Any, path: str) -> None:
        if actual is MISSING:
            raise MatchError("%s: expected %r, the key is missing" % (path, expected))
        if _is_number(expected):
            if _is_number(actual) and actual == expected:
                return
            raise MatchError("%s: expected %r, got %r" % (path, expected, actual))
        if isinstance(expected, bool) or isinstance(actual, bool):
            if type(expected) is type(actual) and expected == actual:
                return
            raise MatchError("%s: expected %r, got %r" % (path, expected, actual))
        if expected is None:
            if actual is None:
                return
            raise MatchError("%s: expected null, got %r" % (path, actual))
        if isinstance(expected, (bytes, Binary)) and isinstance(actual, (bytes, Binary)):
            # A generic-subtype Binary decodes to bytes: compare subtype and bytes.
            if _binary_subtype(expected) == _binary_subtype(actual) and bytes(expected) == bytes(
                actual
            ):
                return
            raise MatchError("%s: expected %r, got %r" % (path, expected, actual))
        if bson_type_name(expected) != bson_type_name(actual) or expected != actual:
            raise MatchError("%s: expected %r, got %r" % (path, expected, actual))


def _binary_subtype(value: Any) -> int:
    return value.subtype if isinstance(value, Binary) else 0


def _is_operator(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and key.startswith("$$")


def match(expected: Any, actual: Any, root: bool = True) -> None:
    """Match without entities (no ``$$sessionLsid``/``$$matchesEntity``)."""
    Matcher().match(expected, actual, root)
