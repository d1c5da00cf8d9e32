"""Every email, rendered as sent, in Debian chromium at a phone's width: nothing scrolls sideways, however
long its links (signed tokens make them long: a share link is ~200 characters) or the names it carries."""

from __future__ import annotations

import pytest

from services.notification.email.templates import TEMPLATES, render

PHONE_WIDTH = 390
TOKEN = "eyJzIjoiNjc1MmE5ZjBjM2I0ZDVlNmY3YTgwOTFiOjIwMjYtVzQ5OmNsaW5pY2lhbiJ9." + "Qk8x" * 30
BASE = "https://app.trackyourhealing.org"
SAMPLES = {
    "product_news": {
        "headline": "Reports now print on Letter paper",
        "paragraphs": ["A small change for clinics in North America."],
        "link_url": f"{BASE}/news/2026/reports-on-letter-paper?utm_source=none&ref={TOKEN}",
        "link_label": "Read more",
    },
    "waitlist_confirm": {
        "name": "Sam",
        "confirm_url": f"{BASE}/waitlist/confirm/{TOKEN}",
        "leave_url": f"{BASE}/waitlist/leave/{TOKEN}",
        "expires_hours": 48,
    },
    "waitlist_confirmed": {
        "name": "Sam",
        "position_url": f"{BASE}/waitlist/you/{TOKEN}",
        "leave_url": f"{BASE}/waitlist/leave/{TOKEN}",
    },
    "sign_in_code": {"code": "482913", "minutes": 10},
    "safety_message": {},
    "invitation": {
        "name": "Sam",
        "accept_url": f"{BASE}/invitations/{TOKEN}",
        "expires_on": "20 December 2026",
    },
    "account_erased": {},
    "weekly_report": {
        "report_url": f"{BASE}/r/{TOKEN}",
        "period": "29 November 2026 to 5 December 2026",
        "clinician_sent": True,
        "attachments": [],
    },
    "clinician_report_link": {
        "share_url": f"{BASE}/r/{TOKEN}",
        "expires_on": "5 January 2027",
        "shared_by": "Sam R.",
        "period": "29 November 2026 to 5 December 2026",
    },
    "checkin_reminder": {"app_url": f"{BASE}/today?from=reminder&ref={TOKEN}"},
    "dose_reminder": {
        "time": "08:00",
        "doses": [
            {
                "dose": "0.25 mg clonazepam (½ tablet)",
                "taken_url": f"{BASE}/doses/{TOKEN * 4}?status=taken",
                "skipped_url": f"{BASE}/doses/{TOKEN * 4}?status=skipped",
            }
        ],
        "settings_url": f"{BASE}/app/settings",
    },
}
UNSUBSCRIBE = f"{BASE}/email/unsubscribe/{TOKEN}"


def test_every_email_has_a_sample():
    assert set(SAMPLES) == set(TEMPLATES)


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_no_email_scrolls_sideways_on_a_phone(phone, name):
    html = render(name, SAMPLES[name], unsubscribe_url=UNSUBSCRIBE).html
    phone.set_content(html)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{name} is {width} px wide"


# A name as people type it may be one long word (a handle, names joined by dots): 80 characters is the most
# an account's display name has, 100 a waitlist entry's name.
ONE_WORD_NAME = "maximiliano.fernandez.villaverde_rodriguez.zapatero.de.la.santisima.trinidad.xx"
NAMED = {
    "clinician_report_link": "shared_by",
    "invitation": "name",
    "waitlist_confirm": "name",
    "waitlist_confirmed": "name",
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_a_name_written_as_one_long_word_wraps_on_a_phone(phone, name):
    data = SAMPLES[name] | {NAMED[name]: ONE_WORD_NAME}
    phone.set_content(render(name, data, unsubscribe_url=UNSUBSCRIBE).html)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{name} is {width} px wide"
