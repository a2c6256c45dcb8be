"""Attendance: faces, punches, reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.authz.case import Case, R, by_role
from tests.factories import World

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
]

CASES: list[Case] = [*FACE_CASES]
