"""Security headers on every kind of response, the Content-Security-Policy per kind,
HSTS only over https (or where the deployment says so), and CORS closed unless an
origin is listed (SITECHECK_CORS_ORIGINS)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from api.config import ConfigError, Settings
from api.db.models import Role
from api.domain.labels.drawing import LABEL_CSP
from api.server.headers import pwa_csp
from tests.security.conftest import ALLOWED_ORIGIN
from tests.support.factories import World

FIXED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def _directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _assert_fixed(response: httpx.Response) -> None:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert response.headers.get("x-request-id"), (response.url, response.status_code)


async def test_api_success_and_error_responses_carry_the_headers(
    api: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    responses = [
        await api.get("/api/me", headers=admin),  # 200 JSON
        await api.get("/api/me"),  # 401 from the auth middleware
        await api.get(f"/api/sites/{world.b.site.id}", headers=admin),  # 404 other tenant
        await api.post("/api/sites", headers=admin, content=b"{not json"),  # 400
        await api.get("/api/no-such-endpoint", headers=admin),  # 404 no route
        await api.delete("/health"),  # 405
        await api.get("/health"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 400, 404, 405, 200]
    for response in responses:
        # Requests no route takes (unknown path, wrong method) carry an id too: the
        # request-id middleware wraps the whole app, the router included.
        _assert_fixed(response)
        csp = _directives(response)
        # Data, never a page: nothing may load or run, and it may not be framed.
        assert csp["default-src"] == ["'none'"], response.url
        assert csp["frame-ancestors"] == ["'none'"]
        # Plain http, no SITECHECK_HSTS: no HSTS (it would pin a host never on https).
        assert "strict-transport-security" not in response.headers


async def test_the_pwa_gets_a_same_origin_policy(api: httpx.AsyncClient, world: World) -> None:
    pwa_dist = world.settings.web.pwa_dist
    if not (pwa_dist / "index.html").is_file():
        pytest.skip("the PWA is not built (make run builds it)")
    index = await api.get("/")
    deep_link = await api.get("/attendance")
    asset = next((pwa_dist / "assets").glob("index-*.js")).name
    script = await api.get(f"/assets/{asset}")
    worker = await api.get("/sw.js")
    assert [r.status_code for r in (index, deep_link, script, worker)] == [200] * 4
    for response in (index, deep_link, script, worker):
        _assert_fixed(response)
        csp = _directives(response)
        assert csp["default-src"] == ["'self'"]
        # Scripts only from the PWA's own files: no inline script, no eval, no CDN.
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        # Photos come from presigned S3 links: the embedded store is plain http on
        # another port, so its origin (and only it) is listed besides https:.
        s3 = world.settings.s3.endpoint_url
        assert s3 is not None
        assert s3.rstrip("/") in csp["img-src"]
        assert "http:" not in csp["img-src"]
        assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    # What the built shell loads is all its own: every script/style/manifest it names
    # is a relative or same-origin path.
    html = index.text
    for marker in ('src="http', 'href="http', "src='http", "href='http"):
        assert marker not in html


async def test_the_schema_pages_have_their_own_policy(api: httpx.AsyncClient) -> None:
    document = await api.get("/schema/openapi.json")
    assert document.status_code == 200
    for path in ("/schema/swagger", "/schema/scalar"):
        page = await api.get(path)
        if page.status_code == 404:
            continue
        assert page.status_code == 200, path
        _assert_fixed(page)
        csp = _directives(page)
        # The OpenAPI viewers load pinned scripts from one CDN and start them inline.
        assert "https://cdn.jsdelivr.net" in csp["script-src"]
        assert "https:" not in csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["connect-src"] == ["'self'"]


async def test_hsts_comes_with_https_or_the_setting(
    api: httpx.AsyncClient, hardened: httpx.AsyncClient
) -> None:
    # uvicorn trusts X-Forwarded-Proto from a proxy on 127.0.0.1 (FORWARDED_ALLOW_IPS),
    # which is how a request that came over https reaches the process.
    forwarded = await api.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["strict-transport-security"].startswith("max-age=")
    assert int(forwarded.headers["strict-transport-security"].split("=")[1]) >= 180 * 86400
    plain = await api.get("/health")
    assert "strict-transport-security" not in plain.headers
    # SITECHECK_HSTS=1: TLS ends at a proxy that does not forward the scheme.
    for path in ("/health", "/api/me", "/"):
        assert "strict-transport-security" in (await hardened.get(path)).headers, path


async def test_no_cors_headers_by_default(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    origin = "https://evil.example"
    simple = await api.get("/api/me", headers={**admin, "Origin": origin})
    assert simple.status_code == 200
    preflight = await api.options(
        "/api/sites",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    for response in (simple, preflight):
        assert not [h for h in response.headers if h.startswith("access-control-")], (
            response.headers
        )


async def test_listed_origin_gets_cors_and_others_do_not(
    hardened: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    ok = await hardened.options("/api/sites", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "*" not in ok.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in ok.headers
    simple = await hardened.get("/api/me", headers={**admin, "Origin": ALLOWED_ORIGIN})
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "origin" in simple.headers["vary"].lower()
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()

    for foreign in ("https://evil.example", f"{ALLOWED_ORIGIN}.evil.example", "null"):
        refused = await hardened.options("/api/sites", headers={"Origin": foreign, **preflight})
        assert refused.status_code >= 400, foreign
        assert "access-control-allow-origin" not in refused.headers, foreign
        assert "access-control-allow-methods" not in refused.headers, foreign
        read = await hardened.get("/api/me", headers={**admin, "Origin": foreign})
        assert "access-control-allow-origin" not in read.headers, foreign
    # A listed origin asking for a header the PWA never sends is refused too.
    odd = await hardened.options(
        "/api/sites",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-internal-admin",
        },
    )
    assert odd.status_code >= 400
    assert "access-control-allow-origin" not in odd.headers


@pytest.mark.parametrize(
    "raw",
    ["*", "https://*.example.com", "app.example.com", "https://app.example.com/path", "ftp://x.y"],
)
def test_cors_origins_must_be_exact(settings: Settings, raw: str) -> None:
    env = _env_of(settings)
    with pytest.raises(ConfigError, match="SITECHECK_CORS_ORIGINS"):
        Settings.from_env({**env, "SITECHECK_CORS_ORIGINS": raw})


def test_cors_origins_parse(settings: Settings) -> None:
    env = _env_of(settings)
    parsed = Settings.from_env(
        {**env, "SITECHECK_CORS_ORIGINS": " https://a.example/ ,http://127.0.0.1:5173,"}
    )
    assert parsed.web.cors_origins == ("https://a.example", "http://127.0.0.1:5173")
    assert Settings.from_env(env).web.cors_origins == ()
    assert Settings.from_env(env).web.hsts is False
    assert Settings.from_env({**env, "SITECHECK_HSTS": "1"}).web.hsts is True


def _env_of(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.db.url,
        "S3_ACCESS_KEY_ID": settings.s3.access_key_id,
        "S3_SECRET_ACCESS_KEY": settings.s3.secret_access_key,
        "SITECHECK_JWT_SECRET": settings.auth.jwt_secret,
    }


def test_the_pwa_may_load_photos_from_the_public_s3_address(settings: Settings) -> None:
    # Links are signed for S3_PUBLIC_ENDPOINT_URL when it is set; the API's internal
    # address is no use to a phone and must not widen the policy.
    public = dataclasses.replace(
        settings,
        s3=dataclasses.replace(
            settings.s3,
            endpoint_url="http://s3:8333",
            public_endpoint_url="http://files.example.test:8333",
        ),
    )
    img_src = pwa_csp(public).split("img-src ")[1].split(";")[0].split()
    assert "http://files.example.test:8333" in img_src
    assert "http://s3:8333" not in img_src


async def test_a_handler_that_sets_its_own_policy_keeps_it_alone(
    api: httpx.AsyncClient, world: World
) -> None:
    # The printable label sheet styles itself inline; the API's default-src 'none'
    # added beside it would be enforced too and print the sheet unstyled.
    sheet = await api.get(
        "/api/equipment/labels.html",
        params={"site_id": str(world.a.site.id)},
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers.get_list("content-security-policy") == [LABEL_CSP]
    assert "<style>" in sheet.text
