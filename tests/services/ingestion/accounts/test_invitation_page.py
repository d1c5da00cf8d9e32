"""The invitation link from the email, opened in a browser: GET shows a form, POST creates the account."""

import html
import time

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
    welcome = html.unescape(page.get_data(as_text=True))
    assert "You're in, Robin" in welcome
    assert f'href="/app/signin?email={entry["email"].replace("@", "%40")}"' in welcome  # into the app
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
    assert "IANA time zone" in text
    assert db.users.count_documents({}) == 0


def test_a_forged_link_gives_a_calm_page(client, db):
    page = client.get("/invitations/not-a-real-token")
    assert page.status_code == 404
    assert "can't be used" in html.unescape(page.get_data(as_text=True))
