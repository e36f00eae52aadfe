"""Parity with Motor 3.7.1's public API, member by member, on both flavours.

For each of Motor's 13 public classes (client, database, collection, cursor,
command cursor, latent command cursor, change stream, client encryption,
client session, GridFS bucket, GridIn, GridOut, GridOut cursor) this test
imports Motor's class of the same flavour and checks that every public Motor
member exists in motorx with the same kind:

* ``coroutine``: awaited (Motor's thread-pool futures, ``async def`` in motorx),
* ``method``: a plain call (Motor's ``DelegateMethod`` properties count as
  methods: ``client.close`` is a property in Motor that yields a bound method),
* ``property``,

with compatible parameters (Motor's parameter names in the same order, same
kinds and defaults; motorx may add trailing optional ones), and that the
methods Motor returns cursors from synchronously return the class of the
same name.  Every deliberate difference is listed below with its reason.

``delegate`` is the wrapped PyMongo *async* object in motorx (in Motor it was
the synchronous one): same name, different class, by design.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

motor_asyncio = pytest.importorskip("motor.motor_asyncio", reason="motor 3.7.1 is a test extra")
motor_tornado = pytest.importorskip("motor.motor_tornado", reason="motor 3.7.1 is a test extra")

import motorx.motor_asyncio  # noqa: E402 - after the skip for a missing motor
import motorx.motor_tornado  # noqa: E402

CLASSES = [
    "Client",
    "Database",
    "Collection",
    "Cursor",
    "CommandCursor",
    "LatentCommandCursor",
    "ChangeStream",
    "ClientEncryption",
    # Owned by the session and GridFS work; their parity is checked here too.
    "ClientSession",
    "GridFSBucket",
    "GridIn",
    "GridOut",
    "GridOutCursor",
]

FLAVOURS = {
    "asyncio": ("AsyncIOMotor", motor_asyncio, motorx.motor_asyncio),
    "tornado": ("Motor", motor_tornado, motorx.motor_tornado),
}

# (class, member) -> why motorx differs from Motor on purpose.
ALLOWED_KIND_DIFFERENCES: dict[tuple[str, str], str] = {}

# Motor public members motorx does not provide, with the reason.
ALLOWED_MISSING: dict[tuple[str, str], str] = {
    # The latent cursor's pending call (start/args/kwargs) is internal state
    # Motor never documented (its started/closed flags are kept: its tests read them).
    ("LatentCommandCursor", "start"): "Motor's pending aggregate call, internal",
    ("LatentCommandCursor", "args"): "Motor's pending aggregate call, internal",
    ("LatentCommandCursor", "kwargs"): "Motor's pending aggregate call, internal",
}

# Members whose parameters differ on purpose.
ALLOWED_PARAMETER_DIFFERENCES: dict[tuple[str, str], str] = {}


def _motor_kind(cls: type, name: str) -> str:
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        # DelegateMethod without wrapping: a property that returns the
        # delegate's bound method, i.e. a plain call for the user.
        on_delegate = inspect.getattr_static(getattr(cls, "__delegate_class__", object), name, None)
        if inspect.isfunction(on_delegate):
            return "method"
        return "property"
    if (
        getattr(raw, "is_async_method", False)
        or getattr(raw, "coroutine_annotation", False)
        or inspect.iscoroutinefunction(raw)
    ):
        return "coroutine"
    if callable(raw):
        return "method"
    return "attribute"


def _motorx_kind(cls: type, name: str) -> str:
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        return "property"
    # Awaited by the user: a coroutine function, or a method returning a
    # started Future as Motor's do (test_call_model tells the two apart).
    if inspect.iscoroutinefunction(raw) or getattr(raw, "returns_future", False):
        return "coroutine"
    if callable(raw):
        return "method"
    return "attribute"


def _motor_signature(cls: type, name: str) -> inspect.Signature:
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        return inspect.signature(getattr(cls.__delegate_class__, name))  # type: ignore[attr-defined]
    return inspect.signature(raw)


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def _pairs() -> list[tuple[str, str]]:
    return [(flavour, name) for flavour in FLAVOURS for name in CLASSES]


def _classes(flavour: str, name: str) -> tuple[type, type]:
    prefix, motor_module, motorx_module = FLAVOURS[flavour]
    return getattr(motor_module, prefix + name), getattr(motorx_module, prefix + name)


@pytest.mark.parametrize(("flavour", "name"), _pairs())
def test_every_motor_member_exists_with_the_same_kind(flavour: str, name: str) -> None:
    motor_cls, motorx_cls = _classes(flavour, name)
    problems = []
    for member in sorted(_public(motor_cls)):
        if (name, member) in ALLOWED_MISSING:
            continue
        if not hasattr(motorx_cls, member):
            problems.append("%s.%s is missing" % (name, member))
            continue
        expected, got = _motor_kind(motor_cls, member), _motorx_kind(motorx_cls, member)
        if expected != got and (name, member) not in ALLOWED_KIND_DIFFERENCES:
            problems.append("%s.%s: Motor %s, motorx %s" % (name, member, expected, got))
    assert not problems, "\n".join(problems)


def _check_parameters(where: str, motor_sig: inspect.Signature, motorx_sig: inspect.Signature) -> list[str]:
    motor_params = [p for p in motor_sig.parameters.values() if p.name != "self"]
    motorx_params = [p for p in motorx_sig.parameters.values() if p.name != "self"]
    problems = []
    ours = {p.name: p for p in motorx_params}
    for param in motor_params:
        mine = ours.get(param.name)
        if mine is None:
            problems.append("%s: parameter %r missing" % (where, param.name))
            continue
        if mine.kind != param.kind:
            problems.append("%s: %r is %s, Motor %s" % (where, param.name, mine.kind, param.kind))
        if mine.default != param.default:
            problems.append("%s: %r defaults to %r, Motor %r" % (where, param.name, mine.default, param.default))
    # Same relative order for the shared names; additions only as optional extras.
    shared = [p.name for p in motorx_params if p.name in {q.name for q in motor_params}]
    if shared != [p.name for p in motor_params if p.name in ours]:
        problems.append("%s: parameter order %s differs from Motor's" % (where, shared))
    for extra in motorx_params:
        if extra.name not in {q.name for q in motor_params} and extra.default is inspect.Parameter.empty and extra.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            problems.append("%s: extra required parameter %r" % (where, extra.name))
    return problems


@pytest.mark.parametrize(("flavour", "name"), _pairs())
def test_parameters_match_motor(flavour: str, name: str) -> None:
    motor_cls, motorx_cls = _classes(flavour, name)
    problems: list[str] = []
    for member in sorted(_public(motor_cls)):
        if (name, member) in ALLOWED_MISSING or (name, member) in ALLOWED_PARAMETER_DIFFERENCES:
            continue
        if _motor_kind(motor_cls, member) == "property":
            continue
        motorx_member = inspect.getattr_static(motorx_cls, member)
        problems += _check_parameters(
            "%s.%s" % (name, member), _motor_signature(motor_cls, member), inspect.signature(motorx_member)
        )
    if name == "ClientEncryption":
        problems += _check_parameters(
            "ClientEncryption()", inspect.signature(motor_cls.__init__), inspect.signature(motorx_cls.__init__)
        )
    assert not problems, "\n".join(problems)


def _motor_instances(flavour: str) -> dict[str, Any]:
    """Motor objects of each class, made without any I/O (connect=False)."""
    prefix, motor_module, _ = FLAVOURS[flavour]
    client = getattr(motor_module, prefix + "Client")("mongodb://127.0.0.1:1", connect=False)
    collection = client.db.coll
    return {
        "Client": client,
        "Database": client.db,
        "Collection": collection,
        "Cursor": collection.find(),
        "LatentCommandCursor": collection.aggregate([]),
        "ChangeStream": collection.watch(),
    }


def _motorx_instances(flavour: str) -> dict[str, Any]:
    prefix, _, motorx_module = FLAVOURS[flavour]
    client = getattr(motorx_module, prefix + "Client")("mongodb://127.0.0.1:1", connect=False)
    collection = client.db.coll
    return {
        "Client": client,
        "Database": client.db,
        "Collection": collection,
        "Cursor": collection.find(),
        "LatentCommandCursor": collection.aggregate([]),
        "ChangeStream": collection.watch(),
    }


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_motor_instance_attributes_exist(flavour: str) -> None:
    """Motor set some public attributes per instance (``delegate``, ``collection``, ...)."""
    motor_objects, motorx_objects = _motor_instances(flavour), _motorx_instances(flavour)
    problems = []
    for name, motor_object in motor_objects.items():
        for attribute in sorted(vars(motor_object)):
            if attribute.startswith("_") or (name, attribute) in ALLOWED_MISSING:
                continue
            if not hasattr(motorx_objects[name], attribute):
                problems.append("%s.%s (instance attribute) is missing" % (name, attribute))
    assert not problems, "\n".join(problems)


# Methods that hand back a cursor or change stream synchronously in Motor.
SYNC_CURSOR_METHODS = [
    ("Collection", "find", ()),
    ("Collection", "find_raw_batches", ()),
    ("Collection", "aggregate", ([],)),
    ("Collection", "aggregate_raw_batches", ([],)),
    ("Collection", "list_indexes", ()),
    ("Collection", "list_search_indexes", ()),
    ("Collection", "watch", ()),
    ("Database", "aggregate", ([],)),
    ("Database", "watch", ()),
    ("Client", "watch", ()),
]


@pytest.mark.parametrize("flavour", list(FLAVOURS))
@pytest.mark.parametrize(("owner", "method", "args"), SYNC_CURSOR_METHODS)
def test_cursor_returning_methods_return_the_class_motor_returns(
    flavour: str, owner: str, method: str, args: tuple[Any, ...]
) -> None:
    motor_result = getattr(_motor_instances(flavour)[owner], method)(*args)
    motorx_result = getattr(_motorx_instances(flavour)[owner], method)(*args)
    assert type(motorx_result).__name__ == type(motor_result).__name__
    assert type(motorx_result).__module__ == "motorx." + flavour_module(flavour)


def flavour_module(flavour: str) -> str:
    return "motor_asyncio" if flavour == "asyncio" else "motor_tornado"


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_every_motor_class_name_is_exported(flavour: str) -> None:
    prefix, motor_module, motorx_module = FLAVOURS[flavour]
    for name in CLASSES:
        assert hasattr(motorx_module, prefix + name)
    exported = set(motorx_module.__all__)
    # Motor's __all__ lists everything but the latent cursor; motorx lists it too.
    for name in motor_module.__all__:
        if not name.startswith(prefix + "GridF") and not name.startswith(prefix + "GridIn") and "GridOut" not in name:
            assert name in exported, name


def test_report_members_matched() -> None:
    """Not a check of its own: counts what the parity tests compare (see -s output)."""
    total = matched = 0
    for flavour, name in _pairs():
        motor_cls, motorx_cls = _classes(flavour, name)
        for member in _public(motor_cls):
            total += 1
            if hasattr(motorx_cls, member) and (
                _motor_kind(motor_cls, member) == _motorx_kind(motorx_cls, member)
            ):
                matched += 1
    print("\nmotorx api parity: %d / %d Motor members matched (both flavours)" % (matched, total))
    assert matched == total


def test_encrypt_takes_the_string_options_of_every_supported_pymongo() -> None:
    # Motor copies the installed PyMongo's encrypt signature: PyMongo 4.18 has
    # string_opts and its former name text_opts, 4.20 only string_opts, 4.13
    # neither.  motorx takes both, optional, and hands on only what is given.
    params = inspect.signature(motorx.motor_asyncio.AsyncIOMotorClientEncryption.encrypt).parameters
    names = list(params)
    assert names[-2:] == ["string_opts", "text_opts"]
    assert all(params[name].default is None for name in names[-2:])
