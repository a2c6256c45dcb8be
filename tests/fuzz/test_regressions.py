"""Bugs the fuzzer found, each pinned against the real server."""

from __future__ import annotations

import uuid

import httpx

from api.db.models import Role
from tests.support.factories import World


async def test_offset_beyond_bigint_is_a_400_not_a_500(
    api: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    for path in ("/api/rectifications", "/api/sites", "/api/audit"):
        response = await api.get(path, params={"offset": str(10**24)}, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "validation_error"


async def test_binary_part_without_filename_is_a_400_not_a_500(
    api: httpx.AsyncClient, world: World
) -> None:
    # A part with no filename is read as text; a JPEG's bytes are not UTF-8.
    boundary = "fuzzboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"\r\n\r\n'.encode()
        + b"\xff\xd8\xff\xe0 not text"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await api.post(
        "/api/scan/decode",
        content=body,
        headers={
            **world.headers(world.a.users[Role.ADMIN]),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_encoding"


async def test_text_downloads_name_their_charset_once(api: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    site = str(world.a.site.id)
    sheet = await api.get("/api/equipment/labels.html", params={"site_id": site}, headers=headers)
    export = await api.get(
        "/api/attendance/export",
        params={"site_id": site, "from": "2026-11-01", "to": "2026-11-20"},
        headers=headers,
    )
    assert sheet.headers["content-type"] == "text/html; charset=utf-8"
    assert export.headers["content-type"] == "text/csv; charset=utf-8"


async def test_document_says_what_the_server_does(api: httpx.AsyncClient) -> None:
    doc = (await api.get("/schema/openapi.json")).json()
    paths, schemas = doc["paths"], doc["components"]["schemas"]
    assert not [p for p in paths if p.startswith("/schema")]
    # Problem JSON for failures, on every operation that needs a token.
    me = paths["/api/me"]["get"]["responses"]
    assert set(me) >= {"200", "400", "401", "403"}
    assert "application/problem+json" in me["401"]["content"]
    # Public probes need no token; everything else keeps the app-wide JWT requirement.
    assert paths["/health"]["get"]["security"] == [{}]
    assert "security" not in paths["/api/me"]["get"]
    # What the handlers really answer.
    assert "307" in paths["/api/photos/{photo_id}/file"]["get"]["responses"]
    export = paths["/api/attendance/export"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        export
    )
    # Bodies that refuse unknown fields, required upload parts, a time of day, and
    # constrained list items.
    assert schemas["SiteIn"]["additionalProperties"] is False
    assert set(schemas["PhotoForm"]["required"]) == {"file", "meta"}
    assert schemas["PhotoForm"]["properties"]["file"]["format"] == "binary"
    assert schemas["SiteOut"]["properties"]["shift_start"].get("format") != "duration"
    assert schemas["WebhookIn"]["properties"]["kinds"]["items"]["pattern"]


async def test_a_nul_character_in_text_is_a_4xx_not_a_500(
    api: httpx.AsyncClient, world: World
) -> None:
    # PostgreSQL text cannot hold U+0000; the fuzzer sent one in a query filter. A JSON
    # body carries it as \u0000 into any free-text field just as easily.
    headers = world.headers(world.a.users[Role.ADMIN])
    found = await api.get("/api/audit", params={"entity": "site\x00"}, headers=headers)
    inspection_id = str(uuid.uuid4())
    created = await api.post(
        "/api/inspections",
        json={
            "id": inspection_id,
            "site_id": str(world.a.site.id),
            "title": "Scaffold, east face",
            "notes": "tie 4 loose\x00",
        },
        headers=headers,
    )
    assert found.status_code == 400, found.text  # the filter's pattern refuses controls
    assert found.json()["code"] == "validation_error"
    assert created.status_code == 422, created.text
    assert created.json()["code"] == "invalid_text"
    # Nothing half-made: the inspection was not stored.
    missing = await api.get(f"/api/inspections/{inspection_id}", headers=headers)
    assert missing.status_code == 404


async def test_time_filters_take_rfc3339_only(api: httpx.AsyncClient, world: World) -> None:
    # A `datetime` query parameter read "230" as Unix seconds (1970-01-01T00:03:50Z): a
    # phone sending epoch milliseconds would have asked about the year 50,000 unnoticed.
    headers = world.headers(world.a.users[Role.ADMIN])
    for path, name in (
        ("/api/hazards/precision", "until"),
        ("/api/hazards/precision", "since"),
        ("/api/audit", "from"),
        ("/api/audit", "to"),
        ("/api/attendance/punches", "from"),
        ("/api/attendance/punches", "to"),
    ):
        for bad in ("230", "1763708400000", "2026-11-21", "07:00:00Z"):
            refused = await api.get(path, params={name: bad}, headers=headers)
            assert refused.status_code == 400, (path, name, bad, refused.text)
            assert refused.json()["code"] == "validation_error"
        impossible = await api.get(path, params={name: "2026-02-30T07:00:00Z"}, headers=headers)
        assert impossible.status_code == 422, (path, name, impossible.text)
        assert impossible.json()["code"] == f"{name}_invalid"
        for good in ("2026-11-21T07:00:00+08:00", "2026-11-21T07:00:00.25Z"):
            taken = await api.get(path, params={name: good}, headers=headers)
            assert taken.status_code == 200, (path, name, good, taken.text)
    precision = await api.get(
        "/api/hazards/precision", params={"since": "2026-11-21T07:00:00+08:00"}, headers=headers
    )
    assert precision.json()["since"] == "2026-11-21T07:00:00+08:00"


async def test_a_query_parameter_given_twice_is_refused_unless_it_takes_a_list(
    api: httpx.AsyncClient, world: World
) -> None:
    # `?site_id=A&site_id=B` was answered for one of the two, silently.
    headers = world.headers(world.a.users[Role.ADMIN])
    site_a, site_b = str(world.a.site.id), str(world.b.site.id)
    for path, params in (
        ("/api/equipment/export.xlsx", [("site_id", site_a), ("site_id", site_b)]),
        ("/api/sites", [("limit", "5"), ("limit", "500")]),
        ("/api/audit", [("from", "2026-01-01T00:00:00Z"), ("from", "2026-02-01T00:00:00Z")]),
    ):
        refused = await api.get(path, params=tuple(params), headers=headers)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["code"] == "validation_error"
        assert "only once" in refused.json()["detail"]
    # A parameter that takes a list still takes several values.
    sheet = await api.get(
        "/api/equipment/labels.html",
        params=[("site_id", site_a), ("ids", str(uuid.uuid4())), ("ids", str(uuid.uuid4()))],
        headers=headers,
    )
    assert sheet.status_code == 200, sheet.text


async def test_an_empty_audit_filter_is_refused_not_read_as_no_filter(
    api: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    for name in ("entity", "entity_id"):
        response = await api.get("/api/audit", params={name: ""}, headers=headers)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["code"] == "validation_error"


async def test_logins_refuse_the_spaces_python_and_javascript_disagree_on(
    api: httpx.AsyncClient, world: World
) -> None:
    # Python's \s holds U+0085 and JavaScript's does not (U+FEFF the other way round), so
    # the document and the server disagreed on which logins are valid.
    headers = world.headers(world.superadmin)
    for login in ("crew\x85lead", "crew\ufefflead", "crew\u3000lead"):
        response = await api.post(
            "/api/companies",
            json={
                "name": "Harbour Works",
                "admin": {"login": login, "password": "long enough pass", "name": "Lee"},
            },
            headers=headers,
        )
        assert response.status_code == 400, (repr(login), response.text)
        assert response.json()["code"] == "validation_error"


async def test_a_literal_null_for_a_typed_filter_is_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    # `?site_id=null` (a client's String(null)) was read as no filter: an export of every
    # site where one was meant.
    headers = world.headers(world.a.users[Role.ADMIN])
    for path, name in (
        ("/api/equipment/export.xlsx", "site_id"),
        ("/api/attendance/punches", "user_id"),
        ("/api/audit", "actor_id"),
    ):
        refused = await api.get(path, params={name: "null"}, headers=headers)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["code"] == "validation_error"
        assert "instead of null" in refused.json()["detail"]
    # A text filter may be the word itself.
    taken = await api.get("/api/audit", params={"entity": "null"}, headers=headers)
    assert taken.status_code == 200, taken.text


async def test_an_integer_query_parameter_must_be_written_as_one(
    api: httpx.AsyncClient, world: World
) -> None:
    # msgspec read `?offset=0.0` as 0 while the document says integer (make fuzz at 200).
    headers = world.headers(world.a.users[Role.ADMIN])
    for path, params in (
        ("/api/attendance/punches", {"offset": "0.0"}),
        ("/api/sites", {"limit": "1e1"}),
        ("/api/equipment/due", {"within_days": "7.0"}),
    ):
        refused = await api.get(path, params=params, headers=headers)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["code"] == "validation_error"
        assert "whole number" in refused.json()["detail"]
    fine = await api.get("/api/sites", params={"limit": "5", "offset": "0"}, headers=headers)
    assert fine.status_code == 200, fine.text
