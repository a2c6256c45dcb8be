"""Inspections, photos, hazards and rectifications."""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

import httpx
from PIL import Image

from tests.authz.case import TENANT, Case, R, by_role
from tests.support.factories import World
from tests.support.images import encode

# Every tenant role may inspect and photograph on the sites it sees; workers see only
# the inspections they made, so the objects below are the worker's own.
ANY_TENANT = by_role({r: 201 for r in TENANT})


@cache
def small_jpeg() -> bytes:
    return encode(Image.new("RGB", (64, 48), (90, 120, 150)), "JPEG", quality=80)


def photo_parts(site_id: uuid.UUID | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": str(uuid.uuid4()), "captured_at": "2026-11-21T08:00:00+08:00"}
    if site_id is not None:
        meta["site_id"] = str(site_id)
    return {"file": ("p.jpg", small_jpeg(), "image/jpeg"), "meta": json.dumps(meta)}


async def worker_inspection(api: httpx.AsyncClient, w: World) -> None:
    worker = w.a.users[R.WORKER]
    response = await api.post(
        "/api/inspections",
        json={"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "title": "Scaffold check"},
        headers=w.headers(worker),
    )
    assert response.status_code == 201, response.text
    w.extra["inspection_id"] = response.json()["id"]


async def worker_photo(api: httpx.AsyncClient, w: World) -> None:
    await worker_inspection(api, w)
    parts = photo_parts()
    response = await api.post(
        f"/api/inspections/{w.extra['inspection_id']}/photos",
        files={"file": parts["file"]},
        data={"meta": parts["meta"]},
        headers=w.headers(w.a.users[R.WORKER]),
    )
    assert response.status_code == 201, response.text
    w.extra["photo_id"] = response.json()["id"]


CASES: list[Case] = [
    Case(
        "POST",
        "/api/inspections",
        ANY_TENANT,
        lambda w: "/api/inspections",
        lambda w: {"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "title": "Daily walk"},
    ),
    Case(
        "GET", "/api/inspections", by_role({r: 200 for r in TENANT}), lambda w: "/api/inspections"
    ),
    Case(
        "GET",
        "/api/inspections/{inspection_id:uuid}",
        by_role({r: 200 for r in TENANT}),
        lambda w: f"/api/inspections/{w.extra['inspection_id']}",
        scoped_object=True,
        setup=worker_inspection,
    ),
    Case(
        "POST",
        "/api/inspections/{inspection_id:uuid}/photos",
        ANY_TENANT,
        lambda w: f"/api/inspections/{w.extra['inspection_id']}/photos",
        files=lambda w: photo_parts(),
        scoped_object=True,
        setup=worker_inspection,
    ),
    Case(
        "POST",
        "/api/photos",
        ANY_TENANT,
        lambda w: "/api/photos",
        files=lambda w: photo_parts(w.a.site.id),
    ),
    Case(
        "GET",
        "/api/photos/{photo_id:uuid}",
        by_role({r: 200 for r in TENANT}),
        lambda w: f"/api/photos/{w.extra['photo_id']}",
        scoped_object=True,
        setup=worker_photo,
    ),
    Case(
        "GET",
        "/api/photos/{photo_id:uuid}/file",
        by_role({r: 307 for r in TENANT}),
        lambda w: f"/api/photos/{w.extra['photo_id']}/file?variant=thumb",
        scoped_object=True,
        setup=worker_photo,
    ),
]


# --- hazards: reviewers (admin, manager, safety officer) decide; fixes are listed by
# reviewers for their sites and by anyone for what is assigned to them.
REVIEWERS = {R.ADMIN: 200, R.MANAGER: 200, R.SAFETY_OFFICER: 200}


async def open_hazard(api: httpx.AsyncClient, w: World) -> None:
    """A flagged photo straight in the database: the model's verdict is not what this
    matrix is about (tests/integration/hazards/test_hazards.py runs the model)."""
    await worker_photo(api, w)
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(w.settings.db.url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE photos SET hazard_status = 'flagged' WHERE id = :p"),
                {"p": w.extra["photo_id"]},
            )
            hazard_ids = []
            for _ in range(len(R)):
                # One hazard per role that may review, so each decision finds one open.
                hazard_id = uuid.uuid4()
                photo_id = uuid.uuid4()
                await conn.execute(
                    text(
                        "INSERT INTO photos (id, company_id, site_id, uploaded_by, key, thumb_key,"
                        " sha256, content_type, width, height, bytes, source_sha256,"
                        " source_format, source_bytes, source_width, source_height,"
                        " hazard_status, hazard_attempts)"
                        " SELECT :new, company_id, site_id, uploaded_by, key, thumb_key, sha256,"
                        " content_type, width, height, bytes, source_sha256, source_format,"
                        " source_bytes, source_width, source_height, 'flagged', 1"
                        " FROM photos WHERE id = :p"
                    ),
                    {"new": photo_id, "p": w.extra["photo_id"]},
                )
                await conn.execute(
                    text(
                        "INSERT INTO hazards (id, company_id, site_id, photo_id, status, model,"
                        " top_score) SELECT :h, company_id, site_id, id, 'open', 'test', 0.9"
                        " FROM photos WHERE id = :p"
                    ),
                    {"h": hazard_id, "p": photo_id},
                )
                hazard_ids.append(hazard_id)
    finally:
        await engine.dispose()
    w.extra["hazard_ids"] = hazard_ids


def _next_hazard(w: World) -> str:
    ids: list[uuid.UUID] = w.extra["hazard_ids"]
    return f"/api/hazards/{ids.pop()}/review"


async def open_rectification(api: httpx.AsyncClient, w: World) -> None:
    """A confirmed hazard with its fix assigned to the worker, plus an after photo."""
    await open_hazard(api, w)
    officer = w.headers(w.a.users[R.SAFETY_OFFICER])
    confirmed = await api.post(
        _next_hazard(w),
        json={"decision": "confirm", "assignee_id": str(w.a.users[R.WORKER].id)},
        headers=officer,
    )
    assert confirmed.status_code == 200, confirmed.text
    w.extra["rectification_id"] = confirmed.json()["rectification_id"]
    parts = photo_parts(w.a.site.id)
    after = await api.post(
        "/api/photos",
        files={"file": parts["file"]},
        data={"meta": parts["meta"]},
        headers=w.headers(w.a.users[R.WORKER]),
    )
    assert after.status_code == 201, after.text
    w.extra["after_photo_id"] = after.json()["id"]


HAZARD_CASES: list[Case] = [
    Case("GET", "/api/hazards", by_role(REVIEWERS), lambda w: "/api/hazards"),
    Case(
        "POST",
        "/api/hazards/{hazard_id:uuid}/review",
        by_role(REVIEWERS),
        _next_hazard,
        lambda w: {"decision": "dismiss", "note": "false positive"},
        scoped_object=True,
        setup=open_hazard,
    ),
    Case(
        "GET",
        "/api/rectifications",
        by_role({r: 200 for r in TENANT}),
        lambda w: "/api/rectifications",
    ),
    # Closing with a photo the model has not seen yet: 202 verifying for the reviewers
    # and the assignee (worker); the foreman is neither (404). After the first accepted
    # close the fix is `verifying`, and a later close by another role is the same 202.
    Case(
        "POST",
        "/api/rectifications/{rectification_id:uuid}/close",
        by_role(
            {R.ADMIN: 202, R.MANAGER: 202, R.SAFETY_OFFICER: 202, R.WORKER: 202, R.FOREMAN: 404}
        ),
        lambda w: f"/api/rectifications/{w.extra['rectification_id']}/close",
        lambda w: {"note": "fixed", "photo_id": w.extra["after_photo_id"]},
        scoped_object=True,
        setup=open_rectification,
    ),
    # Feedback for retraining: reviewers only; naming a site of company A is a 404 to
    # company B. The export of a site with nothing reviewed is a valid, empty zip.
    Case(
        "GET",
        "/api/hazards/precision",
        by_role(REVIEWERS),
        lambda w: f"/api/hazards/precision?site_id={w.a.site.id}",
        scoped_object=True,
    ),
    # The model's measured quality: whoever reviews its flags may read it.
    Case(
        "GET",
        "/api/hazards/model",
        by_role(REVIEWERS),
        lambda w: f"/api/hazards/model?site_id={w.a.site.id}",
        scoped_object=True,
    ),
    Case(
        "GET",
        "/api/hazards/export",
        by_role(REVIEWERS),
        lambda w: f"/api/hazards/export?site_id={w.a.site.id}&limit=10",
        scoped_object=True,
    ),
]
CASES += HAZARD_CASES
