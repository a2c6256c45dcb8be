"""Security headers on every response.

A Content-Security-Policy is left to the hardening work: the OpenAPI UIs at /schema load
their scripts from a CDN, and the PWA's policy should be written together with its
camera and map features.
"""

from __future__ import annotations

from litestar.types import Message, Scope

from api.lib.logs import REQUEST_ID_STATE_KEY

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    # The PWA needs the camera (selfies, QR) and the position (punches), from itself only.
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
]


async def response_headers_hook(message: Message, scope: Scope) -> None:
    """An app-level before-send hook: it sees every response, error responses included."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    rid = scope.get("state", {}).get(REQUEST_ID_STATE_KEY)
    if rid:
        headers.append((b"x-request-id", str(rid).encode()))
    message["headers"] = [*headers, *SECURITY_HEADERS]
