"""The hazard loop end to end on the real stack: upload -> model -> queue -> review ->
rectification -> close with an after photo, plus failures and sweepers."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import REPO_ROOT, Settings
from api.db.models import Photo, Role
from api.db.models.base import utcnow
from api.domain.hazards.jobs import raise_overdue, requeue_stale
from api.jobs.app import job_app_open
from api.jobs.enqueue import job_queue_scope
from api.jobs.runtime import JobRuntime, set_job_runtime
from api.jobs.worker import run_until_idle
from inference.hazard import default_detector
from storage.s3 import ObjectStore
from tests.support.factories import World
from tests.support.images import encode, photo

# Kept in the repository (tests/data), so these tests run wherever the checkout is.
BUS = REPO_ROOT / "tests" / "data" / "hazard" / "bus.jpg"


async def _inspection(api: httpx.AsyncClient, world: World) -> str:
    response = await api.post(
        "/api/inspections",
        json={"id": str(uuid.uuid4()), "site_id": str(world.a.site.id), "title": "Gate"},
        headers=world.headers(world.a.users[Role.WORKER]),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _upload(
    api: httpx.AsyncClient, world: World, data: bytes, inspection_id: str | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": str(uuid.uuid4())}
    url = f"/api/inspections/{inspection_id}/photos" if inspection_id else "/api/photos"
    if inspection_id is None:
        meta["site_id"] = str(world.a.site.id)
    response = await api.post(
        url,
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=world.headers(world.a.users[Role.WORKER]),
        timeout=60,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _photo(api: httpx.AsyncClient, world: World, photo_id: str) -> dict[str, Any]:
    response = await api.get(
        f"/api/photos/{photo_id}", headers=world.headers(world.a.users[Role.SAFETY_OFFICER])
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _clear_scene() -> bytes:
    return encode(photo(1600, 1200, seed=11), "JPEG", quality=85)


async def test_flagged_photo_review_rectify_and_close(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    inspection_id = await _inspection(api, world)
    uploaded = await _upload(api, world, BUS.read_bytes(), inspection_id)
    assert uploaded["hazard"]["status"] == "pending"

    await run_until_idle(settings)
    checked = await _photo(api, world, uploaded["id"])
    hazard = checked["hazard"]
    assert hazard["status"] == "flagged"
    assert hazard["model"].startswith("hardhat_finetune_480")
    bare = [d for d in hazard["detections"] if d["label"] == "Without Helmet" and d["hazard"]]
    assert bare
    for d in bare:
        x1, y1, x2, y2 = d["box"]
        assert 0 <= x1 < x2 <= checked["width"]
        assert 0 <= y1 < y2 <= checked["height"]
        assert d["score"] >= (default_detector().policy.rule("Without Helmet").threshold or 1)

    queue = await api.get(f"/api/hazards?site_id={world.a.site.id}&status=open", headers=officer)
    assert queue.status_code == 200
    items = queue.json()["items"]
    assert [i["photo"]["id"] for i in items] == [uploaded["id"]]
    hazard_id = items[0]["id"]

    foreman = world.a.users[Role.FOREMAN]
    confirmed = await api.post(
        f"/api/hazards/{hazard_id}/review",
        json={
            "decision": "confirm",
            "note": "no helmets at the gate",
            "assignee_id": str(foreman.id),
        },
        headers=officer,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    fix_id = confirmed.json()["rectification_id"]
    again = await api.post(
        f"/api/hazards/{hazard_id}/review", json={"decision": "dismiss"}, headers=officer
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"

    # The assignee sees it; closing without an after photo is refused.
    mine = await api.get("/api/rectifications", headers=world.headers(foreman))
    assert [r["id"] for r in mine.json()["items"]] == [fix_id]
    no_photo = await api.post(
        f"/api/rectifications/{fix_id}/close", json={"note": "done"}, headers=officer
    )
    assert no_photo.status_code == 400
    assert no_photo.json()["code"] == "validation_error"

    # An after photo that still shows bare heads keeps it open, unless overridden: sent
    # before the model saw it, the close waits (202) and the check reopens the fix;
    # sent again once checked, it is refused at once.
    still_bad = await _upload(api, world, encode(Image.open(BUS).convert("RGB"), "JPEG"))
    waiting = await api.post(
        f"/api/rectifications/{fix_id}/close",
        json={"note": "fixed", "photo_id": still_bad["id"]},
        headers=officer,
    )
    assert waiting.status_code == 202, waiting.text
    await run_until_idle(settings)
    reopened = (await api.get("/api/rectifications?status=open", headers=officer)).json()
    assert [r["refused_reason"] for r in reopened["items"]] == ["after_photo_flagged"]
    refused = await api.post(
        f"/api/rectifications/{fix_id}/close",
        json={"note": "fixed", "photo_id": still_bad["id"]},
        headers=officer,
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "after_photo_flagged"

    # A clear after photo, closed before the model has seen it: 202, then closed.
    after = await _upload(api, world, _clear_scene())
    closing = await api.post(
        f"/api/rectifications/{fix_id}/close",
        json={"note": "helmets issued, gate sign up", "photo_id": after["id"]},
        headers=officer,
    )
    assert closing.status_code == 202, closing.text
    assert closing.json()["status"] == "verifying"
    await run_until_idle(settings)
    assert (await _photo(api, world, after["id"]))["hazard"]["status"] == "clear"
    done = await api.get("/api/rectifications?status=closed", headers=officer)
    closed = done.json()["items"]
    assert [r["id"] for r in closed] == [fix_id]
    assert closed[0]["after_photo_id"] == after["id"]
    assert closed[0]["closed_by"] == str(world.a.users[Role.SAFETY_OFFICER].id)
    # After photos are judged by their fix, never queued as hazards of their own; the
    # original hazard is confirmed.
    open_queue = await api.get("/api/hazards?status=open", headers=officer)
    assert open_queue.json()["items"] == []


async def test_override_closes_a_flagged_after_photo_and_dismiss_records_false_positive(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    first = await _upload(api, world, BUS.read_bytes())
    second = await _upload(api, world, encode(Image.open(BUS).convert("RGB").rotate(3), "JPEG"))
    await run_until_idle(settings)
    queue = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"]
    by_photo = {i["photo"]["id"]: i["id"] for i in queue}
    dismissed = await api.post(
        f"/api/hazards/{by_photo[second['id']]}/review",
        json={"decision": "dismiss", "note": "poster on the bus, not a person"},
        headers=officer,
    )
    assert dismissed.json()["status"] == "dismissed"
    confirmed = await api.post(
        f"/api/hazards/{by_photo[first['id']]}/review",
        json={"decision": "confirm"},
        headers=officer,
    )
    fix_id = confirmed.json()["rectification_id"]
    after = await _upload(api, world, encode(Image.open(BUS).convert("RGB").rotate(-3), "JPEG"))
    closing = await api.post(
        f"/api/rectifications/{fix_id}/close",
        json={"note": "barrier up", "photo_id": after["id"]},
        headers=officer,
    )
    assert closing.status_code == 202, closing.text
    await run_until_idle(settings)
    overridden = await api.post(
        f"/api/rectifications/{fix_id}/close",
        json={
            "note": "the people are visitors behind the barrier",
            "photo_id": after["id"],
            "override": True,
        },
        headers=officer,
    )
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["status"] == "closed"
    assert overridden.json()["override"] is True
    # Both attempts are on the record: who asked, with which photo, note and override.
    audit = await api.get(
        f"/api/audit?entity=rectification&entity_id={fix_id}",
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    entries = {e["action"]: e for e in audit.json()["items"]}
    assert entries["close"]["actor_id"] == str(world.a.users[Role.SAFETY_OFFICER].id)
    assert entries["close"]["after"] == {
        "photo_id": after["id"],
        "override": True,
        "note": "the people are visitors behind the barrier",
        "status": "closed",
    }
    assert entries["close"]["before"]["status"] == "open"
    assert entries["close_requested"]["after"]["override"] is False
    dismissed_list = await api.get("/api/hazards?status=dismissed", headers=officer)
    assert [i["review_note"] for i in dismissed_list.json()["items"]] == [
        "poster on the bus, not a person"
    ]


async def _with_runtime(settings: Settings) -> JobRuntime:
    runtime = JobRuntime.create(settings)
    set_job_runtime(runtime)
    return runtime


async def test_a_photo_never_stays_pending_and_fails_after_n_tries(
    api: httpx.AsyncClient, world: World, settings: Settings, engine: AsyncEngine
) -> None:
    lost = await _upload(api, world, _clear_scene())
    broken = await _upload(api, world, BUS.read_bytes())
    async with engine.begin() as conn:
        # As if the process died before queueing the check, ten minutes ago.
        await conn.execute(text("DELETE FROM procrastinate_jobs"))
        await conn.execute(
            update(Photo)
            .where(Photo.id.in_([uuid.UUID(lost["id"]), uuid.UUID(broken["id"])]))
            .values(updated_at=utcnow() - timedelta(minutes=30))
        )
        key = (
            await conn.execute(select(Photo.key).where(Photo.id == uuid.UUID(broken["id"])))
        ).scalar_one()
        # The model cannot read a photo whose object is gone: every try fails.
        await conn.execute(
            update(Photo)
            .where(Photo.id == uuid.UUID(broken["id"]))
            .values(hazard_attempts=2, updated_at=utcnow() - timedelta(minutes=30))
        )
    await ObjectStore(settings.s3).delete(key)
    runtime = await _with_runtime(settings)
    try:
        async with job_app_open(settings.db.url):
            # Run by hand, as the worker would: the checks it asks for are deferred once
            # it has returned.
            with job_queue_scope() as jobs:
                assert await requeue_stale(timestamp=0) == 2
                assert await jobs.flush() == 2
    finally:
        set_job_runtime(None)
        await runtime.engine.dispose()
    await run_until_idle(settings)
    assert (await _photo(api, world, lost["id"]))["hazard"]["status"] == "clear"
    failed = (await _photo(api, world, broken["id"]))["hazard"]
    assert failed["status"] == "failed"
    assert failed["error"]


async def test_overdue_fix_raises_one_event(
    api: httpx.AsyncClient, world: World, settings: Settings, engine: AsyncEngine
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    await _upload(api, world, BUS.read_bytes())
    await run_until_idle(settings)
    hazard_id = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"][0][
        "id"
    ]
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    confirmed = await api.post(
        f"/api/hazards/{hazard_id}/review",
        json={"decision": "confirm", "due_at": yesterday},
        headers=officer,
    )
    assert confirmed.status_code == 200
    late = await api.get("/api/rectifications?overdue=true", headers=officer)
    assert late.json()["items"][0]["overdue"] is True
    runtime = await _with_runtime(settings)
    try:
        async with job_app_open(settings.db.url):
            assert await raise_overdue(timestamp=0) == 1
            assert await raise_overdue(timestamp=0) == 0
    finally:
        set_job_runtime(None)
        await runtime.engine.dispose()
    async with engine.connect() as conn:
        kinds = (await conn.execute(text("SELECT kind FROM events"))).scalars().all()
    assert kinds == ["rectification.overdue"]


async def _flagged_hazards(
    api: httpx.AsyncClient, world: World, settings: Settings, count: int
) -> list[dict[str, Any]]:
    """`count` photos the model flags (the bus, turned a little each time), checked:
    open hazards in the queue, in upload order."""
    uploads = [
        await _upload(api, world, encode(Image.open(BUS).convert("RGB").rotate(2 * i), "JPEG"))
        for i in range(count)
    ]
    await run_until_idle(settings)
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    queue = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"]
    by_photo = {i["photo"]["id"]: i for i in queue}
    return [by_photo[u["id"]] for u in uploads]


async def _confirm(api: httpx.AsyncClient, world: World, hazard_id: str) -> str:
    confirmed = await api.post(
        f"/api/hazards/{hazard_id}/review",
        json={"decision": "confirm", "assignee_id": str(world.a.users[Role.FOREMAN].id)},
        headers=world.headers(world.a.users[Role.SAFETY_OFFICER]),
    )
    assert confirmed.status_code == 200, confirmed.text
    fix_id: str = confirmed.json()["rectification_id"]
    return fix_id


async def test_closing_a_fix_never_erases_another_hazard(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    """Closing with another hazard's photo as the after photo used to delete that hazard
    (no audit row), and the assignee could force it with `override`."""
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    assignee = world.headers(world.a.users[Role.FOREMAN])
    fixed, other = await _flagged_hazards(api, world, settings, 2)
    fix_id = await _confirm(api, world, fixed["id"])
    url = f"/api/rectifications/{fix_id}/close"
    borrowed = {"note": "done", "photo_id": other["photo"]["id"]}

    forced = await api.post(url, json={**borrowed, "override": True}, headers=assignee)
    assert forced.status_code == 403, forced.text
    assert forced.json()["code"] == "override_not_allowed"
    for headers, override in ((assignee, False), (officer, False), (officer, True)):
        refused = await api.post(url, json={**borrowed, "override": override}, headers=headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "after_photo_is_hazard"
    queue = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"]
    assert [h["id"] for h in queue] == [other["id"]]

    # Decided, it is still that hazard's photo: dismissed as a false positive, too.
    dismissed = await api.post(
        f"/api/hazards/{other['id']}/review", json={"decision": "dismiss"}, headers=officer
    )
    assert dismissed.status_code == 200, dismissed.text
    refused = await api.post(url, json={**borrowed, "override": True}, headers=officer)
    assert refused.status_code == 409
    assert refused.json()["code"] == "after_photo_is_hazard"
    fix = (await api.get("/api/rectifications", headers=officer)).json()["items"][0]
    assert (fix["status"], fix["after_photo_id"]) == ("open", None)


async def test_override_is_a_reviewers_call_with_a_note(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    assignee = world.headers(world.a.users[Role.FOREMAN])
    (hazard,) = await _flagged_hazards(api, world, settings, 1)
    fix_id = await _confirm(api, world, hazard["id"])
    url = f"/api/rectifications/{fix_id}/close"
    after = await _upload(api, world, _clear_scene())
    forced = await api.post(
        url, json={"note": "trust me", "photo_id": after["id"], "override": True}, headers=assignee
    )
    assert forced.status_code == 403
    assert forced.json()["code"] == "override_not_allowed"
    silent = await api.post(
        url, json={"note": "  ", "photo_id": after["id"], "override": True}, headers=officer
    )
    assert silent.status_code == 422
    assert silent.json()["code"] == "note_required"
    # The assignee closes without overruling anything: the model decides.
    closing = await api.post(
        url, json={"note": "helmets issued", "photo_id": after["id"]}, headers=assignee
    )
    assert closing.status_code == 202, closing.text


async def test_one_after_photo_closes_one_fix(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    first, second = await _flagged_hazards(api, world, settings, 2)
    first_fix, second_fix = (
        await _confirm(api, world, first["id"]),
        await _confirm(api, world, second["id"]),
    )
    after = await _upload(api, world, _clear_scene())
    body = {"note": "cleared", "photo_id": after["id"]}
    closing = await api.post(f"/api/rectifications/{first_fix}/close", json=body, headers=officer)
    assert closing.status_code == 202, closing.text
    again = await api.post(f"/api/rectifications/{first_fix}/close", json=body, headers=officer)
    assert again.status_code == 202, again.text  # a resend for the same fix is fine
    reused = await api.post(f"/api/rectifications/{second_fix}/close", json=body, headers=officer)
    assert reused.status_code == 409, reused.text
    assert reused.json()["code"] == "after_photo_in_use"
