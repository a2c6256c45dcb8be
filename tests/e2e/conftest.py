"""Debian's Chromium driven by Playwright (no browser download: /usr/bin/chromium)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium reaches for Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path, headless=True, args=[*CHROMIUM_ARGS]
        )
        yield browser
        await browser.close()


# `SITECHECK_SCREENSHOTS=docs/screenshots` saves the main screens as the e2e tests pass
# through them (the README's screenshots come from there).
SCREENSHOTS = os.environ.get("SITECHECK_SCREENSHOTS")


async def shot(page: Page, name: str) -> None:
    # Playwright creates the folder itself.
    if SCREENSHOTS:
        await page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"))
