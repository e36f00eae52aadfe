"""Explicit client-side field level encryption: Motor's ``MotorClientEncryption``.

Wraps PyMongo's ``AsyncClientEncryption``.  It needs the optional
``pymongocrypt`` package (``pip install 'pymongo[encryption]'``); importing
motorx never does, and constructing a client encryption without it raises
PyMongo's own ``ConfigurationError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, Optional

from pymongo.asynchronous.encryption import AsyncClientEncryption

from motorx._context import AsyncWithOnly
from motorx._framework import OnEventLoop
from motorx._typing import _DocumentType
from motorx._pymongo_internals import ClientEncryptionWithMotorMessages
from motorx.cursor import AgnosticCursor
from motorx._futures import returns_future


class AgnosticClientEncryption(AsyncWithOnly, OnEventLoop, Generic[_DocumentType]):
    """Explicit encryption and data key management, every operation a coroutine."""

    def __init__(
        self,
        kms_providers: Mapping[str, Any],
        key_vault_namespace: str,
        key_vault_client: Any,
        codec_options: Any,
        io_loop: Any = None,
        kms_tls_options: Optional[Mapping[str, Any]] = None,
        key_expiration_ms: Optional[int] = None,
    ) -> None:
        """Takes PyMongo's ``ClientEncryption`` arguments; ``key_vault_client``
        is a motorx client (a PyMongo ``AsyncMongoClient`` is accepted too),
        ``io_loop`` an event loop of this flavour.
        """
        if io_loop is not None:
            self._use_event_loop(io_loop)
        self._key_vault_client = key_vault_client
        pymongo_client = getattr(key_vault_client, "delegate", key_vault_client)
        extra: dict[str, Any] = {}
        if key_expiration_ms is not None:
            extra["key_expiration_ms"] = key_expiration_ms
        self._delegate: AsyncClientEncryption[Any] = ClientEncryptionWithMotorMessages(
            kms_providers, key_vault_namespace, pymongo_client, codec_options, kms_tls_options, **extra
        )
        self._key_vault_namespace = key_vault_namespace

    @property
    def delegate(self) -> AsyncClientEncryption[Any]:
        """The PyMongo ``AsyncClientEncryption`` this object wraps."""
        return self._delegate

    # -- data keys -----------------------------------------------------------

    @returns_future
    async def create_data_key(
        self,
        kms_provider: str,
        master_key: Optional[Mapping[str, Any]] = None,
        key_alt_names: Optional[Sequence[str]] = None,
        key_material: Optional[bytes] = None,
    ) -> Any:
        return await self._delegate.create_data_key(kms_provider, master_key, key_alt_names, key_material)

    @returns_future
    async def rewrap_many_data_key(
        self,
        filter: Mapping[str, Any],
        provider: Optional[str] = None,
        master_key: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        return await self._delegate.rewrap_many_data_key(filter, provider, master_key)

    @returns_future
    async def delete_key(self, id: Any) -> Any:
        return await self._delegate.delete_key(id)

    @returns_future
    async def get_key(self, id: Any) -> Optional[Any]:
        return await self._delegate.get_key(id)

    async def get_keys(self) -> AgnosticCursor:
        """A cursor over every data key document (awaited, as in Motor)."""
        db_name, coll_name = self._key_vault_namespace.split(".", 1)
        client = self._key_vault_client
        if hasattr(client, "_database_class"):
            collection: Any = client[db_name][coll_name]
            cursor_class = collection._cursor_class
        else:
            collection, cursor_class = self, AgnosticCursor
        cursor: AgnosticCursor = cursor_class(self._delegate.get_keys(), collection)
        return cursor

    @returns_future
    async def add_key_alt_name(self, id: Any, key_alt_name: str) -> Any:
        return await self._delegate.add_key_alt_name(id, key_alt_name)

    @returns_future
    async def get_key_by_alt_name(self, key_alt_name: str) -> Optional[Any]:
        return await self._delegate.get_key_by_alt_name(key_alt_name)

    @returns_future
    async def remove_key_alt_name(self, id: Any, key_alt_name: str) -> Optional[Any]:
        return await self._delegate.remove_key_alt_name(id, key_alt_name)

    # -- encryption ----------------------------------------------------------

    @returns_future
    async def encrypt(
        self,
        value: Any,
        algorithm: str,
        key_id: Optional[Any] = None,
        key_alt_name: Optional[str] = None,
        query_type: Optional[str] = None,
        contention_factor: Optional[int] = None,
        range_opts: Optional[Any] = None,
        string_opts: Optional[Any] = None,
        text_opts: Optional[Any] = None,
    ) -> Any:
        """Encrypt ``value``.

        ``string_opts`` needs a PyMongo that has it (4.14+); ``text_opts``, its
        former name, one that still has that (4.18, not 4.20).
        """
        # Each only passed when given, so PyMongo raises its own TypeError
        # where it lacks the parameter (as Motor's copy of its signature does).
        extra = {
            name: option
            for name, option in (("string_opts", string_opts), ("text_opts", text_opts))
            if option is not None
        }
        return await self._delegate.encrypt(
            value, algorithm, key_id, key_alt_name, query_type, contention_factor, range_opts, **extra
        )

    @returns_future
    async def encrypt_expression(
        self,
        expression: Mapping[str, Any],
        algorithm: str,
        key_id: Optional[Any] = None,
        key_alt_name: Optional[str] = None,
        query_type: Optional[str] = None,
        contention_factor: Optional[int] = None,
        range_opts: Optional[Any] = None,
    ) -> Any:
        return await self._delegate.encrypt_expression(
            expression, algorithm, key_id, key_alt_name, query_type, contention_factor, range_opts
        )

    @returns_future
    async def decrypt(self, value: Any) -> Any:
        return await self._delegate.decrypt(value)

    async def create_encrypted_collection(
        self,
        database: Any,
        name: str,
        encrypted_fields: Mapping[str, Any],
        kms_provider: Optional[str] = None,
        master_key: Optional[Mapping[str, Any]] = None,
        **kwargs: Any,
    ) -> tuple[Any, Mapping[str, Any]]:
        """Create a Queryable Encryption collection; returns (motorx collection, encrypted fields)."""
        collection, fields = await self._delegate.create_encrypted_collection(
            database.delegate, name, encrypted_fields, kms_provider, master_key, **kwargs
        )
        return database._collection_class(database, collection.name, _delegate=collection), fields

    # -- closing -------------------------------------------------------------

    @returns_future
    async def close(self) -> None:
        await self._delegate.close()

    async def _leave_async_with(self, error: Optional[BaseException]) -> None:
        await self.close()

