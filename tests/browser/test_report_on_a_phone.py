"""The report page as a clinician opens a shared link on a phone (390 px wide), in headless chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.workers.reports import render
from tests.services.workers.reports.test_render import TODAY, a_plan, build
from tests.support.report_patients import generate_for_report

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def patient():
    return generate_for_report(3, days=120, end=TODAY - timedelta(days=1), red_flags=6)


@pytest.fixture(scope="module")
def phone(browser):
    # The process's one browser (tests/browser/conftest.py): a second Playwright in one process fails.
    page = browser.new_page(viewport=PHONE)
    yield page
    page.close()


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
