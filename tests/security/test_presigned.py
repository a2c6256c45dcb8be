"""Links to stored photos (selfie links are built by the same call, tested for being
presigned and private in test_punches.py): presigned with the configured lifetime, bound to
their signature, and the objects behind them private. That the S3 store refuses a link
past its expiry is proven with a 1 s link in tests/integration/system/test_health_and_storage.py."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from api.db.models import Role
from tests.support.factories import World
from tests.support.punching import TINY_JPEG


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**_query(url), **changes})))


async def test_links_carry_the_configured_lifetime_and_their_signature_binds_it(
    api: httpx.AsyncClient, world: World
) -> None:
    worker = world.headers(world.a.users[Role.WORKER])
    photo = await api.post(
        "/api/photos",
        headers=worker,
        files={"file": ("a.jpg", TINY_JPEG, "image/jpeg")},
        data={"meta": json.dumps({"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)})},
    )
    assert photo.status_code == 201, photo.text
    ttl = str(world.settings.uploads.presign_ttl_s)
    url = photo.json()["url"]
    async with httpx.AsyncClient() as anyone:
        query = _query(url)
        assert query["X-Amz-Expires"] == ttl
        assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        # No secret in the link, only the access key id in the credential scope.
        assert world.settings.s3.secret_access_key not in url
        assert (await anyone.get(url)).status_code == 200
        # Stretching the lifetime (or anything else) breaks the signature.
        longer = _with(url, **{"X-Amz-Expires": "604800"})
        assert (await anyone.get(longer)).status_code == 403
        older = _with(url, **{"X-Amz-Date": "20200101T000000Z"})
        assert (await anyone.get(older)).status_code == 403
        # The object itself is private, and so is the bucket listing.
        bare = url.split("?", 1)[0]
        assert (await anyone.get(bare)).status_code in (401, 403)
        bucket = bare.rsplit("/", bare.count("/") - 3)[0]
        assert (await anyone.get(bucket)).status_code in (401, 403)
