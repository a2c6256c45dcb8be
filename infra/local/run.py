"""`make run`: the whole product on one machine.

Starts what is not configured (PostGIS unless DATABASE_URL is set, the S3 store unless
S3_ENDPOINT_URL is set) in SITECHECK_DATA_DIR, applies migrations, and serves the API and
the PWA on 127.0.0.1:SITECHECK_PORT. Ctrl-C (or SIGTERM) stops the server and then
everything this command started; a second run reuses the same data.

Secrets the embedded default needs (JWT key) are generated once into the data folder
and handed to the app through the environment, like any deployment's secrets.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from contextlib import ExitStack
from pathlib import Path

import uvicorn

from infra.local.embedded import EmbeddedPostgres, EmbeddedS3

log = logging.getLogger("sitecheck.run")


def _secret_file(data_dir: Path, name: str, make: str) -> str:
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(make + "\n")
    path.chmod(0o600)
    return make


def prepare_environment(data_dir: Path, stack: ExitStack) -> dict[str, str]:
    """Start the missing services and return the variables the app reads."""
    env: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(data_dir)
        env["DATABASE_URL"] = postgres.start()
        stack.callback(postgres.stop)
        print(f"embedded PostGIS ready ({data_dir / 'postgres'})", flush=True)
    if not os.environ.get("S3_ENDPOINT_URL"):
        s3 = EmbeddedS3(data_dir)
        endpoint = s3.start()
        stack.callback(s3.stop)
        env |= {
            "S3_ENDPOINT_URL": endpoint.endpoint_url,
            "S3_ACCESS_KEY_ID": endpoint.access_key_id,
            "S3_SECRET_ACCESS_KEY": endpoint.secret_access_key,
            "S3_REGION": endpoint.region,
        }
        print(f"embedded S3 store ready at {endpoint.endpoint_url}", flush=True)
    if not os.environ.get("SITECHECK_JWT_SECRET"):
        env["SITECHECK_JWT_SECRET"] = _secret_file(
            data_dir, "jwt_secret", secrets.token_urlsafe(48)
        )
    if not os.environ.get("SITECHECK_FACE_KEY"):
        # Losing this file makes every stored face template unreadable (workers would
        # have to enrol again): back it up with the database, never into it.
        env["SITECHECK_FACE_KEY"] = _secret_file(data_dir, "face_key", secrets.token_hex(32))
    if not os.environ.get("SITECHECK_BOOTSTRAP_ADMIN"):
        # A fresh local install needs someone who can log in; the password is kept in
        # the data folder (0600) rather than being a well-known default.
        password = _secret_file(data_dir, "admin_password", secrets.token_urlsafe(12))
        env["SITECHECK_BOOTSTRAP_ADMIN"] = f"admin:{password}"
        print(
            f"superadmin login: admin / password in {data_dir / 'secrets/admin_password'}",
            flush=True,
        )
    # One process does everything locally: the API runs the background jobs itself.
    env.setdefault("SITECHECK_INPROCESS_WORKER", os.environ.get("SITECHECK_INPROCESS_WORKER", "1"))
    return env


def main() -> int:
    data_dir = Path(os.environ.get("SITECHECK_DATA_DIR") or ".data").resolve()
    port = int(os.environ.get("SITECHECK_PORT") or 8000)
    host = os.environ.get("SITECHECK_HOST") or "127.0.0.1"
    data_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        os.environ.update(prepare_environment(data_dir, stack))
        # Imported late: the app reads its settings from the environment prepared above.
        from api.db.migrate import upgrade

        upgrade(os.environ["DATABASE_URL"])
        print(f"SiteCheck on http://{host}:{port}/  (API docs: /schema; Ctrl-C stops)", flush=True)
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            access_log=False,
            log_config=None,
            proxy_headers=False,
        )
    print("stopped: API server and the embedded services it started", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
