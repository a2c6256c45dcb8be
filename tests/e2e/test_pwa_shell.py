"""The PWA shell, served by the API, in a real browser: log in, see who you are, go
offline and still have the app."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from api.db.models import Role
from tests.support.factories import PASSWORD, World

pytestmark = pytest.mark.e2e


async def test_served_with_the_right_caching(api: httpx.AsyncClient) -> None:
    index = await api.get("/")
    assert index.status_code == 200
    assert "text/html" in index.headers["content-type"]
    assert index.headers["cache-control"] == "no-cache"
    manifest = await api.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.json()["display"] == "standalone"
    assert any(icon.get("purpose") == "maskable" for icon in manifest.json()["icons"])
    sw = await api.get("/sw.js")
    assert sw.status_code == 200
    assert sw.headers["cache-control"] == "no-cache"
    # A client-side route gets the shell; a missing file and an unknown API path do not.
    assert (await api.get("/s/EQ-12345")).text == index.text
    assert (await api.get("/assets/missing-0000.js")).status_code == 404
    unknown_api = await api.get("/api/definitely-not-here")
    assert unknown_api.status_code == 404
    assert unknown_api.json()["code"] == "not_found"


async def test_login_home_and_offline_reload(
    browser: Browser, live_server: str, world: World
) -> None:
    worker = world.a.users[Role.WORKER]
    context = await browser.new_context(
        base_url=live_server, viewport={"width": 412, "height": 915}, locale="en-US"
    )
    page = await context.new_page()
    try:
        await page.goto("/")
        await expect(page.get_by_test_id("login-form")).to_be_visible()

        await page.get_by_test_id("login-input").fill(worker.login)
        await page.get_by_test_id("password-input").fill("wrong-password")
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("login-error")).to_be_visible()

        await page.get_by_test_id("password-input").fill(PASSWORD)
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("home")).to_be_visible()
        await expect(page.get_by_test_id("user-name")).to_have_text(worker.name)
        await expect(page.get_by_test_id("user-role")).to_have_attribute("data-role", "worker")
        await expect(page.get_by_test_id("user-company")).to_have_text(world.a.company.name)

        # Once the service worker is installed and controls the page (from the next
        # load on: it does not claim open pages), the shell survives losing signal.
        await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        await page.reload()
        await page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=20000
        )
        await context.set_offline(True)
        await page.reload()
        await expect(page.get_by_test_id("home")).to_be_visible()
        await expect(page.get_by_test_id("net-status")).to_have_attribute("data-online", "false")
        await context.set_offline(False)

        await page.get_by_test_id("lang-switch").click()
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    finally:
        await context.close()
