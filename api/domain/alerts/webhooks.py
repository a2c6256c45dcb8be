"""Webhook senders: where an event may go, what the request looks like, and sending it.

Two formats:

- `json`: a generic POST of `{id, kind, company_id, site_id, created_at, payload}`.
  With a secret, `X-SiteCheck-Signature: sha256=<hex>` is the HMAC-SHA256 of
  `<X-SiteCheck-Timestamp>.<raw body>` under that secret; receivers recompute it and
  refuse old timestamps, so a captured request cannot be replayed later.
- `wecom`: a WeCom (企业微信) group robot message, `{"msgtype": "markdown",
  "markdown": {"content": ...}}`. The robot's key is part of its URL, so that URL is a
  secret in itself: the API never shows its query string again.

Destinations: http and https only, no credentials in the URL, and (unless
`webhook_allow_private` is set for an on-premise receiver) no loopback, private,
link-local or otherwise reserved address, checked when a webhook is created (literal
addresses) and again before every delivery (what the name resolves to then). IPv6
forms that carry an IPv4 address (mapped, IPv4-compatible, NAT64, 6to4) are judged by
the IPv4 address they reach; Teredo and local-use NAT64 are not public at all.
Redirects are not followed, because a redirect could point anywhere. A name can still
resolve differently between our check and httpx's own lookup a moment later (DNS
rebinding); closing that needs connecting to the checked address itself, which is
noted as a known limit.

What a delivery records for the tenant (`last_error`) is one of the fixed reasons
below or the receiver's own HTTP status, never a resolved address or a resolver's or
socket's message: those would tell a tenant what our internal names point to. The
detail goes to the worker's log, for the operator.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import anyio
import httpx

from api.db.models import WebhookFormat
from api.lib.errors import Invalid

log = logging.getLogger(__name__)

USER_AGENT = "SiteCheck-Webhooks/1"
TIMEOUT_S = 10.0
# WeCom refuses markdown content above 4096 bytes.
WECOM_MAX_BYTES = 4096
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

# What a failed delivery records (WebhookDelivery.last_error), besides "HTTP <status>"
# and a WeCom robot's own errcode.
DESTINATION_NOT_ALLOWED = "destination_not_allowed"
DESTINATION_UNRESOLVED = "destination_unresolved"
CONNECT_FAILED = "connect_failed"
TIMED_OUT = "timeout"
REQUEST_FAILED = "request_failed"

# IPv6 prefixes whose low 32 bits are an IPv4 address the packet ends up at: NAT64's
# well-known prefix (RFC 6052), IPv4-compatible (RFC 4291, deprecated) and
# IPv4-translated (RFC 2765). Mapped (::ffff:0:0/96) and 6to4 (2002::/16) have
# properties of their own in `ipaddress`.
_IPV4_IN_LOW_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
)
# Local-use NAT64 (RFC 8215) translates to whatever the operator's network holds; the
# `ipaddress` of Python 3.11 still calls it global.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
# Numbers the C resolver reads as an IPv4 address (127.1, 2130706433, 0x7f.0.0.1):
# `ipaddress` does not, but getaddrinfo and so httpx do.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


class WebhookUrlInvalid(Invalid):
    code = "webhook_url_invalid"
    title = "This webhook URL cannot be used"


class DestinationRefused(Exception):
    """The URL resolves to an address webhooks may not reach."""


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise WebhookUrlInvalid(f"not a URL: {exc}") from exc
    return parts


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that
    carry one in their bits."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _IPV4_IN_LOW_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return True
        embedded = _embedded_ipv4(address)
        if embedded is not None and _is_private(embedded):
            return True
    # Teredo (2001::/32) is not global either, whichever IPv4 addresses it carries.
    return not address.is_global or address.is_multicast


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as a number stands for, in every notation a
    resolver accepts; None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: str, *, allow_private: bool) -> str:
    """Validate a webhook URL as written; returns it unchanged. Raises WebhookUrlInvalid."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise WebhookUrlInvalid("the URL contains spaces or control characters")
    parts = _split(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlInvalid("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise WebhookUrlInvalid("the URL has no host")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and proxies; use the secret instead.
        raise WebhookUrlInvalid("credentials in the URL are not allowed; use `secret`")
    if not allow_private:
        host = parts.hostname.rstrip(".").lower()
        if host in _LOCAL_NAMES or host.endswith(".localhost"):
            raise WebhookUrlInvalid("webhooks cannot target this server's own network")
        literal = _literal_address(host)
        if literal is not None and _is_private(literal):
            raise WebhookUrlInvalid("webhooks cannot target private or reserved addresses")
    return url


def redact_url(url: str) -> str:
    """The URL without its query values (a WeCom robot's key lives there)."""
    parts = _split(url)
    if not parts.query:
        return url
    names = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    query = "&".join(f"{name}=***" for name in names)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Right before sending: refuse if the host now resolves to a forbidden address."""
    if allow_private:
        return
    parts = _split(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await anyio.getaddrinfo(host, port, type=0)
    except OSError as exc:
        raise ConnectionError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _is_private(address):
            # For the operator's log only (see the module's docstring).
            raise DestinationRefused(f"{host} resolves to the non-public address {address}")


@dataclass(frozen=True)
class EventMessage:
    """What a delivery sends about one event (plain data, not an ORM row)."""

    id: str
    kind: str
    company_id: str
    site_id: str | None
    created_at: datetime
    payload: dict[str, Any]


def json_body(event: EventMessage) -> bytes:
    body = {
        "id": event.id,
        "kind": event.kind,
        "company_id": event.company_id,
        "site_id": event.site_id,
        "created_at": event.created_at.isoformat(),
        "payload": event.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _markdown_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # Markdown structure from a worker's name or a note would garble the message.
    return text.replace("\n", " ").replace("<", "\u2039").replace(">", "\u203a")


def wecom_content(event: EventMessage) -> str:
    """A short human message: the event's `title` and `summary` when the publisher
    wrote them, otherwise its kind and scalar payload fields."""
    payload = event.payload
    title = payload.get("title") if isinstance(payload.get("title"), str) else event.kind
    lines = [f"**{_markdown_value(title)}**"]
    summary = payload.get("summary")
    if isinstance(summary, str) and summary:
        lines.append(f"> {_markdown_value(summary)}")
    else:
        for key, value in payload.items():
            if key != "title" and isinstance(value, str | int | float | bool):
                lines.append(f"> {key}: {_markdown_value(value)}")
    lines.append(f'<font color="comment">{event.kind} · {event.created_at.isoformat()}</font>')
    content = "\n".join(lines)
    encoded = content.encode()
    if len(encoded) > WECOM_MAX_BYTES:
        content = encoded[: WECOM_MAX_BYTES - 3].decode("utf-8", "ignore") + "..."
    return content


def wecom_body(event: EventMessage) -> bytes:
    message = {"msgtype": "markdown", "markdown": {"content": wecom_content(event)}}
    return json.dumps(message, ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def build_request(
    event: EventMessage, fmt: WebhookFormat, secret: str | None, delivery_id: str
) -> tuple[bytes, dict[str, str]]:
    body = wecom_body(event) if fmt is WebhookFormat.WECOM else json_body(event)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-SiteCheck-Event": event.kind,
        "X-SiteCheck-Delivery": delivery_id,
        "X-SiteCheck-Timestamp": timestamp,
    }
    if secret:
        headers["X-SiteCheck-Signature"] = signature(secret, timestamp, body)
    return body, headers


def _transport_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return TIMED_OUT
    if isinstance(exc, httpx.ConnectError):
        return CONNECT_FAILED
    return REQUEST_FAILED


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None
    error: str | None


async def send(
    url: str, body: bytes, headers: dict[str, str], fmt: WebhookFormat, *, allow_private: bool
) -> SendResult:
    """POST once. The receiver's failures are the result; only a destination our policy
    refuses raises (DestinationRefused), because retrying that cannot help."""
    try:
        await check_destination(url, allow_private=allow_private)
    except ConnectionError as exc:
        log.info("webhook destination not resolved: %s", exc)
        return SendResult(False, None, DESTINATION_UNRESOLVED)
    try:
        async with httpx.AsyncClient(
            timeout=TIMEOUT_S, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        log.info("webhook request to %s failed: %s: %s", redact_url(url), type(exc).__name__, exc)
        return SendResult(False, None, _transport_reason(exc))
    if not 200 <= response.status_code < 300:
        return SendResult(False, response.status_code, f"HTTP {response.status_code}")
    if fmt is WebhookFormat.WECOM:
        # The robot answers 200 with {"errcode": N} even when it refused the message
        # (bad key, rate limit 45009, content too long).
        try:
            answer = response.json()
        except ValueError:
            answer = None
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        if errcode != 0:
            detail = answer.get("errmsg") if isinstance(answer, dict) else response.text[:200]
            return SendResult(False, response.status_code, f"WeCom errcode {errcode}: {detail}")
    return SendResult(True, response.status_code, None)
