"""The document type variable every generic motorx class is parameterised by.

As in Motor, the client, database, collection, cursors and change stream are
generic in the type of the documents they return:
``AsyncIOMotorCollection[dict[str, Any]]`` gives ``find_one`` an
``Optional[dict[str, Any]]`` result.  Unparameterised, the document type is
``Any`` (the variable's default), so bare ``AsyncIOMotorCollection``
annotations stay valid under ``mypy --strict``.  The default needs
``typing_extensions`` at type-checking time only: at run time this is a
plain ``TypeVar`` and motorx does not depend on typing_extensions.

Which flavour class each accessor returns (``client.db`` is an
``AsyncIOMotorDatabase``, ``collection.find()`` an ``AsyncIOMotorCursor``)
follows from the flavour classes' class attributes (``_database_class``,
``_cursor_class``, ...), annotated in the document type in
motorx.motor_asyncio and motorx.motor_tornado.  Each agnostic accessor is
written once and annotates ``self`` with one of the Protocols below, over
what it reads of its owner; its return type is what the flavour's attribute
builds.  Only the four whose cursors are over description documents, not
the document type (``list_databases``, ``list_collections``,
``list_indexes``, ``list_search_indexes``), are re-declared per flavour.
(Type parameters for the sibling classes on the agnostic classes would
need defaults, for ``AgnosticCollection[Doc]`` to keep working, and the
run-time ``TypeVar`` has none before Python 3.13.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    _DocumentType = TypeVar("_DocumentType", bound=Mapping[str, Any], default=Any)

    from pymongo import AsyncMongoClient
    from pymongo.asynchronous.collection import AsyncCollection
    from pymongo.asynchronous.database import AsyncDatabase
else:
    from typing import TypeVar

    _DocumentType = TypeVar("_DocumentType", bound=Mapping[str, Any])

__all__ = ["_DocumentType"]

# What an accessor's owner gives it, each as the flavour declares it.
_DelegateT_co = TypeVar("_DelegateT_co", covariant=True)
_ClientT_co = TypeVar("_ClientT_co", covariant=True)
_DatabaseT_co = TypeVar("_DatabaseT_co", covariant=True)
_SessionT_co = TypeVar("_SessionT_co", covariant=True)
_CollectionT_co = TypeVar("_CollectionT_co", covariant=True)
_CursorT_co = TypeVar("_CursorT_co", covariant=True)
_RawBatchCursorT_co = TypeVar("_RawBatchCursorT_co", covariant=True)
_CommandCursorT_co = TypeVar("_CommandCursorT_co", covariant=True)
_LatentCursorT_co = TypeVar("_LatentCursorT_co", covariant=True)
_ChangeStreamT_co = TypeVar("_ChangeStreamT_co", covariant=True)


class _Wraps(Protocol[_DelegateT_co]):
    # The PyMongo object the accessor calls.
    @property
    def _delegate(self) -> _DelegateT_co: ...


class _FlavouredClient(_Wraps["AsyncMongoClient[Any]"], Protocol[_DatabaseT_co, _SessionT_co]):
    # get_database(), client[name], start_session() ...
    @property
    def _database_class(self) -> Callable[..., _DatabaseT_co]: ...
    @property
    def _session_class(self) -> Callable[..., _SessionT_co]: ...


class _FlavouredCollection(
    _Wraps["AsyncCollection[Any]"], Protocol[_CursorT_co, _RawBatchCursorT_co, _LatentCursorT_co, _DatabaseT_co]
):
    # find(), find_raw_batches(), aggregate(), .database ...
    @property
    def _cursor_class(self) -> Callable[..., _CursorT_co]: ...
    @property
    def _raw_batch_cursor_class(self) -> Callable[..., _RawBatchCursorT_co]: ...
    @property
    def _latent_command_cursor_class(self) -> Callable[..., _LatentCursorT_co]: ...
    @property
    def _database(self) -> _DatabaseT_co: ...


class _FlavouredDatabase(
    _Wraps["AsyncDatabase[Any]"], Protocol[_CollectionT_co, _ClientT_co, _CommandCursorT_co, _LatentCursorT_co]
):
    # get_collection(), db[name], .client, cursor_command(), aggregate() ...
    @property
    def _collection_class(self) -> Callable[..., _CollectionT_co]: ...
    @property
    def _client(self) -> _ClientT_co: ...
    @property
    def _command_cursor_class(self) -> Callable[..., _CommandCursorT_co]: ...
    @property
    def _latent_command_cursor_class(self) -> Callable[..., _LatentCursorT_co]: ...


class _HasChangeStreamClass(Protocol[_ChangeStreamT_co]):
    # watch() on a client, database or collection.
    @property
    def _change_stream_class(self) -> Callable[..., _ChangeStreamT_co]: ...
