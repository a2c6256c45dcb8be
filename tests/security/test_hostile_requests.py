"""Requests built to break the parsers get a 4xx problem, never a 500: a NUL in a PWA
path, JSON nested thousands deep (in a body and in an upload's `meta` part), and a
multipart part sent twice."""

from __future__ import annotations

import json
import uuid

import httpx

from api.db.models import Role
from api.server.json_depth import MAX_JSON_DEPTH
from tests.integration.materials.test_materials import PDF
from tests.support.factories import World
from tests.support.punching import TINY_JPEG

MULTIPART = "multipart/form-data; boundary=b"


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--b\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def _form(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--b--\r\n"


def _assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.request.url, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.text[:300]


async def test_a_nul_or_an_overlong_name_in_a_pwa_path_is_a_404(api: httpx.AsyncClient) -> None:
    for path in ("/some%00path", "/assets/x%00.js", "/%00", "/s/%00ABC", "/" + "a" * 300 + ".js"):
        _assert_problem(await api.get(path), 404, "not_found")


async def test_deeply_nested_json_is_a_400(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    json_headers = {**admin, "Content-Type": "application/json"}
    deep_array = b"[" * 5000 + b"]" * 5000
    deep_object = b'{"a":' * 5000 + b"1" + b"}" * 5000
    just_over = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    for body in (
        deep_array,
        deep_object,
        b'{"name": ' + deep_array + b"}",
        b'{"name": "x", "geofence": ' + deep_object + b"}",
        just_over,
    ):
        response = await api.post("/api/sites", content=body, headers=json_headers)
        _assert_problem(response, 400, "malformed_json")
    # Public routes decode their body the same way.
    login = await api.post("/api/auth/login", content=deep_array, headers=json_headers)
    _assert_problem(login, 400, "malformed_json")
    # Brackets inside strings are text: this body is shallow (and a bad site, 400/422).
    text = json.dumps({"name": "[" * 5000, "geofence": "{" * 5000}).encode()
    shallow = await api.post("/api/sites", content=text, headers=json_headers)
    assert shallow.status_code in (400, 422), shallow.text[:300]
    assert shallow.json()["code"] != "malformed_json"

    # The JSON `meta` part of an upload.
    meta = b'{"id": "' + str(uuid.uuid4()).encode() + b'", "x": ' + deep_array + b"}"
    photo = await api.post(
        "/api/photos",
        content=_form(_part("meta", meta), _part("file", TINY_JPEG, "a.jpg")),
        headers={**world.headers(world.a.users[Role.WORKER]), "Content-Type": MULTIPART},
    )
    _assert_problem(photo, 400, "malformed_json")


async def test_a_multipart_part_sent_twice_is_a_400(api: httpx.AsyncClient, world: World) -> None:
    """Which of two values counts is anyone's guess (the first? the last?): refused on
    every upload route, by one check, whatever the type of the form's field."""
    admin = world.a.users[Role.ADMIN]
    headers = {**world.headers(admin), "Content-Type": MULTIPART}
    batch = await api.post(
        "/api/materials/batches",
        json={
            "site_id": str(world.a.site.id),
            "material": "Rebar HRB400",
            "batch_no": "L-twice",
            "supplier": "Shagang",
            "quantity": 3,
            "unit": "t",
        },
        headers=world.headers(admin),
    )
    assert batch.status_code == 201, batch.text
    certificate = f"/api/materials/batches/{batch.json()['id']}/certificate"
    pdf = _part("file", PDF, "c.pdf")
    meta = json.dumps({"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)}).encode()
    worker = world.a.users[Role.WORKER]
    for method, path, body in (
        (
            "PUT",
            certificate,
            _form(pdf, _part("expires_on", b"2030-01-01"), _part("expires_on", b"2031-01-01")),
        ),
        ("PUT", certificate, _form(pdf, _part("file", PDF, "other.pdf"))),
        (
            "POST",
            "/api/photos",
            _form(_part("meta", meta), _part("meta", meta), _part("file", TINY_JPEG, "a.jpg")),
        ),
        (
            "PUT",
            f"/api/users/{worker.id}/face",
            _form(
                _part("consent", b"true"),
                _part("consent", b"true"),
                _part("image", TINY_JPEG, "a.jpg"),
            ),
        ),
        ("POST", "/api/scan/decode", _form(*[_part("image", TINY_JPEG, "a.jpg")] * 2)),
    ):
        response = await api.request(method, path, content=body, headers=headers)
        _assert_problem(response, 400, "validation_error")
        # Said as such, not as a type error of whichever field happened to be hit.
        assert "sent more than once" in response.json()["detail"], response.text
        assert [e["message"] for e in response.json()["errors"]] == ["sent 2 times"]
    # The certificate with each part once is taken: the 400s above are the repetition.
    once = await api.put(
        certificate, content=_form(pdf, _part("expires_on", b"2030-01-01")), headers=headers
    )
    assert once.status_code == 200, once.text
