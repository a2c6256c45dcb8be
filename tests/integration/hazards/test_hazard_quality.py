"""The model quality report on the real stack: the real model flags bus.jpg, reviewers'
decisions through the API move the live numbers, the queue carries the same report,
other companies and non-reviewers get nothing, and a drop-in model's own evaluation
summary is what the API serves (or a plain reason when it is not this model's)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from api.domain.hazards import quality
from api.domain.hazards.model_files import evaluation_path, model_files
from api.jobs.worker import run_until_idle
from inference.hazard import (
    DEFAULT_MODEL_PATH,
    DEFAULT_MODEL_SHA256,
    DEFAULT_POLICY_PATH,
    HazardPolicy,
)
from tests.support.factories import World
from tests.support.hazard_photos import BUS, jpeg_bytes, upload

LABEL = f"{DEFAULT_MODEL_PATH.name}@{DEFAULT_MODEL_SHA256[:12]}"


async def _flag_two(api: httpx.AsyncClient, world: World, settings: Settings) -> list[str]:
    """Two photos of bare heads on site A, checked by the real model: their hazard ids."""
    with Image.open(BUS) as im:
        rotated = jpeg_bytes(im.convert("RGB").rotate(3))
    photo_ids = [
        await upload(api, world, data, world.a.site.id) for data in (BUS.read_bytes(), rotated)
    ]
    await run_until_idle(settings)
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    queue = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"]
    by_photo = {item["photo"]["id"]: item for item in queue}
    assert set(by_photo) == set(photo_ids)
    assert {item["model"] for item in queue} == {LABEL}
    return [by_photo[p]["id"] for p in photo_ids]


async def _report(api: httpx.AsyncClient, headers: dict[str, str], query: str = "") -> Any:
    response = await api.get(f"/api/hazards/model{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _live(body: dict[str, Any]) -> tuple[int, int, int, float | None]:
    live = body["live"]
    return live["confirmed"], live["dismissed"], live["open"], live["precision"]


async def test_reviews_through_the_api_move_the_live_numbers(
    api: httpx.AsyncClient, world: World, settings: Settings, engine: AsyncEngine
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    site = f"?site_id={world.a.site.id}"
    before = await _report(api, officer, site)
    assert (before["model"], before["file"], before["shipped"]) == (
        LABEL,
        DEFAULT_MODEL_PATH.name,
        True,
    )
    roles = {c["name"]: c["role"] for c in before["classes"]}
    assert roles == {"Without Helmet": "hazard", "With Helmet": "compliance"}
    assert before["live"]["site_id"] == str(world.a.site.id)
    assert _live(before) == (0, 0, 0, None)
    # The evaluation is whatever the shipped summary says for this exact model.
    expected = quality.read_quality(model_files(settings)).evaluation
    assert before["evaluation"] == json.loads(json.dumps(expected))

    first, second = await _flag_two(api, world, settings)
    assert _live(await _report(api, officer, site)) == (0, 0, 2, None)

    for hazard_id, decision in ((first, "confirm"), (second, "dismiss")):
        response = await api.post(
            f"/api/hazards/{hazard_id}/review", json={"decision": decision}, headers=officer
        )
        assert response.status_code == 200, response.text
    after = await _report(api, officer, site)
    assert _live(after) == (1, 1, 0, 0.5)
    # Every visible site: the same two decisions (site B belongs to another company).
    whole = await _report(api, officer)
    assert whole["live"]["site_id"] is None
    assert _live(whole) == (1, 1, 0, 0.5)

    # The queue carries the same report for the site it lists.
    page = await api.get(f"/api/hazards{site}&status=confirmed", headers=officer)
    assert page.status_code == 200, page.text
    assert page.json()["model"] == after
    assert [i["id"] for i in page.json()["items"]] == [first]

    # A decision on another model's flag is not this model's record.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET model = 'older.onnx@000000000000' WHERE id = :h"),
            {"h": first},
        )
    assert _live(await _report(api, officer, site)) == (0, 1, 0, 0.0)


async def test_other_companies_and_non_reviewers_get_nothing(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await _flag_two(api, world, settings)
    a_site = f"?site_id={world.a.site.id}"
    b_officer = world.headers(world.b.users[Role.SAFETY_OFFICER])
    response = await api.get(f"/api/hazards/model{a_site}", headers=b_officer)
    assert response.status_code == 404
    assert response.json()["code"] == "site_not_found"
    # Their own scope holds none of A's flags.
    assert _live(await _report(api, b_officer)) == (0, 0, 0, None)
    # The queue lists nothing for a site its caller cannot see, and counts nothing.
    page = await api.get(f"/api/hazards{a_site}", headers=b_officer)
    assert page.status_code == 200, page.text
    assert page.json()["items"] == []
    assert _live(page.json()["model"]) == (0, 0, 0, None)

    unknown = await api.get(
        f"/api/hazards/model?site_id={uuid.uuid4()}",
        headers=world.headers(world.a.users[Role.SAFETY_OFFICER]),
    )
    assert unknown.status_code == 404
    bad = await api.get(
        "/api/hazards/model?site_id=nope",
        headers=world.headers(world.a.users[Role.SAFETY_OFFICER]),
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")

    for role in (Role.WORKER, Role.FOREMAN):
        denied = await api.get(
            f"/api/hazards/model{a_site}", headers=world.headers(world.a.users[role])
        )
        assert denied.status_code == 403, role


def _summary(sha256: str, threshold: float) -> dict[str, Any]:
    row = {
        "threshold": threshold,
        "heads_found": 40,
        "head": {"tp": 30, "fp": 3, "fn": 10, "precision": 0.909, "recall": 0.75, "f1": 0.822},
        "photo": {"tp": 9, "fp": 1, "fn": 3, "tn": 7, "precision": 0.9, "recall": 0.75, "f1": 0.8},
    }
    run = {
        "set": "our-sites",
        "class_map": {"no_hard_hat": "hazard"},
        "photos": 20,
        "hazard_photos": 12,
        "heads": 60,
        "hazard_heads": 40,
        "tiling": None,
        "latency_ms": {"mean": 90.0, "p50": 88.5, "p95": 120.0},
        "thresholds": [row],
        "policy_row": row,
    }
    tiled = {**run, "tiling": {"grid": [2, 2], "overlap": 0.2, "include_whole": True}}
    return {
        "format": "sitecheck-hazard-eval/1",
        "created_at": "2026-11-21T10:00:00Z",
        "model": {"file": DEFAULT_MODEL_PATH.name, "sha256": sha256, "label": LABEL, "names": []},
        "policy": {"conf": 0.25, "iou": 0.45, "thresholds": {"Without Helmet": threshold}},
        "match_iou": 0.3,
        "runs": [run, tiled],
    }


async def test_a_drop_in_models_own_summary_is_served(
    settings: Settings, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped model file under a customer's policy: a drop-in configuration whose
    # summary this test writes (the shipped summary is the evaluation tool's to write).
    policy = tmp_path / "ours.policy.toml"
    shutil.copyfile(DEFAULT_POLICY_PATH, policy)
    summary = evaluation_path(policy)
    # The shipped threshold is the calibration's choice: read it, never assume it.
    threshold = HazardPolicy.load(policy).classes["Without Helmet"].threshold
    assert threshold is not None
    dropped = dataclasses.replace(
        settings,
        hazards=dataclasses.replace(
            settings.hazards, model_path=DEFAULT_MODEL_PATH, policy_path=policy
        ),
    )
    # Every request looks at the files again, so each rewrite below is seen at once.
    monkeypatch.setattr(quality, "RECHECK_S", 0.0)
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])

    async def evaluation(query: str = "") -> dict[str, Any]:
        response = await client.get(f"/api/hazards/model{query}", headers=officer)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["model"], body["shipped"]) == (LABEL, False)
        result: dict[str, Any] = body["evaluation"]
        return result

    async with AsyncTestClient(create_app(dropped)) as client:
        assert (await evaluation())["reason"] == "not evaluated"

        summary.write_text(json.dumps(_summary(DEFAULT_MODEL_SHA256, threshold)))
        got = await evaluation()
        assert (got["available"], got["stale"]) == (True, False)
        run, tiled = got["runs"]
        assert run["set"] == "our-sites"
        assert (run["photos"], run["hazard_photos"]) == (20, 12)
        assert run["photo"] == {"precision": 0.9, "recall": 0.75}
        assert run["head"] == {"precision": 0.909, "recall": 0.75}
        assert run["latency_ms_p50"] == 88.5
        # The policy runs whole photos: the untiled run is the one that describes it...
        assert (run["current"], tiled["current"]) == (True, False)
        # ...except on a site with its own 2x2 grid, where the tiled run does.
        patched = await client.patch(
            f"/api/sites/{world.a.site.id}",
            json={"hazard_tiling": {"grid": [2, 2]}},
            headers=world.headers(world.a.users[Role.ADMIN]),
        )
        assert patched.status_code == 200, patched.text
        site_runs = (await evaluation(f"?site_id={world.a.site.id}"))["runs"]
        assert [r["current"] for r in site_runs] == [False, True]
        assert [r["current"] for r in (await evaluation())["runs"]] == [True, False]

        moved = round(threshold + 0.1 if threshold < 0.9 else threshold - 0.1, 2)
        summary.write_text(json.dumps(_summary(DEFAULT_MODEL_SHA256, moved)))
        assert (await evaluation())["stale"] is True

        summary.write_text(json.dumps(_summary("0" * 64, threshold)))
        assert (await evaluation())["reason"] == "evaluated another model"

        summary.write_text('{"format": "sitecheck-hazard-eval/1", "runs": [')
        broken = await evaluation()
        assert (broken["available"], broken["reason"]) == (False, "unreadable evaluation")

        # The queue page carries the same report.
        page = await client.get("/api/hazards", headers=officer)
        assert page.status_code == 200, page.text
        assert page.json()["model"]["evaluation"] == broken
