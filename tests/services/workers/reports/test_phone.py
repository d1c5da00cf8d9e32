"""The report page as a clinician opens a shared link on a phone (390 px wide), in headless chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.workers.reports import render
from tests.services.workers.reports.test_render import a_plan, build

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def phone():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport=PHONE)
        yield page
        browser.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_with_its_daily_detail_does_not_scroll_sideways(patient, phone, language):
    content, _page = build(
        patient, "2026-02-14", "2026-03-15", include_notes=True, plan_doc=a_plan(), language=language
    )
    phone.set_content(render.html(content))
    assert phone.locator("#daily-detail table").is_visible()
    width, viewport = phone.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= viewport, f"the page is {width} px wide on a {viewport} px phone"
