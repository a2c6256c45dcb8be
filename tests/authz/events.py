"""Events and webhooks: company admins manage webhooks; admins and managers read events."""

from __future__ import annotations

import httpx

from tests.authz.case import Case, R, by_role
from tests.support.factories import World, unique


def _hook_body(w: World) -> dict[str, object]:
    return {"url": f"https://hooks.example.com/{unique('h')}", "kinds": ["attendance.absent"]}


async def _make_hook(api: httpx.AsyncClient, w: World) -> None:
    response = await api.post(
        "/api/webhooks", json=_hook_body(w), headers=w.headers(w.a.users[R.ADMIN])
    )
    assert response.status_code == 201, response.text
    w.extra["webhook"] = response.json()["id"]


CASES = [
    Case("POST", "/api/webhooks", by_role({R.ADMIN: 201}), lambda w: "/api/webhooks", _hook_body),
    Case("GET", "/api/webhooks", by_role({R.ADMIN: 200}), lambda w: "/api/webhooks"),
    Case(
        "DELETE",
        "/api/webhooks/{webhook_id:uuid}",
        by_role({R.ADMIN: 204}),
        lambda w: f"/api/webhooks/{w.extra['webhook']}",
        setup=_make_hook,
        scoped_object=True,
    ),
    Case(
        "GET",
        "/api/webhooks/{webhook_id:uuid}/deliveries",
        by_role({R.ADMIN: 200}),
        lambda w: f"/api/webhooks/{w.extra['webhook']}/deliveries",
        setup=_make_hook,
        scoped_object=True,
    ),
    Case("GET", "/api/events", by_role({R.ADMIN: 200, R.MANAGER: 200}), lambda w: "/api/events"),
]
