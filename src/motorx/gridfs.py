"""GridFS with Motor's shape: buckets, upload and download streams, file cursors.

Motor 3.7's ``MotorGridFSBucket``, ``MotorGridIn``, ``MotorGridOut`` and
``MotorGridOutCursor`` ran PyMongo's synchronous GridFS on a thread pool.
motorx keeps their public shape (which calls are awaited, which are plain,
which are properties) and runs every I/O on PyMongo's native async GridFS
(:mod:`gridfs.asynchronous.grid_file`).  Each wrapper's ``delegate`` is the
PyMongo *async* object (``AsyncGridFSBucket``, ``AsyncGridIn``, ...), where
Motor's was the synchronous one.

Differences from Motor, on purpose (each keeps Motor code working):

* ``GridOut.seek()``, ``tell()`` and ``close()`` stay plain calls as in Motor.
  PyMongo's async ``seek``/``close`` are coroutines (they may kill a chunk
  cursor), so motorx records the new position at once and moves PyMongo's
  stream there before the next read; ``close()`` finishes its cursor clean-up
  in the background.
* A GridOut cursor yields motorx GridOut objects from ``next()``, ``async for``,
  ``each()`` and ``next_object()``, where Motor gave PyMongo's blocking GridOut
  from the first three (its ``next_object()`` gave a Motor GridOut); its
  ``to_list()`` gives the file documents (dicts), as Motor's did.
* ``download_to_stream`` accepts a destination whose ``write`` is a coroutine
  (an aiofiles file, a motorx GridIn) as well as a plain file object.
* Setting a public attribute on a GridIn stores it in the file document
  before the file is closed (PyMongo's behaviour); Motor silently kept it on
  the wrapper only.  After ``close()`` it raises, pointing at ``set()``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, NoReturn, Optional, Union

from bson.objectid import ObjectId
from gridfs import DEFAULT_CHUNK_SIZE
from gridfs.asynchronous.grid_file import (
    AsyncGridFSBucket,
    AsyncGridIn,
    AsyncGridOut,
    AsyncGridOutCursor,
)
from gridfs.errors import NoFile
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import InvalidOperation

from motorx._context import AsyncWithCloses
from motorx.collection import AgnosticCollection
from motorx._pymongo_internals import bucket_files_collection, grid_out_document
from motorx._wrapper import Forwarded
from motorx.cursor import AgnosticCursor, _check_length
from motorx.database import AgnosticDatabase
from motorx.session import AgnosticClientSession, check_session_type
from motorx._futures import returns_future, spawn_background

__all__ = [
    "AgnosticGridFSBucket",
    "AgnosticGridIn",
    "AgnosticGridOut",
    "AgnosticGridOutCursor",
]

_SessionArg = Union[AgnosticClientSession, AsyncClientSession, None]


def _pymongo_session(session: _SessionArg) -> Optional[AsyncClientSession]:
    """PyMongo's session for a GridFS call, refusing transactions up front.

    PyMongo refuses GridFS inside a transaction only once its own session is
    in one; a motorx ``start_transaction()`` is applied lazily, so without
    this check a GridFS call right after it would run outside the
    transaction.  Same error as PyMongo's.
    """
    if session is None:
        return None
    if isinstance(session, AgnosticClientSession):
        if session.in_transaction:
            raise InvalidOperation("GridFS does not support multi-document transactions")
        return session.delegate
    check_session_type(session)
    return session


class _GridFile(AsyncWithCloses):
    """What a GridOut and a GridIn share: their root collection and the file's fields.

    The fields are read from PyMongo's object: a GridOut's once it is opened,
    a GridIn's ``length`` and ``upload_date`` only once it is closed
    (AttributeError before, as in Motor).
    """

    # The flavour's collection class: the root collection must be one of them.
    _collection_class: ClassVar[type[AgnosticCollection]] = AgnosticCollection
    _delegate: Union[AsyncGridOut, AsyncGridIn]
    _root_collection: AgnosticCollection

    def _check_root_collection(self, root_collection: AgnosticCollection) -> None:
        if not isinstance(root_collection, self._collection_class):
            raise TypeError(
                "First argument to %s must be %s, not %r"
                % (type(self).__name__, self._collection_class.__name__, root_collection)
            )

    @property
    def io_loop(self) -> Any:
        return self.get_io_loop()

    def get_io_loop(self) -> Any:
        return self._root_collection.get_io_loop()

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)

    # -- the file document ---------------------------------------------------------

    _id: Forwarded[Any] = Forwarded()
    filename: Forwarded[Optional[str]] = Forwarded()
    name: Forwarded[Optional[str]] = Forwarded()
    content_type: Forwarded[Optional[str]] = Forwarded()
    chunk_size: Forwarded[int] = Forwarded()
    length: Forwarded[int] = Forwarded("The length in bytes (a GridIn's: only once the file is closed).")
    upload_date: Forwarded[Any] = Forwarded("When the file was stored (a GridIn's: only once it is closed).")


class AgnosticGridOut(_GridFile):
    """A GridFS file being read; Motor's ``MotorGridOut``.

    Get one from :meth:`AgnosticGridFSBucket.open_download_stream` (opened
    already).  One made directly must be opened (``await grid_out.open()``,
    or any read) before its attributes are read, as in Motor.
    """

    _delegate: AsyncGridOut

    def __init__(
        self,
        root_collection: AgnosticCollection,
        file_id: Any = None,
        file_document: Optional[Mapping[str, Any]] = None,
        delegate: Optional[AsyncGridOut] = None,
        session: _SessionArg = None,
    ) -> None:
        self._check_root_collection(root_collection)
        if delegate is None:
            delegate = AsyncGridOut(
                root_collection.delegate,
                file_id,
                file_document,
                session=_pymongo_session(session),
            )
        self._delegate = delegate
        self._root_collection = root_collection
        # seek() is a plain call (Motor's shape) but PyMongo's is a coroutine:
        # the requested position waits here until the next read.
        self._pending_seek: Optional[int] = None
        self._close_task: Optional[asyncio.Future[None]] = None
        self._closed = False

    @property
    def delegate(self) -> AsyncGridOut:
        """The PyMongo ``AsyncGridOut`` (Motor's was the synchronous ``GridOut``)."""
        return self._delegate

    # -- the file document (needs the file opened): more fields ---------------

    @property
    def metadata(self) -> Optional[Mapping[str, Any]]:
        return self._delegate.metadata

    @property
    def aliases(self) -> Optional[list[str]]:
        return self._delegate.aliases

    def __getattr__(self, name: str) -> Any:
        # Any other field of the file document (md5, custom fields), as Motor.
        if name.startswith("_"):
            raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))
        return getattr(self._delegate, name)

    def __getitem__(self, key: str) -> Any:
        """A field of the file document: Motor's ``to_list()`` gave documents."""
        document = self._file_document()
        return document[key]

    # Not a sequence: without this, __getitem__ would make iter() "work".
    __iter__ = None

    def _file_document(self) -> Mapping[str, Any]:
        document = grid_out_document(self._delegate)
        if not document:
            raise InvalidOperation(
                "You must call %s.open() before accessing the file document" % type(self).__name__
            )
        return document

    # -- reading ---------------------------------------------------------------

    @returns_future
    async def open(self) -> AgnosticGridOut:
        """Fetch the file document; raises ``gridfs.errors.NoFile`` if there is none."""
        await self._delegate.open()
        return self

    async def _before_read(self) -> None:
        if self._close_task is not None and not self._close_task.done():
            await self._close_task
        if self._pending_seek is not None:
            position, self._pending_seek = self._pending_seek, None
            await self._delegate.seek(position)

    @returns_future
    async def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all the rest when negative)."""
        await self._before_read()
        return await self._delegate.read(size)

    @returns_future
    async def readchunk(self) -> bytes:
        """The rest of the current chunk; ``b""`` at the end of the file."""
        await self._before_read()
        return await self._delegate.readchunk()

    @returns_future
    async def readline(self, size: int = -1, /) -> bytes:
        """One line (up to and including ``b"\\n"``), or up to ``size`` bytes."""
        await self._before_read()
        return await self._delegate.readline(size)

    def tell(self) -> int:
        """The current position in the file."""
        if self._pending_seek is not None:
            return self._pending_seek
        return self._delegate.tell()

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        """Move to ``pos`` (relative to ``whence``); returns the new position.

        ``SEEK_END`` needs the file's length, so the file must be open.
        """
        if whence == os.SEEK_SET:
            new_position = pos
        elif whence == os.SEEK_CUR:
            new_position = self.tell() + pos
        elif whence == os.SEEK_END:
            new_position = int(self.length) + pos
        else:
            raise OSError(22, "Invalid value for `whence`")
        if new_position < 0:
            raise OSError(22, "Invalid value for `pos` - must be positive")
        if new_position == self._delegate.tell():
            self._pending_seek = None
        else:
            self._pending_seek = new_position
        return new_position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, value: Any) -> NoReturn:
        self._delegate.write(value)
        raise AssertionError("unreachable: AsyncGridOut.write always raises")  # pragma: no cover

    def close(self) -> None:
        """Stop reading; a plain call, as in Motor.

        PyMongo's ``close`` is a coroutine that kills the chunk cursor, if one
        is open; it runs as a task on the running loop.
        """
        self._pending_seek = None
        self._closed = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # No loop to run the clean-up on: the server times the cursor out.
            self._delegate.closed = True
            return
        self._close_task = spawn_background(self._delegate.close(), loop)

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called (its cursor clean-up may still be running)."""
        return self._closed or bool(self._delegate.closed)

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        # Unlike close(), waits for the cursor clean-up.
        self._pending_seek = None
        self._closed = True
        if self._close_task is not None:
            await self._close_task
        await self._delegate.close()

    # Iterating a GridOut yields chunks, as in Motor (PyMongo's yields lines).
    def __aiter__(self) -> AgnosticGridOut:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.readchunk()
        if chunk:
            return chunk
        raise StopAsyncIteration

    async def stream_to_handler(self, request_handler: Any) -> None:
        """Write the file to a ``tornado.web.RequestHandler``, a chunk at a time.

        Set the headers first: this flushes the handler after each chunk.
        """
        written = 0
        length = self.length
        while written < length:
            chunk = await self.read(self.chunk_size)
            if not chunk:
                break
            request_handler.write(chunk)
            flushed = request_handler.flush()
            if inspect.isawaitable(flushed):
                await flushed
            written += len(chunk)


