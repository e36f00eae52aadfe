"""A Unified Test Format runner for motorx (and, as a witness, raw PyMongo).

The test files are the Transactions and Convenient Transactions API files of
the public ``mongodb/specifications`` repository.  They are not part of this
repository (licence); :func:`find_spec_dir` finds them.

One case (one element of a file's ``tests``) runs through :func:`run_case`
with a :class:`Driver`: :class:`MotorxDriver` drives motorx's public API on
one flavour (asyncio or tornado); :class:`PyMongoDriver` drives PyMongo's
``AsyncMongoClient`` directly, which is how a failure is shown to be the test
server's and not motorx's.  A failure raises :class:`CaseFailure`, which
names the step (``operations[3] commitTransaction``, ``expectEvents client0``,
``outcome transaction-tests.test`` ...) so that two drivers' failures can be
compared.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, ClassVar, Optional

import pymongo
from bson import json_util
from pymongo import MongoClient, ReturnDocument
from pymongo.client_session import TransactionOptions
from pymongo.errors import (
    BulkWriteError,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
)
from pymongo.monitoring import CommandListener, ConnectionPoolListener
from pymongo.operations import (
    DeleteMany,
    DeleteOne,
    InsertOne,
    ReplaceOne,
    UpdateMany,
    UpdateOne,
)
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import (
    Nearest,
    Primary,
    PrimaryPreferred,
    Secondary,
    SecondaryPreferred,
)
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)
from pymongo.uri_parser import parse_uri
from pymongo.write_concern import WriteConcern
from spec_xfails import DEPLOYMENT_NEEDS, PYMONGO_GAPS
from unified_matching import MISSING, Matcher, MatchError

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_SUBDIRS = ("transactions", "transactions-convenient-api")
# The schema versions this runner implements (the files use 1.3 .. 1.9).
SUPPORTED_SCHEMA = (1, 9)


# ---------------------------------------------------------------------------
# Finding and loading the files
# ---------------------------------------------------------------------------


class SpecDirError(Exception):
    """MOTORX_SPEC_DIR names something that is not a usable directory."""


def find_spec_dir() -> Optional[Path]:
    """``$MOTORX_SPEC_DIR``, else ``<repo>/../shared/spec`` when it exists, else None.

    A MOTORX_SPEC_DIR that is set but unusable is an error, not a skip.
    """
    configured = os.environ.get("MOTORX_SPEC_DIR")
    if configured:
        path = Path(configured)
        if not path.is_dir():
            raise SpecDirError("MOTORX_SPEC_DIR=%s is not a directory" % configured)
        return path
    default = REPO_ROOT.parent / "shared" / "spec"
    return default if default.is_dir() else None


NO_SPEC_DIR_REASON = (
    "no specification test files: set MOTORX_SPEC_DIR to a directory holding "
    "transactions/ and transactions-convenient-api/ (the mongodb/specifications "
    "unified JSON tests), or put them at %s" % (REPO_ROOT.parent / "shared" / "spec")
)


@dataclasses.dataclass(frozen=True)
class SpecCase:
    subdir: str
    file_name: str
    description: str
    file: Mapping[str, Any] = dataclasses.field(repr=False, compare=False)
    test: Mapping[str, Any] = dataclasses.field(repr=False, compare=False)

    @property
    def case_id(self) -> str:
        """``<file>::<description>``: the pytest id."""
        return "%s::%s" % (self.file_name, self.description)

    @property
    def key(self) -> str:
        """Unique across directories: ``<subdir>/<file>::<description>``."""
        return "%s/%s" % (self.subdir, self.case_id)


def load_file(path: Path) -> Mapping[str, Any]:
    """A test file through an Extended JSON parser (``$numberLong`` is Int64)."""
    return json_util.loads(path.read_text(encoding="utf-8"))


def suite_directory(spec_dir: Path, subdir: str) -> Path:
    """``<dir>/<suite>/`` (flat, as in ../shared/spec) or ``<dir>/<suite>/tests/unified/``
    (a checkout's ``source/`` directory, as CI uses)."""
    for directory in (spec_dir / subdir / "tests" / "unified", spec_dir / subdir):
        if directory.is_dir() and any(directory.glob("*.json")):
            return directory
    raise SpecDirError(
        "%s has no JSON files in %s/ or %s/tests/unified/" % (spec_dir, subdir, subdir)
    )


def load_cases(spec_dir: Path, subdir: str) -> list[SpecCase]:
    cases = []
    for path in sorted(suite_directory(spec_dir, subdir).glob("*.json")):
        document = load_file(path)
        for test in document["tests"]:
            cases.append(SpecCase(subdir, path.name, test["description"], document, test))
    return cases


def check_schema_version(version: str) -> Optional[str]:
    """Why a file's schemaVersion cannot be run, or None."""
    parts = tuple(int(p) for p in version.split("."))
    if parts[0] != SUPPORTED_SCHEMA[0] or parts[1:2] > SUPPORTED_SCHEMA[1:2]:
        return "schemaVersion %s is newer than this runner's %d.%d" % ((version, *SUPPORTED_SCHEMA))
    return None


# ---------------------------------------------------------------------------
# The server and runOnRequirements
# ---------------------------------------------------------------------------


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split("-")[0].split(".")]
    return tuple(parts + [0] * (3 - len(parts)))[:3]


@dataclasses.dataclass
class ServerInfo:
    uri: str
    version: tuple[int, ...]
    topology: str  # single, replicaset, sharded, load-balanced
    auth: bool
    serverless: bool
    # SecantusDB announces itself in buildInfo; the xfail list applies only to it.
    secantus_version: Optional[str]
    parameters: Mapping[str, Any]
    secondaries: int = 0

    @classmethod
    def probe(cls, uri: str) -> ServerInfo:
        with MongoClient(uri, serverSelectionTimeoutMS=10000) as client:
            build = client.admin.command("buildInfo")
            hello = client.admin.command("hello")
            if client.options.load_balanced:
                topology = "load-balanced"
            elif hello.get("msg") == "isdbgrid":
                topology = "sharded"
            elif hello.get("setName"):
                topology = "replicaset"
            else:
                topology = "single"
            try:
                parameters = client.admin.command({"getParameter": "*"})
            except PyMongoError:
                parameters = {}
        return cls(
            uri=uri,
            version=_version_tuple(build["version"]),
            topology=topology,
            auth=bool(parse_uri(uri).get("username")),
            serverless=os.environ.get("MOTORX_SERVERLESS") == "1",
            secantus_version=build.get("secantusVersion"),
            parameters=parameters,
            secondaries=len(hello.get("hosts", [])) - 1 if topology == "replicaset" else 0,
        )


