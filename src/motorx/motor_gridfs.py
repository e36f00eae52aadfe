"""Motor's ``motor.motor_gridfs``: the framework-agnostic GridFS classes, by Motor's names.

``AsyncIOMotorGridFSBucket`` and ``MotorGridFSBucket`` are
``AgnosticGridFSBucket`` subclasses (and so on for GridIn, GridOut and the
GridOut cursor), as in Motor.  The classes are defined in :mod:`motorx.gridfs`;
the names Motor's module also re-exported (``AgnosticCollection``,
``AgnosticCursor``, ``AgnosticDatabase``, ``DEFAULT_CHUNK_SIZE``) are here too.
"""

from gridfs import DEFAULT_CHUNK_SIZE

from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCursor
from motorx.database import AgnosticDatabase
from motorx._http import _gridfs_etag as _hash_gridout  # Motor's name; its web tests import it
from motorx.gridfs import (
    AgnosticGridFSBucket,
    AgnosticGridIn,
    AgnosticGridOut,
    AgnosticGridOutCursor,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "AgnosticCollection",
    "AgnosticCursor",
    "AgnosticDatabase",
    "AgnosticGridFSBucket",
    "AgnosticGridIn",
    "AgnosticGridOut",
    "AgnosticGridOutCursor",
]
