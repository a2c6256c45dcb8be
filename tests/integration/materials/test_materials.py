"""Material batches: registration, certificates in S3 (presigned download), receipts at
the gate."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import httpx
import pytest
from PIL import Image

from api.lib.dates import site_today
from tests.support.equipment import (
    R,
    create_batch,
    headers,
    jpeg,
    upload_photo,
)
from tests.support.factories import World

pytestmark = pytest.mark.in_process

PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def _days(n: int) -> str:
    return (site_today("Asia/Shanghai") + timedelta(days=n)).isoformat()


async def _put_certificate(
    api: httpx.AsyncClient,
    w: World,
    batch: dict[str, object],
    content: bytes,
    name: str = "cert.pdf",
    role: R = R.FOREMAN,
    **fields: str,
) -> httpx.Response:
    return await api.put(
        f"/api/materials/batches/{batch['id']}/certificate",
        files={"file": (name, content, "application/octet-stream")},
        data=fields,
        headers=headers(w, role),
    )


async def test_register_batch(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world, spec="HRB400E", batch_no="24-0117-3")
    assert len(batch["code"]) == 10
    assert batch["scan_url"].endswith(f"/s/{batch['code']}")
    assert batch["certificate"]["state"] == "missing"
    assert batch["received"] == {"accepted": 0.0, "rejected": 0.0, "receipts": 0}
    twice = await api.post(
        "/api/materials/batches",
        json={
            "site_id": str(world.a.site.id),
            "material": batch["material"],
            "batch_no": "24-0117-3",
            "supplier": batch["supplier"],
            "quantity": 3,
            "unit": "t",
        },
        headers=headers(world, R.ADMIN),
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "batch_taken"
    for bad in ({"quantity": 0}, {"quantity": -1}, {"unit": ""}, {"batch_no": "x" * 101}):
        body = {
            "site_id": str(world.a.site.id),
            "material": "Sand",
            "batch_no": "S-1",
            "supplier": "Quarry",
            "quantity": 10,
            "unit": "m3",
            **bad,
        }
        response = await api.post(
            "/api/materials/batches", json=body, headers=headers(world, R.ADMIN)
        )
        assert response.status_code == 400, bad
        assert response.json()["code"] == "validation_error"


async def test_pdf_certificate_is_stored_privately_and_downloadable(
    api: httpx.AsyncClient, world: World
) -> None:
    batch = await create_batch(api, world)
    response = await _put_certificate(api, world, batch, PDF, expires_on=_days(400))
    assert response.status_code == 200, response.text
    cert = response.json()["certificate"]
    assert cert["state"] == "valid"
    assert (cert["content_type"], cert["bytes"]) == ("application/pdf", len(PDF))
    assert cert["expires_on"] == _days(400)
    # The presigned link works without our token; the bare object URL does not.
    async with httpx.AsyncClient() as s3:
        downloaded = await s3.get(cert["url"])
        assert downloaded.status_code == 200
        assert downloaded.content == PDF
        bare = await s3.get(cert["url"].split("?")[0])
        assert bare.status_code in (401, 403)
    shown = (
        await api.get(f"/api/materials/batches/{batch['id']}", headers=headers(world, R.WORKER))
    ).json()
    assert shown["certificate"]["state"] == "valid"


async def test_expired_certificate_and_expiry_later(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world, certificate_expires_on=_days(-1))
    response = await _put_certificate(api, world, batch, PDF)
    # The date given at registration still holds: the certificate on file is expired.
    assert response.json()["certificate"]["state"] == "expired"
    renewed = await _put_certificate(api, world, batch, PDF, expires_on=_days(10))
    assert renewed.json()["certificate"]["state"] == "expiring"


async def test_photo_certificate_is_normalised(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world)
    img = Image.new("RGB", (1200, 900), (240, 240, 235))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # any EXIF at all must be gone afterwards
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    response = await _put_certificate(api, world, batch, out.getvalue(), name="cert.jpg")
    assert response.status_code == 200, response.text
    cert = response.json()["certificate"]
    assert cert["content_type"] == "image/jpeg"
    async with httpx.AsyncClient() as s3:
        stored = (await s3.get(cert["url"])).content
    assert Image.open(io.BytesIO(stored)).getexif() == {}


async def test_refused_certificates(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world)
    text = await _put_certificate(api, world, batch, b"Mill certificate, trust me", name="c.pdf")
    assert text.status_code == 415
    assert text.json()["code"] == "file_invalid"
    cut = await _put_certificate(api, world, batch, PDF[:30])
    assert cut.status_code == 422
    assert cut.json()["code"] == "file_invalid"
    broken_photo = await _put_certificate(api, world, batch, jpeg()[:200], name="c.jpg")
    assert broken_photo.status_code == 422
    assert broken_photo.json()["code"] == "file_invalid"
    big = await _put_certificate(api, world, batch, PDF + b"0" * (21 * 1024 * 1024))
    assert big.status_code == 413
    assert big.json()["code"] == "file_too_large"
    bad_date = await _put_certificate(api, world, batch, PDF, expires_on="next week")
    assert bad_date.status_code == 422
    assert bad_date.json()["code"] == "expires_on_invalid"
    no_file = await api.put(
        f"/api/materials/batches/{batch['id']}/certificate",
        data={"expires_on": "2030-01-01"},
        files={"other": ("x", b"x", "text/plain")},
        headers=headers(world, R.ADMIN),
    )
    assert no_file.status_code == 400
    by_worker = await _put_certificate(api, world, batch, PDF, role=R.WORKER)
    assert by_worker.status_code == 403
    shown = (
        await api.get(f"/api/materials/batches/{batch['id']}", headers=headers(world, R.ADMIN))
    ).json()
    assert shown["certificate"]["state"] == "missing"


@pytest.mark.live  # a photo upload queues its jobs outside the transaction
async def test_receipts_at_the_gate(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world, quantity=20)
    url = f"/api/materials/batches/{batch['id']}/receipts"
    worker = headers(world, R.WORKER)
    first = await api.post(
        url, json={"quantity": 12, "accepted": True, "note": "Truck 1"}, headers=worker
    )
    assert first.status_code == 201, first.text
    assert (first.json()["unit"], first.json()["received_by"]) == (
        "t",
        str(world.a.users[R.WORKER].id),
    )
    no_reason = await api.post(url, json={"quantity": 8, "accepted": False}, headers=worker)
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "reason_required"
    photo = await upload_photo(api, world, R.WORKER, world.a.site.id)
    body = {
        "id": str(uuid.uuid4()),
        "quantity": 8,
        "accepted": False,
        "reason": "Bars rusted through",
        "photo_ids": [photo],
        "received_at": "2026-11-20T08:30:00+08:00",
    }
    rejected = await api.post(url, json=body, headers=worker)
    assert rejected.status_code == 201, rejected.text
    replay = await api.post(url, json=body, headers=worker)
    assert (replay.status_code, replay.json()) == (200, rejected.json())
    assert rejected.json()["photo_ids"] == [photo]
    shown = (await api.get(f"/api/materials/batches/{batch['id']}", headers=worker)).json()
    assert shown["received"] == {"accepted": 12.0, "rejected": 8.0, "receipts": 2}
    listed = (await api.get(url, headers=headers(world, R.MANAGER))).json()
    assert [r["accepted"] for r in listed["items"]] == [True, False]  # newest first
    other = await api.post(
        url, json={"quantity": 1, "accepted": True}, headers=headers(world, R.WORKER, "b")
    )
    assert other.status_code == 404
    assert other.json()["code"] == "batch_not_found"


async def test_batch_labels(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world, material="Cement 42.5", batch_no="C-9")
    svg = await api.get(
        f"/api/materials/batches/{batch['id']}/label.svg", headers=headers(world, R.ADMIN)
    )
    assert "Cement 42.5 · C-9" in svg.text
    sheet = await api.get(
        f"/api/materials/batches/labels.html?site_id={world.a.site.id}",
        headers=headers(world, R.ADMIN),
    )
    assert batch["code"][:5] in sheet.text
    missing = await api.get(
        "/api/materials/batches?certificate=missing", headers=headers(world, R.ADMIN)
    )
    assert [b["id"] for b in missing.json()["items"]] == [batch["id"]]
