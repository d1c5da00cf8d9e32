"""`make screenshots`: the app's phone screenshots, docs/app-today.png, docs/app-trends.png and
docs/app-reports.png, taken from the real stack with a planted history (a wave, a taper from 10 to 8 mg).
Not part of `make test` (pytest collects it only when named); run it after changing how a screen looks,
and look at the pictures before committing them."""

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from tests.browser.app_stack import plant_wave
from tests.browser.test_app import sign_in
from tests.factories.accounts import person
from tests.support.servers import wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs"


def plant_taper(app_url: str, headers: dict) -> None:
    """Diazepam at 10 mg a day for the last four weeks, cut to 8 mg two weeks ago."""
    today = date.today()
    step = today - timedelta(days=14)
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "dose",
            "occurred_at": f"{day}T08:00:00+00:00",
            "medication": "diazepam",
            "amount_mg": 10 if day < step else 8,
        }
        for day in (today - timedelta(days=i) for i in range(1, 29))
    ]
    events.append(
        {
            "event_id": uuid.uuid4().hex,
            "type": "taper_step",
            "occurred_at": f"{step}T07:00:00+00:00",
            "kind": "cut",
            "medication": "diazepam",
            "new_daily_dose_mg": 8,
        }
    )
    body = {"sent_at": datetime.now(UTC).isoformat(), "events": events}
    r = requests.post(f"{app_url}/v1/events/batch", json=body, headers=headers, timeout=10)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text


def test_phone_screenshots(app_context, app_url, mailbox, db):
    _user, headers = person("sam@example.org", time_zone="UTC", name="Sam")
    plant_wave(app_url, headers)
    plant_taper(app_url, headers)

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
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="Make my report").click()
    page.get_by_text("Ready", exact=True).wait_for(timeout=60_000)
    page.get_by_text("Share with a clinician").click()
    page.get_by_label("Who is it for?").fill("Dr Rivera")
    page.get_by_role("button", name="Make a link").click()
    page.get_by_label("Link for Dr Rivera").wait_for()
    page.screenshot(path=DOCS / "app-reports.png", full_page=True)
