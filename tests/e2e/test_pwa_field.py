"""The worker's side of the PWA in Debian's Chromium at a phone's size, against the real
API, PostGIS and S3: installable; punch in with a real position and a live selfie from
a fake camera fed a real face; a QR label in front of the camera opens the item; work
done offline survives a reload and arrives exactly once; a refused write waits in
"needs attention"."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    Playwright,
    ViewportSize,
    async_playwright,
    expect,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import EquipmentEvent, Inspection, Photo, Punch, Role
from api.db.models.inspections import inspection_photos
from tests.e2e.conftest import CHROMIUM_ARGS, shot
from tests.support.equipment import create_item, event, headers
from tests.support.face_photos import face_bytes, jpeg
from tests.support.factories import PASSWORD, World
from tests.support.punching import inside

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}
CAMERA = (640, 480)
DATA = Path(__file__).resolve().parents[1] / "data"
# The middle of the factories' square geofence of tenant a.
LAT, LON = inside()

# Set to a folder (docs/screenshots) to save the screens the tests pass through.

LaunchCamera = Callable[[Image.Image | None], Awaitable[Browser]]


# ---- a fake camera that films a real picture ----------------------------------------


def on_canvas(
    picture: Image.Image, size: tuple[int, int] = CAMERA, fill: float = 0.9
) -> Image.Image:
    """The picture centred on a white frame of the camera's size, as large as fits."""
    canvas = Image.new("RGB", size, (255, 255, 255))
    scale = min(size[0] * fill / picture.width, size[1] * fill / picture.height)
    shown = picture.convert("RGB").resize(
        (round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS
    )
    canvas.paste(shown, ((size[0] - shown.width) // 2, (size[1] - shown.height) // 2))
    return canvas


def write_y4m(frame: Image.Image, path: Path, frames: int = 2) -> None:
    """A YUV4MPEG2 clip of one still picture (4:2:0, full-range JPEG YCbCr), which
    Chromium's --use-file-for-fake-video-capture plays in a loop as the camera."""
    width, height = frame.size
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)


@pytest.fixture(scope="module")
async def playwright_driver() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest.fixture
async def launch_camera(
    playwright_driver: Playwright, chromium_path: str, tmp_path: Path
) -> AsyncIterator[LaunchCamera]:
    """Start a Chromium whose camera films `picture` (its own launch: the fake camera
    is a command-line switch). Permission prompts are answered yes."""
    browsers: list[Browser] = []

    async def launch(picture: Image.Image | None) -> Browser:
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ]
        if picture is not None:
            clip = tmp_path / f"camera-{len(browsers)}.y4m"
            write_y4m(on_canvas(picture), clip)
            args.append(f"--use-file-for-fake-video-capture={clip}")
        browser = await playwright_driver.chromium.launch(
            executable_path=chromium_path, headless=True, args=args
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        await browser.close()


async def phone(browser: Browser, live_server: str) -> BrowserContext:
    return await browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="en-US",
        geolocation={"latitude": LAT, "longitude": LON, "accuracy": 8},
        permissions=["geolocation", "camera"],
    )


async def sign_in(page: Page, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    await page.goto("/")
    await page.get_by_test_id("login-input").fill(worker.login)
    await page.get_by_test_id("password-input").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("home")).to_be_visible()


async def until_service_worker_controls(page: Page) -> None:
    """The service worker does not claim the page that installed it; from the next load
    on it serves the app shell, offline too."""
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.reload()
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)
    await expect(page.get_by_test_id("home")).to_be_visible()


OpenPhone = Callable[[Image.Image | None], Awaitable[Page]]


@pytest.fixture
async def open_phone(
    launch_camera: LaunchCamera, live_server: str, world: World
) -> AsyncIterator[OpenPhone]:
    """A phone-sized page of a browser whose camera films `picture`, with the worker of
    tenant a signed in and the service worker in control (so the app loads offline)."""
    contexts: list[BrowserContext] = []

    async def open_(picture: Image.Image | None) -> Page:
        browser = await launch_camera(picture)
        context = await phone(browser, live_server)
        contexts.append(context)
        page = await context.new_page()
        await sign_in(page, world)
        await until_service_worker_controls(page)
        return page

    yield open_
    for context in contexts:
        await context.close()


