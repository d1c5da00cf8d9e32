"""Erasure leaves nothing that names the person, by each of its three paths: erasing an account, leaving
the waitlist, and an admin's erasure of a waitlist entry. Each test makes a person through the real
services (waitlist, invitation, account, events with notes and a red flag, a report with its files and a
share link, an export, emails sent by the real worker), checks that the scan finds them, erases them, and
scans every collection, every stored file and both Redis databases again."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pprint import pformat
from urllib.parse import urlsplit

import pytest

from services.ingestion.accounts import service as accounts
from services.notification.admin import accounts as admins
from services.notification.email import service as email_service
from shared.email import template_of
from shared.mongo import mongo
from shared.runtime import runtime_of
from tests.services.notification.email.helpers import record_for
from tests.services.notification.waitlist.helpers import LINK, emailed_links
from tests.support.leftovers import naming
from tests.support.queues import wait_until_idle

FINAL = ("sent", "failed", "suppressed")
ACCOUNT_ERASED = "account_erased"


@pytest.fixture
def ingestion(ingestion_app, celery_worker_all, mailbox, redis):
    return ingestion_app.test_client()


@pytest.fixture
def notification(notification_app, celery_worker_all):
    return notification_app.test_client()


@pytest.fixture
def both(ingestion, notification, admin_headers):
    """Both services' clients, and an admin's headers."""
    return ingestion, notification, admin_headers


@pytest.fixture
def waitlisted(notification, admin_headers, mailbox, redis):
    """Someone on the waitlist (on_the_waitlist), made through the notification service."""
    return on_the_waitlist(notification, admin_headers, mailbox)


@pytest.fixture
def admin_headers(db):
    admin = admins.create_account(f"admin-{uuid.uuid4().hex[:6]}@example.org", "correct horse battery")
    token, _record = admins.create_token(admin["_id"], "tests")
    return {"Authorization": f"Bearer {token}"}


def wait_until(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def all_mail_sent() -> None:
    wait_until(
        lambda: not mongo.db.email_outbox.count_documents({"status": {"$nin": list(FINAL)}}), "mail to go out"
    )


def path_of(url: str) -> str:
    """The link's path, its token in it; not its query (the waitlist's and invitation's `?lang=`)."""
    return urlsplit(url).path


def emailed_link(mailbox, to: str, part: str) -> str:
    """The first link containing `part` in an email that `to` received (email data is gone once sent)."""

    def found():
        for message in [m for m in mailbox.messages if str(m["To"]).lower() == to.lower()]:
            text = message.get_body(preferencelist=("plain",)).get_content()
            if url := next((url for url in LINK.findall(text) if part in url), None):
                return url
        return None

    return wait_until(found, f"a link with {part} to {to}")


@dataclass
class Someone:
    """What names one person, as the scan looks for it."""

    email: str
    name: str
    entry_id: str = ""
    user_id: str = ""
    accept_token: str = ""  # the invitation's link token
    secrets: list[str] = field(default_factory=list)  # links, ids, note text: all stored somewhere
    tokens: list[str] = field(default_factory=list)  # never stored (only hashes are), looked for all the same

    def stored(self) -> set[str]:
        return {self.email, self.name, self.entry_id, self.user_id, *self.secrets} - {""}

    def needles(self) -> set[str]:
        return self.stored() | set(self.tokens)


