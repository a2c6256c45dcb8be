"""Punches through the live API: every check gives its documented reason, replays never
store a second punch, co-signs and reviews settle punches, selfies expire."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import ConfigError, Settings
from api.db.models import IdempotencyKey, Punch, Role, WorkerDevice
from api.domain.attendance.jobs import purge_selfies
from api.jobs.app import job_app_open
from api.jobs.worker import run_until_idle
from storage.s3 import ObjectStore
from tests.support import punching
from tests.support.face_photos import face_bytes, group_photo, selfie, sideways_with_exif
from tests.support.factories import World, square

R = Role


def _worker(world: World) -> dict[str, str]:
    return world.headers(world.a.users[R.WORKER])


async def _enrol(api: httpx.AsyncClient, world: World, name: str = "obama") -> None:
    response = await api.put(
        f"/api/users/{world.a.users[R.WORKER].id}/face",
        files={"image": ("enrol.jpg", face_bytes(name), "image/jpeg")},
        data={"consent": "true"},
        headers=_worker(world),
    )
    assert response.status_code == 200, response.text


async def _punch(
    api: httpx.AsyncClient, world: World, selfie_bytes: bytes = punching.TINY_JPEG, **meta: Any
) -> dict[str, Any]:
    response = await punching.post_punch(
        api, _worker(world), punching.meta(world.a.site, **meta), selfie_bytes
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _count_punches(engine: AsyncEngine, **where: Any) -> int:
    query = select(func.count()).select_from(Punch)
    for name, value in where.items():
        query = query.where(getattr(Punch, name) == value)
    async with engine.connect() as conn:
        return int(await conn.scalar(query) or 0)


# ------------------------------------------------------------------------------ faces


async def test_enrolled_worker_inside_the_fence_is_accepted(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await _enrol(api, world)
    for name in ("obama2", "obama3"):
        body = await _punch(api, world, selfie(name), device_id="phone-1")
        assert body["status"] == "accepted", body
        assert body["reasons"] == []
        checks = body["checks"]
        assert checks["face"]["ok"] is True
        assert checks["face"]["distance"] < settings.faces.match_threshold
        assert checks["geofence"] == {"ok": True, "distance_m": 0.0}
        assert checks["accuracy"]["ok"]
        assert checks["clock"]["ok"]
        assert checks["device"]["ok"]
        assert body["age_s"] <= 5
        assert {"face_detect", "face_encode", "geofence", "db", "total"} <= set(body["timings_ms"])
    # The selfie is in the private store under the punch's id.
    store = ObjectStore(settings.s3)
    assert await store.exists(f"selfies/{world.a.company.id}/{body['id']}.jpg")


async def test_someone_else_is_rejected_with_face_mismatch(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await _enrol(api, world)
    body = await _punch(api, world, selfie("biden"))
    assert body["status"] == "rejected"
    assert body["reasons"] == ["face_mismatch"]
    assert body["checks"]["face"]["distance"] > settings.faces.match_threshold


async def test_unusable_selfies_go_to_review(api: httpx.AsyncClient, world: World) -> None:
    await _enrol(api, world)
    no_face = await _punch(api, world, punching.TINY_JPEG)
    assert (no_face["status"], no_face["reasons"]) == ("review", ["no_face"])
    crowd = await _punch(api, world, group_photo("obama2", "biden"))
    assert (crowd["status"], crowd["reasons"]) == ("review", ["multiple_faces"])


async def test_a_swapped_face_never_accepts_a_punch_until_a_manager_verifies_it(
    api: httpx.AsyncClient, world: World
) -> None:
    """Issue 16: the worker erases their face and enrols a friend's; the friend's selfies
    match, yet go to review (face_reenrolled) for the foreman and manager to see."""
    await _enrol(api, world, "obama")
    worker = world.a.users[R.WORKER]
    erased = await api.delete(f"/api/users/{worker.id}/face", headers=_worker(world))
    assert erased.status_code == 204
    await _enrol(api, world, "biden")
    friend = await _punch(api, world, selfie("biden"))
    assert friend["status"] == "review", friend
    assert friend["reasons"] == ["face_reenrolled", "cosign_required"]
    assert friend["checks"]["face"]["ok"] is True
    assert friend["checks"]["face"]["enrolment_verified"] is False
    # The foreman's list of punches to co-sign and the manager's review list show it.
    for role in (R.FOREMAN, R.MANAGER):
        waiting = await api.get(
            "/api/attendance/punches?status=review", headers=world.headers(world.a.users[role])
        )
        assert friend["id"] in {p["id"] for p in waiting.json()["items"]}, role

    manager = world.headers(world.a.users[R.MANAGER])
    verified = await api.post(f"/api/users/{worker.id}/face/verify", headers=manager)
    assert verified.status_code == 200, verified.text
    after = await _punch(api, world, selfie("biden"))
    assert (after["status"], after["reasons"]) == ("accepted", [])


async def test_sideways_selfie_with_exif_orientation_still_matches(
    api: httpx.AsyncClient, world: World
) -> None:
    await _enrol(api, world)
    body = await _punch(api, world, sideways_with_exif("obama2"))
    assert body["status"] == "accepted", body


# --------------------------------------------------------------------- place and time


async def test_outside_the_fence_unless_the_accuracy_circle_reaches_it(
    api: httpx.AsyncClient, world: World
) -> None:
    # The site square starts at lon 116.30; 116.2995 is ~43 m west of its edge.
    far = await _punch(api, world, lat=39.901, lon=116.2995, accuracy_m=10)
    assert far["status"] == "rejected"
    assert "outside_geofence" in far["reasons"]
    assert far["checks"]["geofence"]["ok"] is False
    assert 35 < far["checks"]["geofence"]["distance_m"] < 50
    near = await _punch(api, world, lat=39.901, lon=116.2995, accuracy_m=48)
    assert "outside_geofence" not in near["reasons"]
    assert near["checks"]["geofence"]["ok"] is True
    assert 35 < near["checks"]["geofence"]["distance_m"] < 50


async def test_bad_and_fake_accuracy_go_to_review(api: httpx.AsyncClient, world: World) -> None:
    # The factories' site keeps the default max_accuracy_m of 50.
    coarse = await _punch(api, world, accuracy_m=80)
    assert coarse["status"] == "review"
    assert "gps_inaccurate" in coarse["reasons"]
    assert coarse["checks"]["accuracy"] == {"ok": False, "accuracy_m": 80.0, "max_accuracy_m": 50}
    fake = await _punch(api, world, accuracy_m=0)
    assert "fake_gps_suspected" in fake["reasons"]
    assert "gps_inaccurate" not in fake["reasons"]
    # A mock-location app set to report a tiny radius instead of 0 (issue 16).
    tiny = await _punch(api, world, accuracy_m=0.3)
    assert "fake_gps_suspected" in tiny["reasons"]
    assert tiny["checks"]["accuracy"]["ok"] is False
    exact = await _punch(api, world, accuracy_m=50)
    assert not {"gps_inaccurate", "fake_gps_suspected"} & set(exact["reasons"])


async def test_clock_skew_and_offline_age(api: httpx.AsyncClient, world: World) -> None:
    now = datetime.now(UTC)
    ahead = await _punch(api, world, captured_at=(now + timedelta(hours=1)).isoformat())
    assert "clock_skew" in ahead["reasons"]
    assert ahead["status"] == "review"
    assert 3500 < ahead["checks"]["clock"]["skew_s"] <= 3600
    # Two minutes ahead is a phone clock's ordinary drift.
    drift = await _punch(api, world, captured_at=(now + timedelta(minutes=2)).isoformat())
    assert "clock_skew" not in drift["reasons"]
    # Two days offline: judged at capture time, marked with its age.
    offline_at = now - timedelta(days=2)
    offline = await _punch(api, world, captured_at=offline_at.isoformat())
    assert "clock_skew" not in offline["reasons"]
    assert "stale_punch" not in offline["reasons"]
    assert offline["checks"]["clock"]["ok"] is True
    assert 2 * 86400 <= offline["age_s"] <= 2 * 86400 + 10
    assert abs(datetime.fromisoformat(offline["captured_at"]) - offline_at) < timedelta(seconds=1)
    stale = await _punch(api, world, captured_at=(now - timedelta(days=8)).isoformat())
    assert "stale_punch" in stale["reasons"]


async def test_impossible_travel_between_sites(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[R.ADMIN])
    # A second site ~110 km north, where the worker is also staffed.
    far_site = await api.post(
        "/api/sites",
        json={"name": "North yard", "geofence": square(116.30, 40.90), "timezone": "Asia/Shanghai"},
        headers=admin,
    )
    assert far_site.status_code == 201
    site_id = far_site.json()["id"]
    worker = world.a.users[R.WORKER]
    staffed = await api.put(f"/api/sites/{site_id}/staff/{worker.id}", headers=admin)
    assert staffed.status_code == 204
    t0 = datetime.now(UTC) - timedelta(hours=3)
    first = await _punch(api, world, captured_at=t0.isoformat())
    assert first["checks"]["travel"] == {"ok": True, "speed_kmh": None, "compared_with": None}
    lat, lon = punching.inside(116.30, 40.90)
    jump = await _punch(
        api,
        world,
        site_id=site_id,
        lat=lat,
        lon=lon,
        captured_at=(t0 + timedelta(minutes=10)).isoformat(),
    )
    assert "impossible_travel" in jump["reasons"]
    assert jump["checks"]["travel"]["speed_kmh"] > 600
    assert jump["checks"]["travel"]["compared_with"] == first["id"]
    # Three hours later by car is fine.
    drive = await _punch(
        api,
        world,
        site_id=site_id,
        lat=lat,
        lon=lon,
        captured_at=(t0 + timedelta(hours=2, minutes=50)).isoformat(),
    )
    assert "impossible_travel" not in drive["reasons"]
    # An offline punch that arrives late is compared with the punch after it in time.
    late = await _punch(api, world, captured_at=(t0 + timedelta(minutes=5)).isoformat())
    assert "impossible_travel" in late["reasons"]
    assert late["checks"]["travel"]["compared_with"] == jump["id"]


async def test_a_new_device_goes_to_review_until_a_manager_accepts_it(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    first = await _punch(api, world, device_id="phone-1")
    assert first["checks"]["device"] == {"ok": True, "device_id": "phone-1", "first": True}
    again = await _punch(api, world, device_id="phone-1")
    assert "new_device" not in again["reasons"]
    other = await _punch(api, world, device_id="phone-2")
    assert "new_device" in other["reasons"]
    assert other["status"] == "review"
    still = await _punch(api, world, device_id="phone-2")
    assert "new_device" in still["reasons"]
    accepted = await api.post(
        f"/api/attendance/punches/{other['id']}/review",
        json={"decision": "accept", "note": "new phone, checked"},
        headers=world.headers(world.a.users[R.MANAGER]),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    now_known = await _punch(api, world, device_id="phone-2")
    assert "new_device" not in now_known["reasons"]
    async with engine.connect() as conn:
        rows = await conn.execute(select(WorkerDevice.device_id, WorkerDevice.bound))
        bound = {device: is_bound for device, is_bound in rows}
    assert bound == {"phone-1": True, "phone-2": True}


# --------------------------------------------------------------------------- replays


async def test_a_replay_returns_the_first_answer_and_stores_nothing_new(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    body = punching.meta(world.a.site)
    first = await punching.post_punch(api, _worker(world), body)
    assert first.status_code == 201
    again = await punching.post_punch(api, _worker(world), dict(reversed(list(body.items()))))
    assert again.status_code == 200
    assert again.json() == first.json()
    moved = await punching.post_punch(api, _worker(world), {**body, "lat": body["lat"] + 0.0001})
    assert moved.status_code == 409
    assert moved.json()["code"] == "id_conflict"
    other_selfie = await punching.post_punch(api, _worker(world), body, selfie("obama2"))
    assert other_selfie.status_code == 409
    assert await _count_punches(engine, id=uuid.UUID(body["id"])) == 1


async def test_racing_identical_punches_store_one_row(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    for _ in range(3):
        body = punching.meta(world.a.site)
        responses = await asyncio.gather(
            *(punching.post_punch(api, _worker(world), body) for _ in range(8))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 7 + [201], [r.text for r in responses]
        assert all(r.json() == responses[0].json() for r in responses)
        ident = uuid.UUID(body["id"])
        assert await _count_punches(engine, id=ident) == 1
        async with engine.connect() as conn:
            keys = await conn.scalar(
                select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.id == ident)
            )
        assert keys == 1


# ------------------------------------------------------------------------- bad input


async def test_bad_uploads_get_codes_and_store_nothing(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    headers = _worker(world)
    body = punching.meta(world.a.site)

    not_image = await punching.post_punch(api, headers, body, b"%PDF-1.7 not a selfie")
    assert (not_image.status_code, not_image.json()["code"]) == (422, "image_invalid")

    huge = punching.TINY_JPEG + b"\0" * (10 * 1024 * 1024)
    too_big = await punching.post_punch(api, headers, body, huge)
    assert (too_big.status_code, too_big.json()["code"]) == (413, "file_too_large")

    def form(meta_part: str) -> dict[str, Any]:
        return {
            "files": {"selfie": ("s.jpg", punching.TINY_JPEG, "image/jpeg")},
            "data": {"meta": meta_part},
        }

    url = "/api/attendance/punches"
    broken = await api.post(url, headers=headers, **form('{"id": '))
    assert (broken.status_code, broken.json()["code"]) == (400, "malformed_json")
    for bad in (
        {k: v for k, v in body.items() if k != "kind"},
        {**body, "kind": "lunch"},
        {**body, "captured_at": "2026-11-20T08:00:00"},  # no offset
        {**body, "accuracy_m": -1},
        {**body, "extra": 1},
    ):
        response = await api.post(url, headers=headers, **form(json.dumps(bad)))
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["code"] == "validation_error"
    # Multipart with the meta part only: the selfie is required.
    no_selfie = await api.post(url, headers=headers, files={"meta": (None, json.dumps(body))})
    assert no_selfie.status_code == 400
    assert no_selfie.json()["code"] == "validation_error"
    not_multipart = await api.post(url, headers=headers, data={"meta": json.dumps(body)})
    assert not_multipart.status_code == 400

    off_earth = await punching.post_punch(api, headers, {**body, "lat": 95.0})
    assert (off_earth.status_code, off_earth.json()["code"]) == (422, "coordinates_invalid")
    elsewhere = await punching.post_punch(api, headers, {**body, "site_id": str(world.b.site.id)})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "site_not_found")

    assert await _count_punches(engine) == 0
    # The id is still free for the real punch.
    assert (await punching.post_punch(api, headers, body)).status_code == 201


# ---------------------------------------------------------------- the non-face path


async def test_a_worker_without_consent_is_cosigned_by_the_foreman(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    body = await _punch(api, world)
    assert body["status"] == "review"
    assert body["reasons"] == ["not_enrolled", "cosign_required"]
    assert body["checks"]["face"] == {"ok": False, "distance": None, "reason": "not_enrolled"}
    # No consent, no face data: the selfie was neither analysed nor kept.
    store = ObjectStore(settings.s3)
    assert not await store.exists(f"selfies/{world.a.company.id}/{body['id']}.jpg")

    url = f"/api/attendance/punches/{body['id']}/cosign"
    by_worker = await api.post(url, json={}, headers=_worker(world))
    assert by_worker.status_code == 403
    foreman = world.headers(world.a.users[R.FOREMAN])
    signed = await api.post(url, json={"note": "at the gate at 7:58"}, headers=foreman)
    assert signed.status_code == 200, signed.text
    after = signed.json()
    assert after["status"] == "accepted"
    assert after["cosigned_by"] == str(world.a.users[R.FOREMAN].id)
    assert after["review_note"] == "at the gate at 7:58"
    # A resend of the same co-sign answers the same; another co-signer is refused.
    resent = await api.post(url, json={"note": "at the gate at 7:58"}, headers=foreman)
    assert resent.status_code == 200
    assert resent.json()["status"] == "accepted"
    manager = await api.post(url, json={}, headers=world.headers(world.a.users[R.MANAGER]))
    assert (manager.status_code, manager.json()["code"]) == (409, "already_cosigned")
    # Company B's foreman cannot even see it.
    outsider = await api.post(url, json={}, headers=world.headers(world.b.users[R.FOREMAN]))
    assert (outsider.status_code, outsider.json()["code"]) == (404, "punch_not_found")


async def test_a_cosign_vouches_for_the_person_not_for_the_rest(
    api: httpx.AsyncClient, world: World
) -> None:
    """Issue 16: a co-sign settles who punched; a punch that was also stale, inaccurate
    and from a new phone stays in review with those reasons, for a manager."""
    await _punch(api, world)  # binds phone-1
    stale_at = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    body = await _punch(api, world, accuracy_m=80, captured_at=stale_at, device_id="phone-2")
    assert body["reasons"] == [
        "gps_inaccurate",
        "stale_punch",
        "not_enrolled",
        "cosign_required",
        "new_device",
    ]
    foreman = world.headers(world.a.users[R.FOREMAN])
    url = f"/api/attendance/punches/{body['id']}/cosign"
    signed = await api.post(url, json={"note": "I saw him"}, headers=foreman)
    assert signed.status_code == 200, signed.text
    after = signed.json()
    assert after["status"] == "review"
    assert after["reasons"] == ["gps_inaccurate", "stale_punch", "new_device"]
    assert after["cosigned_by"] == str(world.a.users[R.FOREMAN].id)
    # A resend answers the same; the manager then decides the rest.
    assert (await api.post(url, json={"note": "I saw him"}, headers=foreman)).json() == after
    manager = world.headers(world.a.users[R.MANAGER])
    decided = await api.post(
        f"/api/attendance/punches/{body['id']}/review",
        json={"decision": "accept", "note": "known outage"},
        headers=manager,
    )
    assert (decided.status_code, decided.json()["status"]) == (200, "accepted")


async def test_a_cosign_settles_an_unconfirmed_reenrolment(
    api: httpx.AsyncClient, world: World
) -> None:
    await _enrol(api, world, "obama")
    worker = world.a.users[R.WORKER]
    await api.delete(f"/api/users/{worker.id}/face", headers=_worker(world))
    await _enrol(api, world, "obama2")
    body = await _punch(api, world, selfie("obama3"))
    assert (body["status"], body["reasons"]) == ("review", ["face_reenrolled", "cosign_required"])
    signed = await api.post(
        f"/api/attendance/punches/{body['id']}/cosign",
        json={},
        headers=world.headers(world.a.users[R.FOREMAN]),
    )
    assert (signed.json()["status"], signed.json()["reasons"]) == ("accepted", [])


async def test_only_punches_waiting_for_a_cosign_can_be_cosigned(
    api: httpx.AsyncClient, world: World
) -> None:
    await _enrol(api, world)
    accepted = await _punch(api, world, selfie("obama2"))
    assert accepted["status"] == "accepted"
    response = await api.post(
        f"/api/attendance/punches/{accepted['id']}/cosign",
        json={},
        headers=world.headers(world.a.users[R.FOREMAN]),
    )
    assert (response.status_code, response.json()["code"]) == (409, "cosign_not_applicable")


async def test_review_decides_once(api: httpx.AsyncClient, world: World) -> None:
    body = await _punch(api, world, accuracy_m=500)
    manager = world.headers(world.a.users[R.MANAGER])
    url = f"/api/attendance/punches/{body['id']}/review"
    rejected = await api.post(url, json={"decision": "reject", "note": "GPS off"}, headers=manager)
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reviewed_by"] == str(world.a.users[R.MANAGER].id)
    resent = await api.post(url, json={"decision": "reject", "note": "GPS off"}, headers=manager)
    assert resent.status_code == 200
    changed = await api.post(url, json={"decision": "accept"}, headers=manager)
    assert (changed.status_code, changed.json()["code"]) == (409, "punch_not_in_review")
    bad = await api.post(url, json={"decision": "maybe"}, headers=manager)
    assert bad.status_code == 400


# ------------------------------------------------------------------------- listing


async def test_lists_are_scoped_by_role_and_filtered(api: httpx.AsyncClient, world: World) -> None:
    mine = await _punch(api, world)
    coarse = await _punch(api, world, accuracy_m=500, kind="out")
    foreman_punch = await punching.post_punch(
        api, world.headers(world.a.users[R.FOREMAN]), punching.meta(world.a.site)
    )
    assert foreman_punch.status_code == 201

    async def ids(role: Role, query: str = "") -> set[str]:
        response = await api.get(
            f"/api/attendance/punches{query}", headers=world.headers(world.a.users[role])
        )
        assert response.status_code == 200, response.text
        return {p["id"] for p in response.json()["items"]}

    everyone = {mine["id"], coarse["id"], foreman_punch.json()["id"]}
    assert await ids(R.WORKER) == {mine["id"], coarse["id"]}
    assert await ids(R.FOREMAN) == everyone
    assert await ids(R.MANAGER) == everyone
    assert await ids(R.ADMIN) == everyone
    assert await ids(R.ADMIN, f"?user_id={world.a.users[R.WORKER].id}") == {
        mine["id"],
        coarse["id"],
    }
    listed = await api.get(
        "/api/attendance/punches?status=review", headers=world.headers(world.a.users[R.ADMIN])
    )
    assert listed.json()["total"] == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert await ids(R.ADMIN, f"?from={future}") == set()
    # Newest first.
    items = (
        await api.get("/api/attendance/punches", headers=world.headers(world.a.users[R.ADMIN]))
    ).json()["items"]
    times = [i["captured_at"] for i in items]
    assert times == sorted(times, reverse=True)
    other_company = await api.get(
        "/api/attendance/punches", headers=world.headers(world.b.users[R.ADMIN])
    )
    assert other_company.json()["items"] == []


async def test_selfie_links_are_private_and_presigned(api: httpx.AsyncClient, world: World) -> None:
    await _enrol(api, world)
    body = await _punch(api, world, selfie("obama2"))
    got = await api.get(
        f"/api/attendance/punches/{body['id']}", headers=world.headers(world.a.users[R.ADMIN])
    )
    url = got.json()["selfie_url"]
    assert url
    assert "X-Amz-Signature" in url
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(url)).status_code == 200
        unsigned = url.split("?", 1)[0]
        assert (await plain.get(unsigned)).status_code in (401, 403)
    safety = await api.get(
        f"/api/attendance/punches/{body['id']}",
        headers=world.headers(world.a.users[R.SAFETY_OFFICER]),
    )
    assert safety.status_code == 200
    assert safety.json()["selfie_url"] is None


# ------------------------------------------------------------------------ retention


async def test_expired_selfies_are_deleted_by_the_periodic_job(
    api: httpx.AsyncClient, world: World, settings: Settings, engine: AsyncEngine
) -> None:
    await _enrol(api, world)
    old = await _punch(api, world, selfie("obama2"))
    async with engine.begin() as conn:
        # Received 31 days ago: past the default 30-day retention.
        await conn.execute(
            text("UPDATE punches SET selfie_expires_at = now() - interval '1 day' WHERE id = :id"),
            {"id": old["id"]},
        )
    fresh = await _punch(api, world, selfie("obama3"))
    store = ObjectStore(settings.s3)
    old_key = f"selfies/{world.a.company.id}/{old['id']}.jpg"
    fresh_key = f"selfies/{world.a.company.id}/{fresh['id']}.jpg"
    assert await store.exists(old_key)
    assert await store.exists(fresh_key)

    async with job_app_open(settings.db.url):
        await purge_selfies.configure().defer_async(timestamp=int(datetime.now(UTC).timestamp()))
    await run_until_idle(settings)

    assert not await store.exists(old_key)
    assert await store.exists(fresh_key)
    async with engine.connect() as conn:
        rows = await conn.execute(select(Punch.id, Punch.selfie_key))
        keys = {punch_id: key for punch_id, key in rows}
    assert keys[uuid.UUID(old["id"])] is None
    assert keys[uuid.UUID(fresh["id"])] == fresh_key
    # The punch itself stays: only the photo has a retention limit.
    assert await _count_punches(engine) == 2


@pytest.mark.parametrize("days", [0, 1])
def test_retention_setting_is_validated(settings: Settings, days: int) -> None:
    env = {
        "DATABASE_URL": settings.db.url,
        "S3_ACCESS_KEY_ID": "a",
        "S3_SECRET_ACCESS_KEY": "b",
        "SITECHECK_JWT_SECRET": "x" * 40,
        "SITECHECK_SELFIE_RETENTION_DAYS": str(days),
    }
    if days == 0:
        with pytest.raises(ConfigError, match="SELFIE_RETENTION_DAYS"):
            Settings.from_env(env)
    else:
        assert dataclasses.replace(Settings.from_env(env)).attendance.selfie_retention_days == 1
