"""Expired, forged, reused and misdirected links: a clear page, and nothing changes."""

import html
import time
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from services.notification.waitlist import service
from shared.runtime import runtime_of
from tests.services.notification.waitlist.helpers import emailed_links, join_form


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def pending_entry(client, db, mailbox, email="link@example.org"):
    join_form(client, email)
    base_url = runtime_of(client.application).settings.public_base_url.rstrip("/")
    links = emailed_links(mailbox, email, base_url)
    return db.waitlist_entries.find_one({"email": email}), links


def confirm_path(token: str) -> str:
    return f"/waitlist/confirm/{token}"


class OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time() - (service.CONFIRM_LINK_MAX_AGE + timedelta(minutes=1)).total_seconds())


class TestConfirmLinks:
    def test_expired_link_shows_a_page_and_confirms_nothing(self, client, db, mailbox, settings):
        entry, _ = pending_entry(client, db, mailbox)
        old = URLSafeTimedSerializer(
            settings.secret_key, salt=f"tyh.{service.CONFIRM_PURPOSE}", signer=OldSigner
        ).dumps(entry["_id"])
        for response in (client.get(confirm_path(old)), client.post(confirm_path(old))):
            assert response.status_code == 410
            assert "This link has expired" in text_of(response)
            assert "sign up again" in text_of(response)
        assert db.waitlist_entries.find_one()["status"] == "pending"

    def test_forged_link_shows_a_page_and_confirms_nothing(self, client, db, mailbox):
        entry, _ = pending_entry(client, db, mailbox)
        forged = URLSafeTimedSerializer("not-our-secret-at-all", salt="tyh.waitlist-confirm").dumps(
            entry["_id"]
        )
        for path in (confirm_path(forged), confirm_path("garbage"), confirm_path(forged[:-3])):
            r = client.post(path)
            assert r.status_code == 400
            assert "This link doesn't work" in text_of(r)
        assert db.waitlist_entries.find_one()["status"] == "pending"

    def test_leave_token_cannot_confirm(self, client, db, mailbox):
        _, data = pending_entry(client, db, mailbox)
        leave_token = data["leave_url"].rsplit("/", 1)[1]
        assert client.post(confirm_path(leave_token)).status_code == 400
        assert db.waitlist_entries.find_one()["status"] == "pending"

    def test_reused_link_says_so_and_changes_nothing(self, client, db, mailbox, base_url):
        _, data = pending_entry(client, db, mailbox)
        path = data["confirm_url"].removeprefix(base_url)
        assert client.post(path).status_code == 303
        confirmed_at = db.waitlist_entries.find_one()["confirmed_at"]
        for response in (client.post(path), client.get(path)):
            assert response.status_code == 200
            assert "already confirmed" in text_of(response)
            assert "See my place in line" in text_of(response)
        assert db.waitlist_entries.find_one()["confirmed_at"] == confirmed_at

    def test_pending_entry_position_page_asks_to_confirm(self, client, db, mailbox):
        entry, _ = pending_entry(client, db, mailbox)
        with client.application.test_request_context():
            token = service.token_for(
                runtime_of(client.application).settings, service.POSITION_PURPOSE, entry["_id"]
            )
        r = client.get(f"/waitlist/you/{token}")
        assert "isn't confirmed yet" in text_of(r)
