"""What a running task needs (settings, database sessions, object store), set once by
whoever runs the worker: tasks get plain JSON arguments, never live objects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings
from storage.s3 import ObjectStore


@dataclass
class JobRuntime:
    settings: Settings
    engine: AsyncEngine
    store: ObjectStore

    def session(self) -> AsyncSession:
        """A new session; use as `async with rt.session() as session:` and commit yourself."""
        return async_sessionmaker(self.engine, expire_on_commit=False)()

    @classmethod
    def create(cls, settings: Settings) -> JobRuntime:
        engine = create_async_engine(settings.db.url, pool_size=4, pool_pre_ping=True)
        return cls(settings=settings, engine=engine, store=ObjectStore(settings.s3))


_current: JobRuntime | None = None


def set_job_runtime(runtime: JobRuntime | None) -> None:
    global _current
    _current = runtime


def job_runtime() -> JobRuntime:
    if _current is None:
        raise RuntimeError("no job runtime: tasks run only inside api.jobs.worker")
    return _current
