"""A blank Chromium page with the web page's pure script (logmodel.js) loaded.

One Playwright connection and one page per test module (on the session's Chromium): these tests
only evaluate pure functions, so sharing the page keeps them fast. The connection ends with the
module, so no later test runs while Playwright holds its event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

WEB_DIR = Path(__file__).resolve().parents[3] / "chalice_app" / "chalicelib" / "web"


@pytest.fixture(scope="module")
def js_page(chromium_cdp_url: str) -> Iterator[Page]:
    """A page (no network, no server) where ``ApkgenLog`` is defined."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(chromium_cdp_url)
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_content("<!doctype html><html><body></body></html>")
            page.add_script_tag(content=(WEB_DIR / "logmodel.js").read_text())
            yield page
        finally:
            context.close()
            browser.close()
