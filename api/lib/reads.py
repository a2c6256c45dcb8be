"""The hottest reads, run straight on the driver: one SELECT, no session, no transaction.

The QR scan is one indexed SELECT per request, all shift long, from every phone on site.
Through the ORM session it cost far more than the query: a connection held (inside
BEGIN ... COMMIT, two extra round trips) until the response was sent, so under load more
requests were in flight than pooled connections, and SQLAlchemy's per-execution work
(compile-cache lookup, result objects) on top. Measured in one process against the same
database: session execute 0.33 ms of CPU per query, this path 0.11 ms.

So a `PreparedRead` is a SQLAlchemy Core SELECT (built by the domain's usual query
function, so the row-scope rules of api/lib/authz.py stay the only ones) compiled once to
the driver's SQL. Each run borrows a pooled connection for that statement only, in
autocommit (a lone SELECT sees one consistent snapshot by itself), and hands it back. Bind
values and result values go through the same type processors SQLAlchemy would apply
(enums, for instance); tests/integration/test_reads.py checks both paths give the same rows.

Only for reads that need nothing of the request's own transaction: anything that must
see a write made earlier in the same request goes through the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

_Processor = Callable[[Any], Any]


class _Compiled:
    def __init__(self, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None:
            raise TypeError(f"{dialect.name} does not compile to positional parameters")
        self.sql = str(compiled)
        self.names: list[str] = list(compiled.positiontup)
        # Values fixed at build time (the actor's ids, enum constants); the names left
        # without one are the per-run values.
        self.free = frozenset(name for name, bind in compiled.binds.items() if bind.required)
        self.fixed = compiled.construct_params(dict.fromkeys(self.free))
        # SQLAlchemy applies these on every execution; so must we.
        self.bind_processors: Mapping[str, Any] = compiled._bind_processors
        self.result_processors: list[tuple[str, _Processor]] = []
        for key, column in statement.selected_columns.items():
            process = column.type.result_processor(dialect, None)
            if process is not None:
                self.result_processors.append((key, process))

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        if values.keys() != self.free:
            raise TypeError(f"expected values for {sorted(self.free)}, got {sorted(values)}")
        params = {**self.fixed, **values}
        out = []
        for name in self.names:
            value = params[name]
            process = self.bind_processors.get(name)
            out.append(process(value) if process is not None and value is not None else value)
        return out

    def row(self, record: asyncpg.Record) -> dict[str, Any]:
        row = dict(record.items())
        for key, process in self.result_processors:
            row[key] = process(row[key])
        return row


class PreparedRead:
    """One SELECT, compiled for the engine's dialect on first use."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._compiled: _Compiled | None = None

    def _for(self, engine: AsyncEngine) -> _Compiled:
        if self._compiled is None:
            self._compiled = _Compiled(self._statement, engine.dialect)
        return self._compiled

    async def all(self, engine: AsyncEngine, **values: Any) -> list[dict[str, Any]]:
        compiled = self._for(engine)
        args = compiled.args(values)
        pooled = await engine.raw_connection()
        driver: Any = pooled.driver_connection  # the asyncpg connection
        try:
            records = await driver.fetch(compiled.sql, *args)
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
            # A dead connection must not go back to the pool for the next request.
            pooled.invalidate()
            raise
        finally:
            pooled.close()
        return [compiled.row(record) for record in records]

    async def first(self, engine: AsyncEngine, **values: Any) -> dict[str, Any] | None:
        rows = await self.all(engine, **values)
        return rows[0] if rows else None
