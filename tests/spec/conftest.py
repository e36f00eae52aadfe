"""Fixtures for the Unified Test Format runner (tests/spec)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from unified_runner import ServerInfo


@pytest.fixture(scope="session")
def spec_server(mongodb_uri: str) -> ServerInfo:
    """Version, topology and identity of the server the cases run against."""
    return ServerInfo.probe(mongodb_uri)


@pytest.fixture(scope="session")
def spec_internal_client(mongodb_uri: str) -> Iterator[MongoClient[Any]]:
    """The runner's internal client: initialData, outcome, fail points off, killAllSessions."""
    with MongoClient(mongodb_uri, serverSelectionTimeoutMS=10000) as client:
        yield client
