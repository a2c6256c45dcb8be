"""Connection health checks only where they can matter.

`pool_pre_ping` sends a round trip before every checkout: on the QR scan, a one-query
request, it was about a tenth of the server's CPU. A connection handed back
milliseconds ago is as good as a ping; one that sat idle may have been cut by a database
restart, a failover or a firewall's idle timeout. So ping only connections idle longer
than `idle_s`; a failed ping makes the pool discard that connection and try another
(SQLAlchemy retries a checkout that raises DisconnectionError), exactly like pre_ping.
A restart under steady load is still caught: the first failing query marks the whole
pool invalid, so only requests already in flight see the error.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

IDLE_KEY = "sitecheck_idle_since"


def ping_when_idle(engine: AsyncEngine, idle_s: float = 2.0) -> None:
    def on_checkin(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_KEY] = time.monotonic()

    def on_checkout(dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        since = record.info.get(IDLE_KEY)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            dbapi.ping()
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError("idle connection failed its ping") from exc

    event.listen(engine.sync_engine, "checkin", on_checkin)
    event.listen(engine.sync_engine, "checkout", on_checkout)
