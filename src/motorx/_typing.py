"""The document type variable every generic motorx class is parameterised by.

As in Motor, the client, database, collection, cursors and change stream are
generic in the type of the documents they return:
``AsyncIOMotorCollection[dict[str, Any]]`` gives ``find_one`` an
``Optional[dict[str, Any]]`` result.  Unparameterised, the document type is
``Any`` (the variable's default), so bare ``AsyncIOMotorCollection``
annotations stay valid under ``mypy --strict``.  Which flavour class each
accessor returns (``client.db`` is an ``AsyncIOMotorDatabase``) follows from
the flavour classes' class attributes (``_database_class``, ``_cursor_class``,
...), annotated in the document type in motorx.motor_asyncio and
motorx.motor_tornado: each agnostic accessor, written once, annotates
``self`` with a small Protocol over those attributes (``_FlavouredClient``,
``_FlavouredDatabase``, ``_FlavouredCollection``, ``_HasChangeStreamClass``)
and returns what the flavour's attribute builds.  Only the four whose
cursors are over description documents, not the document type
(``list_databases``, ``list_collections``, ``list_indexes``,
``list_search_indexes``), are re-declared per flavour.

The default needs ``typing_extensions`` at type-checking time only: at run
time this is a plain ``TypeVar`` and motorx does not depend on
typing_extensions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    _DocumentType = TypeVar("_DocumentType", bound=Mapping[str, Any], default=Any)
else:
    from typing import TypeVar

    _DocumentType = TypeVar("_DocumentType", bound=Mapping[str, Any])

__all__ = ["_DocumentType"]
