"""The document type variable every generic motorx class is parameterised by.

As in Motor, the client, database, collection, cursors and change stream are
generic in the type of the documents they return:
``AsyncIOMotorCollection[dict[str, Any]]`` gives ``find_one`` an
``Optional[dict[str, Any]]`` result.  Unparameterised, the document type is
``Any`` (the variable's default), so bare ``AsyncIOMotorCollection``
annotations stay valid under ``mypy --strict``.  Which flavour class each
accessor returns (``client.db`` is an ``AsyncIOMotorDatabase``) is declared
by the flavour classes themselves, in motorx.motor_asyncio and
motorx.motor_tornado, as Motor's stubs do.

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