def on_the_waitlist(notification, admin_headers, mailbox) -> Someone:
    """Joined, confirmed, invited by an admin (an open invitation, its email sent), unsubscribed from news,
    found by the admin's list search and the admin's stats read (they name the referral leaders, this
    person among them): anything either kept aside would be scanned too."""
    tag = uuid.uuid4().hex[:8]
    who = Someone(email=f"Quill.{tag}@Example.org", name=f"Quillon {tag}")
    settings = runtime_of(notification.application).settings
    joined = notification.post("/v1/waitlist", json={"email": who.email, "name": who.name, "consent": True})
    assert joined.status_code == 202, joined.json
    wait_until_idle(settings)  # the worker stores the entry
    entry = mongo.db.waitlist_entries.find_one({"email_key": who.email.lower()})
    who.entry_id = entry["_id"]
    links = emailed_links(mailbox, who.email, settings.public_base_url)
    who.tokens += [path_of(links["confirm_url"]), path_of(links["leave_url"])]
    assert notification.post(path_of(links["confirm_url"])).status_code == 303
    # A referral of theirs, confirmed: they lead the stats' referral table.
    friend = f"friend.{tag}@example.org"
    notification.post(
        "/v1/waitlist", json={"email": friend, "consent": True, "referral_code": entry["referral_code"]}
    )
    friend_links = emailed_links(mailbox, friend, settings.public_base_url)
    assert notification.post(path_of(friend_links["confirm_url"])).status_code == 303
    stats = notification.get("/admin/api/stats", headers=admin_headers).json
    assert who.email in str(stats["leaders"])
    listed = notification.get("/admin/api/entries", query_string={"q": who.email}, headers=admin_headers)
    assert [item["_id"] for item in listed.json["items"]] == [who.entry_id], listed.json

    invited = notification.post(
        "/admin/api/invitations", json={"entry_ids": [who.entry_id]}, headers=admin_headers
    )
    assert invited.status_code == 200 and invited.json["invited"] == 1, invited.json
    invitation_id = mongo.db.waitlist_entries.find_one({"_id": who.entry_id})["invitation_id"]
    accept_url = emailed_link(mailbox, who.email, "/invitations/")
    who.accept_token = path_of(accept_url).rsplit("/", 1)[1]
    who.secrets += [invitation_id]
    who.tokens += [who.accept_token]
    unsubscribe = email_service.unsubscribe_token(settings, who.email, "news")
    assert notification.post(f"/u/{unsubscribe}").status_code == 200
    all_mail_sent()
    return who


def accept(ingestion, who: Someone) -> str:
    """Accept the person's invitation through the app's API; the new device token."""
    return ingestion.post(
        f"/v1/invitations/{who.accept_token}/accept",
        json={
            "display_name": who.name,
            "time_zone": "Europe/Berlin",
            "health_data_consent": True,
            "consent_version": accounts.HEALTH_CONSENT_VERSION,
            "device_name": f"{who.name}'s phone",
            "platform": "ios",
        },
    )


