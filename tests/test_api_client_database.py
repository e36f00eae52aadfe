"""Client and database members of Motor's API on both flavours, and client encryption."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any, Callable

import pytest
from bson.codec_options import CodecOptions
from bson.dbref import DBRef
from pymongo import InsertOne, WriteConcern
from pymongo.driver_info import DriverInfo
from pymongo.errors import CollectionInvalid, ConfigurationError, InvalidName
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import ReadPreference
from pymongo.topology_description import TopologyDescription

import motorx

if TYPE_CHECKING:
    # Only a type (the fixture comes from conftest.py).
    from flavours import Flavour

DB = "motorx_api_db"


def test_database_operations(flavour: Flavour, sync_client: Any) -> None:
    name = "db_ops_" + flavour.name

    async def body() -> None:
        client = flavour.client()
        db = client[DB]
        assert db.client is client and db.name == DB
        await db.drop_collection(name)
        created = await db.create_collection(name, validator={"x": {"$type": "int"}})
        assert isinstance(created, flavour.Collection) and created.name == name
        with pytest.raises(CollectionInvalid):
            await db.create_collection(name)
        await created.insert_one({"_id": 1, "x": 1})
        assert (await db.command("count", name))["n"] == 1
        assert (await db.command({"ping": 1}))["ok"] == 1
        assert (await db.validate_collection(created))["valid"] is True
        assert (await db.validate_collection(name, full=True))["valid"] is True
        assert await db.dereference(DBRef(name, 1)) == {"_id": 1, "x": 1}
        assert await db.dereference(DBRef(name, 2)) is None
        assert name in await db.list_collection_names(filter={"name": {"$regex": "^db_ops_"}})
        descriptions = await (await db.list_collections(filter={"name": name})).to_list(None)
        assert descriptions[0]["options"]["validator"] == {"x": {"$type": "int"}}
        assert (await db.drop_collection(created))["ok"] == 1
        assert name not in await db.list_collection_names()

        majority = db.with_options(write_concern=WriteConcern("majority"), read_concern=ReadConcern("local"))
        assert isinstance(majority, flavour.Database) and majority.client is client
        assert majority.write_concern == WriteConcern("majority") and majority.read_concern == ReadConcern("local")
        typed = db.get_collection("c", codec_options=CodecOptions(tz_aware=True))
        assert typed.codec_options.tz_aware is True and typed.database is db
        assert db.wrap(db.delegate.get_collection("c")) == db.c
        assert db.wrap(db.delegate) == db
        with pytest.raises(TypeError, match="not callable"):
            db.no_such_method()
        with pytest.raises(TypeError):
            flavour.Collection("not a database", "c")
        with pytest.raises(InvalidName):
            await db.create_collection("bad$name")

    flavour.run(body)
    assert name not in sync_client[DB].list_collection_names()


def test_client_operations_and_properties(flavour: Flavour, sync_client: Any) -> None:
    dropped = "motorx_api_drop_" + flavour.name
    sync_client[dropped].c.insert_one({})

    async def body() -> None:
        client = flavour.client(driver=DriverInfo("mylib", "1.0"))
        assert client.HOST == "localhost" and client.PORT == 27017  # PyMongo's class defaults
        assert isinstance(client.topology_description, TopologyDescription)
        assert (await client.server_info())["ok"] == 1
        # After the first operation the topology is known (no I/O in these properties).
        host, port = client.address
        assert client.primary == (host, port) and client.is_primary is True and client.is_mongos is False
        assert client.nodes == frozenset({(host, port)})
        assert client.secondaries == set() and client.arbiters == set()
        assert client.read_preference == ReadPreference.PRIMARY and client.options.pool_options.metadata["application"]["name"] == flavour.app_name
        assert isinstance(client.codec_options, CodecOptions)
        assert client.write_concern == WriteConcern() and client.read_concern == ReadConcern()

        assert dropped in await client.list_database_names()
        names = [d["name"] async for d in await client.list_databases(nameOnly=True)]
        assert dropped in names
        await client.drop_database(client[dropped])
        assert dropped not in await client.list_database_names()

        other = client.get_database(DB, read_preference=ReadPreference.SECONDARY_PREFERRED)
        assert isinstance(other, flavour.Database) and other.client is client
        assert other.read_preference == ReadPreference.SECONDARY_PREFERRED
        with pytest.raises(ConfigurationError, match="No default database"):
            client.get_default_database()
        assert client.get_default_database("fallback").name == "fallback"
        assert client.wrap(client.delegate.get_database("w")) == client.w
        with pytest.raises(AttributeError, match=r"use client\['_x'\]"):
            client._x  # noqa: B018

        # Client-level bulk write (MongoDB 8.0's bulkWrite), across namespaces.
        result = await client.bulk_write(
            [
                InsertOne(namespace=DB + ".bulk_a", document={"_id": 1}),
                InsertOne(namespace=DB + ".bulk_b", document={"_id": 2}),
            ]
        )
        assert result.inserted_count == 2

        with_default = flavour.Client("mongodb://127.0.0.1:1/motorx_default", connect=False)
        default_db = with_default.get_default_database(write_concern=WriteConcern(w=1))
        assert isinstance(default_db, flavour.Database) and default_db.client is with_default
        assert default_db.name == "motorx_default" and default_db.write_concern == WriteConcern(w=1)

    sync_client[DB].bulk_a.drop()
    sync_client[DB].bulk_b.drop()
    flavour.run(body)
    assert sync_client[DB].bulk_a.find_one() == {"_id": 1} and sync_client[DB].bulk_b.find_one() == {"_id": 2}


def test_driver_info_is_checked_and_combined(flavour: Flavour) -> None:
    with pytest.raises(TypeError, match="Incorrect type for `driver`"):
        flavour.Client(flavour.uri, driver="mylib")
    version = motorx.version
    framework = "asyncio" if flavour.name == "asyncio" else "Tornado " + __import__("tornado").version
    # What PyMongo's handshake sends: motorx, then Motor (the API it
    # implements, so what finds Motor clients by name finds these), then a
    # library's own info right after "Motor", as with Motor itself.
    plain = flavour.Client(flavour.uri, connect=False).options.pool_options.metadata
    assert plain["driver"]["name"].endswith("|motorx|Motor")
    assert plain["driver"]["version"].endswith("|%s|%s" % (version, version))
    assert plain["platform"].split("|")[-1] == framework
    client = flavour.Client(flavour.uri, driver=DriverInfo("mylib", "2.0", "plat"), connect=False)
    sent = client.options.pool_options.metadata
    assert sent["driver"]["name"].endswith("|motorx|Motor|mylib")
    assert sent["driver"]["version"].endswith("|%s|%s|2.0" % (version, version))
    assert sent["platform"].endswith("|%s|plat" % framework)


def test_topology_properties_before_connecting_do_no_io(flavour: Flavour) -> None:
    # Motor's properties were synchronous (and blocked until connected);
    # motorx answers from the current topology view: nothing known yet.
    client = flavour.Client("mongodb://127.0.0.1:1", connect=False, serverSelectionTimeoutMS=100)
    assert client.address is None and client.primary is None
    assert client.is_primary is False and client.is_mongos is False
    assert client.secondaries == set() and client.arbiters == set() and client.nodes == frozenset()


def test_client_encryption_without_pymongocrypt_raises_pymongos_error(flavour: Flavour) -> None:
    try:
        import pymongocrypt  # noqa: F401
    except ImportError:
        pass
    else:  # pragma: no cover
        pytest.skip("pymongocrypt is installed here: the missing-library error cannot occur")
    from pymongo import AsyncMongoClient
    from pymongo.asynchronous.encryption import AsyncClientEncryption

    with pytest.raises(ConfigurationError) as pymongo_error:
        AsyncClientEncryption({"local": {"key": b"0" * 96}}, "keyvault.datakeys", AsyncMongoClient(connect=False), CodecOptions())
    encryption_class = (
        __import__("motorx.motor_asyncio", fromlist=["x"]).AsyncIOMotorClientEncryption
        if flavour.name == "asyncio"
        else __import__("motorx.motor_tornado", fromlist=["x"]).MotorClientEncryption
    )
    client = flavour.Client(flavour.uri, connect=False)
    with pytest.raises(ConfigurationError) as motorx_error:
        encryption_class({"local": {"key": b"0" * 96}}, "keyvault.datakeys", client, CodecOptions())
    assert str(motorx_error.value) == str(pymongo_error.value)
    assert "pymongocrypt" in str(motorx_error.value)
    with pytest.raises(TypeError, match="io_loop must be instance of"):
        encryption_class({}, "keyvault.datakeys", client, CodecOptions(), io_loop="not a loop")


def test_importing_motorx_never_needs_pymongocrypt() -> None:
    # A child interpreter where importing pymongocrypt fails outright.
    code = (
        "import sys; sys.modules['pymongocrypt'] = None\n"
        "import motorx, motorx.motor_asyncio, motorx.motor_tornado\n"
        "print(motorx.motor_asyncio.AsyncIOMotorClientEncryption.__name__,"
        " motorx.motor_tornado.MotorClientEncryption.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["AsyncIOMotorClientEncryption", "MotorClientEncryption"]


def _sync_error(call: Callable[[Any], Any], target: Any) -> type[BaseException]:
    try:
        call(target)
    except Exception as exc:  # noqa: BLE001 - whatever PyMongo raises is the expectation
        return type(exc)
    raise AssertionError("PyMongo accepted the bad input")


# The same bad call on PyMongo's synchronous client (what Motor ran) and on motorx.
BAD_CLIENT_CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("drop_database non-name", lambda c: c.drop_database(5)),
    ("get_database non-name", lambda c: c.get_database(5)),
    ("get_database bad codec options", lambda c: c.get_database("d", codec_options="x")),
    ("database command non-command", lambda c: c[DB].command(5)),
    ("database command unknown", lambda c: c[DB].command("noSuchCommandForMotorx")),
    ("create_collection non-name", lambda c: c[DB].create_collection(5)),
    ("drop_collection non-name", lambda c: c[DB].drop_collection(5)),
    ("validate_collection non-name", lambda c: c[DB].validate_collection(5)),
    ("list_collection_names bad filter", lambda c: c[DB].list_collection_names(filter=5)),
    ("dereference non-DBRef", lambda c: c[DB].dereference("x")),
    ("get_collection non-name", lambda c: c[DB].get_collection(5)),
    ("with_options bad read preference", lambda c: c[DB].with_options(read_preference="primary")),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CLIENT_CALLS], ids=[n for n, _ in BAD_CLIENT_CALLS])
def test_bad_input_raises_pymongos_exception_type(
    flavour: Flavour, sync_client: Any, call: Callable[[Any], Any]
) -> None:
    expected = _sync_error(call, sync_client)

    async def body() -> None:
        client = flavour.client()
        with pytest.raises(expected):
            result = call(client)
            if hasattr(result, "__await__"):
                await result

    flavour.run(body)
