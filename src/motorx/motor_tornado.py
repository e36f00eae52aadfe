"""tornado flavour: ``from motorx.motor_tornado import MotorClient`` (tornado >= 5, on asyncio)."""

from __future__ import annotations

try:
    import tornado  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "motorx.motor_tornado needs tornado: pip install 'motorx[tornado]'"
    ) from exc

from motorx._framework import TornadoFramework
from motorx.client import AgnosticClient
from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCommandCursor, AgnosticCursor
from motorx.database import AgnosticDatabase
from motorx.gridfs import AgnosticGridFSBucket, AgnosticGridIn, AgnosticGridOut, AgnosticGridOutCursor
from motorx.session import AgnosticClientSession

__all__ = [
    "MotorClient",
    "MotorClientSession",
    "MotorCollection",
    "MotorCommandCursor",
    "MotorCursor",
    "MotorDatabase",
    "MotorGridFSBucket",
    "MotorGridIn",
    "MotorGridOut",
    "MotorGridOutCursor",
]


class MotorCursor(AgnosticCursor):
    pass


class MotorCommandCursor(AgnosticCommandCursor):
    pass


class MotorCollection(AgnosticCollection):
    _cursor_class = MotorCursor
    _command_cursor_class = MotorCommandCursor


class MotorDatabase(AgnosticDatabase):
    _collection_class = MotorCollection
    _command_cursor_class = MotorCommandCursor


class MotorClientSession(AgnosticClientSession):
    __slots__ = ()


class MotorClient(AgnosticClient):
    _framework = TornadoFramework
    _database_class = MotorDatabase
    _session_class = MotorClientSession


# GridFS (motorx.gridfs): the flavour's collection/database classes are what
# the constructors accept, as in Motor.
class MotorGridOut(AgnosticGridOut):
    _collection_class = MotorCollection


class MotorGridIn(AgnosticGridIn):
    _collection_class = MotorCollection


class MotorGridOutCursor(AgnosticGridOutCursor):
    _grid_out_class = MotorGridOut


class MotorGridFSBucket(AgnosticGridFSBucket):
    _database_class = MotorDatabase
    _grid_in_class = MotorGridIn
    _grid_out_class = MotorGridOut
    _grid_out_cursor_class = MotorGridOutCursor
