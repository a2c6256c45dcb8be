"""The database as the in-process tier's tests see it (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection


class RolledBackDatabase:
    """`begin()` and `connect()` like an AsyncEngine's, on the one connection whose
    transaction the test rolls back. Each use is a savepoint, so a statement that fails
    (an append-only table refusing an UPDATE) undoes only itself, as its own transaction
    would on the live tier."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._connection.begin_nested():
            yield self._connection

    connect = begin
