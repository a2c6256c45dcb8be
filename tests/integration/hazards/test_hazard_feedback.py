"""Feedback for retraining on the real stack: the model flags bus.jpg twice, the officer
confirms one flag and dismisses the other, then precision per site and the YOLO export
show exactly those decisions, and nobody outside the site sees them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from PIL import Image

from api.config import REPO_ROOT, Settings
from api.db.models import Role
from api.db.models.base import utcnow
from api.domain.hazards.dataset_export import ExportItem, data_yaml, label_lines
from api.jobs.worker import run_until_idle
from inference.hazard import HazardPolicy, default_detector
from tests.support.factories import World
from tests.support.images import encode

BUS = REPO_ROOT / "tests" / "data" / "hazard" / "bus.jpg"


async def _upload(api: httpx.AsyncClient, world: World, data: bytes) -> dict[str, Any]:
    meta = {"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)}
    response = await api.post(
        "/api/photos",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=world.headers(world.a.users[Role.WORKER]),
        timeout=60,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _reviewed(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> dict[str, dict[str, Any]]:
    """Two flagged photos of the same scene: one confirmed, one dismissed. Returns the
    photo bodies (with the model's detections) by decision."""
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    first = await _upload(api, world, BUS.read_bytes())
    second = await _upload(api, world, encode(Image.open(BUS).convert("RGB").rotate(3), "JPEG"))
    await run_until_idle(settings)
    queue = (await api.get("/api/hazards?status=open", headers=officer)).json()["items"]
    by_photo = {i["photo"]["id"]: i["id"] for i in queue}
    assert set(by_photo) == {first["id"], second["id"]}

    before = await api.get("/api/hazards/precision", headers=officer)
    assert before.status_code == 200, before.text
    [site] = before.json()["items"]
    assert (site["confirmed"], site["dismissed"], site["open"]) == (0, 0, 2)
    assert site["precision"] is None

    for photo_id, decision in ((first["id"], "confirm"), (second["id"], "dismiss")):
        reviewed = await api.post(
            f"/api/hazards/{by_photo[photo_id]}/review",
            json={"decision": decision, "note": f"{decision}ed by the officer"},
            headers=officer,
        )
        assert reviewed.status_code == 200, reviewed.text
    photos = {}
    for key, photo_id in (("confirmed", first["id"]), ("dismissed", second["id"])):
        got = await api.get(f"/api/photos/{photo_id}", headers=officer)
        photos[key] = got.json()
    return photos


def _open_zip(response: httpx.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/zip")
    assert "attachment" in response.headers["content-disposition"]
    assert int(response.headers["content-length"]) == len(response.content)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def _yaml_names(text: str) -> tuple[int, list[str]]:
    """The nc and names of our own data.yaml (names are JSON-quoted YAML scalars)."""
    lines = text.splitlines()
    nc = int(next(line for line in lines if line.startswith("nc:")).split(":", 1)[1])
    start = lines.index("names:") + 1
    names = []
    for i, line in enumerate(lines[start:]):
        key, value = line.strip().split(": ", 1)
        assert int(key) == i
        names.append(json.loads(value))
    return nc, names


def _parse_labels(text: str, nc: int) -> list[tuple[int, float, float, float, float]]:
    rows = []
    for line in text.splitlines():
        fields = line.split()
        assert len(fields) == 5, line
        cls = int(fields[0])
        cx, cy, w, h = (float(v) for v in fields[1:])
        assert 0 <= cls < nc
        assert all(0.0 <= v <= 1.0 for v in (cx, cy, w, h)), line
        assert w > 0
        assert h > 0
        # The whole box lies inside the image, not just its centre.
        assert cx - w / 2 >= -1e-6
        assert cx + w / 2 <= 1 + 1e-6
        assert cy - h / 2 >= -1e-6
        assert cy + h / 2 <= 1 + 1e-6
        rows.append((cls, cx, cy, w, h))
    return rows


async def test_precision_and_export_show_the_officers_decisions(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    photos = await _reviewed(api, world, settings)

    response = await api.get(f"/api/hazards/precision?site_id={world.a.site.id}", headers=officer)
    assert response.status_code == 200, response.text
    [site] = response.json()["items"]
    assert site["site_id"] == str(world.a.site.id)
    assert (site["confirmed"], site["dismissed"], site["open"]) == (1, 1, 0)
    assert site["precision"] == 0.5
    [model] = site["models"]
    assert model["model"].startswith("hardhat_finetune_480")
    assert model["precision"] == 0.5

    # The window is on review time: all of today's decisions, none from tomorrow on.
    now = utcnow()
    inside = quote((now - timedelta(hours=1)).isoformat())
    later = quote((now + timedelta(hours=1)).isoformat())
    windowed = await api.get(
        f"/api/hazards/precision?since={inside}&until={later}", headers=officer
    )
    assert windowed.json()["items"][0]["precision"] == 0.5
    future = await api.get(f"/api/hazards/precision?since={later}", headers=officer)
    assert future.json()["items"] == []
    past = await api.get(f"/api/hazards/precision?until={inside}", headers=officer)
    assert past.json()["items"] == []

    export = await api.get(f"/api/hazards/export?site_id={world.a.site.id}", headers=officer)
    archive = _open_zip(export)
    confirmed_id, dismissed_id = photos["confirmed"]["id"], photos["dismissed"]["id"]
    assert set(archive.namelist()) == {
        "data.yaml",
        "README.txt",
        "manifest.csv",
        f"images/{confirmed_id}.jpg",
        f"images/{dismissed_id}.jpg",
        f"labels/{confirmed_id}.txt",
        f"labels/{dismissed_id}.txt",
    }
    assert export.headers["x-export-photos"] == "2"

    nc, names = _yaml_names(archive.read("data.yaml").decode())
    model_names = list(default_detector().info.names)
    assert names == model_names
    assert nc == len(model_names)
    hazard_class = names.index("Without Helmet")

    # The images are the stored photos, byte for byte.
    for body in photos.values():
        image = archive.read(f"images/{body['id']}.jpg")
        assert hashlib.sha256(image).hexdigest() == body["sha256"]

    # Confirmed: every box the model drew, at the same place in the stored image.
    confirmed = photos["confirmed"]
    labels = _parse_labels(archive.read(f"labels/{confirmed_id}.txt").decode(), nc)
    detections = confirmed["hazard"]["detections"]
    assert len(labels) == len(detections)
    assert any(cls == hazard_class for cls, *_ in labels)
    w, h = confirmed["width"], confirmed["height"]
    for d in detections:
        x1, y1, x2, y2 = d["box"]
        want = (names.index(d["label"]), (x1 + x2) / 2 / w, (y1 + y2) / 2 / h)
        assert any(
            cls == want[0] and abs(cx - want[1]) < 1e-4 and abs(cy - want[2]) < 1e-4
            for cls, cx, cy, _, _ in labels
        ), d

    # Dismissed: the hazard boxes were false positives and are gone; the rest stay.
    dismissed = photos["dismissed"]
    kept = _parse_labels(archive.read(f"labels/{dismissed_id}.txt").decode(), nc)
    assert all(cls != hazard_class for cls, *_ in kept)
    non_hazard = [d for d in dismissed["hazard"]["detections"] if d["label"] != "Without Helmet"]
    assert len(kept) == len(non_hazard)

    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    decisions = {row["photo_id"]: row for row in manifest}
    assert decisions[confirmed_id]["decision"] == "confirmed"
    assert decisions[dismissed_id]["decision"] == "dismissed"
    dropped = sum(1 for d in dismissed["hazard"]["detections"] if d["label"] == "Without Helmet")
    assert int(decisions[dismissed_id]["hazard_boxes_dropped"]) == dropped > 0
    assert decisions[confirmed_id]["review_note"] == "confirmed by the officer"

    # limit caps the photos (newest review first); the headers say how many matched.
    one = await api.get("/api/hazards/export?limit=1", headers=officer)
    archive = _open_zip(one)
    assert [n for n in archive.namelist() if n.startswith("images/")] == [
        f"images/{dismissed_id}.jpg"
    ]
    assert (one.headers["x-export-photos"], one.headers["x-export-matched"]) == ("1", "2")


async def test_nobody_outside_the_site_sees_the_feedback(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await _reviewed(api, world, settings)
    for role in (Role.ADMIN, Role.SAFETY_OFFICER):
        other = world.headers(world.b.users[role])
        stats = await api.get("/api/hazards/precision", headers=other)
        assert stats.status_code == 200
        assert stats.json()["items"] == []
        archive = _open_zip(await api.get("/api/hazards/export", headers=other))
        assert sorted(archive.namelist()) == ["README.txt", "data.yaml"]
        for path in ("precision", "export"):
            named = await api.get(f"/api/hazards/{path}?site_id={world.a.site.id}", headers=other)
            assert named.status_code == 404
            assert named.json()["code"] == "site_not_found"

    worker = world.headers(world.a.users[Role.WORKER])
    for path in ("precision", "export"):
        refused = await api.get(f"/api/hazards/{path}", headers=worker)
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"


async def test_bad_filters_are_problems_not_errors(api: httpx.AsyncClient, world: World) -> None:
    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    for limit in ("0", "1001"):
        response = await api.get(f"/api/hazards/export?limit={limit}", headers=officer)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_error"
    response = await api.get("/api/hazards/export?limit=many", headers=officer)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    naive = await api.get("/api/hazards/precision?since=2026-01-01T00:00:00", headers=officer)
    assert naive.status_code == 422
    assert naive.json()["code"] == "since_invalid"
    backwards = await api.get(
        "/api/hazards/export?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        headers=officer,
    )
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "range_invalid"


def test_dismissed_labels_drop_every_hazard_class_box_and_clip_to_the_image() -> None:
    policy = HazardPolicy.from_mapping(
        {
            "model_sha256": "0" * 64,
            "classes": {"no vest": {"role": "hazard", "threshold": 0.6}, "vest": {"role": "info"}},
        }
    )
    detections = [
        {"label": "no vest", "score": 0.9, "box": [10, 10, 50, 50], "hazard": True},
        # Below the threshold, still the hazard class: just as wrong on a dismissed photo.
        {"label": "no vest", "score": 0.3, "box": [60, 10, 90, 50], "hazard": False},
        # Reaches past the right edge: clipped to the image.
        {"label": "vest", "score": 0.8, "box": [80, 0, 120, 40], "hazard": False},
    ]
    item = ExportItem(
        photo_id="p",
        hazard_id="h",
        site_id="s",
        site_name="Site",
        decision="dismissed",
        model="custom.onnx@0",
        reviewed_at=None,
        review_note=None,
        width=100,
        height=50,
        detections=detections,
    )
    index = {"vest": 0, "no vest": 1}
    lines, dropped = label_lines(item, index, policy)
    assert dropped == 2
    assert lines == ["0 0.900000 0.400000 0.200000 0.800000"]
    confirmed, none_dropped = label_lines(replace(item, decision="confirmed"), index, policy)
    assert none_dropped == 0
    assert len(confirmed) == 3
    text = data_yaml(["vest", 'no: "vest"'])
    assert _yaml_names(text) == (2, ["vest", 'no: "vest"'])
