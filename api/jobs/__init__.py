"""Background work on a PostgreSQL-backed queue (procrastinate): no extra server.

Each area declares its tasks on a procrastinate `Blueprint` in `api/domain/<area>/jobs.py`;
`registry.BLUEPRINTS` joins them into one app, so the API (which defers jobs) and the
worker (which runs them) always know the same task names. Workers are plain processes
(`python -m api.jobs.worker`) that scale out; `make run` runs one inside the API process.
"""