# GridIn properties whose file-document field has another name.
_FIELD_OF_PROPERTY = {"content_type": "contentType"}


async def _readable_source(data: Any) -> Any:
    """What PyMongo can read a file's contents from, given ``data`` to store.

    A motorx GridOut's ``read()`` returns a Future (Motor's call model), but
    PyMongo reads a source whose ``read`` is a coroutine function: it is
    given the PyMongo GridOut underneath, at the motorx one's position.
    """
    if isinstance(data, AgnosticGridOut):
        await data._before_read()
        return data.delegate
    return data


class AgnosticGridIn(_GridFile):
    """A GridFS file being written; Motor's ``MotorGridIn``.

    Get one from :meth:`AgnosticGridFSBucket.open_upload_stream`; ``await
    write(...)`` then ``await close()``, or ``async with``.
    """

    # Set with object.__setattr__: this class's __setattr__ writes file fields.
    _delegate: AsyncGridIn

    def __init__(
        self,
        root_collection: AgnosticCollection,
        delegate: Optional[AsyncGridIn] = None,
        session: _SessionArg = None,
        **kwargs: Any,
    ) -> None:
        self._check_root_collection(root_collection)
        if delegate is None:
            delegate = AsyncGridIn(
                root_collection.delegate, session=_pymongo_session(session), **kwargs
            )
        object.__setattr__(self, "_delegate", delegate)
        object.__setattr__(self, "_root_collection", root_collection)

    @property
    def delegate(self) -> AsyncGridIn:
        """The PyMongo ``AsyncGridIn`` (Motor's was the synchronous ``GridIn``)."""
        return self._delegate

    @property
    def closed(self) -> bool:
        return self._delegate.closed

    def __getattr__(self, name: str) -> Any:
        # Other fields of the file document (metadata, custom fields), as Motor.
        if name.startswith("_"):
            raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))
        return self._delegate.__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            # A field of the file document: stored on close (PyMongo's rule).
            setattr(self._delegate, name, value)

    # -- writing -------------------------------------------------------------------

    @returns_future
    async def write(self, data: Any) -> None:
        """Write ``bytes``, a ``str`` (if the file has an ``encoding``), or the
        contents of a file-like object (whose ``read`` may be a coroutine, so a
        motorx GridOut can be copied in)."""
        await self._delegate.write(await _readable_source(data))

    @returns_future
    async def writelines(self, sequence: Iterable[Any]) -> None:
        """Write each item of ``sequence``; no separators are added."""
        await self._delegate.writelines(sequence)

    @returns_future
    async def close(self) -> None:
        """Flush the last chunk and store the file document; idempotent."""
        await self._delegate.close()

    @returns_future
    async def abort(self) -> None:
        """Remove the chunks written so far, and close."""
        await self._delegate.abort()

    @returns_future
    async def set(self, name: str, value: Any) -> None:
        """Set a field of the file document; on the server at once if already closed.

        ``content_type`` is the property's name for the field ``contentType``
        (Motor set it through the property).
        """
        await self._delegate.set(_FIELD_OF_PROPERTY.get(name, name), value)

    def read(self, size: int = -1) -> NoReturn:
        self._delegate.read(size)
        raise AssertionError("unreachable: AsyncGridIn.read always raises")  # pragma: no cover

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def writeable(self) -> bool:
        return True

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        # PyMongo's exit stores the file on a normal exit; on an error it
        # only marks it closed.
        if error is None:
            await self._delegate.__aexit__(None, None, None)
        else:
            await self._delegate.__aexit__(type(error), error, error.__traceback__)


