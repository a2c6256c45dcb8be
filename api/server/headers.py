"""Security headers on every response: the same fixed set everywhere, a Content-Security-
Policy chosen by what the response is (API data, the OpenAPI pages, the PWA), and HSTS
only where the request came over https or the deployment says it is served over https.

Why three policies:
- API responses (JSON, problem JSON, CSV/XLSX/SVG/PNG downloads) are data, never a page:
  `default-src 'none'` means even a label or an export opened in a tab runs nothing.
- /schema is Litestar's OpenAPI UIs (Scalar, Swagger): they load pinned scripts and
  styles from cdn.jsdelivr.net and start them with an inline script. They get a policy of
  their own that allows exactly that; the PWA never needs it.
- The PWA (pwa/dist) loads only its own files. Its images also come from presigned S3
  links (another origin: the S3 endpoint, or AWS) and from the map tile server a staff
  member may choose (any https URL), so img-src allows https: and the configured S3
  origin; images cannot run code. Photos picked or captured are shown as blob: URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.config.cors import CORSConfig
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from api.config import Settings
from api.server.logs import REQUEST_ID_STATE_KEY

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    # The PWA needs the camera (selfies, QR) and the position (punches), from itself only.
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
    # Pages of ours are never put in one browsing-context group with a foreign opener.
    (b"cross-origin-opener-policy", b"same-origin"),
]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

_CDN = "https://cdn.jsdelivr.net"
SCHEMA_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN}; img-src 'self' data: {_CDN}; "
    "font-src 'self' data: https:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# A year, the value browsers' preload lists ask for; subdomains are left to the operator
# (other services may live on them over plain http).
HSTS = b"max-age=31536000"

# Paths the API answers itself; everything else is the PWA's shell and files.
_API_PREFIXES = ("/api/", "/health", "/metrics")


def pwa_csp(settings: Settings) -> str:
    img = ["'self'", "data:", "blob:", "https:"]
    # Phones load photos from where the links are signed for (api/config.py S3 settings).
    s3_for_phones = settings.s3.public_endpoint_url or settings.s3.endpoint_url
    if s3_for_phones:
        # A plain-http S3 endpoint (the embedded store of `make run`) is not covered by
        # https: above; only its origin is added, never http: as a whole.
        parts = urlsplit(s3_for_phones)
        if parts.scheme == "http" and parts.netloc:
            img.append(f"http://{parts.netloc}")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {' '.join(img)}; font-src 'self'; connect-src 'self'; "
        "worker-src 'self' blob:; manifest-src 'self'; media-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def csp_for_path(path: str, pwa_policy: bytes) -> bytes:
    if path.startswith(_API_PREFIXES):
        return API_CSP.encode()
    if path == "/schema" or path.startswith("/schema/"):
        return SCHEMA_CSP.encode()
    return pwa_policy


def security_headers_hook(settings: Settings) -> BeforeMessageSendHookHandler:
    """An app-level before-send hook: it sees every response, error responses, the CORS
    preflight answers and the PWA's files included."""
    pwa_policy = pwa_csp(settings).encode()

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers", []))
        rid = scope.get("state", {}).get(REQUEST_ID_STATE_KEY)
        if rid:
            headers.append((b"x-request-id", str(rid).encode()))
        # A handler that set its own policy knows its content (the label sheet's inline
        # style): a second header would be enforced too, and the stricter one wins.
        if not any(name.lower() == b"content-security-policy" for name, _ in headers):
            path = str(scope.get("path", ""))
            headers.append((b"content-security-policy", csp_for_path(path, pwa_policy)))
        # scheme is "https" for direct TLS, or behind a proxy uvicorn trusts
        # (FORWARDED_ALLOW_IPS) that sent X-Forwarded-Proto: https. SITECHECK_HSTS says
        # the deployment is served over https only, whatever reaches the process; a
        # browser ignores the header on a plain-http response (RFC 6797 8.1).
        if settings.web.hsts or scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", HSTS))
        message["headers"] = [*headers, *SECURITY_HEADERS]

    return hook


def cors_config(settings: Settings) -> CORSConfig | None:
    """No CORS unless SITECHECK_CORS_ORIGINS names origins: the PWA is served by the API
    itself, so a browser never needs it. Listed origins get exactly what the PWA's
    requests use: bearer tokens (no cookies, so no credentials mode), JSON and multipart
    bodies, the request id and device id headers. A preflight from any other origin is
    refused without allow headers."""
    if not settings.web.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.web.cors_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Device-Id"],
        expose_headers=["X-Request-ID", "Retry-After", "Content-Disposition"],
        allow_credentials=False,
        max_age=600,
    )
