"""Dependencies every controller can ask for by name."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from api.db.models import User
from api.lib.context import Actor, request_id_var
from api.lib.pagination import provide_page

DEVICE_HEADER = "x-device-id"


def provide_actor(request: Request[User, Any, Any]) -> Actor:
    device = request.headers.get(DEVICE_HEADER)
    return Actor(
        user=request.user,
        ip=request.client.host if request.client else None,
        device_id=device[:128] if device else None,
        request_id=request_id_var.get(),
    )


dependencies = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "page": Provide(provide_page, sync_to_thread=False),
}