def _requirement_failures(requirement: Mapping[str, Any], server: ServerInfo) -> list[str]:
    failures = []
    if "minServerVersion" in requirement and server.version < _version_tuple(
        requirement["minServerVersion"]
    ):
        failures.append(
            "server %s < minServerVersion %s"
            % (_dotted(server.version), requirement["minServerVersion"])
        )
    if "maxServerVersion" in requirement and server.version > _version_tuple(
        requirement["maxServerVersion"]
    ):
        failures.append(
            "server %s > maxServerVersion %s"
            % (_dotted(server.version), requirement["maxServerVersion"])
        )
    if "topologies" in requirement:
        wanted = set(requirement["topologies"])
        have = {server.topology}
        if server.topology == "sharded":
            have.add("sharded-replicaset")
        if not wanted & have:
            failures.append(
                "needs topology %s, server is %s"
                % ("/".join(requirement["topologies"]), server.topology)
            )
    serverless = requirement.get("serverless", "allow")
    if serverless == "require" and not server.serverless:
        failures.append("needs serverless")
    if serverless == "forbid" and server.serverless:
        failures.append("forbids serverless")
    if "auth" in requirement and bool(requirement["auth"]) != server.auth:
        failures.append("needs auth=%s, server auth=%s" % (requirement["auth"], server.auth))
    if "authMechanism" in requirement:
        failures.append(
            "needs authMechanism %s (not configured here)" % requirement["authMechanism"]
        )
    if requirement.get("csfle"):
        failures.append("needs client-side field level encryption (not set up here)")
    for name, value in requirement.get("serverParameters", {}).items():
        if server.parameters.get(name) != value:
            failures.append("needs server parameter %s=%r" % (name, value))
    return failures


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def unmet_requirements(
    requirements: Optional[list[Mapping[str, Any]]], server: ServerInfo
) -> Optional[str]:
    """None when any requirement is satisfied (or there are none), else why not."""
    if not requirements:
        return None
    reasons = []
    for requirement in requirements:
        failures = _requirement_failures(requirement, server)
        if not failures:
            return None
        reasons.append(" and ".join(failures))
    return "runOnRequirements not met: " + "; or ".join(reasons)


def skip_reason(case: SpecCase, server: ServerInfo) -> Optional[str]:
    """Why this case cannot run against this server, or None."""
    reason = check_schema_version(case.file["schemaVersion"])
    if reason:
        return reason
    if "skipReason" in case.test:
        return "skipReason in the test file: %s" % case.test["skipReason"]
    reason = unmet_requirements(case.file.get("runOnRequirements"), server)
    if reason:
        return "file " + reason
    reason = unmet_requirements(case.test.get("runOnRequirements"), server)
    if reason:
        return "test " + reason
    need = DEPLOYMENT_NEEDS.get(case.key)
    if need is not None and server.secondaries < need.secondaries:
        return "deployment: needs %d secondary member(s), this replica set has %d: %s" % (
            need.secondaries,
            server.secondaries,
            need.why,
        )
    gap = PYMONGO_GAPS.get(case.key)
    if gap is not None and pymongo_version() < gap.passing_since:
        return (
            "PyMongo %s itself fails this case at %s (%s; passes from PyMongo %s); "
            "proved by test_pymongo_gap_is_pymongos"
            % (pymongo.version, gap.step, gap.behaviour, _dotted(gap.passing_since))
        )
    return None


def pymongo_version() -> tuple[int, ...]:
    return tuple(pymongo.version_tuple[:2])


# ---------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------


