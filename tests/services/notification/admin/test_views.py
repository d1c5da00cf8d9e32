"""The admin pages: list, detail, erase, invite, export, stats, outbox, audit."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from services.notification.admin import auth
from services.notification.admin.schemas import PAGE_SIZE
from shared.email import new_outbox_record
from shared.invitations import verify_invitation
from shared.mongo import mongo
from tests.factories import waitlist


def _emails(html: str) -> list[str]:
    return re.findall(r'href="/admin/entries/[0-9a-f]+">([^<]+)</a>', html)


class TestList:
    def test_search_matches_email_or_name_case_insensitively(self, client):
        waitlist.entry(1)
        waitlist.entry(2, name="Robin Ash")
        html = client.get("/admin/?q=person.1@").get_data(as_text=True)
        assert _emails(html) == ["Person.1@Example.org"]
        assert _emails(client.get("/admin/?q=ROBIN").get_data(as_text=True)) == ["Person.2@Example.org"]

    def test_filters_by_status_source_and_dates(self, client):
        waitlist.entry(1, status="pending")
        waitlist.entry(2, source="reddit")
        waitlist.entry(3, created_at=waitlist.BASE + timedelta(days=3))
        assert _emails(client.get("/admin/?status=pending").get_data(as_text=True)) == [
            "Person.1@Example.org"
        ]
        assert _emails(client.get("/admin/?source=reddit").get_data(as_text=True)) == ["Person.2@Example.org"]
        html = client.get("/admin/?created_from=2025-03-02&created_to=2025-03-05").get_data(as_text=True)
        assert _emails(html) == ["Person.3@Example.org"]

    def test_sorts_newest_first_by_default_and_by_place_in_line(self, client):
        early = waitlist.entry(1)
        late = waitlist.entry(2, line_at=waitlist.BASE - timedelta(days=1))  # bumped ahead by referrals
        assert _emails(client.get("/admin/").get_data(as_text=True)) == [late["email"], early["email"]]
        assert _emails(client.get("/admin/?sort=line").get_data(as_text=True)) == [
            late["email"],
            early["email"],
        ]

    def test_paginates_without_counting(self, client):
        waitlist.entries(PAGE_SIZE + 3)
        first = client.get("/admin/").get_data(as_text=True)
        assert len(_emails(first)) == PAGE_SIZE and "Next &rarr;" in first
        second = client.get("/admin/?page=2").get_data(as_text=True)
        assert len(_emails(second)) == 3 and "Next &rarr;" not in second

    def test_bad_filters_are_named_and_ignored(self, client):
        waitlist.entry(1)
        response = client.get("/admin/?status=nonsense&created_from=yesterday")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "status" in html and "created_from" in html
        assert _emails(html) == ["Person.1@Example.org"]


class TestEntry:
    def test_detail_shows_consent_proof_and_email_history(self, client, settings):
        entry = waitlist.entry(1)
        request = {"template": "waitlist_confirm", "to": entry["email"], "data": {}, "idempotency_key": "x"}
        record = new_outbox_record(settings, request, now=entry["created_at"])
        mongo.db.email_outbox.insert_one(record | {"status": "sent", "sent_at": entry["created_at"]})
        html = client.get(f"/admin/entries/{entry['_id']}").get_data(as_text=True)
        for expected in ("2025-01", "203.0.113.7", "Firefox", "waitlist_confirm", "place 1 in line"):
            assert expected in html

    def test_unknown_entry_is_404(self, client):
        assert client.get("/admin/entries/" + "0" * 32).status_code == 404


class TestErase:
    def test_erasure_needs_the_confirmation_box(self, client):
        entry = waitlist.entry(1)
        client.post(f"/admin/entries/{entry['_id']}/erase", data={"csrf_token": client.csrf})
        assert mongo.db.waitlist_entries.find_one({"_id": entry["_id"]}) is not None

    def test_erasure_deletes_the_entry_and_is_audited_without_the_address(self, client):
        entry = waitlist.entry(1)
        assert "cannot be undone" in client.get(f"/admin/entries/{entry['_id']}/erase").get_data(as_text=True)
        response = client.post(
            f"/admin/entries/{entry['_id']}/erase", data={"csrf_token": client.csrf, "confirm": "yes"}
        )
        assert response.status_code == 302
        assert mongo.db.waitlist_entries.find_one({"_id": entry["_id"]}) is None
        logged = mongo.db.admin_audit.find_one({"action": "erase"})
        assert logged["target"] == entry["_id"]
        assert entry["email"].lower() not in str(logged).lower()


class TestInvite:
    def test_inviting_selected_entries_sends_one_signed_link_each(self, client, mailbox, settings):
        chosen, pending = waitlist.entry(1), waitlist.entry(2, status="pending")
        data = {"csrf_token": client.csrf, "entry_ids": [chosen["_id"], pending["_id"]]}
        client.post("/admin/invitations", data=data)
        client.post("/admin/invitations", data=data)  # a double click invites once
        [message] = mailbox.wait_for(1)
        assert message["To"] == chosen["email"]
        assert message["Subject"] == "Your invitation to Track Your Healing"
        url = re.search(r"https?://\S+/invitations/([\w.-]+)", message.get_body(("plain",)).get_content())
        invitation = verify_invitation(settings, url.group(1))
        stored = mongo.db.waitlist_entries.find_one({"_id": chosen["_id"]})
        assert stored["status"] == "invited" and stored["invitation_id"] == invitation["_id"]
        assert mongo.db.waitlist_entries.find_one({"_id": pending["_id"]})["status"] == "pending"
        assert mongo.db.invitations.count_documents({}) == 1

    def test_invite_next_n_takes_the_front_of_the_line(self, client, mailbox):
        later = waitlist.entry(1)
        front = waitlist.entry(2, line_at=waitlist.BASE - timedelta(days=2))
        client.post("/admin/invitations", data={"csrf_token": client.csrf, "next": "1"})
        [message] = mailbox.wait_for(1)
        assert message["To"] == front["email"]
        assert mongo.db.waitlist_entries.find_one({"_id": later["_id"]})["status"] == "confirmed"
        assert mongo.db.admin_audit.find_one({"action": "invite"})["target"] == front["_id"]


class TestExport:
    def test_csv_is_streamed_filtered_and_safe_for_spreadsheets(self, client):
        waitlist.entry(1, name='=HYPERLINK("http://evil")')
        waitlist.entry(2, status="pending")
        response = client.get("/admin/export.csv?status=confirmed")
        assert response.mimetype == "text/csv"
        assert re.fullmatch(
            r'attachment; filename="waitlist-\d{8}-\d{6}\.csv"', response.headers["Content-Disposition"]
        )
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [r["email"] for r in rows] == ["Person.1@Example.org"]
        assert rows[0]["name"].startswith("'=")
        assert (
            mongo.db.admin_audit.find_one({"action": "export"})["details"]["filters"]["status"] == "confirmed"
        )

    def test_the_audit_log_keeps_that_a_search_was_made_not_its_text(self, client):
        waitlist.entry(1, name="Robin Quill")
        assert client.get("/admin/export.csv?q=robin+quill").status_code == 200
        logged = mongo.db.admin_audit.find_one({"action": "export"})
        assert logged["details"]["filters"]["q"] == "(a search)"
        assert "robin" not in str(logged).lower()


class TestStatsOutboxAudit:
    def test_stats_page(self, client, redis):
        waitlist.entry(1, status="pending", source="reddit")
        waitlist.entry(2, referral_credits=3, name="Top Referrer")
        html = client.get("/admin/stats").get_data(as_text=True)
        assert "2 entries" in html and "50.0% confirmed" in html
        assert "reddit" in html and "Top Referrer" in html

    def test_outbox_shows_failures_with_reason_and_resends(self, client, mailbox, settings):
        data = {"name": "", "accept_url": "http://x/invitations/SECRETTOKEN", "expires_on": "1 May"}
        request = {
            "template": "invitation",
            "to": "someone@example.org",
            "data": data,
            "idempotency_key": "f",
        }
        record = new_outbox_record(settings, request, now=waitlist.BASE)
        failed = {"status": "failed", "attempts": 1, "last_error": "550 mailbox unavailable"}
        mongo.db.email_outbox.insert_one(record | failed)
        html = client.get("/admin/outbox?status=failed").get_data(as_text=True)
        assert "550 mailbox unavailable" in html and "SECRETTOKEN" not in html
        client.post(f"/admin/outbox/{record['_id']}/resend", data={"csrf_token": client.csrf})
        [message] = mailbox.wait_for(1)
        assert message["To"] == "someone@example.org"
        assert "resend" in client.get("/admin/audit").get_data(as_text=True)

    def test_pages_are_not_cached_or_framed(self, client):
        response = client.get("/admin/")
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"

    def test_expired_session_must_sign_in_again(self, client):
        with client.session_transaction() as session:
            session["admin_at"] -= auth.SESSION_MAX_AGE_S + 1
        assert client.get("/admin/").status_code == 302


def test_an_empty_filter_form_means_any(client):
    waitlist.entry(1)
    html = client.get("/admin/?q=person.1&status=&source=&created_from=&created_to=&sort=newest").get_data(
        as_text=True
    )
    assert "not understood" not in html
    assert _emails(html) == ["Person.1@Example.org"]
