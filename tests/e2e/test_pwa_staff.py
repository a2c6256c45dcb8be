"""The staff screens in Debian's Chromium at a phone's size, against the real API: the
foreman's crew board and co-sign, the safety officer's review queue with the model's
boxes, the manager's site map with no tiles reachable and the attendance export."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    Route,
    ViewportSize,
    expect,
)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.config import REPO_ROOT, Settings
from api.db.models import Punch, PunchKind, PunchStatus, Role, User
from api.jobs.worker import run_until_idle
from tests.e2e.conftest import shot
from tests.support import images, punching
from tests.support.equipment import create_item
from tests.support.factories import PASSWORD, World, unique

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}
# The factories' sites keep Beijing time, shift at 08:00.
SITE_TZ = ZoneInfo("Asia/Shanghai")
# Kept in the repository (tests/data), so the test never depends on a folder beside it.
BUS = REPO_ROOT / "tests" / "data" / "hazard" / "bus.jpg"


async def _phone(browser: Browser, live_server: str) -> BrowserContext:
    return await browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )


async def _sign_in(page: Page, user: User, then: str | None = None) -> None:
    await page.goto("/login")
    await page.get_by_test_id("login-input").fill(user.login)
    await page.get_by_test_id("password-input").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("home")).to_be_visible()
    if then:
        await page.goto(then)


async def _crew_member(api: httpx.AsyncClient, world: World, name: str) -> uuid.UUID:
    response = await api.post(
        "/api/users",
        json={
            "name": name,
            "role": "worker",
            "password": PASSWORD,
            "login": unique("crew-"),
            "crew_id": str(world.a.crew.id),
        },
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def _accepted_in(engine: AsyncEngine, world: World, user_id: uuid.UUID) -> None:
    """An "in" before the shift starts today, as the API stores a punch that passed
    every check (face included)."""
    lat, lon = punching.inside()
    site_day = datetime.now(SITE_TZ).date()
    at = datetime.combine(site_day, time(7, 50), tzinfo=SITE_TZ)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session, session.begin():
        session.add(
            Punch(
                id=uuid.uuid4(),
                company_id=world.a.company.id,
                site_id=world.a.site.id,
                user_id=user_id,
                kind=PunchKind.IN,
                status=PunchStatus.ACCEPTED,
                reasons=[],
                checks={},
                lat=lat,
                lon=lon,
                accuracy_m=8.0,
                captured_at=at,
                received_at=at,
                age_s=0,
                device_id="phone-pat",
                distance_m=0.0,
                face_distance=0.33,
            )
        )


def _row(page: Page, list_testid: str, user_id: uuid.UUID | str) -> Any:
    return page.get_by_test_id(list_testid).locator(
        f'[data-testid="crew-row"][data-user-id="{user_id}"]'
    )


async def test_foreman_sees_who_is_in_and_missing_and_cosigns(
    browser: Browser, live_server: str, api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    present = await _crew_member(api, world, "Pat Present")
    missing = await _crew_member(api, world, "Max Missing")
    await _accepted_in(engine, world, present)
    # The factories' worker has no face on file: the punch waits for a co-sign.
    worker = world.a.users[Role.WORKER]
    waiting = await punching.post_punch(
        api, world.headers(worker), punching.meta(world.a.site, device_id="phone-w")
    )
    assert waiting.status_code == 201, waiting.text
    assert "cosign_required" in waiting.json()["reasons"]

    context = await _phone(browser, live_server)
    page = await context.new_page()
    try:
        await _sign_in(page, world.a.users[Role.FOREMAN])
        # The home menu lists the foreman's screens (and no manager's).
        await expect(page.get_by_test_id("menu-staff-sites")).to_have_count(0)
        await page.get_by_test_id("menu-staff-crew").click()
        await expect(page.get_by_test_id("crew-board")).to_be_visible()
        await expect(_row(page, "crew-in", present)).to_have_attribute("data-status", "present")
        await expect(_row(page, "crew-in", present)).to_contain_text("Pat Present")
        await expect(_row(page, "crew-missing", missing)).to_contain_text("Max Missing")
        await expect(_row(page, "crew-anomaly", worker.id)).to_be_visible()
        await expect(page.get_by_test_id("count-present")).to_contain_text("1")
        # Max, and the foreman himself (on the board of his crew's site), not punched in.
        missing_rows = page.get_by_test_id("crew-missing").get_by_test_id("crew-row")
        await expect(missing_rows).to_have_count(2)
        await expect(page.get_by_test_id("count-absent")).to_contain_text("2")

        item = page.locator(f'[data-testid="punch-item"][data-punch-id="{waiting.json()["id"]}"]')
        await expect(item).to_contain_text(worker.name)
        await shot(page, "staff-crew-board")
        await item.get_by_test_id("punch-note").fill("saw him at the gate")
        await item.get_by_test_id("cosign").click()
        # Co-signed: the punch counts, so the worker is in and nothing waits any more.
        await expect(_row(page, "crew-in", worker.id)).to_be_visible()
        await expect(page.get_by_test_id("punch-item")).to_have_count(0)

        await page.get_by_test_id("lang-switch").click()
        await expect(page.locator(".staff-title")).to_have_text("今日班组")
        await expect(_row(page, "crew-missing", missing)).to_contain_text("未到")
    finally:
        await context.close()

    punch = await api.get(
        f"/api/attendance/punches/{waiting.json()['id']}",
        headers=world.headers(world.a.users[Role.FOREMAN]),
    )
    assert punch.json()["status"] == "accepted"
    assert punch.json()["cosigned_by"] == str(world.a.users[Role.FOREMAN].id)
    assert punch.json()["review_note"] == "saw him at the gate"


async def _flagged_photo(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> dict[str, Any]:
    """A worker's inspection photo of bare heads, checked by the real hazard model."""
    worker = world.a.users[Role.WORKER]
    inspection = await api.post(
        "/api/inspections",
        json={"id": str(uuid.uuid4()), "site_id": str(world.a.site.id), "title": "Gate"},
        headers=world.headers(worker),
    )
    assert inspection.status_code == 201, inspection.text
    upload = await api.post(
        f"/api/inspections/{inspection.json()['id']}/photos",
        files={"file": ("bus.jpg", BUS.read_bytes(), "image/jpeg")},
        data={"meta": json.dumps({"id": str(uuid.uuid4())})},
        headers=world.headers(worker),
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    await run_until_idle(settings)
    photo = await api.get(
        f"/api/photos/{upload.json()['id']}",
        headers=world.headers(world.a.users[Role.SAFETY_OFFICER]),
    )
    body: dict[str, Any] = photo.json()
    assert body["hazard"]["status"] == "flagged"
    return body


def _percent(value: float | None) -> str:
    # As the screen rounds: half up, to whole percents.
    return "—" if value is None else f"{math.floor(value * 100 + 0.5)}%"


async def _model_report(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await api.get("/api/hazards/model", headers=headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def _expect_model_banner(page: Page, report: dict[str, Any]) -> None:
    """The banner says what the server reports: whichever summary is on file (or none),
    so the test never hard-codes numbers from a file it does not write."""
    banner = page.get_by_test_id("model-banner")
    await expect(banner).to_have_attribute("data-model", report["model"])
    await expect(banner.get_by_test_id("model-name")).to_have_text(f"Model: {report['model']}")
    evaluation = report["evaluation"]
    lines = banner.get_by_test_id("model-evaluated")
    warning = banner.get_by_test_id("model-warning")
    if not evaluation["available"]:
        await expect(lines).to_have_count(0)
        await expect(warning).to_be_visible()
        return
    runs = [r for r in evaluation["runs"] if r["current"]] or evaluation["runs"]
    await expect(lines).to_have_text(
        [
            f"Evaluated: catches {_percent(r['photo']['recall'])} of photos with a bare head,"
            f" flags right {_percent(r['photo']['precision'])} ({r['set']})"
            for r in runs
        ]
    )
    await expect(warning).to_have_count(1 if evaluation["stale"] else 0)


async def test_officer_confirms_a_flagged_photo_with_its_boxes(
    browser: Browser, live_server: str, api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    worker = world.a.users[Role.WORKER]
    photo = await _flagged_photo(api, world, settings)
    detections = photo["hazard"]["detections"]

    context = await _phone(browser, live_server)
    page = await context.new_page()
    try:
        officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
        report = await _model_report(api, officer)
        assert report["model"] == photo["hazard"]["model"]
        await _sign_in(page, world.a.users[Role.SAFETY_OFFICER], "/staff/hazards")
        await _expect_model_banner(page, report)
        live = page.get_by_test_id("model-banner").get_by_test_id("model-live")
        await expect(live).to_have_text("On your sites: no flag reviewed yet")
        card = page.get_by_test_id("hazard-card")
        await expect(card).to_have_count(1)
        await shot(page, "staff-hazard-queue")
        await expect(card).to_have_attribute("data-status", "open")
        boxes = card.get_by_test_id("hazard-box")
        await expect(boxes).to_have_count(len(detections))
        img = card.locator("img")
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await img.element_handle()
        )

        # Boxes sit where the model put them, scaled from stored pixels to the screen.
        frame = await card.get_by_test_id("hazard-photo").bounding_box()
        assert frame is not None
        assert frame["width"] <= PHONE["width"]
        scale = frame["width"] / photo["width"]
        first = await boxes.nth(0).bounding_box()
        assert first is not None
        x1, y1, x2, y2 = detections[0]["box"]
        assert abs(first["x"] - (frame["x"] + x1 * scale)) < 3
        assert abs(first["y"] - (frame["y"] + y1 * scale)) < 3
        assert abs(first["width"] - (x2 - x1) * scale) < 3
        assert abs(first["height"] - (y2 - y1) * scale) < 3

        await card.get_by_test_id("hazard-photo").scroll_into_view_if_needed()
        await shot(page, "staff-hazard-review")
        await card.get_by_test_id("hazard-note").fill("no helmets at the bus stop")
        await card.get_by_test_id("hazard-confirm").click()
        assignee = card.get_by_test_id("hazard-assignee")
        await expect(assignee.locator(f'option[value="{worker.id}"]')).to_have_count(1)
        await assignee.select_option(str(worker.id))
        await card.get_by_test_id("hazard-confirm-send").click()
        await expect(card).to_have_attribute("data-status", "confirmed")
        await expect(card.get_by_test_id("hazard-result")).to_be_visible()
        # The decision is counted at once in the banner's live numbers.
        await expect(live).to_have_text("On your sites: reviewers confirmed 1 of 1 (100%)")
    finally:
        await context.close()

    fixes = await api.get(
        "/api/rectifications", headers=world.headers(world.a.users[Role.SAFETY_OFFICER])
    )
    (fix,) = fixes.json()["items"]
    assert fix["assignee_id"] == str(worker.id)
    assert fix["note"] == "no helmets at the bus stop"
    assert fix["status"] == "open"


async def test_manager_sees_the_geofence_without_tiles_exports_and_what_is_due(
    browser: Browser,
    live_server: str,
    api: httpx.AsyncClient,
    world: World,
    settings: Settings,
    tmp_path: Path,
) -> None:
    # One flag waiting for review on site A: the dashboard's card counts it.
    await _flagged_photo(api, world, settings)
    manager = world.headers(world.a.users[Role.MANAGER])
    report = await _model_report(api, manager)
    precision = await api.get("/api/hazards/precision", headers=manager)
    [site_numbers] = precision.json()["items"]
    assert site_numbers["open"] == 1
    pump = await create_item(api, world, name="Concrete pump")
    three_days_ago = (datetime.now(SITE_TZ).date() - timedelta(days=3)).isoformat()
    plan = await api.post(
        f"/api/equipment/{pump['id']}/maintenance-plans",
        json={"title": "Hydraulic oil", "every_days": 14, "next_due_on": three_days_ago},
        headers=world.headers(world.a.users[Role.MANAGER]),
    )
    assert plan.status_code == 201, plan.text
    context = await _phone(browser, live_server)
    tile_requests: list[str] = []

    async def unreachable(route: Route) -> None:
        tile_requests.append(route.request.url)
        await route.abort("internetdisconnected")

    # Whatever the tile server, nothing outside our origin answers (as on the test box).
    await context.route(lambda url: not url.startswith(live_server), unreachable)
    page = await context.new_page()
    try:
        await _sign_in(page, world.a.users[Role.MANAGER], "/staff/sites")
        map_el = page.get_by_test_id("site-map")
        await expect(map_el).to_be_visible()
        outline = map_el.locator("svg path.leaflet-interactive")
        await expect(outline).to_have_count(1)
        d = await outline.get_attribute("d")
        assert d is not None
        assert d.startswith("M")
        assert d.count("L") >= 3
        box = await outline.bounding_box()
        assert box is not None
        assert box["width"] > 20
        assert box["height"] > 20
        await expect(page.get_by_test_id("tiles-offline")).to_be_visible()
        assert tile_requests, "the map asked for tiles"
        row = page.get_by_test_id("site-row")
        await expect(row).to_contain_text(world.a.site.name)
        # The dashboard: the model banner over every site, and each site's own numbers.
        await _expect_model_banner(page, report)
        await expect(row.get_by_test_id("site-open")).to_have_text(
            f"Open hazards: {site_numbers['open']}"
        )
        await expect(row.get_by_test_id("model-live")).to_have_text(
            "On this site: no flag reviewed yet"
        )
        await expect(row.get_by_test_id("site-model")).to_have_text(f"Model: {report['model']}")
        await shot(page, "staff-site-map")
        await row.scroll_into_view_if_needed()
        await shot(page, "staff-site-dashboard")

        await page.goto("/staff/attendance")
        await expect(page.get_by_test_id("attendance-board")).to_be_visible()
        await page.get_by_test_id("export-format").select_option("csv")
        async with page.expect_download() as info:
            await page.get_by_test_id("export-download").click()
        download = await info.value
        assert download.suggested_filename.startswith("attendance_")
        assert download.suggested_filename.endswith(".csv")
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.read_bytes()  # at least the header row

        await page.goto("/staff/equipment")
        due = page.locator(f'[data-testid="due-row"][data-equipment-id="{pump["id"]}"]')
        await expect(due).to_have_attribute("data-status", "overdue")
        await expect(due).to_contain_text("Concrete pump")
        await expect(due).to_contain_text("3 d late")
    finally:
        await context.close()


async def test_overdue_fix_closed_with_an_after_photo(
    browser: Browser, live_server: str, api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    officer = world.a.users[Role.SAFETY_OFFICER]
    photo = await _flagged_photo(api, world, settings)
    queue = await api.get("/api/hazards?status=open", headers=world.headers(officer))
    (hazard,) = queue.json()["items"]
    assert hazard["photo"]["id"] == photo["id"]
    late = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    confirmed = await api.post(
        f"/api/hazards/{hazard['id']}/review",
        json={"decision": "confirm", "note": "helmets at the gate", "due_at": late},
        headers=world.headers(officer),
    )
    assert confirmed.status_code == 200, confirmed.text
    fix_id = confirmed.json()["rectification_id"]
    # A clear scene as a phone camera takes it: 12 MP.
    after = images.encode(images.photo(4000, 3000, seed=11), "JPEG", quality=92)

    context = await _phone(browser, live_server)
    page = await context.new_page()
    try:
        await _sign_in(page, officer, "/staff/fixes")
        card = page.locator(f'[data-testid="fix-card"][data-fix-id="{fix_id}"]')
        await expect(card).to_have_attribute("data-overdue", "true")
        await expect(card).to_contain_text("helmets at the gate")
        await card.get_by_test_id("fix-close").click()
        await expect(card.get_by_test_id("fix-result")).to_contain_text("after photo")
        await card.get_by_test_id("fix-photo").set_input_files(
            files=FilePayload(name="after.jpg", mimeType="image/jpeg", buffer=after)
        )
        await card.get_by_test_id("fix-note").fill("helmets issued, sign up")
        await card.get_by_test_id("fix-close").click()
        # Sent before the model has seen the after photo: it waits for the check.
        await expect(card).to_have_attribute("data-status", "verifying")
        await expect(card.get_by_test_id("fix-result")).to_be_visible()
        await expect(card.get_by_test_id("fix-form")).to_have_count(0)
    finally:
        await context.close()

    await run_until_idle(settings)
    fixes = await api.get("/api/rectifications?status=closed", headers=world.headers(officer))
    (fix,) = fixes.json()["items"]
    assert fix["id"] == fix_id
    assert fix["close_note"] == "helmets issued, sign up"
    after_photo = await api.get(
        f"/api/photos/{fix['after_photo_id']}", headers=world.headers(officer)
    )
    assert after_photo.json()["hazard"]["status"] == "clear"
    # Compressed on the phone to 1600 px (the server alone would have kept 2048).
    assert max(after_photo.json()["width"], after_photo.json()["height"]) == 1600


async def test_an_after_photo_flagged_as_its_own_hazard_asks_for_a_new_one(
    browser: Browser, live_server: str, api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    """The close is lost to a dropped connection; meanwhile the model flags the uploaded
    after photo (bare heads), so it is a hazard of its own: the retry is refused
    (after_photo_is_hazard) and the screen asks for a new photo, in words, instead of
    sending the same one again (issue 16: a close never erases a hazard)."""
    officer = world.a.users[Role.SAFETY_OFFICER]
    photo = await _flagged_photo(api, world, settings)
    queue = await api.get("/api/hazards?status=open", headers=world.headers(officer))
    (hazard,) = [h for h in queue.json()["items"] if h["photo"]["id"] == photo["id"]]
    confirmed = await api.post(
        f"/api/hazards/{hazard['id']}/review",
        # Overdue, so it is on the tab the screen opens on.
        json={
            "decision": "confirm",
            "note": "helmets at the gate",
            "due_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        },
        headers=world.headers(officer),
    )
    assert confirmed.status_code == 200, confirmed.text
    fix_id = confirmed.json()["rectification_id"]

    context = await _phone(browser, live_server)
    page = await context.new_page()
    dropped: list[str] = []

    async def drop_first_close(route: Route) -> None:
        if not dropped:
            dropped.append(route.request.url)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    try:
        await _sign_in(page, officer, "/staff/fixes")
        await page.route(f"**/api/rectifications/{fix_id}/close", drop_first_close)
        card = page.locator(f'[data-testid="fix-card"][data-fix-id="{fix_id}"]')
        await card.get_by_test_id("fix-photo").set_input_files(
            files=FilePayload(name="after.jpg", mimeType="image/jpeg", buffer=BUS.read_bytes())
        )
        await card.get_by_test_id("fix-note").fill("helmets issued")
        await card.get_by_test_id("fix-close").click()
        await expect(card.get_by_test_id("fix-result")).to_contain_text("No connection")
        assert dropped
        await run_until_idle(settings)  # the model flags the uploaded after photo
        await card.get_by_test_id("fix-close").click()
        result = card.get_by_test_id("fix-result")
        await expect(result).to_contain_text("flagged hazard of its own")
        # The refused photo is dropped: the next press asks for a photo, and what was
        # typed stays.
        assert await card.get_by_test_id("fix-photo").evaluate("el => el.files.length") == 0
        await expect(card.get_by_test_id("fix-note")).to_have_value("helmets issued")
        await shot(page, "fix-after-photo-refused")
        await card.get_by_test_id("fix-close").click()
        await expect(result).to_contain_text("after photo first")
    finally:
        await context.close()
    fixes = await api.get("/api/rectifications?status=open", headers=world.headers(officer))
    assert fix_id in [f["id"] for f in fixes.json()["items"]]
    hazards = await api.get("/api/hazards?status=open", headers=world.headers(officer))
    assert len(hazards.json()["items"]) == 1  # the after photo's own hazard, not erased
