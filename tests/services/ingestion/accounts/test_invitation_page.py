"""The invitation link from the email, opened in a browser: GET shows a form, POST creates the account."""

import html
import time

import pytest

from shared import invitations
from tests.factories.waitlist import entry_doc


def link_path(url: str) -> str:
    return "/invitations/" + url.rsplit("/", 1)[1]


def accept_form(**changes):
    form = {
        "display_name": "Robin",
        "time_zone": "Europe/Dublin",
        "health_data_consent": "yes",
        "consent_version": "health-data-2026-11",
    }
    return {k: v for k, v in (form | changes).items() if v is not None}


def test_get_shows_the_form_and_creates_nothing(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="robin@example.org", created_by="t")
    page = client.get(link_path(url))
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "robin@example.org" in text
    assert "explicitly consent" in text
    assert db.users.count_documents({}) == 0


def test_post_with_consent_creates_the_account_and_marks_the_waitlist_entry_active(
    client, settings, db, notification_worker
):
    entry = entry_doc(1, status="invited")
    db.waitlist_entries.insert_one(entry)
    _invitation, url = invitations.create_invitation(
        settings, email=entry["email"], waitlist_entry_id=entry["_id"], created_by="admin"
    )
    page = client.post(link_path(url), data=accept_form(), headers={"User-Agent": "Firefox/130"})
    assert page.status_code == 201
    assert "You're in, Robin" in html.unescape(page.get_data(as_text=True))
    user = db.users.find_one({"email_key": entry["email_key"]})
    assert user["time_zone"] == "Europe/Dublin"
    assert user["consents"]["health_data"]["user_agent"] == "Firefox/130"
    assert db.devices.count_documents({}) == 0  # the web page signs nobody in; the app does, with a code
    deadline = time.monotonic() + 10
    while db.waitlist_entries.find_one({"_id": entry["_id"]})["status"] != "active":
        assert time.monotonic() < deadline, "the waitlist entry never became active"
        time.sleep(0.05)
    again = client.post(link_path(url), data=accept_form())
    assert again.status_code == 404
    assert "can't be used" in html.unescape(again.get_data(as_text=True))


def test_missing_consent_or_bad_time_zone_shows_the_form_again(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="sam@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(health_data_consent=None, time_zone="Mars/Base"))
    assert page.status_code == 422
    text = html.unescape(page.get_data(as_text=True))
    assert "explicit consent" in text
    assert "We couldn\u2019t find a time zone for \u201cMars/Base\u201d".replace("\u2019", "'") in text
    assert db.users.count_documents({}) == 0


def test_the_time_zone_is_a_searchable_list_with_city_names(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="kim@example.org", created_by="t")
    text = client.get(link_path(url)).get_data(as_text=True)
    assert '<input type="text" id="time_zone" name="time_zone" list="zones"' in text
    assert '<option value="Europe/London">London (Europe)</option>' in text
    assert '<option value="America/Argentina/Buenos_Aires">Buenos Aires (America/Argentina)</option>' in text
    # The browser's own zone is filled in by a static script: no inline script for the CSP to allow.
    assert '<script src="/assets/time-zone.js" defer></script>' in text
    assert "<script>" not in text
    with client.get("/assets/time-zone.js") as script:
        assert script.status_code == 200
        assert "resolvedOptions().timeZone" in script.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("London", "Europe/London"), ("new york", "America/New_York"), ("europe/berlin", "Europe/Berlin"),
     ("São Paulo", "America/Sao_Paulo"), ("Asia/Tokyo", "Asia/Tokyo")],
)  # fmt: skip
def test_a_typed_city_or_zone_in_any_case_becomes_its_zone(client, settings, db, typed, stored):
    _invitation, url = invitations.create_invitation(settings, email="lee@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(time_zone=typed))
    assert page.status_code == 201, html.unescape(page.get_data(as_text=True))
    assert db.users.find_one({"email_key": "lee@example.org"})["time_zone"] == stored


@pytest.mark.parametrize("typed", ["Atlantis", "GMT+25", "x" * 500])
def test_text_that_is_no_zone_gets_a_clear_error_tied_to_the_field(client, settings, db, typed):
    _invitation, url = invitations.create_invitation(settings, email="ash@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(time_zone=typed))
    assert page.status_code == 422
    text = html.unescape(page.get_data(as_text=True))
    assert f"We couldn't find a time zone for \u201c{typed[:80]}\u201d" in text
    assert 'aria-describedby="time_zone-hint time_zone-error"' in text
    assert 'aria-invalid="true"' in text
    assert db.users.count_documents({}) == 0


def test_a_forged_link_gives_a_calm_page(client, db):
    page = client.get("/invitations/not-a-real-token")
    assert page.status_code == 404
    assert "can't be used" in html.unescape(page.get_data(as_text=True))


def test_the_page_links_to_about_privacy_and_contact_which_this_service_serves_too(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="ida@example.org", created_by="t")
    body = client.get(link_path(url)).get_data(as_text=True)
    for path in ("/about", "/privacy", "/contact"):
        assert f'href="{path}"' in body
        assert client.get(path).status_code == 200
