"""Admins see waitlist mail only: account mail (a safety message, a sign-in code) is in no admin page or API
answer, its record carries no readable template name, and no record keeps its data once sent."""

from __future__ import annotations

import base64
import json

import pytest

from services.notification.email import service as email_service
from shared.email import outbox_id, request_email
from shared.mongo import mongo
from shared.runtime import runtime_of
from tests.factories import waitlist
from tests.services.notification.email.helpers import wait_status

SAFETY: dict = {}  # the message is fixed text


@pytest.fixture
def mail_to_one_person(app, settings, mailbox):
    """A waitlisted person who later got an account: one waitlist email and two account emails, sent."""
    entry = waitlist.entry(1, status="pending")
    celery = runtime_of(app).celery
    data = {"name": "Sam", "confirm_url": "https://x/c/CONFIRMTOKEN", "leave_url": "https://x/l/LEAVETOKEN"}
    request_email(
        celery,
        template="waitlist_confirm",
        to=entry["email"],
        idempotency_key="w:1",
        data=data | {"expires_hours": 72},
    )
    request_email(
        celery,
        template="sign_in_code",
        to=entry["email"],
        idempotency_key="sign-in:1",
        data={"code": "482913", "minutes": 10},
        user_id="u" * 32,
    )
    request_email(
        celery,
        template="safety_message",
        to=entry["email"],
        idempotency_key="safety:u:2026-11-26",
        data=SAFETY,
        user_id="u" * 32,
    )
    for key in ("w:1", "sign-in:1", "safety:u:2026-11-26"):
        wait_status(settings, key, {"sent"})
    mailbox.wait_for(3)
    return entry


def test_admin_pages_and_api_show_waitlist_mail_only(client, api_headers, settings, mail_to_one_person):
    entry = mail_to_one_person
    pages = [
        client.get("/admin/outbox").get_data(as_text=True),
        client.get("/admin/outbox?status=sent").get_data(as_text=True),
        client.get(f"/admin/entries/{entry['_id']}").get_data(as_text=True),
    ]
    answers = [
        client.get("/admin/api/outbox", headers=api_headers).get_json(),
        client.get(f"/admin/api/entries/{entry['_id']}", headers=api_headers).get_json(),
    ]
    for text in [*pages, *(json.dumps(a) for a in answers)]:
        assert "waitlist_confirm" in text
        for secret in ("safety", "sign_in", "482913", "CONFIRMTOKEN"):
            assert secret not in text
    assert [row["template"] for row in answers[0]["items"]] == ["waitlist_confirm"]
    assert [row["template"] for row in answers[1]["emails"]] == ["waitlist_confirm"]

    # An account email cannot be reached by id either: not found, never queued again.
    safety_id = outbox_id(settings, "safety:u:2026-11-26")
    assert client.post(f"/admin/api/outbox/{safety_id}/resend", headers=api_headers).status_code == 404
    client.post(f"/admin/outbox/{safety_id}/resend", data={"csrf_token": client.csrf})
    assert mongo.db.email_outbox.find_one({"_id": safety_id})["status"] == "sent"


def test_records_keep_no_readable_account_template_and_no_data_once_sent(settings, mail_to_one_person):
    records = {r["_id"]: r for r in mongo.db.email_outbox.find({})}
    assert len(records) == 3
    for record in records.values():
        assert "data" not in record  # sent: the code and the links are gone
    stored = json.dumps(list(records.values()), default=str)
    for secret in ("safety", "sign_in", "482913", "CONFIRMTOKEN", "LEAVETOKEN", "u:2026-11-26"):
        assert secret not in stored
    waitlist_record = records[outbox_id(settings, "w:1")]
    assert (waitlist_record["audience"], waitlist_record["template"]) == ("waitlist", "waitlist_confirm")


def test_a_failed_waitlist_email_keeps_its_data_for_a_resend_and_account_mail_does_not(
    app, settings, mailbox
):
    celery = runtime_of(app).celery
    mongo.db.email_suppressions.insert_one(
        {"_id": "gone@example.org", "scope": "all", "reason": "hard bounce"}
    )
    data = {"name": "", "accept_url": "https://x/i/TOKEN", "expires_on": "1 May"}
    request_email(celery, template="invitation", to="gone@example.org", idempotency_key="inv:1", data=data)
    request_email(
        celery,
        template="sign_in_code",
        to="gone@example.org",
        idempotency_key="c:1",
        data={"code": "1", "minutes": 1},
    )
    assert "data" in wait_status(settings, "inv:1", {"suppressed"})
    assert "data" not in wait_status(settings, "c:1", {"suppressed"})
    assert email_service.resend(celery, outbox_id(settings, "inv:1"), by="admin") is True
    assert email_service.resend(celery, outbox_id(settings, "c:1"), by="admin") is False


def test_unsubscribe_links_do_not_show_the_address(settings, app):
    token = email_service.unsubscribe_token(settings, "Reader.Name@Example.org", "reminders")
    assert "reader" not in token.lower()
    padded = token + "=" * (-len(token) % 4)
    assert b"reader" not in base64.urlsafe_b64decode(padded).lower()
    assert email_service.read_unsubscribe_token(settings, token) == (
        "reader.name@example.org",
        "reminders",
        None,
    )
