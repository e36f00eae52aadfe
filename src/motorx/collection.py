"""Collections: Motor's ``MotorCollection``/``AsyncIOMotorCollection`` on ``AsyncCollection``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.results import DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

from motorx.cursor import AgnosticCommandCursor, AgnosticCursor
from motorx.session import run_with_session, split_session

if TYPE_CHECKING:
    from motorx.database import AgnosticDatabase

class AgnosticCollection:
    _cursor_class: ClassVar[type[AgnosticCursor]] = AgnosticCursor
    _command_cursor_class: ClassVar[type[AgnosticCommandCursor]] = AgnosticCommandCursor

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
        self._database = database
        if _delegate is None:
            _delegate = database.delegate.get_collection(
                name,
                codec_options=codec_options,
                read_preference=read_preference,
                write_concern=write_concern,
                read_concern=read_concern,
            )
        self._delegate: AsyncCollection[Any] = _delegate

    # -- identity ------------------------------------------------------------

    @property
    def delegate(self) -> AsyncCollection[Any]:
        return self._delegate

    @property
    def database(self) -> AgnosticDatabase:
        return self._database

    @property
    def name(self) -> str:
        return self._delegate.name

    @property
    def full_name(self) -> str:
        return self._delegate.full_name

    @property
    def codec_options(self) -> Any:
        return self._delegate.codec_options

    @property
    def read_preference(self) -> Any:
        return self._delegate.read_preference

    @property
    def write_concern(self) -> Any:
        return self._delegate.write_concern

    @property
    def read_concern(self) -> Any:
        return self._delegate.read_concern

    def get_io_loop(self) -> Any:
        return self._database.get_io_loop()

    def __getattr__(self, name: str) -> AgnosticCollection:
        # Sub-collections: db.fs.files is the collection "fs.files".
        if name.startswith("_"):
            full_name = "%s.%s" % (self.name, name)
            raise AttributeError(
                "%s has no attribute %r. To access the %s collection, use database['%s']."
                % (type(self).__name__, name, full_name, full_name)
            )
        return self[name]

    def __getitem__(self, name: str) -> AgnosticCollection:
        full_name = "%s.%s" % (self.name, name)
        return type(self)(self._database, full_name, _delegate=self._delegate[name])

    def with_options(self, *args: Any, **kwargs: Any) -> AgnosticCollection:
        return type(self)(self._database, self.name, _delegate=self._delegate.with_options(*args, **kwargs))

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AgnosticCollection):
            return bool(self._delegate == other._delegate)
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._delegate)

    def __bool__(self) -> bool:
        raise NotImplementedError(
            "Collection objects do not implement truth value testing or bool(). "
            "Please compare with None instead: collection is not None"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "'%s' object is not callable. If you meant to call the '%s' method "
            "on a %s object it is failing because no such method exists."
            % (type(self).__name__, self.name.split(".")[-1], type(self._database).__name__)
        )

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    # -- CRUD ----------------------------------------------------------------

    async def insert_one(self, document: Any, *args: Any, **kwargs: Any) -> InsertOneResult:
        return await run_with_session(self._delegate.insert_one, (document, *args), kwargs)

    async def insert_many(self, documents: Any, *args: Any, **kwargs: Any) -> InsertManyResult:
        return await run_with_session(self._delegate.insert_many, (documents, *args), kwargs)

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Optional[Any]:
        return await run_with_session(self._delegate.find_one, (filter, *args), kwargs)

    async def update_one(self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        return await run_with_session(self._delegate.update_one, (filter, update, *args), kwargs)

    async def update_many(self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        return await run_with_session(self._delegate.update_many, (filter, update, *args), kwargs)

    async def replace_one(self, filter: Mapping[str, Any], replacement: Mapping[str, Any], *args: Any, **kwargs: Any) -> UpdateResult:
        return await run_with_session(self._delegate.replace_one, (filter, replacement, *args), kwargs)

    async def delete_one(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> DeleteResult:
        return await run_with_session(self._delegate.delete_one, (filter, *args), kwargs)

    async def delete_many(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> DeleteResult:
        return await run_with_session(self._delegate.delete_many, (filter, *args), kwargs)

    async def count_documents(self, filter: Mapping[str, Any], *args: Any, **kwargs: Any) -> int:
        return await run_with_session(self._delegate.count_documents, (filter, *args), kwargs)

    async def find_one_and_update(self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any) -> Any:
        return await run_with_session(self._delegate.find_one_and_update, (filter, update, *args), kwargs)

    async def drop(self, *args: Any, **kwargs: Any) -> None:
        await run_with_session(self._delegate.drop, args, kwargs)

    def find(self, *args: Any, **kwargs: Any) -> AgnosticCursor:
        """Return a cursor over the matching documents (a plain call, as in Motor)."""
        session, args = split_session(args, kwargs)
        return self._cursor_class(self._delegate.find(*args, **kwargs), self, session)

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any) -> AgnosticCommandCursor:
        """Return a cursor for an aggregation at once; it runs on first iteration, as in Motor."""
        return self._command_cursor_class(self._delegate.aggregate, (pipeline, *args), kwargs, self)
