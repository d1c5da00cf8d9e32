"""The screenshots' scene: one person with a planted history (a wave, a taper from 10 to 8 mg), the taper
plan it follows (held at 8 mg from the scene's day on, so what the server answers with its own clock, the
next step and today's doses, is the same on any day) and a shared report, seen
on a fixed day with a fixed clock, so the same code draws the same pixels on any day. The Today, Trends and
Reports screens at 390 and 1280 px: `make screenshots` writes them to docs/, and tests/browser/test_app.py
compares a fresh set with those committed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import requests
from PIL import Image, ImageChops, ImageFilter

from tests.browser.app_stack import plant_wave
from tests.factories.accounts import person
from tests.support.servers import wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The browser's clock in the scene; the history ends on this day (a past day, so the server accepts it).
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
WIDTHS = {390: "", 1280: "-1280"}  # docs/app-today.png is the phone's (the README shows it)
SCREENS = ("today", "trends", "reports")
# Pixels are compared after a blur that erases glyph antialiasing; a pixel differs when its grey level
# moves by more than DIFF_LEVEL, and a screen may have MAX_DIFFERING of its pixels differ.
BLUR_RADIUS = 2
DIFF_LEVEL = 48
MAX_DIFFERING = 0.001


def path(screen: str, width: int) -> Path:
    return DOCS / f"app-{screen}{WIDTHS[width]}.png"


def plant_taper(app_url: str, headers: dict, today: date) -> None:
    """Diazepam at 10 mg a day for the four weeks before `today`, cut to 8 mg two weeks before it."""
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


def plant_plan(app_url: str, headers: dict, today: date) -> None:
    """The plan behind plant_taper: 10 mg from four weeks before `today`, 2 mg less every two weeks, held
    from `today` on (an open hold); taken at 08:00 and 20:00, half each."""
    plan = {
        "start_day": str(today - timedelta(days=28)),
        "medications": [
            {
                "medication": "diazepam",
                "form": "tablet",
                "tablet_strength_mg": 2,
                "tablet_pieces": 2,
                "start_mg": 10,
                "method": "fixed_mg",
                "step_mg": 2,
                "interval_days": 14,
            }
        ],
        "holds": [{"start": str(today), "until": None}],
        "dose_times": [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}],
    }
    r = requests.post(f"{app_url}/v1/plan/versions", json=plan, headers=headers, timeout=10)
    assert r.status_code == 201, r.text


def plant_recent_days(app_url: str, headers: dict) -> None:
    """Check-ins on every third of the server's own last six weeks: it reckons whether the person has a
    baseline from its own today, not the scene's, and the person of the scene has kept logging (the Trends
    screen would say the baseline is building otherwise). The scene's screens show none of these days."""
    now = datetime.now(UTC)
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": (now - timedelta(days=days)).isoformat(),
            "overall": 4,
        }
        for days in range(1, 42, 3)
    ]
    body = {"sent_at": now.isoformat(), "events": events}
    r = requests.post(f"{app_url}/v1/events/batch", json=body, headers=headers, timeout=10)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text


def take(browser, app_url: str, cookie_name: str) -> dict[tuple[str, int], bytes]:
    """PNG bytes of each screen at each width, by (screen, width)."""
    today = NOW.date()
    _user, headers = person(f"scene-{uuid.uuid4().hex[:8]}@example.org", time_zone="UTC", name="Sam")
    plant_taper(app_url, headers, today)
    plant_plan(app_url, headers, today)
    plant_wave(app_url, headers, today)
    plant_recent_days(app_url, headers)

    def summarised() -> bool:
        params = {"from": str(today - timedelta(days=27)), "to": str(today)}
        body = requests.get(f"{app_url}/v1/summaries", params=params, headers=headers, timeout=10).json()
        return (
            not body["pending_recompute"] and bool(body["episodes"]) and body["baseline"]["state"] == "ready"
        )

    wait_for(summarised, 60, "the planted wave")
    context = browser.new_context(
        base_url=app_url, locale="en-US", timezone_id="UTC", color_scheme="light", reduced_motion="reduce"
    )
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": cookie_name, "value": headers["Authorization"][7:], "url": app_url}])
    context.clock.set_fixed_time(NOW)
    page = context.new_page()
    try:
        # A report of the week before the scene's day, shared with a named clinician.
        page.goto("/app/reports")
        page.get_by_text("Days I choose").click()
        page.get_by_role("button", name="Make my report").click()
        page.get_by_text("Ready", exact=True).wait_for(timeout=60_000)
        page.get_by_text("Share with a clinician").click()
        page.get_by_label("Who is it for?").fill("Dr Rivera")
        page.get_by_role("button", name="Make a link").click()
        page.get_by_label("Link for Dr Rivera").wait_for()
        shots = {}
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
            page.goto("/app/")
            page.get_by_test_id("planned-dose").first.wait_for()
            page.get_by_role("radio", name="4", exact=True).check()
            shots["today", width] = whole_page(page)
            page.goto("/app/trends")
            page.get_by_test_id("episodes").wait_for()
            page.locator('[data-testid="chart"][data-planned="true"]').wait_for()
            shots["trends", width] = whole_page(page)
            page.goto("/app/reports")
            page.get_by_text("Ready", exact=True).wait_for()
            page.get_by_text("Share with a clinician").click()
            page.get_by_label("Link for Dr Rivera").wait_for()
            # What the server stamps with its own clock or chance: when the report was asked for, the
            # link's expiry and its address.
            varying = [
                page.locator("[data-testid=report] > p.muted"),
                page.locator("[data-testid=share] > p"),
            ]
            varying.append(page.get_by_label("Link for Dr Rivera"))
            shots["reports", width] = whole_page(page, mask=varying, mask_color="#888888")
        return shots
    finally:
        context.close()


def whole_page(page, **options) -> bytes:
    """The whole page at once, in a window as tall as it: the navigation fixed to the window's bottom is
    drawn there, under the page, as a person sees it at the end of the page (a full-page screenshot of a
    short window draws it where that window ended, over the middle of the page)."""
    size = page.viewport_size
    tall = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(tall, size["height"])})
    try:
        return page.screenshot(animations="disabled", **options)
    finally:
        page.set_viewport_size(size)


def differing(expected: bytes, actual: bytes) -> float | None:
    """Share of pixels that differ beyond antialiasing, or None when the sizes differ (a layout change)."""
    a, b = (Image.open(BytesIO(png)).convert("L") for png in (expected, actual))
    if a.size != b.size:
        return None
    blur = ImageFilter.GaussianBlur(BLUR_RADIUS)
    diff = ImageChops.difference(a.filter(blur), b.filter(blur))
    histogram = diff.histogram()
    return sum(histogram[DIFF_LEVEL + 1 :]) / (a.width * a.height)
