"""Databases: Motor's ``MotorDatabase``/``AsyncIOMotorDatabase`` on ``AsyncDatabase``.

Server operations are coroutines; ``aggregate()`` and ``watch()`` return a
cursor or change stream at once (the command runs on first iteration), and
``list_collections()``/``cursor_command()`` are awaited and give a cursor,
as in Motor.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, Union

from bson.dbref import DBRef
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.database import AsyncDatabase

from motorx._typing import (
    _ClientT_co,
    _CollectionT_co,
    _CommandCursorT_co,
    _DocumentType,
    _FlavouredDatabase,
    _LatentCursorT_co,
)
from motorx._wrapper import NamespaceWrapper
from motorx.change_stream import AgnosticChangeStream, ChangeStreamSource
from motorx.collection import AgnosticCollection
from motorx.cursor import AgnosticCommandCursor, AgnosticLatentCommandCursor
from motorx.session import AgnosticClientSession, run_with_session, split_session
from motorx._futures import returns_future

if TYPE_CHECKING:
    from typing_extensions import Self

    from motorx.client import AgnosticClient


def _unwrap_collection(name_or_collection: Any) -> Any:
    if isinstance(name_or_collection, AgnosticCollection):
        return name_or_collection.delegate
    return name_or_collection


async def _open_command_cursor(
    method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[AsyncCommandCursor[Any], Optional[AgnosticClientSession]]:
    """Run a command that answers with a cursor: PyMongo's cursor and the motorx session it uses.

    The command goes through the session's gate; the motorx cursor built on
    the result keeps the session for its getMores.
    """
    session, args = split_session(args, kwargs)
    if session is None:
        return await method(*args, **kwargs), None
    gate = await session._enter_gate()
    try:
        return await method(*args, **kwargs), session
    finally:
        session._leave_gate(gate)


class AgnosticDatabase(ChangeStreamSource, NamespaceWrapper[AsyncDatabase[Any]], Generic[_DocumentType]):
    """A MongoDB database; get one with ``client.name``, ``client[name]`` or ``get_database``."""

    # Each flavour sets these to its own classes, in the database's document
    # type (hence not ClassVars), and declares its client's class.
    _collection_class: type[AgnosticCollection[_DocumentType]] = AgnosticCollection
    _command_cursor_class: type[AgnosticCommandCursor[_DocumentType]] = AgnosticCommandCursor
    _latent_command_cursor_class: type[AgnosticLatentCommandCursor[_DocumentType]] = AgnosticLatentCommandCursor
    _change_stream_class: type[AgnosticChangeStream[_DocumentType]] = AgnosticChangeStream
    _client: AgnosticClient[_DocumentType]
    _kind = "Database"

    def __init__(self, client: AgnosticClient, name: str, **kwargs: Any) -> None:
        self._client = client
        delegate = kwargs.pop("_delegate", None)
        if delegate is None:
            delegate = client.delegate.get_database(name, **kwargs)
        self._delegate = delegate

    @property
    def client(self: _FlavouredDatabase[Any, _ClientT_co, Any, Any]) -> _ClientT_co:
        """The motorx client this database belongs to."""
        return self._client

    def _parent(self) -> AgnosticClient[_DocumentType]:
        return self._client

    def _with_delegate(self, delegate: AsyncDatabase[Any]) -> Self:
        return type(self)(self._client, delegate.name, _delegate=delegate)

    def __getattr__(self: _FlavouredDatabase[_CollectionT_co, Any, Any, Any], name: str) -> _CollectionT_co:
        if name.startswith("_"):
            raise AttributeError(
                "%s has no attribute %r. To access the %s collection, use database[%r]."
                % (type(self).__name__, name, name, name)
            )
        return self._collection_class(self, name)

    def __getitem__(self: _FlavouredDatabase[_CollectionT_co, Any, Any, Any], name: str) -> _CollectionT_co:
        return self._collection_class(self, name)

    def get_collection(
        self: _FlavouredDatabase[_CollectionT_co, Any, Any, Any],
        name: str,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
    ) -> _CollectionT_co:
        """The collection ``name`` with these options (a plain call, no I/O)."""
        return self._collection_class(self, name, codec_options, read_preference, write_concern, read_concern)

    def wrap(self, obj: Any) -> Any:
        """Wrap a PyMongo async collection, database or command cursor in its motorx class."""
        if isinstance(obj, AsyncCollection):
            return self._collection_class(self, obj.name, _delegate=obj)
        if isinstance(obj, AsyncDatabase):
            return self._with_delegate(obj)
        if isinstance(obj, AsyncCommandCursor):
            return self._command_cursor_class(obj, self)
        return obj

    # -- commands ------------------------------------------------------------

    @returns_future
    def command(
        self,
        command: Union[str, MutableMapping[str, Any]],
        value: Any = 1,
        check: bool = True,
        allowable_errors: Optional[Sequence[Union[str, int]]] = None,
        read_preference: Any = None,
        codec_options: Any = None,
        session: Any = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, Any]:
        """Run a database command and return its reply document."""
        kwargs.update(
            value=value,
            check=check,
            allowable_errors=allowable_errors,
            read_preference=read_preference,
            codec_options=codec_options,
            session=session,
            comment=comment,
        )
        return run_with_session(self._delegate.command, (command,), kwargs)

    async def cursor_command(
        self: _FlavouredDatabase[Any, Any, _CommandCursorT_co, Any],
        command: Union[str, MutableMapping[str, Any]],
        value: Any = 1,
        read_preference: Any = None,
        codec_options: Any = None,
        session: Any = None,
        comment: Optional[Any] = None,
        max_await_time_ms: Optional[int] = None,
        **kwargs: Any,
    ) -> _CommandCursorT_co:
        """Run a command whose reply is a cursor; returns a motorx command cursor."""
        kwargs.update(
            value=value,
            read_preference=read_preference,
            codec_options=codec_options,
            session=session,
            comment=comment,
            max_await_time_ms=max_await_time_ms,
        )
        cursor, motorx_session = await _open_command_cursor(self._delegate.cursor_command, (command,), kwargs)
        return self._command_cursor_class(cursor, self, motorx_session)

    def aggregate(
        self: _FlavouredDatabase[Any, Any, Any, _LatentCursorT_co],
        pipeline: Sequence[Mapping[str, Any]],
        *args: Any,
        **kwargs: Any,
    ) -> _LatentCursorT_co:
        """A database aggregation (``$currentOp`` and the like), at once; runs on iteration."""
        return self._latent_command_cursor_class(self, self._delegate.aggregate, (pipeline, *args), kwargs)

    # -- collections ---------------------------------------------------------

    async def create_collection(
        self: _FlavouredDatabase[_CollectionT_co, Any, Any, Any],
        name: str,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
        session: Any = None,
        check_exists: Optional[bool] = True,
        **kwargs: Any,
    ) -> _CollectionT_co:
        """Create a collection explicitly (with options); returns the motorx collection."""
        kwargs.update(
            codec_options=codec_options,
            read_preference=read_preference,
            write_concern=write_concern,
            read_concern=read_concern,
            session=session,
            check_exists=check_exists,
        )
        delegate = await run_with_session(self._delegate.create_collection, (name,), kwargs)
        return self._collection_class(self, name, _delegate=delegate)

    @returns_future
    def drop_collection(
        self,
        name_or_collection: Union[str, AgnosticCollection],
        session: Any = None,
        comment: Optional[Any] = None,
        encrypted_fields: Optional[Mapping[str, Any]] = None,
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        return run_with_session(
            self._delegate.drop_collection,
            (_unwrap_collection(name_or_collection),),
            {"session": session, "comment": comment, "encrypted_fields": encrypted_fields},
        )

    @returns_future
    def list_collection_names(
        self,
        session: Any = None,
        filter: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, list[str]]:
        kwargs.update(session=session, filter=filter, comment=comment)
        return run_with_session(self._delegate.list_collection_names, (), kwargs)

    async def list_collections(
        self,
        session: Any = None,
        filter: Optional[Mapping[str, Any]] = None,
        comment: Optional[Any] = None,
        **kwargs: Any,
    ) -> AgnosticCommandCursor[MutableMapping[str, Any]]:
        """A cursor over the collections' descriptions (awaited, as in Motor)."""
        kwargs.update(session=session, filter=filter, comment=comment)
        cursor, motorx_session = await _open_command_cursor(self._delegate.list_collections, (), kwargs)
        # The flavour's command cursor class, here over collection descriptions.
        cursor_class: type[AgnosticCommandCursor[Any]] = self._command_cursor_class
        return cursor_class(cursor, self, motorx_session)

    @returns_future
    def validate_collection(
        self,
        name_or_collection: Union[str, AgnosticCollection],
        scandata: bool = False,
        full: bool = False,
        session: Any = None,
        background: Optional[bool] = None,
        comment: Optional[Any] = None,
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        return run_with_session(
            self._delegate.validate_collection,
            (_unwrap_collection(name_or_collection),),
            {"scandata": scandata, "full": full, "session": session, "background": background, "comment": comment},
        )

    @returns_future
    def dereference(
        self, dbref: DBRef, session: Any = None, comment: Optional[Any] = None, **kwargs: Any
    ) -> Coroutine[Any, Any, Optional[_DocumentType]]:
        """The document a DBRef points to, or None."""
        kwargs.update(session=session, comment=comment)
        return run_with_session(self._delegate.dereference, (dbref,), kwargs)
