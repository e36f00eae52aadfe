"""Motor's ``motor.core``: the framework-agnostic classes, by Motor's names.

Motor code imports these for annotations and ``isinstance`` checks
(``from motor.core import AgnosticCollection``); here they are motorx's own
classes, so ``AsyncIOMotorCollection`` and ``MotorCollection`` are
``AgnosticCollection`` subclasses, as in Motor.  Like Motor's, the client,
database, collection, cursors, change stream and client encryption are
generic in the document type (``AgnosticCollection[dict[str, Any]]``).

Motor's metaprogramming helpers (``AsyncCommand``, ``DelegateMethod``,
``create_class_with_framework``, ...) and its internal bases
(``AgnosticBase``, ``AgnosticBaseProperties``) have no counterpart: motorx's
classes are written out, not generated.
"""

from motorx.change_stream import AgnosticChangeStream
from motorx.client import AgnosticClient
from motorx.collection import AgnosticCollection
from motorx.cursor import (
    AgnosticCommandCursor,
    AgnosticCursor,
    AgnosticLatentCommandCursor,
    AgnosticRawBatchCursor,
)
from motorx.cursor import _BaseCursor as AgnosticBaseCursor
from motorx.database import AgnosticDatabase
from motorx.encryption import AgnosticClientEncryption
from motorx.session import AgnosticClientSession

# Motor's retry window of with_transaction, in seconds, read at each call
# (a private name Motor code lowers): motorx's window when no client-side
# timeout is in force.
_WITH_TRANSACTION_RETRY_TIME_LIMIT = 120

__all__ = [
    "AgnosticBaseCursor",
    "AgnosticChangeStream",
    "AgnosticClient",
    "AgnosticClientEncryption",
    "AgnosticClientSession",
    "AgnosticCollection",
    "AgnosticCommandCursor",
    "AgnosticCursor",
    "AgnosticDatabase",
    "AgnosticLatentCommandCursor",
    "AgnosticRawBatchCursor",
]
