"""Collections: Motor's ``MotorCollection``/``AsyncIOMotorCollection`` on ``AsyncCollection``.

Operations that talk to the server are coroutines; ``find()``,
``find_raw_batches()``, ``aggregate()``, ``aggregate_raw_batches()``,
``list_indexes()``, ``list_search_indexes()`` and ``watch()`` return a cursor
or change stream at once, as in Motor.  Every ``session`` argument takes a
motorx session (keyword or positional); PyMongo validates everything else.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Optional, Union

from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor, AsyncRawBatchCursor
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)

from motorx._typing import (
    _CursorT_co,
    _DatabaseT_co,
    _DocumentType,
    _FlavouredCollection,
    _LatentCursorT_co,
    _RawBatchCursorT_co,
)
from motorx._wrapper import NamespaceWrapper
from motorx.change_stream import AgnosticChangeStream, ChangeStreamSource
from motorx.cursor import (
    AgnosticCommandCursor,
    AgnosticCursor,
    AgnosticLatentCommandCursor,
    AgnosticRawBatchCursor,
)
from motorx.session import run_with_session, split_session
from motorx._futures import returns_future

if TYPE_CHECKING:
    from typing_extensions import Self

    from motorx.database import AgnosticDatabase


class AgnosticCollection(ChangeStreamSource, NamespaceWrapper[AsyncCollection[Any]], Generic[_DocumentType]):
    """A MongoDB collection; get one with ``db.name``, ``db[name]`` or ``db.get_collection``."""

    # Each flavour sets these to its own classes, those find() and
    # aggregate() return in the collection's document type (hence not
    # ClassVars), and declares its database's class.
    _cursor_class: type[AgnosticCursor[_DocumentType]] = AgnosticCursor
    _raw_batch_cursor_class: type[AgnosticRawBatchCursor[_DocumentType]] = AgnosticRawBatchCursor
    _command_cursor_class: ClassVar[type[AgnosticCommandCursor]] = AgnosticCommandCursor
    _latent_command_cursor_class: type[AgnosticLatentCommandCursor[_DocumentType]] = AgnosticLatentCommandCursor
    _change_stream_class: type[AgnosticChangeStream[_DocumentType]] = AgnosticChangeStream
    _database: AgnosticDatabase[_DocumentType]
    _kind = "Collection"

    def __init__(
        self,
        database: AgnosticDatabase,
        name: str,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
        _delegate: Optional[AsyncCollection[Any]] = None,
    ) -> None:
        if not isinstance(database, _database_module.AgnosticDatabase):
            raise TypeError(
                "First argument to %s must be a motorx database, not %r" % (type(self).__name__, database)
            )
        self._database = database
        if _delegate is None:
            _delegate = database.delegate.get_collection(
                name,
                codec_options=codec_options,
                read_preference=read_preference,
                write_concern=write_concern,
                read_concern=read_concern,
            )
        self._delegate = _delegate

    # -- identity ------------------------------------------------------------

    @property
    def database(self: _FlavouredCollection[Any, Any, Any, _DatabaseT_co]) -> _DatabaseT_co:
        """The motorx database this collection belongs to."""
        return self._database

    @property
    def full_name(self) -> str:
        return self._delegate.full_name

    def _parent(self) -> AgnosticDatabase[_DocumentType]:
        return self._database

    def _with_delegate(self, delegate: AsyncCollection[Any]) -> Self:
        return type(self)(self._database, delegate.name, _delegate=delegate)

    def __getattr__(self, name: str) -> Self:
        # Sub-collections: db.fs.files is the collection "fs.files".
        if name.startswith("_"):
            full_name = "%s.%s" % (self.name, name)
            raise AttributeError(
                "%s has no attribute %r. To access the %s collection, use database['%s']."
                % (type(self).__name__, name, full_name, full_name)
            )
        return self[name]

    def __getitem__(self, name: str) -> Self:
        return self._with_delegate(self._delegate[name])

    def wrap(self, obj: Any) -> Any:
        """Wrap a PyMongo async collection, cursor or change stream in its motorx class."""
        if isinstance(obj, AsyncCollection):
            return self._with_delegate(obj)
        if isinstance(obj, AsyncRawBatchCursor):
            return self._raw_batch_cursor_class(obj, self)
        if isinstance(obj, AsyncCursor):
            return self._cursor_class(obj, self)
        if isinstance(obj, AsyncCommandCursor):
            return self._command_cursor_class(obj, self)
        if isinstance(obj, AsyncChangeStream):
            stream = self._change_stream_class(self)
            stream._delegate = obj
            return stream
        return obj

    # -- writes --------------------------------------------------------------

    @returns_future
    def insert_one(
        self,
        document: Any,
        bypass_document_validation: Optional[bool] = None,
        session: Any = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, InsertOneResult]:
        return run_with_session(
            self._delegate.insert_one,
            (document,),
            {"bypass_document_validation": bypass_document_validation, "session": session, "comment": comment},
        )

    @returns_future
    def insert_many(
        self,
        documents: Iterable[Any],
        ordered: bool = True,
        bypass_document_validation: Optional[bool] = None,
        session: Any = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, InsertManyResult]:
        return run_with_session(
            self._delegate.insert_many,
            (documents,),
            {
                "ordered": ordered,
                "bypass_document_validation": bypass_document_validation,
                "session": session,
                "comment": comment,
            },
        )

    @returns_future
    def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        upsert: bool = False,
        bypass_document_validation: Optional[bool] = None,
        collation: Optional[Any] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        sort: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, UpdateResult]:
        return run_with_session(
            self._delegate.replace_one,
            (filter, replacement),
            {
                "upsert": upsert,
                "bypass_document_validation": bypass_document_validation,
                "collation": collation,
                "hint": hint,
                "session": session,
                "let": let,
                "sort": sort,
                "comment": comment,
            },
        )

    @returns_future
    def update_one(
        self,
        filter: Mapping[str, Any],
        update: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        upsert: bool = False,
        bypass_document_validation: Optional[bool] = None,
        collation: Optional[Any] = None,
        array_filters: Optional[Sequence[Mapping[str, Any]]] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        sort: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, UpdateResult]:
        return run_with_session(
            self._delegate.update_one,
            (filter, update),
            {
                "upsert": upsert,
                "bypass_document_validation": bypass_document_validation,
                "collation": collation,
                "array_filters": array_filters,
                "hint": hint,
                "session": session,
                "let": let,
                "sort": sort,
                "comment": comment,
            },
        )

    @returns_future
    def update_many(
        self,
        filter: Mapping[str, Any],
        update: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        upsert: bool = False,
        array_filters: Optional[Sequence[Mapping[str, Any]]] = None,
        bypass_document_validation: Optional[bool] = None,
        collation: Optional[Any] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, UpdateResult]:
        return run_with_session(
            self._delegate.update_many,
            (filter, update),
            {
                "upsert": upsert,
                "array_filters": array_filters,
                "bypass_document_validation": bypass_document_validation,
                "collation": collation,
                "hint": hint,
                "session": session,
                "let": let,
                "comment": comment,
            },
        )

    @returns_future
    def delete_one(
        self,
        filter: Mapping[str, Any],
        collation: Optional[Any] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, DeleteResult]:
        return run_with_session(
            self._delegate.delete_one,
            (filter,),
            {"collation": collation, "hint": hint, "session": session, "let": let, "comment": comment},
        )

    @returns_future
    def delete_many(
        self,
        filter: Mapping[str, Any],
        collation: Optional[Any] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, DeleteResult]:
        return run_with_session(
            self._delegate.delete_many,
            (filter,),
            {"collation": collation, "hint": hint, "session": session, "let": let, "comment": comment},
        )

    @returns_future
    def bulk_write(
        self,
        requests: Sequence[Any],
        ordered: bool = True,
        bypass_document_validation: Optional[bool] = None,
        session: Any = None,
        comment: Optional[Any] = None,
        let: Optional[Mapping[str, Any]] = None,
    ) -> Coroutine[Any, Any, BulkWriteResult]:
        return run_with_session(
            self._delegate.bulk_write,
            (requests,),
            {
                "ordered": ordered,
                "bypass_document_validation": bypass_document_validation,
                "session": session,
                "comment": comment,
                "let": let,
            },
        )

    @returns_future
    def find_one_and_delete(
        self,
        filter: Mapping[str, Any],
        projection: Optional[Union[Mapping[str, Any], Iterable[str]]] = None,
        sort: Optional[Any] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, Any]:
        kwargs.update(projection=projection, sort=sort, hint=hint, session=session, let=let, comment=comment)
        return run_with_session(self._delegate.find_one_and_delete, (filter,), kwargs)

    @returns_future
    def find_one_and_replace(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        projection: Optional[Union[Mapping[str, Any], Iterable[str]]] = None,
        sort: Optional[Any] = None,
        upsert: bool = False,
        return_document: bool = False,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, Any]:
        kwargs.update(
            projection=projection,
            sort=sort,
            upsert=upsert,
            return_document=return_document,
            hint=hint,
            session=session,
            let=let,
            comment=comment,
        )
        return run_with_session(self._delegate.find_one_and_replace, (filter, replacement), kwargs)

    @returns_future
    def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        projection: Optional[Union[Mapping[str, Any], Iterable[str]]] = None,
        sort: Optional[Any] = None,
        upsert: bool = False,
        return_document: bool = False,
        array_filters: Optional[Sequence[Mapping[str, Any]]] = None,
        hint: Optional[Any] = None,
        session: Any = None,
        let: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, Any]:
        kwargs.update(
            projection=projection,
            sort=sort,
            upsert=upsert,
            return_document=return_document,
            array_filters=array_filters,
            hint=hint,
            session=session,
            let=let,
            comment=comment,
        )
        return run_with_session(self._delegate.find_one_and_update, (filter, update), kwargs)

    # -- reads ---------------------------------------------------------------

    @returns_future
    def find_one(
        self, filter: Optional[Any] = None, *args: Any, **kwargs: Any
    ) -> Coroutine[Any, Any, Optional[_DocumentType]]:
        """The first matching document or None; takes ``find()``'s arguments."""
        return run_with_session(self._delegate.find_one, (filter, *args), kwargs)

    def find(self: _FlavouredCollection[_CursorT_co, Any, Any, Any], *args: Any, **kwargs: Any) -> _CursorT_co:
        """A cursor over the matching documents; a plain call, the query runs on iteration."""
        session, args = split_session(args, kwargs)
        return self._cursor_class(self._delegate.find(*args, **kwargs), self, session)

    def find_raw_batches(
        self: _FlavouredCollection[Any, _RawBatchCursorT_co, Any, Any], *args: Any, **kwargs: Any
    ) -> _RawBatchCursorT_co:
        """Like ``find()``, but each item is a batch of raw BSON bytes."""
        session, args = split_session(args, kwargs)
        return self._raw_batch_cursor_class(self._delegate.find_raw_batches(*args, **kwargs), self, session)

    @returns_future
    def count_documents(
        self, filter: Mapping[str, Any], session: Any = None, comment: Optional[Any] = None, **kwargs: Any
    ) -> Coroutine[Any, Any, int]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.count_documents, (filter,), kwargs)

    @returns_future
    def estimated_document_count(self, comment: Optional[Any] = None, **kwargs: Any) -> Coroutine[Any, Any, int]:
        kwargs["comment"] = comment
        return self._delegate.estimated_document_count(**kwargs)

    @returns_future
    def distinct(
        self,
        key: str,
        filter: Optional[Mapping[str, Any]] = None,
        session: Any = None,
        comment: Optional[Any] = None,
        hint: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, list[Any]]:
        kwargs.update(session=session, comment=comment, hint=hint)
        return run_with_session(self._delegate.distinct, (key, filter), kwargs)

    def aggregate(
        self: _FlavouredCollection[Any, Any, _LatentCursorT_co, Any],
        pipeline: Sequence[Mapping[str, Any]],
        *args: Any,
        **kwargs: Any,
    ) -> _LatentCursorT_co:
        """A cursor for an aggregation, at once; the command runs on first iteration."""
        return self._latent_command_cursor_class(
            self, self._delegate.aggregate, (pipeline, *args), kwargs
        )

    def aggregate_raw_batches(
        self: _FlavouredCollection[Any, Any, _LatentCursorT_co, Any], pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> _LatentCursorT_co:
        """Like ``aggregate()``, but each item is a batch of raw BSON bytes."""
        return self._latent_command_cursor_class(
            self, self._delegate.aggregate_raw_batches, (pipeline,), kwargs
        )

    # -- indexes -------------------------------------------------------------

    @returns_future
    def create_index(self, keys: Any, session: Any = None, comment: Optional[Any] = None, **kwargs: Any) -> Coroutine[Any, Any, str]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.create_index, (keys,), kwargs)

    @returns_future
    def create_indexes(
        self, indexes: Sequence[Any], session: Any = None, comment: Optional[Any] = None, **kwargs: Any
    ) -> Coroutine[Any, Any, list[str]]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.create_indexes, (indexes,), kwargs)

    @returns_future
    async def drop_index(self, index_or_name: Any, session: Any = None, comment: Optional[Any] = None, **kwargs: Any) -> None:
        kwargs.update(session=session, comment=comment)
        await run_with_session(self._delegate.drop_index, (index_or_name,), kwargs)

    @returns_future
    async def drop_indexes(self, session: Any = None, comment: Optional[Any] = None, **kwargs: Any) -> None:
        kwargs.update(session=session, comment=comment)
        await run_with_session(self._delegate.drop_indexes, (), kwargs)

    def list_indexes(self, session: Any = None, **kwargs: Any) -> AgnosticLatentCommandCursor[MutableMapping[str, Any]]:
        """A cursor over this collection's index documents, at once (listIndexes on iteration)."""
        kwargs["session"] = session
        # The flavour's latent cursor class, here over index documents.
        cursor_class: type[AgnosticLatentCommandCursor[Any]] = self._latent_command_cursor_class
        return cursor_class(self, self._delegate.list_indexes, (), kwargs, batch_size_option=False)

    @returns_future
    def index_information(self, session: Any = None, comment: Optional[Any] = None) -> Coroutine[Any, Any, MutableMapping[str, Any]]:
        return run_with_session(self._delegate.index_information, (), {"session": session, "comment": comment})

    @returns_future
    def create_search_index(
        self, model: Any, session: Any = None, comment: Any = None, **kwargs: Any
    ) -> Coroutine[Any, Any, str]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.create_search_index, (model,), kwargs)

    @returns_future
    def create_search_indexes(
        self, models: list[Any], session: Any = None, comment: Optional[Any] = None, **kwargs: Any
    ) -> Coroutine[Any, Any, list[str]]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.create_search_indexes, (models,), kwargs)

    @returns_future
    async def drop_search_index(self, name: str, session: Any = None, comment: Optional[Any] = None, **kwargs: Any) -> None:
        kwargs.update(session=session, comment=comment)
        await run_with_session(self._delegate.drop_search_index, (name,), kwargs)

    @returns_future
    async def update_search_index(
        self,
        name: str,
        definition: Mapping[str, Any],
        session: Any = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> None:
        kwargs.update(session=session, comment=comment)
        await run_with_session(self._delegate.update_search_index, (name, definition), kwargs)

    def list_search_indexes(self, *args: Any, **kwargs: Any) -> AgnosticLatentCommandCursor[Mapping[str, Any]]:
        """A cursor over this collection's Atlas Search indexes, at once."""
        # The flavour's latent cursor class, here over search index documents.
        cursor_class: type[AgnosticLatentCommandCursor[Any]] = self._latent_command_cursor_class
        return cursor_class(self, self._delegate.list_search_indexes, args, kwargs)

    # -- the collection itself -----------------------------------------------

    @returns_future
    async def drop(
        self, session: Any = None, comment: Optional[Any] = None, encrypted_fields: Optional[Mapping[str, Any]] = None
    ) -> None:
        await run_with_session(
            self._delegate.drop, (), {"session": session, "comment": comment, "encrypted_fields": encrypted_fields}
        )

    @returns_future
    def rename(
        self, new_name: str, session: Any = None, comment: Optional[Any] = None, **kwargs: Any
    ) -> Coroutine[Any, Any, MutableMapping[str, Any]]:
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.rename, (new_name,), kwargs)

    @returns_future
    def options(self, session: Any = None, comment: Optional[Any] = None) -> Coroutine[Any, Any, MutableMapping[str, Any]]:
        return run_with_session(self._delegate.options, (), {"session": session, "comment": comment})


# At the end: motorx.database imports this module.
import motorx.database as _database_module  # noqa: E402
