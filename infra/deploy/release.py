"""Once per release, before new API and worker replicas start: migrations to head, then
the bucket. `python -m infra.deploy.release` is the compose `migrate` one-shot and the
Kubernetes migration Job.

Replicas never migrate: several replicas racing one Alembic upgrade, or an old replica
still serving while a new one rewrites tables, is what a single step per release avoids.
The bucket is created here too: every API replica also ensures it at start-up, but three
replicas starting together would race the CreateBucket call.
"""

from __future__ import annotations

import logging
import sys

from api.config import Settings
from api.db.migrate import upgrade
from api.server.logs import configure_logging
from storage.s3 import ObjectStore

log = logging.getLogger("sitecheck.release")


def main() -> int:
    # The full settings, not just DATABASE_URL: a release whose configuration the app would
    # refuse fails here, before any replica of it is started.
    settings = Settings.from_env()
    configure_logging(settings.observability.log_level)
    log.info("applying migrations")
    upgrade(settings.db.url)
    log.info("ensuring the bucket", extra={"bucket": settings.s3.bucket})
    ObjectStore(settings.s3).ensure_bucket_sync()
    log.info("release steps done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
