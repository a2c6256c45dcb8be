"""Structured JSON logs, one access line per request, all tagged with the request id."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.lib.context import job_var, request_id_var

access_logger = logging.getLogger("sitecheck.access")

REQUEST_ID_STATE_KEY = "request_id"

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# uvicorn adds "color_message", an ANSI-coloured copy of msg meant for terminals.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (rid := request_id_var.get()) is not None:
            entry["request_id"] = rid
        if (job := job_var.get()) is not None:
            entry.update(job)
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log would duplicate ours, without the request id.
    logging.getLogger("uvicorn.access").disabled = True


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request an id (the client's X-Request-ID if it is sane) and log one
    structured line per request. The id is echoed by `security_headers_hook`, which also
    sees the responses Litestar's outer exception handler sends (e.g. a 401 from the JWT
    middleware) that never pass through this middleware's `send`."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})[REQUEST_ID_STATE_KEY] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500
        user_id: str | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, user_id
            if message["type"] == "http.response.start":
                status = message["status"]
                # Read from the instance dict: touching the ORM attribute after a rollback
                # would try to reload it through a session that is already gone.
                user_id = str(vars(scope["user"]).get("id")) if scope.get("user") else None
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        except Exception as exc:
            # Answered by the outer exception handler after this frame: log its status.
            status = int(getattr(exc, "status_code", 500))
            raise
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            request_id_var.reset(token)

    return middleware
