"""`make screenshots`: the app's phone screenshots, docs/app-today.png and docs/app-trends.png, taken from
the real stack with a planted history. Not part of `make test` (pytest collects it only when named); run it
after changing how a screen looks, and look at the pictures before committing them."""

from pathlib import Path

import requests

from tests.browser.app_stack import plant_wave
from tests.browser.test_app import sign_in
from tests.factories.accounts import person
from tests.support.servers import wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_phone_screenshots(app_context, app_url, mailbox, db):
    _user, headers = person("sam@example.org", time_zone="UTC", name="Sam")
    plant_wave(app_url, headers)

    def episodes():
        return requests.get(f"{app_url}/v1/summaries", headers=headers, timeout=10).json()["episodes"]

    wait_for(episodes, 60, "the planted wave")
    page = app_context.new_page()
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, mailbox, "sam@example.org")
    page.get_by_role("radio", name="4", exact=True).check()
    page.screenshot(path=DOCS / "app-today.png")
    page.get_by_role("link", name="Trends").click()
    page.get_by_test_id("episodes").wait_for()
    page.screenshot(path=DOCS / "app-trends.png")