def with_health_data(ingestion, who: Someone, headers: dict) -> None:
    """Events with notes and a red flag (a safety email), a taper plan, a report with notes and a share
    link opened by its recipient, a background export, and a sign-in code emailed."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    notes = [f"Ears ringing after lunch {who.name}", f"Questions for Dr Ash about sleep {who.entry_id[:6]}"]
    events = [
        {
            "event_id": "n1",
            "type": "note",
            "occurred_at": f"{yesterday}T09:00:00+01:00",
            "text": notes[0],
            "tags": ["questions for my doctor"],  # so the report shows it
        },
        {
            "event_id": "s1",
            "type": "symptom",
            "occurred_at": f"{yesterday}T10:00:00+01:00",
            "code": "seizure",
            "severity": 4,
            "note": notes[1],
        },
    ]
    batch = ingestion.post(
        "/v1/events/batch", json={"sent_at": datetime.now(UTC).isoformat(), "events": events}, headers=headers
    )
    assert batch.json["accepted"] == 2, batch.json
    who.secrets += notes
    plan = {
        "start_day": yesterday,
        "medications": [
            {"medication": "diazepam", "form": "liquid", "concentration_mg_per_ml": 1, "start_mg": 5}
            | {"method": "micro", "step_mg": 0.1, "interval_days": 1}
        ],
    }
    assert ingestion.post("/v1/plan/versions", json=plan, headers=headers).status_code == 201
    settings = runtime_of(ingestion.application).settings
    wait_until(lambda: record_for(settings, f"safety:{who.user_id}:{yesterday}"), "the safety email")
    wait_until(lambda: not mongo.db.recompute_requests.count_documents({"_id": who.user_id}), "summaries")

    asked = ingestion.post("/v1/reports", json={"include_notes": True}, headers=headers)
    assert asked.status_code == 202, asked.json
    report = wait_until(
        lambda: (
            (r := ingestion.get(asked.json["status_url"], headers=headers).json)["status"] == "ready" and r
        ),
        "the report",
        timeout=90,
    )
    recipient = f"Dr Ash for {who.name}"
    share = ingestion.post(
        f"/v1/reports/{report['id']}/shares", json={"recipient": recipient}, headers=headers
    )
    assert share.status_code == 201, share.json
    assert ingestion.get(path_of(share.json["url"])).status_code == 200
    who.secrets.append(recipient)
    who.tokens.append(share.json["url"].rsplit("/", 1)[1])

    export = ingestion.post("/v1/me/exports", headers=headers)
    assert export.status_code == 202
    wait_until(
        lambda: ingestion.get(export.json["status_url"], headers=headers).json["status"] == "ready",
        "the export",
    )
    assert ingestion.post("/v1/auth/code", json={"email": who.email}).status_code == 202
    all_mail_sent()


@pytest.fixture
def scan(db, settings):
    """`scan(needles, allowed)`: where each needle is found, less the places `allowed` names for it
    (needle -> collection)."""

    def scanned(needles: set[str], allowed: dict[str, str] | None = None) -> dict[str, set[str]]:
        found = naming(db, settings, needles)
        for needle, where in (allowed or {}).items():
            rest = {place for place in found.pop(needle, set()) if not place.startswith(f"mongo {where} ")}
            if rest:
                found[needle] = rest
        return found

    return scanned


class TestAccountErasure:
    def test_leaves_nothing_that_names_the_person(self, ingestion, waitlisted, db, scan, settings):
        who = waitlisted
        accepted = accept(ingestion, who)
        assert accepted.status_code == 201, accepted.json
        token = accepted.json["token"]
        who.user_id = db.users.find_one({"email_key": who.email.lower()})["_id"]
        who.tokens.append(token)
        headers = {"Authorization": f"Bearer {token}"}
        wait_until(lambda: db.waitlist_entries.find_one({"_id": who.entry_id, "status": "active"}), "active")
        with_health_data(ingestion, who, headers)
        assert set(scan(who.stored())) == who.stored()  # the scan sees them all

        assert (
            ingestion.delete("/v1/me", json={"confirm": "erase my account"}, headers=headers).status_code
            == 202
        )
        keys = settings.encryption_keys
        wait_until(
            lambda: [
                r for r in db.email_outbox.find({"status": "sent"}) if template_of(keys, r) == ACCOUNT_ERASED
            ],
            "the confirmation",
        )
        all_mail_sent()
        wait_until_idle(settings)  # the erasure's second sweep (its task names the person until it runs)

        # Kept, as docs/privacy.md says: the confirmation's own outbox record (its address, so a repeated
        # erasure does not mail twice) and the admin log's entry id (who invited which entry, when).
        left = scan(who.needles(), {who.email: "email_outbox", who.entry_id: "admin_audit"})
        assert not left, pformat(left)
        [kept] = db.email_outbox.find({"to_key": who.email.lower()})
        assert template_of(keys, kept) == ACCOUNT_ERASED
        assert kept.get("data") is None and kept.get("user_id") is None


class TestWaitlistErasure:
    @pytest.mark.parametrize("by", ["leave link", "admin"])
    def test_leaves_nothing_that_names_the_person(self, by, both, waitlisted, scan):
        (ingestion, notification, admin_headers), who = both, waitlisted
        assert set(scan(who.stored())) == who.stored()

        if by == "leave link":
            leave = next(s for s in who.tokens if s.startswith("/waitlist/leave/"))
            assert notification.post(leave).status_code == 200
        else:
            erased = notification.delete(f"/admin/api/entries/{who.entry_id}", headers=admin_headers)
            assert erased.status_code == 204
        all_mail_sent()

        # The admin log keeps the entry id, and nothing else about the entry.
        left = scan(who.needles(), {who.entry_id: "admin_audit"})
        assert not left, pformat(left)
        # The open invitation died with the entry: its link no longer makes an account.
        late = accept(ingestion, who)
        assert late.status_code == 410, late.json
        assert mongo.db.users.count_documents({"email_key": who.email.lower()}) == 0
