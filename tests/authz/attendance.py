"""Attendance: faces, punches, reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.authz.case import TENANT, Case, R, by_role
from tests.support import punching
from tests.support.factories import World

# --- faces: anyone for themselves; admins, managers and foremen for people they see.
# The target is company A's worker; a safety officer sees only themselves (404).
_FACE = Path(__file__).resolve().parent.parent / "data" / "faces" / "obama.jpg"
_FACE_SCOPE = by_role(
    {R.ADMIN: 200, R.MANAGER: 200, R.FOREMAN: 200, R.WORKER: 200, R.SAFETY_OFFICER: 404}
)


def _face_url(w: World) -> str:
    return f"/api/users/{w.a.users[R.WORKER].id}/face"


def _face_form(w: World) -> dict[str, Any]:
    return {"image": ("selfie.jpg", _FACE.read_bytes(), "image/jpeg"), "consent": "true"}


async def _enrolled_worker(api: httpx.AsyncClient, w: World) -> None:
    worker = w.a.users[R.WORKER]
    parts = _face_form(w)
    response = await api.put(
        _face_url(w),
        files={"image": parts["image"]},
        data={"consent": parts["consent"]},
        headers=w.headers(worker),
    )
    assert response.status_code == 200, response.text


FACE_CASES = [
    Case(
        "PUT",
        "/api/users/{user_id:uuid}/face",
        _FACE_SCOPE,
        _face_url,
        files=_face_form,
        scoped_object=True,
    ),
    Case("GET", "/api/users/{user_id:uuid}/face", _FACE_SCOPE, _face_url, scoped_object=True),
    Case(
        "DELETE",
        "/api/users/{user_id:uuid}/face",
        {**_FACE_SCOPE, **{r: 204 for r, s in _FACE_SCOPE.items() if s == 200}},
        _face_url,
        scoped_object=True,
    ),
    # Confirming a re-enrolled face is for those who decide punches in review.
    Case(
        "POST",
        "/api/users/{user_id:uuid}/face/verify",
        by_role({R.ADMIN: 200, R.MANAGER: 200}),
        lambda w: f"{_face_url(w)}/verify",
        setup=_enrolled_worker,
        scoped_object=True,
    ),
]


# --- punches and reports. Everyone on a site punches for themselves; foremen co-sign
# for their crews; managers and admins decide reviews and export.
def _punch_form(w: World) -> dict[str, Any]:
    return punching.parts(punching.meta(w.a.site))


async def _worker_punches(api: httpx.AsyncClient, w: World) -> None:
    """Punches in review (cosign_required: the worker has no face templates), one per
    call that may act on one, so a co-sign or review by one role never blocks the next."""
    ids = []
    for _ in range(12):
        body = punching.meta(w.a.site)
        response = await punching.post_punch(api, w.headers(w.a.users[R.WORKER]), body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    w.extra["punches"] = ids


def _next_punch(suffix: str) -> Callable[[World], str]:
    def url(w: World) -> str:
        ids = w.extra["punches"]
        return f"/api/attendance/punches/{ids.pop() if len(ids) > 1 else ids[0]}{suffix}"

    return url


_ON_SITE = by_role({r: 200 for r in TENANT})
PUNCH_CASES = [
    Case(
        "POST",
        "/api/attendance/punches",
        by_role({r: 201 for r in TENANT}),
        lambda w: "/api/attendance/punches",
        files=_punch_form,
        # The form names company A's site: company B gets 404 site_not_found.
        scoped_object=True,
    ),
    Case("GET", "/api/attendance/punches", _ON_SITE, lambda w: "/api/attendance/punches"),
    Case(
        "GET",
        "/api/attendance/punches/{punch_id:uuid}",
        _ON_SITE,
        _next_punch(""),
        setup=_worker_punches,
        scoped_object=True,
    ),
    Case(
        "POST",
        "/api/attendance/punches/{punch_id:uuid}/cosign",
        by_role({R.ADMIN: 200, R.MANAGER: 200, R.FOREMAN: 200}),
        _next_punch("/cosign"),
        lambda w: {"note": "seen at the gate"},
        setup=_worker_punches,
        scoped_object=True,
    ),
    Case(
        "POST",
        "/api/attendance/punches/{punch_id:uuid}/review",
        by_role({R.ADMIN: 200, R.MANAGER: 200}),
        _next_punch("/review"),
        lambda w: {"decision": "accept"},
        setup=_worker_punches,
        scoped_object=True,
    ),
    Case(
        "GET",
        "/api/attendance/daily",
        by_role({R.ADMIN: 200, R.MANAGER: 200, R.SAFETY_OFFICER: 200, R.FOREMAN: 200}),
        lambda w: f"/api/attendance/daily?site_id={w.a.site.id}&date=2026-11-20",
        scoped_object=True,
    ),
    Case(
        "GET",
        "/api/attendance/export",
        by_role({R.ADMIN: 200, R.MANAGER: 200}),
        lambda w: f"/api/attendance/export?site_id={w.a.site.id}&from=2026-11-01&to=2026-11-20",
        scoped_object=True,
    ),
]

CASES: list[Case] = [*FACE_CASES, *PUNCH_CASES]