async def enrol_worker(api: httpx.AsyncClient, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    response = await api.put(
        f"/api/users/{worker.id}/face",
        files={"image": ("enrol.jpg", face_bytes("obama"), "image/jpeg")},
        data={"consent": "true"},
        headers=world.headers(worker),
    )
    assert response.status_code == 200, response.text


def face(name: str) -> Image.Image:
    with Image.open(DATA / "faces" / f"{name}.jpg") as img:
        return img.convert("RGB")


async def count(engine: AsyncEngine, model: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def camera_live(page: Page, testid: str) -> None:
    # A function, not an expression: the page's CSP (no 'unsafe-eval') blocks the eval
    # Playwright uses to poll a bare expression.
    await page.wait_for_function(
        "id => document.querySelector(`[data-testid=${id}]`)?.readyState >= 2",
        arg=testid,
        timeout=15000,
    )


# ---- the tests --------------------------------------------------------------------


async def test_installable_and_punch_in_with_a_live_selfie(
    open_phone: OpenPhone,
    world: World,
    api: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    await enrol_worker(api, world)
    page = await open_phone(face("obama2"))
    context = page.context
    await shot(page, "worker-home")

    # Install criteria: a manifest with the icons and display mode Chromium wants,
    # and a service worker controlling the page; Chromium itself finds no problem.
    manifest = await page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    cdp = await context.new_cdp_session(page)
    found = await cdp.send("Page.getInstallabilityErrors")
    # A Playwright context is an off-the-record profile, where Chromium never installs.
    errors = [e["errorId"] for e in found["installabilityErrors"] if e["errorId"] != "in-incognito"]
    assert errors == []

    await page.get_by_test_id("menu-punch").click()
    await expect(page.get_by_test_id("punch-accuracy")).to_have_text("Accuracy ±8 m")
    await expect(page.get_by_test_id("punch-site")).to_have_value(str(world.a.site.id))
    await camera_live(page, "punch-video")
    await page.get_by_test_id("punch-in").click()

    result = page.get_by_test_id("punch-result")
    await expect(result).to_have_attribute("data-status", "accepted", timeout=30000)
    await expect(result).to_contain_text("Punch accepted")
    await expect(page.get_by_test_id("punch-reasons")).to_be_hidden()
    await shot(page, "worker-punch")
    punch_id = uuid.UUID(await result.get_attribute("data-punch-id") or "")
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(Punch.status, Punch.kind, Punch.device_id, Punch.user_id).where(
                    Punch.id == punch_id
                )
            )
        ).one()
    assert (row.status.value, row.kind.value) == ("accepted", "in")
    assert row.user_id == world.a.users[Role.WORKER].id
    assert row.device_id.startswith("pwa-")
    await expect(page.get_by_test_id("outbox-badge")).to_be_hidden()


async def test_a_qr_label_in_front_of_the_camera_opens_the_item(
    open_phone: OpenPhone, live_server: str, world: World, api: httpx.AsyncClient
) -> None:
    item = await create_item(api, world, name="Harness H-7", category="harness")
    label = await api.get(
        f"/api/equipment/{item['id']}/label.png", headers=headers(world, Role.ADMIN)
    )
    assert label.status_code == 200
    page = await open_phone(Image.open(io.BytesIO(label.content)))
    context = page.context
    await page.get_by_test_id("menu-scan").click()
    await expect(page).to_have_url(f"{live_server}/s/{item['code']}", timeout=20000)
    await expect(page.get_by_test_id("item-name")).to_have_text("Harness H-7")
    await expect(page.get_by_test_id("item-status")).to_have_text("Available")
    await expect(page.get_by_test_id("action-check-out")).to_be_visible()
    await shot(page, "worker-item")

    # Offline, the same label still opens the item from the cached ledger.
    await context.set_offline(True)
    await page.reload()
    await expect(page.get_by_test_id("item-name")).to_have_text("Harness H-7")
    await expect(page.get_by_test_id("item-cached")).to_be_visible()


def sideways_site_photo() -> bytes:
    """A 12 MP phone photo held upright: pixels stored sideways with EXIF orientation 6."""
    with Image.open(DATA / "hazard" / "bus.jpg") as img:
        upright = img.convert("RGB").resize((3024, 4032), Image.Resampling.BICUBIC)
    return jpeg(upright.transpose(Image.Transpose.ROTATE_90), quality=92, orientation=6)


async def test_offline_photo_and_punch_survive_a_reload_and_arrive_exactly_once(
    open_phone: OpenPhone,
    world: World,
    api: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    await enrol_worker(api, world)
    page = await open_phone(face("obama2"))
    context = page.context
    await context.set_offline(True)
    await expect(page.get_by_test_id("net-status")).to_have_attribute("data-online", "false")

    await page.get_by_test_id("menu-inspect").click()
    await page.get_by_test_id("inspect-title").fill("Scaffold level 3")
    await page.get_by_test_id("inspect-notes").fill("Toe board missing on the east side")
    await page.get_by_test_id("inspect-photo").set_input_files(
        files=[
            FilePayload(name="IMG_0001.jpg", mimeType="image/jpeg", buffer=sideways_site_photo())
        ]
    )
    row = page.get_by_test_id("photo-row")
    await expect(row).to_have_attribute("data-via", "worker", timeout=30000)
    assert int(await row.get_attribute("data-bytes") or 0) <= 200 * 1024
    # Seen with `pytest -s`: the phone-side cost of a 12 MP photo.
    size, ms = await row.get_attribute("data-bytes"), await row.get_attribute("data-ms")
    print(f"compressed 12 MP photo: {size} bytes in {ms} ms")
    await shot(page, "worker-inspection")
    await page.get_by_test_id("inspect-save").click()
    await expect(page.get_by_test_id("inspect-message")).to_have_attribute("data-kind", "info")

    await page.get_by_test_id("back").click()
    await page.get_by_test_id("menu-punch").click()
    await expect(page.get_by_test_id("punch-accuracy")).to_have_text("Accuracy ±8 m")
    await camera_live(page, "punch-video")
    await page.get_by_test_id("punch-in").click()
    await expect(page.get_by_test_id("punch-result")).to_have_attribute("data-kind", "info")

    badge = page.get_by_test_id("outbox-badge")
    await expect(page.get_by_test_id("outbox-count")).to_have_text("3")
    # A reload (or a killed tab) loses nothing: the outbox is in IndexedDB.
    await page.reload()
    await expect(page.get_by_test_id("outbox-count")).to_have_text("3")
    await badge.click()
    await expect(page.get_by_test_id("pending-item")).to_have_count(3)
    await shot(page, "worker-outbox-offline")
    assert await count(engine, Punch) == 0
    assert await count(engine, Inspection) == 0

    await context.set_offline(False)
    await expect(badge).to_be_hidden(timeout=60000)
    await expect(page.get_by_test_id("outbox-empty")).to_be_visible()

    # Reloading online replays nothing more: each arrived exactly once.
    await page.reload()
    await expect(page.get_by_test_id("outbox-empty")).to_be_visible()
    assert await count(engine, Inspection) == 1
    assert await count(engine, Photo) == 1
    assert await count(engine, Punch) == 1
    async with engine.connect() as conn:
        inspection = (
            await conn.execute(select(Inspection.id, Inspection.title, Inspection.notes))
        ).one()
        photo = (
            await conn.execute(
                select(Photo.width, Photo.height, inspection_photos.c.inspection_id).join(
                    inspection_photos, inspection_photos.c.photo_id == Photo.id
                )
            )
        ).one()
        punch = (await conn.execute(select(Punch.status, Punch.age_s))).one()
    assert inspection.title == "Scaffold level 3"
    assert inspection.notes == "Toe board missing on the east side"
    assert photo.inspection_id == inspection.id
    # Compressed to 1600 px on the long side, upright as the EXIF tag said.
    assert (photo.width, photo.height) == (1200, 1600)
    assert punch.status.value == "accepted"


async def test_a_refused_write_waits_in_needs_attention(
    open_phone: OpenPhone,
    world: World,
    api: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    item = await create_item(api, world, name="Last harness", category="harness")
    page = await open_phone(None)
    context = page.context
    await page.goto(f"/s/{item['code']}")
    await expect(page.get_by_test_id("action-check-out")).to_be_visible()

    # The worker takes the harness with no signal; meanwhile the foreman takes it.
    await context.set_offline(True)
    await page.get_by_test_id("action-check-out").click()
    await expect(page.get_by_test_id("item-result")).to_have_attribute("data-kind", "info")
    foreman = world.a.users[Role.FOREMAN]
    taken = await event(api, world, item, Role.FOREMAN, kind="check_out", holder_id=str(foreman.id))
    assert taken.status_code == 201, taken.text

    await context.set_offline(False)
    badge = page.get_by_test_id("outbox-badge")
    await expect(badge).to_have_attribute("data-failed", "1", timeout=60000)
    await expect(badge).to_have_attribute("data-pending", "0")
    await badge.click()
    attention = page.get_by_test_id("attention-item")
    await expect(attention).to_have_count(1)
    detail = attention.get_by_test_id("attention-detail")
    await expect(detail).to_have_attribute("data-code", "already_checked_out")
    await expect(detail).to_contain_text("already checked out")
    await shot(page, "worker-needs-attention")

    # Retrying does not help (the server says the same); discarding is a person's choice.
    await attention.get_by_test_id("attention-retry").click()
    await expect(page.get_by_test_id("attention-item")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("attention-discard").click()
    await expect(page.get_by_test_id("outbox-empty")).to_be_visible()
    await expect(badge).to_be_hidden()
    assert (
        await count(engine, EquipmentEvent, EquipmentEvent.equipment_id == uuid.UUID(item["id"]))
        == 1
    )


async def test_background_sync_wakes_the_page_to_send_what_waits(
    open_phone: OpenPhone, world: World, engine: AsyncEngine
) -> None:
    page = await open_phone(None)
    worker = world.a.users[Role.WORKER]
    inspection_id = str(uuid.uuid4())
    # An inspection in its backoff (next try in an hour): no timer or trigger but a
    # forced one sends it before then.
    await page.evaluate(
        """([id, userId, siteId]) => new Promise((resolve, reject) => {
          const open = indexedDB.open("sitecheck");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction("outbox", "readwrite");
            tx.objectStore("outbox").add({
              id, method: "POST", url: "/api/inspections", created_at: new Date().toISOString(),
              body: {type: "json", json: {id, site_id: siteId, title: "Synced in the background"}},
              attempts: 1, last_error: "network", state: "pending", next_at: Date.now() + 3600000,
              user_id: userId, kind: "inspection", summary: "Synced in the background",
            });
            tx.oncomplete = () => resolve(true);
            tx.onerror = () => reject(tx.error);
          };
        })""",
        [inspection_id, str(worker.id), str(world.a.site.id)],
    )
    await page.wait_for_timeout(500)
    assert await count(engine, Inspection) == 0

    # What Chromium does when the network returns: fire the registered sync tag.
    cdp = await page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(
            r["registrationId"] for r in event["registrations"] if not r["isDeleted"]
        ),
    )
    await cdp.send("ServiceWorker.enable")
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(50):
        if registrations:
            break
        await page.wait_for_timeout(100)
    await cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": await page.evaluate("location.origin"),
            "registrationId": registrations[0],
            "tag": "sitecheck-outbox",
            "lastChance": False,
        },
    )
    for _ in range(100):
        if await count(engine, Inspection, Inspection.id == uuid.UUID(inspection_id)) == 1:
            break
        await page.wait_for_timeout(100)
    assert await count(engine, Inspection, Inspection.id == uuid.UUID(inspection_id)) == 1