class AgnosticGridOutCursor(AgnosticCursor):
    """The cursor ``bucket.find()`` returns: yields GridOut objects; ``to_list()`` file documents."""

    _grid_out_class: ClassVar[type[AgnosticGridOut]] = AgnosticGridOut

    def _wrap(self, item: Any) -> AgnosticGridOut:
        if isinstance(item, AgnosticGridOut):
            return item
        if isinstance(item, AsyncGridOut):
            return self._grid_out_class(self.collection, delegate=item)
        # A bare file document (a base-class path that reads raw batches).
        session = self.session
        return self._grid_out_class(
            self.collection,
            file_document=item,
            session=session.delegate if session is not None else None,
        )

    async def next(self) -> AgnosticGridOut:
        return self._wrap(await super().next())

    __anext__ = next

    @returns_future
    async def to_list(self, length: Optional[int] = None) -> list[Mapping[str, Any]]:
        """Up to ``length`` file documents (all when ``None``): dicts, as Motor's gave.

        ``next()`` and ``async for`` give GridOut objects; this gives what the
        files collection holds.  ``[]`` once exhausted, and for ``length=0``
        without contacting the server.
        """
        # Not PyMongo's AsyncGridOutCursor.to_list: given a length it raises
        # StopAsyncIteration when fewer files are left instead of returning them.
        _check_length(length)
        documents: list[Mapping[str, Any]] = []
        while length is None or len(documents) < length:
            try:
                grid_out = await self.next()
            except StopAsyncIteration:
                break
            documents.append(grid_out._file_document())
        return documents

    def next_object(self) -> Optional[AgnosticGridOut]:
        """**DEPRECATED** - the next GridOut of the fetched batch, or None."""
        grid_out = super().next_object()  # the base warns
        return None if grid_out is None else self._wrap(grid_out)

    def add_option(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("Method does not exist for GridOutCursor")

    def remove_option(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("Method does not exist for GridOutCursor")


class AgnosticGridFSBucket:
    """A GridFS bucket; Motor's ``MotorGridFSBucket`` on PyMongo's ``AsyncGridFSBucket``.

    ::

        bucket = AsyncIOMotorGridFSBucket(client.my_database)
        file_id = await bucket.upload_from_stream("notes.txt", b"data")
        grid_out = await bucket.open_download_stream(file_id)
        contents = await grid_out.read()

    Raises ``pymongo.errors.ConfigurationError`` if ``write_concern`` is not
    acknowledged.  GridFS is refused inside a transaction (PyMongo's
    ``InvalidOperation``).
    """

    _database_class: ClassVar[type[AgnosticDatabase]] = AgnosticDatabase
    _grid_in_class: ClassVar[type[AgnosticGridIn]] = AgnosticGridIn
    _grid_out_class: ClassVar[type[AgnosticGridOut]] = AgnosticGridOut
    _grid_out_cursor_class: ClassVar[type[AgnosticGridOutCursor]] = AgnosticGridOutCursor

    def __init__(
        self,
        database: AgnosticDatabase,
        bucket_name: str = "fs",
        chunk_size_bytes: int = DEFAULT_CHUNK_SIZE,
        write_concern: Any = None,
        read_preference: Any = None,
        collection: Optional[str] = None,
    ) -> None:
        if collection is not None:
            warnings.warn(
                'the "collection" parameter is deprecated, use "bucket_name" instead',
                DeprecationWarning,
                stacklevel=2,
            )
            bucket_name = collection
        if not isinstance(database, self._database_class):
            raise TypeError(
                "First argument to %s must be %s, not %r"
                % (type(self).__name__, self._database_class.__name__, database)
            )
        self._collection = database.get_collection(
            bucket_name, write_concern=write_concern, read_preference=read_preference
        )
        self._delegate = AsyncGridFSBucket(
            database.delegate,
            bucket_name,
            chunk_size_bytes=chunk_size_bytes,
            write_concern=write_concern,
            read_preference=read_preference,
        )

    @property
    def delegate(self) -> AsyncGridFSBucket:
        """The PyMongo ``AsyncGridFSBucket`` (Motor's was the synchronous ``GridFSBucket``)."""
        return self._delegate

    @property
    def collection(self) -> AgnosticCollection:
        """The bucket's root collection (``fs``), whose ``files``/``chunks`` hold the data."""
        return self._collection

    @property
    def io_loop(self) -> Any:
        return self.get_io_loop()

    def get_io_loop(self) -> Any:
        return self._collection.get_io_loop()

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._collection)

    def wrap(self, obj: Any) -> Any:
        """The motorx wrapper of a PyMongo async GridIn, GridOut or GridOut cursor."""
        if isinstance(obj, AsyncGridIn):
            return self._grid_in_class(self._collection, delegate=obj)
        if isinstance(obj, AsyncGridOut):
            return self._grid_out_class(self._collection, delegate=obj)
        if isinstance(obj, AsyncGridOutCursor):
            return self._grid_out_cursor_class(obj, self._collection, None)
        raise TypeError("cannot wrap %r: not an AsyncGridIn, AsyncGridOut or AsyncGridOutCursor" % (obj,))

    # -- uploads -------------------------------------------------------------------

    def open_upload_stream(
        self,
        filename: str,
        chunk_size_bytes: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        session: _SessionArg = None,
    ) -> AgnosticGridIn:
        """A GridIn to write a new file to (a plain call); its ``_id`` is a new ObjectId."""
        grid_in = self._delegate.open_upload_stream(
            filename, chunk_size_bytes, metadata, session=_pymongo_session(session)
        )
        return self._grid_in_class(self._collection, delegate=grid_in)

    def open_upload_stream_with_id(
        self,
        file_id: Any,
        filename: str,
        chunk_size_bytes: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        session: _SessionArg = None,
    ) -> AgnosticGridIn:
        """A GridIn to write a new file with the given ``_id`` to (a plain call)."""
        grid_in = self._delegate.open_upload_stream_with_id(
            file_id, filename, chunk_size_bytes, metadata, session=_pymongo_session(session)
        )
        return self._grid_in_class(self._collection, delegate=grid_in)

    @returns_future
    async def upload_from_stream(
        self,
        filename: str,
        source: Any,
        chunk_size_bytes: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        session: _SessionArg = None,
    ) -> ObjectId:
        """Store ``source`` (bytes, or a file-like object) as a new file; returns its ``_id``."""
        return await self._delegate.upload_from_stream(
            filename, await _readable_source(source), chunk_size_bytes, metadata, session=_pymongo_session(session)
        )

    @returns_future
    async def upload_from_stream_with_id(
        self,
        file_id: Any,
        filename: str,
        source: Any,
        chunk_size_bytes: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        session: _SessionArg = None,
    ) -> None:
        """Store ``source`` as a new file with the given ``_id``."""
        await self._delegate.upload_from_stream_with_id(
            file_id, filename, await _readable_source(source), chunk_size_bytes, metadata,
            session=_pymongo_session(session),
        )

    # -- downloads -----------------------------------------------------------------

    async def open_download_stream(self, file_id: Any, session: _SessionArg = None) -> AgnosticGridOut:
        """An opened GridOut for the file with this ``_id``; ``NoFile`` if none."""
        grid_out = await self._delegate.open_download_stream(
            file_id, session=_pymongo_session(session)
        )
        return self._grid_out_class(self._collection, delegate=grid_out)

    async def open_download_stream_by_name(
        self, filename: str, revision: int = -1, session: _SessionArg = None
    ) -> AgnosticGridOut:
        """An opened GridOut for a revision of ``filename``.

        ``revision``: 0 the first stored, 1 the second, ...; -1 the newest
        (the default), -2 the one before, ...  ``NoFile`` if there is none.
        """
        grid_out = await self._delegate.open_download_stream_by_name(
            filename, revision, session=_pymongo_session(session)
        )
        return self._grid_out_class(self._collection, delegate=grid_out)

    @returns_future
    async def download_to_stream(
        self, file_id: Any, destination: Any, session: _SessionArg = None
    ) -> None:
        """Write the file with this ``_id`` to ``destination`` (its ``write`` may be async)."""
        grid_out = await self.open_download_stream(file_id, session=session)
        await self._copy_to(grid_out, destination)

    @returns_future
    async def download_to_stream_by_name(
        self, filename: str, destination: Any, revision: int = -1, session: _SessionArg = None
    ) -> None:
        """Write a revision of ``filename`` to ``destination`` (its ``write`` may be async)."""
        grid_out = await self.open_download_stream_by_name(filename, revision, session=session)
        await self._copy_to(grid_out, destination)

    @staticmethod
    async def _copy_to(grid_out: AgnosticGridOut, destination: Any) -> None:
        write = destination.write
        async with grid_out:
            while True:
                chunk = await grid_out.readchunk()
                if not chunk:
                    break
                written = write(chunk)
                if inspect.isawaitable(written):
                    await written

    # -- management ----------------------------------------------------------------

    @returns_future
    async def delete(self, file_id: Any, session: _SessionArg = None) -> None:
        """Remove the file with this ``_id`` and its chunks; ``NoFile`` if none."""
        await self._delegate.delete(file_id, session=_pymongo_session(session))

    @returns_future
    async def rename(self, file_id: Any, new_filename: str, session: _SessionArg = None) -> None:
        """Rename the file with this ``_id``; ``NoFile`` if none."""
        # Not AsyncGridFSBucket.rename: on PyMongo 4.13 its "no such file"
        # message formats the id with %i, so any non-integer id raised a
        # TypeError instead of NoFile.  Same update, same error, every version.
        pymongo_session = _pymongo_session(session)
        result = await bucket_files_collection(self._delegate).update_one(
            {"_id": {"$eq": file_id}}, {"$set": {"filename": new_filename}}, session=pymongo_session
        )
        if not result.matched_count:
            raise NoFile(
                "no files could be renamed %r because none matched file_id %s" % (new_filename, file_id)
            )

    # Not in Motor (PyMongo 4.12+ added them): every revision of a filename at once.
    async def delete_by_name(self, filename: str, session: _SessionArg = None) -> None:
        """Remove every revision of ``filename``; ``NoFile`` if none."""
        await self._delegate.delete_by_name(filename, session=_pymongo_session(session))

    async def rename_by_name(
        self, filename: str, new_filename: str, session: _SessionArg = None
    ) -> None:
        """Rename every revision of ``filename``; ``NoFile`` if none."""
        await self._delegate.rename_by_name(filename, new_filename, session=_pymongo_session(session))

    def find(self, *args: Any, **kwargs: Any) -> AgnosticGridOutCursor:
        """A cursor over the files matching a filter (a plain call, as in Motor).

        Takes ``filter``, ``skip``, ``limit``, ``no_cursor_timeout``, ``sort``,
        ``batch_size`` and ``session``, and chains cursor modifiers::

            newest_three = bucket.find().sort("uploadDate", -1).limit(3)
            async for grid_out in newest_three:
                data = await grid_out.read()
        """
        session = kwargs.get("session")
        if session is None:
            for position, arg in enumerate(args):
                if isinstance(arg, (AgnosticClientSession, AsyncClientSession)):
                    session = arg
                    args = (*args[:position], _pymongo_session(arg), *args[position + 1 :])
                    break
        else:
            kwargs["session"] = _pymongo_session(session)
        motorx_session = session if isinstance(session, AgnosticClientSession) else None
        cursor = self._delegate.find(*args, **kwargs)
        return self._grid_out_cursor_class(cursor, self._collection, motorx_session)
