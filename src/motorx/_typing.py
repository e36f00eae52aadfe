"""Type variables that let each flavour's classes hand out that flavour's classes.

``AsyncIOMotorClient`` is ``AgnosticClient[AsyncIOMotorDatabase]``, so a
type checker knows ``client.db`` is an ``AsyncIOMotorDatabase`` (and so on
down to cursors).  The variables have defaults, so the unparameterised
agnostic classes stay valid annotations.  Defaults need
``typing_extensions`` at type-checking time only: at run time these are
plain ``TypeVar`` objects and motorx does not depend on typing_extensions.
They are covariant: each only appears in what methods return, so
``AsyncIOMotorCollection`` is an ``AgnosticCollection`` for the checker too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    from motorx.change_stream import AgnosticChangeStream
    from motorx.collection import AgnosticCollection
    from motorx.cursor import AgnosticCursor, AgnosticLatentCommandCursor
    from motorx.database import AgnosticDatabase

    DatabaseT = TypeVar("DatabaseT", bound=AgnosticDatabase, default=AgnosticDatabase, covariant=True)
    CollectionT = TypeVar("CollectionT", bound=AgnosticCollection, default=AgnosticCollection, covariant=True)
    CursorT = TypeVar("CursorT", bound=AgnosticCursor, default=AgnosticCursor, covariant=True)
    LatentCursorT = TypeVar(
        "LatentCursorT",
        bound=AgnosticLatentCommandCursor,
        default=AgnosticLatentCommandCursor,
        covariant=True,
    )
    ChangeStreamT = TypeVar(
        "ChangeStreamT", bound=AgnosticChangeStream, default=AgnosticChangeStream, covariant=True
    )
else:
    from typing import TypeVar

    DatabaseT = TypeVar("DatabaseT", covariant=True)
    CollectionT = TypeVar("CollectionT", covariant=True)
    CursorT = TypeVar("CursorT", covariant=True)
    LatentCursorT = TypeVar("LatentCursorT", covariant=True)
    ChangeStreamT = TypeVar("ChangeStreamT", covariant=True)

__all__ = ["ChangeStreamT", "CollectionT", "CursorT", "DatabaseT", "LatentCursorT"]
