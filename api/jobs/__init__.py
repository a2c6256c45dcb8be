"""Background work on a PostgreSQL-backed queue (procrastinate): no extra server.

Each area declares its tasks on a procrastinate `Blueprint` in `api/domain/<area>/jobs.py`
and asks for them with `api.jobs.enqueue.enqueue(task, **kwargs)`, by the task object:
the jobs are deferred once, after the request's (or job's) commit. `registry.BLUEPRINTS`
joins the blueprints into one app, so the API (which defers jobs) and the worker (which
runs them) always know the same task names. This package only wires the app and the
worker; the domains import `enqueue` and `runtime` from it, nothing else. Workers are
plain processes (`python -m api.jobs.worker`) that scale out; `make run` runs one inside
the API process.
"""
