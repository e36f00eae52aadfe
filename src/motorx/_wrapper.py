"""What the client, a database and a collection share as wrappers of one PyMongo object.

Each wraps an ``AsyncMongoClient``, ``AsyncDatabase`` or ``AsyncCollection``
(its ``delegate``), exposes that object's options, and is equal to (and
hashes as) another wrapper of an equal PyMongo object, as in Motor.  A
database and a collection also refuse ``bool()`` and calls with Motor's
messages (:class:`NamespaceWrapper`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Optional, TypeVar, Union, overload

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

if TYPE_CHECKING:
    from typing_extensions import Self

_DelegateT = TypeVar(
    "_DelegateT", bound=Union[AsyncMongoClient[Any], AsyncDatabase[Any], AsyncCollection[Any]]
)
_NamespaceT = TypeVar("_NamespaceT", bound=Union[AsyncDatabase[Any], AsyncCollection[Any]])
_T = TypeVar("_T")


class Forwarded(property, Generic[_T]):
    """A read-only property that gives the wrapped PyMongo object's attribute of the same name.

    For the many attributes motorx passes through unchanged: declared with
    their type, ``host: Forwarded[str] = Forwarded()``, each reads
    ``self._delegate.<its name>``.  A ``property`` (as Motor's were read-only
    properties), so ``inspect`` and ``help()`` show it as one.
    """

    def __init__(self, doc: Optional[str] = None) -> None:
        super().__init__(self._read, doc=doc)
        self._attribute = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = name

    def _read(self, wrapper: Any) -> _T:
        value: _T = getattr(wrapper._delegate, self._attribute)
        return value

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Optional[type] = None, /) -> Self: ...
        @overload
        def __get__(self, instance: object, owner: Optional[type] = None, /) -> _T: ...
        def __get__(self, instance: object, owner: Optional[type] = None, /) -> Any: ...


class PyMongoWrapper(Generic[_DelegateT]):
    """A motorx object around one PyMongo async object, set as ``_delegate`` by the subclass."""

    __slots__ = ()

    _delegate: _DelegateT

    @property
    def delegate(self) -> _DelegateT:
        """The PyMongo object this wraps (``AsyncMongoClient``, ``AsyncDatabase`` or ``AsyncCollection``)."""
        return self._delegate

    # The options operations use unless given others; a database inherits
    # its client's, a collection its database's (with_options() changes them).
    codec_options: Forwarded[Any] = Forwarded("How BSON is decoded: PyMongo's ``CodecOptions``.")
    read_preference: Forwarded[Any] = Forwarded("Which members reads go to.")
    write_concern: Forwarded[Any] = Forwarded("The acknowledgement writes ask for.")
    read_concern: Forwarded[Any] = Forwarded("The consistency and isolation reads ask for.")

    # Equal when the PyMongo objects are: PyMongo compares clients by their
    # topology, databases by client and name, collections by database and
    # name (wrappers of different kinds never compare equal).
    def __eq__(self, other: object) -> bool:
        if isinstance(other, PyMongoWrapper):
            return bool(self._delegate == other._delegate)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._delegate)

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self._delegate)


class NamespaceWrapper(PyMongoWrapper[_NamespaceT]):
    """A database or collection: named, reached from a parent, neither true nor callable."""

    __slots__ = ()

    # "Database" or "Collection": what the messages call it.
    _kind: ClassVar[str]

    def _parent(self) -> Any:
        """The client a database was reached from, the database a collection was."""
        raise NotImplementedError

    def _with_delegate(self, delegate: Any) -> Self:
        """This class again, with the same parent, around another PyMongo object of its kind."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        return self._delegate.name

    def get_io_loop(self) -> Any:
        return self._parent().get_io_loop()

    def with_options(
        self,
        codec_options: Any = None,
        read_preference: Any = None,
        write_concern: Any = None,
        read_concern: Any = None,
    ) -> Self:
        """A copy of this database or collection with other options (a plain call)."""
        return self._with_delegate(
            self._delegate.with_options(codec_options, read_preference, write_concern, read_concern)
        )

    def __bool__(self) -> bool:
        raise NotImplementedError(
            "%s objects do not implement truth value testing or bool(). "
            "Please compare with None instead: %s is not None" % (self._kind, self._kind.lower())
        )

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        # db.coll.no_such_method() lands here (attribute access made a
        # collection): say so, naming the method that was meant.
        raise TypeError(
            "'%s' object is not callable. If you meant to call the '%s' method "
            "on a %s object it is failing because no such method exists."
            % (type(self).__name__, self.name.split(".")[-1], type(self._parent()).__name__)
        )
