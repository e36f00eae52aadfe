"""Databases: Motor's ``MotorDatabase``/``AsyncIOMotorDatabase`` on ``AsyncDatabase``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from pymongo.asynchronous.database import AsyncDatabase

from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCommandCursor
from motorx.session import run_with_session

if TYPE_CHECKING:
    from motorx.client import AgnosticClient


class AgnosticDatabase:
    _collection_class: ClassVar[type[AgnosticCollection]] = AgnosticCollection
    _command_cursor_class: ClassVar[type[AgnosticCommandCursor]] = AgnosticCommandCursor

    def __init__(self, client: AgnosticClient, name: str, **kwargs: Any) -> None:
        self._client = client
        delegate = kwargs.pop("_delegate", None)
        if delegate is None:
            delegate = client.delegate.get_database(name, **kwargs)
        self._delegate: AsyncDatabase[Any] = delegate

    @property
    def delegate(self) -> AsyncDatabase[Any]:
        return self._delegate

    @property
    def client(self) -> AgnosticClient:
        return self._client

    @property
    def name(self) -> str:
        return self._delegate.name

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
        return self._client.get_io_loop()

    def __getattr__(self, name: str) -> AgnosticCollection:
        if name.startswith("_"):
            raise AttributeError(
                "%s has no attribute %r. To access the %s collection, use database[%r]."
                % (type(self).__name__, name, name, name)
            )
        return self[name]

    def __getitem__(self, name: str) -> AgnosticCollection:
        return self._collection_class(self, name)

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> AgnosticCollection:
        delegate = self._delegate.get_collection(name, *args, **kwargs)
        return self._collection_class(self, name, _delegate=delegate)

    def with_options(self, *args: Any, **kwargs: Any) -> AgnosticDatabase:
        return type(self)(self._client, self.name, _delegate=self._delegate.with_options(*args, **kwargs))

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AgnosticDatabase):
            return bool(self._delegate == other._delegate)
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._delegate)

    def __bool__(self) -> bool:
        raise NotImplementedError(
            "Database objects do not implement truth value testing or bool(). "
            "Please compare with None instead: database is not None"
        )

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    async def command(self, command: Any, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return await run_with_session(self._delegate.command, (command, *args), kwargs)

    async def list_collection_names(self, *args: Any, **kwargs: Any) -> list[str]:
        return await run_with_session(self._delegate.list_collection_names, args, kwargs)

    async def create_collection(self, name: str, *args: Any, **kwargs: Any) -> AgnosticCollection:
        delegate = await run_with_session(self._delegate.create_collection, (name, *args), kwargs)
        return self._collection_class(self, name, _delegate=delegate)

    async def drop_collection(self, name_or_collection: Any, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        if isinstance(name_or_collection, AgnosticCollection):
            name_or_collection = name_or_collection.delegate
        return await run_with_session(
            self._delegate.drop_collection, (name_or_collection, *args), kwargs
        )

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any) -> AgnosticCommandCursor:
        """Run an aggregation on this database; returns a cursor at once, as Motor does."""
        return self._command_cursor_class(self._delegate.aggregate, (pipeline, *args), kwargs, self)
