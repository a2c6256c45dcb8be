"""Dependencies every controller can ask for by name, typed: a handler says
`settings: NamedDependency[Settings]` rather than reading the untyped `state.settings`."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from api.config import Settings
from api.db.models import User
from api.lib.context import Actor, request_id_var
from api.lib.pagination import provide_page
from storage.s3 import ObjectStore

DEVICE_HEADER = "x-device-id"


def provide_actor(request: Request[User, Any, Any]) -> Actor:
    device = request.headers.get(DEVICE_HEADER)
    return Actor(
        user=request.user,
        ip=request.client.host if request.client else None,
        device_id=device[:128] if device else None,
        request_id=request_id_var.get(),
    )


def provide_settings(state: State) -> Settings:
    """The settings read at start-up (api/app.py puts them in the app's state)."""
    settings: Settings = state.settings
    return settings


def provide_store(state: State) -> ObjectStore:
    """The app's one object store client (thread-safe; shared by every request)."""
    store: ObjectStore = state.store
    return store


dependencies = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "page": Provide(provide_page, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
}
