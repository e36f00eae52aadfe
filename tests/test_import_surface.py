"""Motor's import surface: its modules and names, and its generic classes.

Motor code imports more than the two flavour modules: ``motor.MotorClient``
(the package root re-exports the tornado classes), ``motor.version``,
``from motor.core import AgnosticCollection`` for annotations and
``isinstance`` checks, ``motor.motor_gridfs.AgnosticGridFSBucket``.  The
same imports work from ``motorx``, with the same subclass relations, and the
classes Motor makes generic in the document type are subscriptable at run
time (``AsyncIOMotorCollection[Dict[str, Any]]``).

The last tests derive the list from Motor 3.7.1 itself: every public module
of the ``motor`` package and every public name in it (at run time and in its
``.pyi`` stubs) exists in motorx, or is in ALLOWED_MISSING with the reason.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
import typing
from pathlib import Path
from typing import Any, Dict

import pytest

import motorx
import motorx.core
import motorx.motor_asyncio
import motorx.motor_gridfs
import motorx.motor_tornado

FLAVOURS = {
    "asyncio": ("AsyncIOMotor", motorx.motor_asyncio),
    "tornado": ("Motor", motorx.motor_tornado),
}

# Flavour class name (without prefix) -> (agnostic module, agnostic class name).
AGNOSTIC_BASES = {
    "Client": (motorx.core, "AgnosticClient"),
    "ClientSession": (motorx.core, "AgnosticClientSession"),
    "Database": (motorx.core, "AgnosticDatabase"),
    "Collection": (motorx.core, "AgnosticCollection"),
    "Cursor": (motorx.core, "AgnosticCursor"),
    "RawBatchCursor": (motorx.core, "AgnosticRawBatchCursor"),
    "CommandCursor": (motorx.core, "AgnosticCommandCursor"),
    "LatentCommandCursor": (motorx.core, "AgnosticLatentCommandCursor"),
    "ChangeStream": (motorx.core, "AgnosticChangeStream"),
    "ClientEncryption": (motorx.core, "AgnosticClientEncryption"),
    "GridFSBucket": (motorx.motor_gridfs, "AgnosticGridFSBucket"),
    "GridIn": (motorx.motor_gridfs, "AgnosticGridIn"),
    "GridOut": (motorx.motor_gridfs, "AgnosticGridOut"),
    "GridOutCursor": (motorx.motor_gridfs, "AgnosticGridOutCursor"),
}

# Generic in the document type, as in Motor's stubs (motor/core.pyi,
# motor/motor_asyncio.pyi, motor/motor_tornado.pyi).
GENERIC = [
    "Client",
    "Database",
    "Collection",
    "Cursor",
    "RawBatchCursor",
    "CommandCursor",
    "LatentCommandCursor",
    "ChangeStream",
    "ClientEncryption",
]
GENERIC_AGNOSTIC = [AGNOSTIC_BASES[name][1] for name in GENERIC] + ["AgnosticBaseCursor"]


# -- the imports Motor code uses ---------------------------------------------


def test_the_imports_motor_code_uses() -> None:
    from motorx import MotorClient, MotorCollection, MotorDatabase, get_version_string, version
    from motorx.core import AgnosticCollection, AgnosticCommandCursor, AgnosticDatabase
    from motorx.motor_asyncio import AsyncIOMotorClient
    from motorx.motor_gridfs import AgnosticGridFSBucket, AgnosticGridIn, AgnosticGridOut

    assert MotorClient is motorx.motor_tornado.MotorClient
    assert issubclass(MotorDatabase, AgnosticDatabase)
    assert issubclass(MotorCollection, AgnosticCollection)
    assert issubclass(motorx.motor_asyncio.AsyncIOMotorCommandCursor, AgnosticCommandCursor)
    assert issubclass(motorx.motor_asyncio.AsyncIOMotorGridFSBucket, AgnosticGridFSBucket)
    assert issubclass(motorx.motor_tornado.MotorGridIn, AgnosticGridIn)
    assert issubclass(motorx.motor_tornado.MotorGridOut, AgnosticGridOut)
    assert issubclass(AsyncIOMotorClient, motorx.core.AgnosticClient)
    assert version == motorx.__version__ == get_version_string()


def test_version_has_motors_meaning() -> None:
    # Motor: version is the version string, version_tuple its parsed parts
    # (ints, then the rest of the string if any), get_version_string() the string.
    assert isinstance(motorx.version, str)
    assert motorx.get_version_string() == motorx.version
    numbers = motorx.version_tuple[:3]
    assert all(isinstance(part, int) for part in numbers), motorx.version_tuple
    assert motorx.version.startswith(".".join(str(part) for part in numbers))


def test_the_package_root_exports_the_tornado_classes() -> None:
    namespace: dict[str, Any] = {}
    exec("from motorx import *", namespace)
    for name in motorx.motor_tornado.__all__:
        assert namespace[name] is getattr(motorx.motor_tornado, name)
    assert {"version", "version_tuple", "get_version_string"} <= set(namespace)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", AGNOSTIC_BASES)
def test_each_flavour_class_is_its_agnostic_class(flavour: str, name: str) -> None:
    prefix, module = FLAVOURS[flavour]
    agnostic_module, agnostic_name = AGNOSTIC_BASES[name]
    assert issubclass(getattr(module, prefix + name), getattr(agnostic_module, agnostic_name))


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", ["Cursor", "RawBatchCursor", "CommandCursor", "LatentCommandCursor"])
def test_cursors_are_agnostic_base_cursors(flavour: str, name: str) -> None:
    prefix, module = FLAVOURS[flavour]
    assert issubclass(getattr(module, prefix + name), motorx.core.AgnosticBaseCursor)


# -- generic in the document type --------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", GENERIC)
def test_flavour_classes_take_the_document_type(flavour: str, name: str) -> None:
    prefix, module = FLAVOURS[flavour]
    cls = getattr(module, prefix + name)
    alias = cls[Dict[str, Any]]
    assert typing.get_origin(alias) is cls
    assert typing.get_args(alias) == (Dict[str, Any],)
    with pytest.raises(TypeError):
        cls[Dict[str, Any], Dict[str, Any]]  # one parameter, as in Motor


@pytest.mark.parametrize("name", GENERIC_AGNOSTIC)
def test_agnostic_classes_take_the_document_type(name: str) -> None:
    cls = getattr(motorx.core, name)
    assert typing.get_origin(cls[Dict[str, Any]]) is cls


def test_a_parameterised_client_builds_an_ordinary_client() -> None:
    client = motorx.motor_asyncio.AsyncIOMotorClient[Dict[str, Any]](connect=False)
    assert type(client) is motorx.motor_asyncio.AsyncIOMotorClient
    assert type(client["db"]["coll"]) is motorx.motor_asyncio.AsyncIOMotorCollection


# -- everything Motor 3.7.1 exposes ------------------------------------------

# "module" (a whole module) or "module:name" -> why motorx has no counterpart.
_METAPROGRAMMING = (
    "Motor's machinery for generating its classes from PyMongo's; motorx's classes are written out"
)
_RAW_BATCH_COMMAND_CURSOR = (
    "motorx has no separate raw-batch command cursor class: aggregate_raw_batches() returns the "
    "flavour's LatentCommandCursor (Motor's stubs declare this class, Motor never returns one)"
)
_ADAPTER = "Motor's private asyncio adapter (its thread pool and futures); motorx has its own, motorx._framework"
ALLOWED_MISSING: dict[str, str] = {
    "motor.docstrings": "Motor's docstring snippets for its generated methods (module of strings)",
    # motor.frameworks.asyncio: only max_workers (Motor code reads it) is there.
    "motor.frameworks.asyncio:get_event_loop": _ADAPTER,
    "motor.frameworks.asyncio:CLASS_PREFIX": _ADAPTER,
    "motor.frameworks.asyncio:is_event_loop": _ADAPTER,
    "motor.frameworks.asyncio:check_event_loop": _ADAPTER,
    "motor.frameworks.asyncio:get_future": _ADAPTER,
    "motor.frameworks.asyncio:run_on_executor": _ADAPTER,
    "motor.frameworks.asyncio:chain_future": _ADAPTER,
    "motor.frameworks.asyncio:chain_return_value": _ADAPTER,
    "motor.frameworks.asyncio:is_future": _ADAPTER,
    "motor.frameworks.asyncio:call_soon": _ADAPTER,
    "motor.frameworks.asyncio:add_future": _ADAPTER,
    "motor.frameworks.asyncio:pymongo_class_wrapper": _ADAPTER,
    "motor.frameworks.asyncio:yieldable": _ADAPTER,
    "motor.frameworks.asyncio:platform_info": _ADAPTER,
    "motor.frameworks.asyncio:coroutine": _ADAPTER,
    "motor.frameworks.tornado": "Motor's private tornado adapter; motorx has its own (motorx._framework)",
    "motor.metaprogramming": _METAPROGRAMMING,
    "motor.motor_common": "Motor-internal helper module (only callback_type_error)",
    # motor.core
    "motor.core:AgnosticBase": "an implementation base of Motor's; motorx's classes share no base class",
    "motor.core:AgnosticBaseProperties": "an implementation base of Motor's; motorx's classes share no base class",
    "motor.core:AgnosticRawBatchCommandCursor": _RAW_BATCH_COMMAND_CURSOR,
    "motor.core:AsyncCommand": _METAPROGRAMMING,
    "motor.core:AsyncRead": _METAPROGRAMMING,
    "motor.core:AsyncWrite": _METAPROGRAMMING,
    "motor.core:DelegateMethod": _METAPROGRAMMING,
    "motor.core:MotorCursorChainingMethod": _METAPROGRAMMING,
    "motor.core:ReadOnlyProperty": _METAPROGRAMMING,
    "motor.core:coroutine_annotation": _METAPROGRAMMING,
    "motor.core:create_class_with_framework": _METAPROGRAMMING,
    "motor.core:unwrap_args_session": _METAPROGRAMMING,
    "motor.core:unwrap_kwargs_session": _METAPROGRAMMING,
    "motor.core:HAS_SSL": "Motor-internal flag (is the ssl module importable); PyMongo decides TLS support",
    "motor.core:motor_version": "Motor-internal copy of the version; use motorx.version",
    "motor.core:callback_type_error": "Motor-internal error instance for callback= arguments, which motorx does not take",
    # motor.motor_gridfs
    "motor.motor_gridfs:AsyncCommand": _METAPROGRAMMING,
    "motor.motor_gridfs:AsyncRead": _METAPROGRAMMING,
    "motor.motor_gridfs:DelegateMethod": _METAPROGRAMMING,
    "motor.motor_gridfs:MotorGridOutProperty": _METAPROGRAMMING,
    "motor.motor_gridfs:ReadOnlyProperty": _METAPROGRAMMING,
    "motor.motor_gridfs:coroutine_annotation": _METAPROGRAMMING,
    "motor.motor_gridfs:create_class_with_framework": _METAPROGRAMMING,
    # the flavour modules
    "motor.motor_asyncio:T": _METAPROGRAMMING,
    "motor.motor_asyncio:create_asyncio_class": _METAPROGRAMMING,
    "motor.motor_asyncio:create_class_with_framework": _METAPROGRAMMING,
    "motor.motor_asyncio:AsyncIOMotorRawBatchCommandCursor": _RAW_BATCH_COMMAND_CURSOR,
    "motor.motor_tornado:T": _METAPROGRAMMING,
    "motor.motor_tornado:create_motor_class": _METAPROGRAMMING,
    "motor.motor_tornado:create_class_with_framework": _METAPROGRAMMING,
    "motor.motor_tornado:MotorRawBatchCommandCursor": _RAW_BATCH_COMMAND_CURSOR,
}

motor = pytest.importorskip("motor", reason="motor 3.7.1 is a test extra")


def motor_modules() -> list[str]:
    """Motor's public modules: the package and every module without a private part."""
    names = ["motor"]
    for info in pkgutil.walk_packages(motor.__path__, "motor."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def stub_names(module: types.ModuleType) -> set[str]:
    """Top-level public names a module's .pyi stub declares (what type checkers see)."""
    path = Path(module.__file__ or "")
    stub = path.with_suffix(".pyi") if path.name != "__init__.py" else path.with_name("__init__.pyi")
    if not stub.exists():
        return set()
    names: set[str] = set()
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {name for name in names if not name.startswith("_")}


def public_names(module: types.ModuleType) -> set[str]:
    """Motor's own public names in a module: its __all__, what it defines or
    re-exports from Motor (not what it imports from PyMongo or the standard
    library), and what its stub declares."""
    names = set(getattr(module, "__all__", ()))
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        origin = None
        if isinstance(value, (type, types.FunctionType, typing.TypeVar)):
            origin = getattr(value, "__module__", None)
        if origin is None or origin.split(".")[0] == "motor":
            names.add(name)
    return names | stub_names(module)


def import_motor_module(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # an optional dependency (aiohttp, tornado) is missing
        pytest.skip(f"{name} needs {exc.name}")


def counterpart(name: str) -> str:
    return "motorx" + name[len("motor") :]


@pytest.mark.parametrize("module_name", motor_modules())
def test_every_public_motor_module_exists_in_motorx(module_name: str) -> None:
    if module_name in ALLOWED_MISSING:
        return
    import_motor_module(module_name)
    importlib.import_module(counterpart(module_name))


@pytest.mark.parametrize(
    "module_name", [name for name in motor_modules() if name not in ALLOWED_MISSING]
)
def test_every_public_motor_name_exists_in_motorx(module_name: str) -> None:
    motor_module = import_motor_module(module_name)
    ours = importlib.import_module(counterpart(module_name))
    missing = sorted(
        name
        for name in public_names(motor_module)
        if not hasattr(ours, name) and f"{module_name}:{name}" not in ALLOWED_MISSING
    )
    assert not missing, f"{counterpart(module_name)} lacks Motor's {missing}"


def test_the_allowed_missing_list_is_accurate() -> None:
    """Each entry names something Motor has and motorx lacks, with a reason."""
    modules = motor_modules()
    for key, reason in ALLOWED_MISSING.items():
        assert reason.strip(), key
        module_name, _, name = key.partition(":")
        assert module_name in modules, key
        if not name:
            with pytest.raises(ImportError):
                importlib.import_module(counterpart(module_name))
            continue
        motor_module = importlib.import_module(module_name)
        assert name in public_names(motor_module), key
        assert not hasattr(importlib.import_module(counterpart(module_name)), name), (
            f"{key} exists in motorx now: remove it from ALLOWED_MISSING"
        )
