"""The one procrastinate app of a process: every registered task, opened on a pool later.

Tasks are known at import time (so the worker can run any job it fetches), the database
only at start-up; `open_job_app` binds the two.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import procrastinate
from sqlalchemy.engine import make_url

from api.jobs.registry import BLUEPRINTS

job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())
for _namespace, _blueprint in BLUEPRINTS.items():
    job_app.add_tasks_from(_blueprint, namespace=_namespace)


def psycopg_conninfo(database_url: str) -> str:
    """The API speaks asyncpg through SQLAlchemy, procrastinate speaks psycopg: same
    database, the URL only loses its driver suffix."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def job_app_open(database_url: str, max_size: int = 4) -> AsyncIterator[procrastinate.App]:
    """The app, open on a small pool of its own for the block: deferring is one short
    INSERT; a worker holds one more connection for LISTEN."""
    connector = procrastinate.PsycopgConnector(
        conninfo=psycopg_conninfo(database_url), min_size=1, max_size=max_size
    )
    with job_app.replace_connector(connector):
        async with job_app.open_async():
            yield job_app
