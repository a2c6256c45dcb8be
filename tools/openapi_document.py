"""The API's OpenAPI document, built from the app object without a database or S3.

`make api-types` (pwa/scripts/api-types.mjs) turns it into the PWA's TypeScript types,
and `make test` checks that the committed types still match it. Building the app
touches no service: the engine, the object store and the job queue connect lazily and
the lifespan that would reach them never runs here. The placeholder settings below
only have to pass validation; nothing the document says depends on them (the test
`tests/integration/test_openapi_document.py` holds it to the served one).

    uv run python -m tools.openapi_document            # JSON on stdout
    uv run python -m tools.openapi_document doc.json   # into a file
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

# Valid to the settings parser, reachable by nothing: the app is never started.
PLACEHOLDER_ENV = {
    "DATABASE_URL": "postgresql+asyncpg://openapi:openapi@127.0.0.1:9/openapi",
    "S3_ACCESS_KEY_ID": "openapi",
    "S3_SECRET_ACCESS_KEY": "openapi-placeholder",
    "SITECHECK_JWT_SECRET": "openapi-document-placeholder-secret-0000",
}


def build_document() -> dict[str, Any]:
    """The document as /schema/openapi.json serves it (same encoder, same order)."""
    from litestar.serialization import encode_json

    from api.app import create_app
    from api.config import Settings

    app = create_app(Settings.from_env(PLACEHOLDER_ENV))
    document: dict[str, Any] = json.loads(encode_json(app.openapi_schema.to_schema()))
    return document


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)
    text = json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