class CaseFailure(AssertionError):
    """The case failed at ``step``: what a test file expects did not happen."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__("%s: %s" % (step, message))
        self.step = step
        self.message = message


class RunnerError(Exception):
    """The test file asks for something this runner does not implement."""


# ---------------------------------------------------------------------------
# Converting test-file values to driver arguments
# ---------------------------------------------------------------------------


def read_concern(spec: Mapping[str, Any]) -> ReadConcern:
    return ReadConcern(spec.get("level"))


def write_concern(spec: Mapping[str, Any]) -> WriteConcern:
    unknown = set(spec) - {"w", "wtimeoutMS", "journal"}
    if unknown:
        raise RunnerError("unsupported writeConcern fields %r" % sorted(unknown))
    return WriteConcern(w=spec.get("w"), wtimeout=spec.get("wtimeoutMS"), j=spec.get("journal"))


_READ_PREFERENCES = {
    "primary": Primary,
    "primarypreferred": PrimaryPreferred,
    "secondary": Secondary,
    "secondarypreferred": SecondaryPreferred,
    "nearest": Nearest,
}


def read_preference(spec: Mapping[str, Any]) -> Any:
    mode = _READ_PREFERENCES[spec["mode"].lower()]
    if mode is Primary:
        return Primary()
    kwargs: dict[str, Any] = {}
    if "tagSets" in spec:
        kwargs["tag_sets"] = spec["tagSets"]
    if "maxStalenessSeconds" in spec:
        kwargs["max_staleness"] = spec["maxStalenessSeconds"]
    if "hedge" in spec:
        kwargs["hedge"] = spec["hedge"]
    return mode(**kwargs)


def transaction_kwargs(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """startTransaction/withTransaction/defaultTransactionOptions -> keyword arguments."""
    kwargs: dict[str, Any] = {}
    for key, value in arguments.items():
        if key == "readConcern":
            kwargs["read_concern"] = read_concern(value)
        elif key == "writeConcern":
            kwargs["write_concern"] = write_concern(value)
        elif key == "readPreference":
            kwargs["read_preference"] = read_preference(value)
        elif key == "maxCommitTimeMS":
            kwargs["max_commit_time_ms"] = value
        else:
            raise RunnerError("unsupported transaction option %r" % key)
    return kwargs


def collection_options(options: Mapping[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key, value in options.items():
        if key == "readConcern":
            kwargs["read_concern"] = read_concern(value)
        elif key == "writeConcern":
            kwargs["write_concern"] = write_concern(value)
        elif key == "readPreference":
            kwargs["read_preference"] = read_preference(value)
        else:
            raise RunnerError("unsupported collection/database option %r" % key)
    return kwargs


def _camel_to_snake(name: str) -> str:
    out = []
    for char in name:
        if char.isupper():
            out.append("_" + char.lower())
        else:
            out.append(char)
    return "".join(out)


def write_model(request: Mapping[str, Any], client_level: bool = False) -> Any:
    """A bulkWrite request / clientBulkWrite model as a PyMongo write model."""
    ((kind, spec),) = request.items()
    spec = dict(spec)
    kwargs: dict[str, Any] = {}
    if client_level:
        kwargs["namespace"] = spec.pop("namespace")
    for option in ("upsert", "collation", "hint", "arrayFilters", "sort"):
        if option in spec:
            kwargs[_camel_to_snake(option)] = spec.pop(option)
    if kind == "insertOne":
        model: Any = InsertOne(spec.pop("document"), **kwargs)
    elif kind == "updateOne":
        model = UpdateOne(spec.pop("filter"), spec.pop("update"), **kwargs)
    elif kind == "updateMany":
        model = UpdateMany(spec.pop("filter"), spec.pop("update"), **kwargs)
    elif kind == "replaceOne":
        model = ReplaceOne(spec.pop("filter"), spec.pop("replacement"), **kwargs)
    elif kind == "deleteOne":
        model = DeleteOne(spec.pop("filter"), **kwargs)
    elif kind == "deleteMany":
        model = DeleteMany(spec.pop("filter"), **kwargs)
    else:
        raise RunnerError("unsupported write model %r" % kind)
    if spec:
        raise RunnerError("unsupported %s fields %r" % (kind, sorted(spec)))
    return model


def result_document(result: Any) -> Any:
    """A driver result as the document a test file describes."""
    if isinstance(result, InsertOneResult):
        return {"insertedId": result.inserted_id} if result.acknowledged else None
    if isinstance(result, InsertManyResult):
        if not result.acknowledged:
            return None
        return {"insertedIds": {str(i): _id for i, _id in enumerate(result.inserted_ids)}}
    if isinstance(result, UpdateResult):
        if not result.acknowledged:
            return None
        doc = {
            "matchedCount": result.matched_count,
            "modifiedCount": result.modified_count,
            "upsertedCount": 0 if result.upserted_id is None else 1,
        }
        if result.upserted_id is not None:
            doc["upsertedId"] = result.upserted_id
        return doc
    if isinstance(result, DeleteResult):
        return {"deletedCount": result.deleted_count} if result.acknowledged else None
    if isinstance(result, BulkWriteResult):
        if not result.acknowledged:
            return None
        return _bulk_document(result.bulk_api_result)
    name = type(result).__name__
    if name == "ClientBulkWriteResult":
        return _client_bulk_document(result)
    return result


def _bulk_document(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "insertedCount": raw.get("nInserted", 0),
        "matchedCount": raw.get("nMatched", 0),
        "modifiedCount": raw.get("nModified", 0),
        "deletedCount": raw.get("nRemoved", 0),
        "upsertedCount": raw.get("nUpserted", 0),
        "upsertedIds": {str(u["index"]): u["_id"] for u in raw.get("upserted", [])},
    }


def _client_bulk_document(result: Any) -> Any:
    if not result.acknowledged:
        return None
    doc: dict[str, Any] = {
        "insertedCount": result.inserted_count,
        "upsertedCount": result.upserted_count,
        "matchedCount": result.matched_count,
        "modifiedCount": result.modified_count,
        "deletedCount": result.deleted_count,
    }
    if result.has_verbose_results:
        doc["insertResults"] = {
            str(i): {"insertedId": r.inserted_id} for i, r in result.insert_results.items()
        }
        updates = {}
        for i, r in result.update_results.items():
            update = {"matchedCount": r.matched_count, "modifiedCount": r.modified_count}
            if r.upserted_id is not None:
                update["upsertedId"] = r.upserted_id
            updates[str(i)] = update
        doc["updateResults"] = updates
        doc["deleteResults"] = {
            str(i): {"deletedCount": r.deleted_count} for i, r in result.delete_results.items()
        }
    return doc


# ---------------------------------------------------------------------------
# Drivers: motorx (one flavour) and raw PyMongo
# ---------------------------------------------------------------------------

# PyMongo's and motorx's transaction states share these numbers.
_STATE_NAMES = {
    1: "none",
    2: "starting",
    3: "in_progress",
    4: "committed",
    5: "committed",
    6: "aborted",
}


class Driver:
    """What differs between driving motorx and driving PyMongo's async API."""

    name: str

    def make_client(self, uri: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def close_client(self, client: Any) -> None:
        raise NotImplementedError

    async def start_session(self, client: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def start_transaction(self, session: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def aggregate(self, target: Any, pipeline: Any, **kwargs: Any) -> list[Any]:
        raise NotImplementedError

    def transaction_state(self, session: Any) -> str:
        raise NotImplementedError

    def pinned_address(self, session: Any) -> Any:
        raise NotImplementedError

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run the coroutine function ``fn`` on this driver's event loop."""
        return asyncio.run(fn())


class MotorxDriver(Driver):
    """motorx's public API: ``AsyncIOMotorClient`` or tornado's ``MotorClient``."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.name = "motorx-" + flavour
        if flavour == "asyncio":
            from motorx.motor_asyncio import AsyncIOMotorClient

            self.client_class: Any = AsyncIOMotorClient
        elif flavour == "tornado":
            from motorx.motor_tornado import MotorClient

            self.client_class = MotorClient
        else:
            raise ValueError(flavour)

    def make_client(self, uri: str, **kwargs: Any) -> Any:
        return self.client_class(uri, **kwargs)

    async def close_client(self, client: Any) -> None:
        # Motor's close() is a plain call; motorx returns the closing task.
        task = client.close()
        if task is not None:
            await task

    async def start_session(self, client: Any, **kwargs: Any) -> Any:
        return await client.start_session(**kwargs)

    async def start_transaction(self, session: Any, **kwargs: Any) -> None:
        # Motor's start_transaction is a plain method (its context manager is optional).
        session.start_transaction(**kwargs)

    async def aggregate(self, target: Any, pipeline: Any, **kwargs: Any) -> list[Any]:
        # Motor's aggregate returns a cursor at once; the command runs on iteration.
        return await target.aggregate(pipeline, **kwargs).to_list(None)

    def transaction_state(self, session: Any) -> str:
        # motorx's own state machine (the compiled core), the one in_transaction reads.
        return _STATE_NAMES[session._core.state]

    def pinned_address(self, session: Any) -> Any:
        return session.delegate._pinned_address

    def run(self, fn: Callable[[], Any]) -> Any:
        if self.flavour == "asyncio":
            return asyncio.run(fn())
        from tornado.ioloop import IOLoop

        io_loop = IOLoop(make_current=False)
        try:
            return io_loop.run_sync(fn)
        finally:
            io_loop.close(all_fds=True)


class PyMongoDriver(Driver):
    """PyMongo's ``AsyncMongoClient`` itself: the witness for server differences."""

    name = "pymongo-async"

    def make_client(self, uri: str, **kwargs: Any) -> Any:
        from pymongo import AsyncMongoClient

        return AsyncMongoClient(uri, **kwargs)

    async def close_client(self, client: Any) -> None:
        await client.close()

    async def start_session(self, client: Any, **kwargs: Any) -> Any:
        options = kwargs.get("default_transaction_options")
        if options is not None:
            # Some PyMongo releases want the async module's TransactionOptions.
            from pymongo.asynchronous import client_session

            async_options = getattr(client_session, "TransactionOptions", TransactionOptions)
            kwargs["default_transaction_options"] = async_options(
                options.read_concern,
                options.write_concern,
                options.read_preference,
                options.max_commit_time_ms,
            )
        return client.start_session(**kwargs)

    async def start_transaction(self, session: Any, **kwargs: Any) -> None:
        await session.start_transaction(**kwargs)

    async def aggregate(self, target: Any, pipeline: Any, **kwargs: Any) -> list[Any]:
        cursor = await target.aggregate(pipeline, **kwargs)
        return await cursor.to_list()

    def transaction_state(self, session: Any) -> str:
        return _STATE_NAMES[int(session._transaction.state)]

    def pinned_address(self, session: Any) -> Any:
        return session._pinned_address


# ---------------------------------------------------------------------------
# Event observation
# ---------------------------------------------------------------------------

_COMMAND_EVENTS = {
    "commandStartedEvent": "started",
    "commandSucceededEvent": "succeeded",
    "commandFailedEvent": "failed",
}
_CMAP_EVENTS = {
    "poolCreatedEvent": "pool_created",
    "poolReadyEvent": "pool_ready",
    "poolClearedEvent": "pool_cleared",
    "poolClosedEvent": "pool_closed",
    "connectionCreatedEvent": "connection_created",
    "connectionReadyEvent": "connection_ready",
    "connectionClosedEvent": "connection_closed",
    "connectionCheckOutStartedEvent": "connection_check_out_started",
    "connectionCheckOutFailedEvent": "connection_check_out_failed",
    "connectionCheckedOutEvent": "connection_checked_out",
    "connectionCheckedInEvent": "connection_checked_in",
}
# Never observed: the runner's own fail point commands and security-sensitive commands.
_ALWAYS_IGNORED = {"configurefailpoint"}
_SENSITIVE = {
    "authenticate",
    "saslstart",
    "saslcontinue",
    "getnonce",
    "createuser",
    "updateuser",
    "copydbgetnonce",
    "copydbsaslstart",
    "copydb",
}


class EventRecorder(CommandListener, ConnectionPoolListener):
    """The events one client entity observes, in order, while enabled."""

    def __init__(
        self, observe: list[str], ignore_commands: list[str], observe_sensitive: bool
    ) -> None:
        unknown = set(observe) - set(_COMMAND_EVENTS) - set(_CMAP_EVENTS)
        if unknown:
            raise RunnerError("unsupported observeEvents %r" % sorted(unknown))
        self.observe = set(observe)
        self.ignore = {name.lower() for name in ignore_commands} | _ALWAYS_IGNORED
        self.observe_sensitive = observe_sensitive
        self.events: list[tuple[str, Any]] = []
        self.enabled = True
        self._ignored_requests: set[Any] = set()

    def _command_ignored(self, event: Any) -> bool:
        name = event.command_name.lower()
        if name in self.ignore:
            return True
        if self.observe_sensitive:
            return False
        if name in _SENSITIVE:
            return True
        # hello with speculativeAuthenticate is redacted to {} by PyMongo.
        return name in ("hello", "ismaster") and getattr(event, "command", None) == {}

    def _record_command(self, kind: str, event: Any) -> None:
        if not self.enabled:
            return
        key = (event.request_id, event.connection_id)
        if kind == "commandStartedEvent":
            if self._command_ignored(event):
                self._ignored_requests.add(key)
                return
        elif key in self._ignored_requests or event.command_name.lower() in self.ignore:
            return
        if kind in self.observe:
            self.events.append((kind, event))

    def started(self, event: Any) -> None:
        self._record_command("commandStartedEvent", event)

    def succeeded(self, event: Any) -> None:
        self._record_command("commandSucceededEvent", event)

    def failed(self, event: Any) -> None:
        self._record_command("commandFailedEvent", event)

    def _record_cmap(self, kind: str, event: Any) -> None:
        if self.enabled and kind in self.observe:
            self.events.append((kind, event))


def _cmap_method(kind: str) -> Callable[[EventRecorder, Any], None]:
    def method(self: EventRecorder, event: Any) -> None:
        self._record_cmap(kind, event)

    return method


for _kind, _method in _CMAP_EVENTS.items():
    setattr(EventRecorder, _method, _cmap_method(_kind))


def event_type(kind: str) -> str:
    return "command" if kind in _COMMAND_EVENTS else "cmap"


# ---------------------------------------------------------------------------
# Running one case
# ---------------------------------------------------------------------------


def app_name_for(case: SpecCase, driver: Driver) -> str:
    """Fail points are server-wide: each case's clients get their own appName."""
    digest = hashlib.sha1(("%s|%s" % (case.key, driver.name)).encode()).hexdigest()[:12]
    return "motorx-spec-" + digest


def _uses_fail_points(operations: list[Mapping[str, Any]]) -> bool:
    for op in operations:
        if op.get("name") in ("failPoint", "targetedFailPoint"):
            return True
        if op.get("name") == "withTransaction" and _uses_fail_points(
            op.get("arguments", {}).get("callback", [])
        ):
            return True
    return False


class _Entity:
    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        self.kind = kind
        self.value = value


class CaseRun:
    """The state of one case: entities, fail points, recorders."""

    def __init__(
        self, case: SpecCase, driver: Driver, server: ServerInfo, internal: MongoClient[Any]
    ) -> None:
        self.case = case
        self.driver = driver
        self.server = server
        self.internal = internal
        self.entities: dict[str, _Entity] = {}
        self.lsids: dict[str, Any] = {}
        self.recorders: dict[str, EventRecorder] = {}
        self.app_name = app_name_for(case, driver)
        self.fail_points: list[tuple[Optional[tuple[str, int]], str]] = []
        self.started_transaction = False
        self.fast_heartbeat = _uses_fail_points(case.test["operations"])
        self.matcher = Matcher(self._session_lsid, self._entity_value)

    # -- entities ------------------------------------------------------------

    def _session_lsid(self, name: str) -> Any:
        if name not in self.lsids:
            raise RunnerError("$$sessionLsid: no session entity %r" % name)
        return self.lsids[name]

    def _entity_value(self, name: str) -> Any:
        if name not in self.entities:
            raise RunnerError("no entity %r" % name)
        return self.entities[name].value

    def entity(self, name: str, kind: str) -> Any:
        entity = self.entities.get(name)
        if entity is None:
            raise RunnerError("no entity %r" % name)
        if entity.kind != kind:
            raise RunnerError("entity %r is a %s, not a %s" % (name, entity.kind, kind))
        return entity.value

    async def create_entities(self, specs: list[Mapping[str, Any]]) -> None:
        for spec in specs:
            ((kind, options),) = spec.items()
            name = options["id"]
            if name in self.entities:
                raise RunnerError("entity %r already exists" % name)
            if kind == "client":
                value = self._make_client(options)
            elif kind == "database":
                client = self.entity(options["client"], "client")
                value = client.get_database(
                    options["databaseName"],
                    **collection_options(options.get("databaseOptions", {})),
                )
            elif kind == "collection":
                database = self.entity(options["database"], "database")
                value = database.get_collection(
                    options["collectionName"],
                    **collection_options(options.get("collectionOptions", {})),
                )
            elif kind == "session":
                client = self.entity(options["client"], "client")
                value = await self.driver.start_session(
                    client, **self._session_options(options.get("sessionOptions", {}))
                )
                self.lsids[name] = value.session_id
            else:
                raise RunnerError("unsupported entity type %r" % kind)
            self.entities[name] = _Entity(kind, value)

    def _make_client(self, options: Mapping[str, Any]) -> Any:
        unknown = set(options) - {
            "id",
            "uriOptions",
            "useMultipleMongoses",
            "observeEvents",
            "ignoreCommandMonitoringEvents",
            "observeSensitiveCommands",
        }
        if unknown:
            raise RunnerError("unsupported client options %r" % sorted(unknown))
        kwargs: dict[str, Any] = dict(options.get("uriOptions", {}))
        lowered = {key.lower() for key in kwargs}
        if "appname" not in lowered:
            kwargs["appName"] = self.app_name
        if self.fast_heartbeat and "heartbeatfrequencyms" not in lowered:
            # An injected error such as code 91 marks the server unknown; recover quickly.
            kwargs["heartbeatFrequencyMS"] = 500
        kwargs.setdefault("serverSelectionTimeoutMS", 10000)
        # useMultipleMongoses only matters for sharded and load-balanced
        # topologies, which skip here (and would use the given URI's hosts).
        recorder = None
        if "observeEvents" in options:
            recorder = EventRecorder(
                options["observeEvents"],
                options.get("ignoreCommandMonitoringEvents", []),
                bool(options.get("observeSensitiveCommands", False)),
            )
            kwargs["event_listeners"] = [recorder]
        client = self.driver.make_client(self.server.uri, **kwargs)
        if recorder is not None:
            self.recorders[options["id"]] = recorder
        self._client_app_names[options["id"]] = next(
            (value for key, value in kwargs.items() if key.lower() == "appname"), self.app_name
        )
        return client

    _client_app_names: dict[str, str]

    def _session_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for key, value in options.items():
            if key == "causalConsistency":
                kwargs["causal_consistency"] = value
            elif key == "snapshot":
                kwargs["snapshot"] = value
            elif key == "defaultTransactionOptions":
                kwargs["default_transaction_options"] = TransactionOptions(
                    **transaction_kwargs(value)
                )
            else:
                raise RunnerError("unsupported session option %r" % key)
        return kwargs

    # -- set up and tear down --------------------------------------------------

    def kill_all_sessions(self) -> None:
        try:
            self.internal.admin.command({"killAllSessions": []})
        except OperationFailure as exc:
            if exc.code not in (11601, 13, 59):
                raise

    def load_initial_data(self) -> None:
        for data in self.case.file.get("initialData", []):
            database = self.internal.get_database(
                data["databaseName"], write_concern=WriteConcern(w="majority")
            )
            database.drop_collection(data["collectionName"])
            if "createOptions" in data:
                database.create_collection(data["collectionName"], **data["createOptions"])
            if data.get("documents"):
                database[data["collectionName"]].insert_many(data["documents"])
            elif "createOptions" not in data:
                database.create_collection(data["collectionName"])

    def switch_fail_points_off(self) -> None:
        """Off with a plain synchronous client: works even if the loop is in trouble."""
        while self.fail_points:
            address, name = self.fail_points.pop()
            if address is None:
                self.internal.admin.command({"configureFailPoint": name, "mode": "off"})
            else:
                with MongoClient(address[0], address[1], directConnection=True) as client:
                    client.admin.command({"configureFailPoint": name, "mode": "off"})

    async def close_entities(self) -> None:
        errors = []
        for entity in list(self.entities.values()):
            if entity.kind == "session":
                try:
                    await entity.value.end_session()
                except Exception as exc:  # noqa: BLE001 - reported after every close
                    errors.append(exc)
        for entity in list(self.entities.values()):
            if entity.kind == "client":
                try:
                    await self.driver.close_client(entity.value)
                except Exception as exc:  # noqa: BLE001
                    errors.append(exc)
        self.entities.clear()
        if errors:
            raise errors[0]

    # -- the case --------------------------------------------------------------

    async def run(self) -> None:
        self._client_app_names = {}
        self.kill_all_sessions()
        self.load_initial_data()
        try:
            try:
                await self.create_entities(self.case.file.get("createEntities", []))
                for index, operation in enumerate(self.case.test["operations"]):
                    await self.run_operation(
                        operation, "operations[%d] %s" % (index, operation["name"])
                    )
            finally:
                for recorder in self.recorders.values():
                    recorder.enabled = False
                self.switch_fail_points_off()
            self.check_events()
            self.check_outcome()
        finally:
            try:
                await self.close_entities()
            finally:
                if self.started_transaction:
                    self.kill_all_sessions()

    # -- operations --------------------------------------------------------------

    async def run_operation(
        self, operation: Mapping[str, Any], step: str, in_callback: bool = False
    ) -> Any:
        known = {
            "name",
            "object",
            "arguments",
            "expectError",
            "expectResult",
            "ignoreResultAndError",
            "saveResultAsEntity",
        }
        unknown = set(operation) - known
        if unknown:
            raise RunnerError("%s: unsupported operation fields %r" % (step, sorted(unknown)))
        name = operation["name"]
        target = operation["object"]
        arguments = dict(operation.get("arguments", {}))
        if target == "testRunner":
            await self.run_special(name, arguments, step)
            return None
        try:
            result = await self.execute(target, name, arguments, step)
        except CaseFailure:
            raise
        except RunnerError:
            raise
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            if operation.get("ignoreResultAndError"):
                if in_callback:
                    raise
                return None
            if "expectError" not in operation:
                raise CaseFailure(
                    step, "unexpected error %s: %s" % (type(exc).__name__, exc)
                ) from exc
            self.check_error(operation["expectError"], exc, step)
            if in_callback:
                # withTransaction must see the callback's error (and may retry on it).
                raise
            return None
        if operation.get("ignoreResultAndError"):
            return result
        if "expectError" in operation:
            raise CaseFailure(
                step, "expected an error %r, got the result %r" % (operation["expectError"], result)
            )
        if "expectResult" in operation:
            actual = result_document(result)
            try:
                if name in ("find", "aggregate"):
                    self.matcher.match_documents(operation["expectResult"], actual)
                elif name == "distinct":
                    self.matcher.match(operation["expectResult"], actual, root=False)
                else:
                    self.matcher.match(operation["expectResult"], actual, root=True)
            except MatchError as exc:
                raise CaseFailure(step, "result does not match: %s" % exc) from None
        if "saveResultAsEntity" in operation:
            self.entities[operation["saveResultAsEntity"]] = _Entity("result", result)
        return result

    def _session_argument(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if "session" in arguments:
            arguments["session"] = self.entity(arguments["session"], "session")
        return arguments

    async def execute(self, target: str, name: str, arguments: dict[str, Any], step: str) -> Any:
        entity = self.entities.get(target)
        if entity is None:
            raise RunnerError("%s: no entity %r" % (step, target))
        handler = getattr(self, "op_%s_%s" % (entity.kind, name), None)
        if handler is None:
            raise RunnerError("%s: unsupported operation %r on a %s" % (step, name, entity.kind))
        if entity.kind != "session":
            self._session_argument(arguments)
        return await handler(entity.value, arguments, step)

    # collection operations ------------------------------------------------------

    @staticmethod
    def _options(arguments: dict[str, Any], allowed: dict[str, str]) -> dict[str, Any]:
        """Test-file argument names -> driver keyword arguments (unknown ones are errors)."""
        kwargs = {}
        for key, value in arguments.items():
            if key not in allowed:
                raise RunnerError("unsupported argument %r" % key)
            kwargs[allowed[key]] = value
        return kwargs

    _COMMON: ClassVar[dict[str, str]] = {"session": "session", "comment": "comment"}

    async def op_collection_insertOne(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        document = arguments.pop("document")
        kwargs = self._options(
            arguments, {**self._COMMON, "bypassDocumentValidation": "bypass_document_validation"}
        )
        return await collection.insert_one(document, **kwargs)

    async def op_collection_insertMany(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        documents = arguments.pop("documents")
        kwargs = self._options(
            arguments,
            {
                **self._COMMON,
                "ordered": "ordered",
                "bypassDocumentValidation": "bypass_document_validation",
            },
        )
        return await collection.insert_many(documents, **kwargs)

    _UPDATE_OPTIONS: ClassVar[dict[str, str]] = {
        **_COMMON,
        "upsert": "upsert",
        "arrayFilters": "array_filters",
        "hint": "hint",
        "collation": "collation",
        "let": "let",
        "bypassDocumentValidation": "bypass_document_validation",
        "sort": "sort",
    }

    async def op_collection_updateOne(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter, update = arguments.pop("filter"), arguments.pop("update")
        return await collection.update_one(
            filter, update, **self._options(arguments, self._UPDATE_OPTIONS)
        )

    async def op_collection_updateMany(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter, update = arguments.pop("filter"), arguments.pop("update")
        options = dict(self._UPDATE_OPTIONS)
        del options["sort"]
        return await collection.update_many(filter, update, **self._options(arguments, options))

    async def op_collection_replaceOne(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter, replacement = arguments.pop("filter"), arguments.pop("replacement")
        options = dict(self._UPDATE_OPTIONS)
        del options["arrayFilters"]
        return await collection.replace_one(
            filter, replacement, **self._options(arguments, options)
        )

    _DELETE_OPTIONS: ClassVar[dict[str, str]] = {
        **_COMMON,
        "hint": "hint",
        "collation": "collation",
        "let": "let",
    }

    async def op_collection_deleteOne(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter = arguments.pop("filter")
        return await collection.delete_one(filter, **self._options(arguments, self._DELETE_OPTIONS))

    async def op_collection_deleteMany(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter = arguments.pop("filter")
        return await collection.delete_many(
            filter, **self._options(arguments, self._DELETE_OPTIONS)
        )

    _FIND_OPTIONS: ClassVar[dict[str, str]] = {
        **_COMMON,
        "batchSize": "batch_size",
        "sort": "sort",
        "limit": "limit",
        "skip": "skip",
        "projection": "projection",
        "hint": "hint",
        "maxTimeMS": "max_time_ms",
        "collation": "collation",
        "allowDiskUse": "allow_disk_use",
        "let": "let",
    }

    async def op_collection_find(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter = arguments.pop("filter", {})
        cursor = collection.find(filter, **self._options(arguments, self._FIND_OPTIONS))
        return await cursor.to_list(None)

    async def op_collection_aggregate(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        return await self._aggregate(collection, arguments)

    async def op_database_aggregate(
        self, database: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        return await self._aggregate(database, arguments)

    async def _aggregate(self, target: Any, arguments: dict[str, Any]) -> Any:
        pipeline = arguments.pop("pipeline")
        # batchSize/maxTimeMS/allowDiskUse pass to the command as they are.
        kwargs = self._options(
            arguments,
            {
                **self._COMMON,
                "batchSize": "batchSize",
                "maxTimeMS": "maxTimeMS",
                "allowDiskUse": "allowDiskUse",
                "let": "let",
                "collation": "collation",
                "hint": "hint",
            },
        )
        return await self.driver.aggregate(target, pipeline, **kwargs)

    async def op_collection_countDocuments(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter = arguments.pop("filter")
        kwargs = self._options(
            arguments,
            {
                **self._COMMON,
                "limit": "limit",
                "skip": "skip",
                "hint": "hint",
                "maxTimeMS": "maxTimeMS",
            },
        )
        return await collection.count_documents(filter, **kwargs)

    async def op_collection_count(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        # The deprecated count helper is gone from PyMongo 4 and Motor 3: the
        # count command through the database, with the session.
        command: dict[str, Any] = {"count": collection.name, "query": arguments.pop("filter", {})}
        kwargs = self._options(arguments, {"session": "session"})
        reply = await collection.database.command(command, **kwargs)
        return reply["n"]

    async def op_collection_distinct(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        key = arguments.pop("fieldName")
        filter = arguments.pop("filter", None)
        kwargs = self._options(
            arguments, {**self._COMMON, "maxTimeMS": "maxTimeMS", "collation": "collation"}
        )
        return await collection.distinct(key, filter, **kwargs)

    _FIND_AND_MODIFY_OPTIONS: ClassVar[dict[str, str]] = {
        **_COMMON,
        "projection": "projection",
        "sort": "sort",
        "upsert": "upsert",
        "hint": "hint",
        "collation": "collation",
        "let": "let",
        "arrayFilters": "array_filters",
        "maxTimeMS": "maxTimeMS",
    }

    @staticmethod
    def _return_document(arguments: dict[str, Any]) -> None:
        if "returnDocument" in arguments:
            value = arguments.pop("returnDocument")
            choices = {"before": ReturnDocument.BEFORE, "after": ReturnDocument.AFTER}
            if str(value).lower() not in choices:
                raise RunnerError("returnDocument must be Before or After, not %r" % value)
            arguments["return_document"] = choices[str(value).lower()]

    async def op_collection_findOneAndDelete(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter = arguments.pop("filter")
        return await collection.find_one_and_delete(
            filter, **self._options(arguments, self._FIND_AND_MODIFY_OPTIONS)
        )

    async def op_collection_findOneAndReplace(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter, replacement = arguments.pop("filter"), arguments.pop("replacement")
        self._return_document(arguments)
        options = {**self._FIND_AND_MODIFY_OPTIONS, "return_document": "return_document"}
        return await collection.find_one_and_replace(
            filter, replacement, **self._options(arguments, options)
        )

    async def op_collection_findOneAndUpdate(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        filter, update = arguments.pop("filter"), arguments.pop("update")
        self._return_document(arguments)
        options = {**self._FIND_AND_MODIFY_OPTIONS, "return_document": "return_document"}
        return await collection.find_one_and_update(
            filter, update, **self._options(arguments, options)
        )

    async def op_collection_bulkWrite(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        requests = [write_model(request) for request in arguments.pop("requests")]
        kwargs = self._options(
            arguments,
            {
                **self._COMMON,
                "ordered": "ordered",
                "bypassDocumentValidation": "bypass_document_validation",
                "let": "let",
            },
        )
        return await collection.bulk_write(requests, **kwargs)

    async def op_collection_createIndex(
        self, collection: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        keys = list(arguments.pop("keys").items())
        kwargs = self._options(arguments, {**self._COMMON, "name": "name", "unique": "unique"})
        return await collection.create_index(keys, **kwargs)

    # database operations ---------------------------------------------------------

    async def op_database_runCommand(
        self, database: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        command = arguments.pop("command")
        command_name = arguments.pop("commandName")
        if next(iter(command)) != command_name:
            raise RunnerError("commandName %r is not the command's first key" % command_name)
        if "readPreference" in arguments:
            arguments["readPreference"] = read_preference(arguments["readPreference"])
        kwargs = self._options(
            arguments, {"session": "session", "readPreference": "read_preference"}
        )
        return await database.command(command, **kwargs)

    async def op_database_createCollection(
        self, database: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        name = arguments.pop("collection")
        kwargs = self._options(arguments, {"session": "session"})
        await database.create_collection(name, **kwargs)
        return None

    async def op_database_dropCollection(
        self, database: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        name = arguments.pop("collection")
        kwargs = self._options(arguments, {"session": "session"})
        await database.drop_collection(name, **kwargs)
        return None

    # client operations ------------------------------------------------------------

    async def op_client_clientBulkWrite(
        self, client: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        models = [write_model(model, client_level=True) for model in arguments.pop("models")]
        if "writeConcern" in arguments:
            arguments["writeConcern"] = write_concern(arguments["writeConcern"])
        kwargs = self._options(
            arguments,
            {
                **self._COMMON,
                "ordered": "ordered",
                "verboseResults": "verbose_results",
                "writeConcern": "write_concern",
                "bypassDocumentValidation": "bypass_document_validation",
                "let": "let",
            },
        )
        return await client.bulk_write(models, **kwargs)

    # session operations -------------------------------------------------------------

    async def op_session_startTransaction(
        self, session: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        self.started_transaction = True
        await self.driver.start_transaction(session, **transaction_kwargs(arguments))

    async def op_session_commitTransaction(
        self, session: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        if arguments:
            raise RunnerError("unsupported commitTransaction arguments %r" % sorted(arguments))
        await session.commit_transaction()

    async def op_session_abortTransaction(
        self, session: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        if arguments:
            raise RunnerError("unsupported abortTransaction arguments %r" % sorted(arguments))
        await session.abort_transaction()

    async def op_session_endSession(
        self, session: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        await session.end_session()

    async def op_session_withTransaction(
        self, session: Any, arguments: dict[str, Any], step: str
    ) -> Any:
        self.started_transaction = True
        operations = arguments.pop("callback")
        kwargs = transaction_kwargs(arguments)
        runs = [0]

        async def callback(callback_session: Any) -> None:
            if callback_session is not session:
                raise CaseFailure(
                    step, "the callback got %r, not the session entity" % (callback_session,)
                )
            runs[0] += 1
            for index, operation in enumerate(operations):
                await self.run_operation(
                    operation,
                    "%s > callback[%d] %s" % (step, index, operation["name"]),
                    in_callback=True,
                )

        return await session.with_transaction(callback, **kwargs)

    # special operations -----------------------------------------------------------

    async def run_special(self, name: str, arguments: dict[str, Any], step: str) -> None:
        try:
            if name == "failPoint":
                client_name = arguments["client"]
                client = self.entity(client_name, "client")
                command = self._scoped_fail_point(
                    arguments["failPoint"], self._client_app_names[client_name]
                )
                self.fail_points.append((None, command["configureFailPoint"]))
                await client.admin.command(command)
            elif name == "targetedFailPoint":
                session_name = arguments["session"]
                session = self.entity(session_name, "session")
                address = self.driver.pinned_address(session)
                if address is None:
                    raise CaseFailure(
                        step, "targetedFailPoint: session %r is not pinned" % session_name
                    )
                client_name = self._client_of_session(session_name)
                command = self._scoped_fail_point(
                    arguments["failPoint"], self._client_app_names[client_name]
                )
                self.fail_points.append((address, command["configureFailPoint"]))
                with MongoClient(address[0], address[1], directConnection=True) as direct:
                    direct.admin.command(command)
            elif name == "createEntities":
                await self.create_entities(arguments["entities"])
            elif name == "assertSessionTransactionState":
                session = self.entity(arguments["session"], "session")
                state = self.driver.transaction_state(session)
                if state != arguments["state"]:
                    raise CaseFailure(
                        step, "transaction state is %r, expected %r" % (state, arguments["state"])
                    )
            elif name in ("assertSessionPinned", "assertSessionUnpinned"):
                session = self.entity(arguments["session"], "session")
                pinned = self.driver.pinned_address(session) is not None
                if pinned != (name == "assertSessionPinned"):
                    raise CaseFailure(
                        step,
                        "session %r is %spinned" % (arguments["session"], "" if pinned else "not "),
                    )
            elif name in ("assertCollectionExists", "assertCollectionNotExists"):
                names = self.internal[arguments["databaseName"]].list_collection_names()
                exists = arguments["collectionName"] in names
                if exists != (name == "assertCollectionExists"):
                    raise CaseFailure(
                        step,
                        "collection %s.%s %s"
                        % (
                            arguments["databaseName"],
                            arguments["collectionName"],
                            "exists" if exists else "does not exist",
                        ),
                    )
            elif name in ("assertIndexExists", "assertIndexNotExists"):
                collection = self.internal[arguments["databaseName"]][arguments["collectionName"]]
                names = [index["name"] for index in collection.list_indexes()]
                exists = arguments["indexName"] in names
                if exists != (name == "assertIndexExists"):
                    raise CaseFailure(
                        step,
                        "index %s %s (indexes: %r)"
                        % (arguments["indexName"], "exists" if exists else "does not exist", names),
                    )
            else:
                raise RunnerError("%s: unsupported special operation %r" % (step, name))
        except (CaseFailure, RunnerError):
            raise
        except Exception as exc:
            raise CaseFailure(step, "%s failed: %s: %s" % (name, type(exc).__name__, exc)) from exc

    def _client_of_session(self, session_name: str) -> str:
        for spec in self.case.file.get("createEntities", []):
            if "session" in spec and spec["session"]["id"] == session_name:
                return str(spec["session"]["client"])
        for op in self.case.test["operations"]:
            if op.get("name") == "createEntities":
                for spec in op["arguments"]["entities"]:
                    if "session" in spec and spec["session"]["id"] == session_name:
                        return str(spec["session"]["client"])
        raise RunnerError("no session entity %r" % session_name)

    @staticmethod
    def _scoped_fail_point(command: Mapping[str, Any], app_name: str) -> dict[str, Any]:
        """The fail point, limited to this case's clients unless the file names an appName."""
        command = dict(command)
        if command.get("configureFailPoint") == "failCommand":
            data = dict(command.get("data", {}))
            data.setdefault("appName", app_name)
            command["data"] = data
        return command

    # -- error assertions ------------------------------------------------------------

    def check_error(self, expected: Mapping[str, Any], exc: BaseException, step: str) -> None:
        def fail(message: str) -> None:
            raise CaseFailure(
                step, "%s; the error was %s: %s" % (message, type(exc).__name__, exc)
            ) from exc

        for key, value in expected.items():
            if key == "isError":
                continue
            if key == "isClientError":
                if is_client_error(exc) != value:
                    fail("expected isClientError=%s" % value)
            elif key == "isTimeoutError":
                from pymongo.errors import PyMongoError as _Base

                timeout = isinstance(exc, _Base) and exc.timeout
                if timeout != value:
                    fail("expected isTimeoutError=%s" % value)
            elif key == "errorContains":
                if value.lower() not in str(exc).lower():
                    fail("expected the message to contain %r" % value)
            elif key == "errorCode":
                if error_code(exc) != value:
                    fail("expected error code %r, got %r" % (value, error_code(exc)))
            elif key == "errorCodeName":
                if error_code_name(exc) != value:
                    fail("expected error code name %r, got %r" % (value, error_code_name(exc)))
            elif key == "errorLabelsContain":
                missing = [label for label in value if not has_label(exc, label)]
                if missing:
                    fail("expected error labels %r" % missing)
            elif key == "errorLabelsOmit":
                present = [label for label in value if has_label(exc, label)]
                if present:
                    fail("expected no error labels %r" % present)
            elif key == "errorResponse":
                try:
                    self.matcher.match(value, getattr(exc, "details", None) or {}, root=True)
                except MatchError as error:
                    fail("errorResponse does not match: %s" % error)
            elif key == "expectResult":
                partial = partial_result(exc)
                try:
                    self.matcher.match(
                        {"r": value}, {"r": partial} if partial is not None else {}, root=True
                    )
                except MatchError as error:
                    fail("partial result does not match: %s" % error)
            elif key in ("writeErrors", "writeConcernErrors"):
                details = getattr(exc, "details", None) or {}
                try:
                    if key == "writeErrors":
                        actual = {str(e["index"]): e for e in details.get("writeErrors", [])}
                        self.matcher.match(value, actual, root=False)
                    else:
                        self.matcher.match(value, details.get("writeConcernErrors", []), root=False)
                except MatchError as error:
                    fail("%s do not match: %s" % (key, error))
            else:
                raise RunnerError("%s: unsupported expectError field %r" % (step, key))

    # -- events and outcome --------------------------------------------------------------

    def check_events(self) -> None:
        for expectation in self.case.test.get("expectEvents", []):
            client_name = expectation["client"]
            step = "expectEvents %s" % client_name
            recorder = self.recorders.get(client_name)
            if recorder is None:
                raise RunnerError("%s: client %r observes no events" % (step, client_name))
            wanted_type = expectation.get("eventType", "command")
            actual = [
                (kind, event) for kind, event in recorder.events if event_type(kind) == wanted_type
            ]
            expected = expectation["events"]
            if expectation.get("ignoreExtraEvents"):
                actual = actual[: len(expected)]
            if len(actual) != len(expected):
                raise CaseFailure(
                    step,
                    "expected %d %s events, got %d: %s"
                    % (len(expected), wanted_type, len(actual), describe_events(actual)),
                )
            for index, (exp, (kind, event)) in enumerate(zip(expected, actual)):
                try:
                    self.match_event(exp, kind, event)
                except MatchError as exc:
                    raise CaseFailure(
                        "%s event[%d]" % (step, index),
                        "%s (events: %s)" % (exc, describe_events(actual)),
                    ) from None

    def match_event(self, expected: Mapping[str, Any], kind: str, event: Any) -> None:
        ((expected_kind, spec),) = expected.items()
        if expected_kind != kind:
            raise MatchError(
                "expected a %s, got a %s for %s"
                % (expected_kind, kind, getattr(event, "command_name", ""))
            )
        for key, value in spec.items():
            if key == "command":
                self.matcher.match(value, event.command, root=True, path="command")
            elif key == "reply":
                self.matcher.match(value, event.reply, root=True, path="reply")
            elif key == "commandName":
                self.matcher.match(value, event.command_name, path="commandName")
            elif key == "databaseName":
                self.matcher.match(value, event.database_name, path="databaseName")
            elif key == "hasServiceId":
                if (event.service_id is not None) != value:
                    raise MatchError("hasServiceId: expected %s" % value)
            elif key == "hasServerConnectionId":
                if (event.server_connection_id is not None) != value:
                    raise MatchError("hasServerConnectionId: expected %s" % value)
            elif key in ("reason",) and hasattr(event, "reason"):
                if str(event.reason).lower() != str(value).lower():
                    raise MatchError("reason: expected %r, got %r" % (value, event.reason))
            else:
                raise RunnerError("unsupported event field %r in %s" % (key, expected_kind))

    def check_outcome(self) -> None:
        for data in self.case.test.get("outcome", []):
            step = "outcome %s.%s" % (data["databaseName"], data["collectionName"])
            collection = self.internal.get_database(
                data["databaseName"], read_preference=Primary(), read_concern=ReadConcern("local")
            )[data["collectionName"]]
            documents = list(collection.find({}, sort=[("_id", 1)]))
            try:
                # Exact documents (no extra fields); numbers compare by value.
                Matcher().match(list(data["documents"]), documents, root=False, path="documents")
            except MatchError as exc:
                raise CaseFailure(step, str(exc)) from None


def describe_events(events: list[tuple[str, Any]]) -> str:
    return "[%s]" % ", ".join(
        "%s(%s)" % (kind, getattr(event, "command_name", "")) for kind, event in events
    )


def is_client_error(exc: BaseException) -> bool:
    """Not derived from a server reply: validation errors, network errors, ..."""
    if isinstance(exc, (OperationFailure, WriteConcernError)):
        return False
    return True


def error_code(exc: BaseException) -> Any:
    if isinstance(exc, BulkWriteError):
        details = exc.details or {}
        errors = details.get("writeErrors") or details.get("writeConcernErrors") or []
        return errors[0].get("code") if errors else exc.code
    return getattr(exc, "code", None)


def error_code_name(exc: BaseException) -> Any:
    details = getattr(exc, "details", None) or {}
    if isinstance(exc, BulkWriteError):
        errors = details.get("writeErrors") or details.get("writeConcernErrors") or []
        return errors[0].get("codeName") if errors else None
    return details.get("codeName")


def has_label(exc: BaseException, label: str) -> bool:
    if isinstance(exc, PyMongoError):
        return exc.has_error_label(label)
    return False


def partial_result(exc: BaseException) -> Any:
    if isinstance(exc, BulkWriteError):
        return _bulk_document(exc.details or {})
    partial = getattr(exc, "partial_result", None)
    if partial is not None:
        return result_document(partial)
    return None


_SPECIAL_OPERATIONS = {
    "failPoint",
    "targetedFailPoint",
    "createEntities",
    "assertSessionTransactionState",
    "assertSessionPinned",
    "assertSessionUnpinned",
    "assertCollectionExists",
    "assertCollectionNotExists",
    "assertIndexExists",
    "assertIndexNotExists",
}
_EXPECT_ERROR_FIELDS = {
    "isError",
    "isClientError",
    "isTimeoutError",
    "errorContains",
    "errorCode",
    "errorCodeName",
    "errorLabelsContain",
    "errorLabelsOmit",
    "errorResponse",
    "expectResult",
    "writeErrors",
    "writeConcernErrors",
}
_EVENT_FIELDS = {
    "command",
    "reply",
    "commandName",
    "databaseName",
    "hasServiceId",
    "hasServerConnectionId",
    "reason",
}


def unsupported_in(case: SpecCase) -> list[str]:
    """What a case (run or skipped) uses that this runner does not implement."""
    problems: list[str] = []
    kinds: dict[str, str] = {}

    def entities(specs: list[Mapping[str, Any]]) -> None:
        for spec in specs:
            ((kind, options),) = spec.items()
            if kind not in ("client", "database", "collection", "session"):
                problems.append("entity type %s" % kind)
            kinds[options["id"]] = kind

    def operations(ops: list[Mapping[str, Any]]) -> None:
        for op in ops:
            name, target = op["name"], op["object"]
            if target == "testRunner":
                if name not in _SPECIAL_OPERATIONS:
                    problems.append("special operation %s" % name)
                if name == "createEntities":
                    entities(op["arguments"]["entities"])
            else:
                kind = kinds.get(target)
                if kind is None or not hasattr(CaseRun, "op_%s_%s" % (kind, name)):
                    problems.append("operation %s on %s (%s)" % (name, target, kind))
            for key in op.get("expectError", {}):
                if key not in _EXPECT_ERROR_FIELDS:
                    problems.append("expectError field %s" % key)
            if name == "withTransaction":
                operations(op["arguments"]["callback"])

    entities(case.file.get("createEntities", []))
    operations(case.test["operations"])
    for expectation in case.test.get("expectEvents", []):
        for event in expectation["events"]:
            ((kind, fields),) = event.items()
            if kind not in _COMMAND_EVENTS and kind not in _CMAP_EVENTS:
                problems.append("event %s" % kind)
            problems.extend(
                "event field %s.%s" % (kind, f) for f in fields if f not in _EVENT_FIELDS
            )
    return problems


async def run_case(
    case: SpecCase, driver: Driver, server: ServerInfo, internal: MongoClient[Any]
) -> None:
    """Run one case on ``driver``'s current event loop; CaseFailure on failure."""
    await CaseRun(case, driver, server, internal).run()


def run_case_sync(
    case: SpecCase, driver: Driver, server: ServerInfo, internal: MongoClient[Any]
) -> None:
    """Run one case on a fresh event loop of ``driver``'s flavour."""

    async def main() -> None:
        await run_case(case, driver, server, internal)

    driver.run(main)


__all__ = [
    "MISSING",
    "CaseFailure",
    "MotorxDriver",
    "PyMongoDriver",
    "RunnerError",
    "ServerInfo",
    "SpecCase",
    "find_spec_dir",
    "load_cases",
    "run_case_sync",
    "skip_reason",
]
