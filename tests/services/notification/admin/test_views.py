"""The admin pages: list, detail, erase, invite, export, stats, outbox, audit."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

from babel.dates import format_date

from services.notification.admin import auth
from services.notification.admin.schemas import DATES_REVERSED, PAGE_SIZE
from services.notification.waitlist.service import CONSENT_TEXTS
from shared.email import new_outbox_record
from shared.invitations import verify_invitation
from shared.link_expiry import last_whole_day
from shared.mongo import mongo
from tests.factories import waitlist


def html_text(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def html_of(response) -> str:
    return response.get_data(as_text=True)


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

    def test_bad_filters_are_named_and_nothing_is_listed(self, client):
        waitlist.entry(1)
        response = client.get("/admin/?status=nonsense&created_from=yesterday")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Nothing is listed until these filters are fixed" in html
        assert "Status: " in html and "Joined from: " in html
        assert _emails(html) == []

    def test_an_impossible_date_range_is_an_error_not_the_whole_list(self, client, api_headers):
        waitlist.entry(1)
        response = client.get("/admin/?created_from=2025-03-05&created_to=2025-03-01")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert html_text(DATES_REVERSED) in html
        assert 'id="created_to" name="created_to" value="2025-03-01" aria-invalid="true"' in html
        assert _emails(html) == []
        assert "Export CSV" not in html
        api = client.get(
            "/admin/api/entries?created_from=2025-03-05&created_to=2025-03-01", headers=api_headers
        )
        assert api.status_code == 422
        assert api.get_json()["invalid_params"] == [{"name": "created_to", "reason": DATES_REVERSED}]

    def test_the_source_filter_is_a_case_insensitive_choice_among_known_sources(self, client):
        waitlist.entry(1, source="Reddit")
        waitlist.entry(2, source="reddit")
        waitlist.entry(3, source="forum")
        html = client.get("/admin/").get_data(as_text=True)
        assert '<select id="source" name="source">' in html
        assert '<option value="reddit" >reddit (2)</option>' in html
        assert '<option value="forum" >forum (1)</option>' in html
        both = ["Person.2@Example.org", "Person.1@Example.org"]
        assert _emails(client.get("/admin/?source=REDDIT").get_data(as_text=True)) == both
        exported = client.get("/admin/export.csv?source=reDDit").get_data(as_text=True)
        assert sorted(r["email"] for r in csv.DictReader(io.StringIO(exported))) == sorted(both)


class TestEntry:
    def test_detail_shows_consent_proof_and_email_history(self, client, settings):
        entry = waitlist.entry(1)
        request = {"template": "waitlist_confirm", "to": entry["email"], "data": {}, "idempotency_key": "x"}
        record = new_outbox_record(settings, request, now=entry["created_at"])
        mongo.db.email_outbox.insert_one(record | {"status": "sent", "sent_at": entry["created_at"]})
        html = client.get(f"/admin/entries/{entry['_id']}").get_data(as_text=True)
        for expected in ("2025-01", "203.0.113.7", "Firefox", "waitlist_confirm", "place 1 in line"):
            assert expected in html

    def test_detail_shows_the_language_and_the_exact_consent_text_shown(self, client):
        consent = {
            "text_version": "2025-01",
            "language": "es",
            "given_at": waitlist.BASE,
            "ip": "",
            "user_agent": "",
        }
        spanish = waitlist.entry(1, language="es", consent=consent)
        page = html.unescape(html_of(client.get(f"/admin/entries/{spanish['_id']}")))
        assert '<th scope="row">Language</th><td>es</td>' in page
        assert "2025-01 · es" in page
        assert CONSENT_TEXTS["2025-01"]["es"] in page
        # One stored before languages: English, as it was shown.
        older = html.unescape(html_of(client.get(f"/admin/entries/{waitlist.entry(2)['_id']}")))
        assert "2025-01 · en" in older and CONSENT_TEXTS["2025-01"]["en"] in older

    def test_times_are_written_for_people_not_as_stored(self, client):
        entry = waitlist.entry(1)  # created 09:01 UTC, confirmed five minutes later, as BSON keeps them
        page = html_of(client.get(f"/admin/entries/{entry['_id']}"))
        assert "1 Mar 2025, 09:01 UTC" in page and "1 Mar 2025, 09:06 UTC" in page
        assert "+00:00" not in page and "2025-03-01 09:01:00" not in page
        assert "1 Mar 2025, 09:01 UTC" in html_of(client.get("/admin/"))

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

    def test_a_spanish_entry_is_invited_in_spanish_to_a_spanish_page(
        self, client, mailbox, settings, ingestion_app
    ):
        chosen = waitlist.entry(1, language="es", name="Lucía")
        client.post("/admin/invitations", data={"csrf_token": client.csrf, "entry_ids": [chosen["_id"]]})
        [message] = mailbox.wait_for(1)
        assert message["Subject"] == "Tu invitación a Track Your Healing"
        text = message.get_body(("plain",)).get_content()
        assert "Hola, Lucía:" in text and "Aceptar mi invitación" in text
        expires = mongo.db.invitations.find_one()["expires_at"]
        # "20 de diciembre de 2026"
        day = format_date(last_whole_day(expires), "d 'de' MMMM 'de' y", locale="es")
        assert f"válido hasta el {day}" in " ".join(text.split())  # wrapped at 72 columns
        url = re.search(r"https?://\S+(/invitations/([\w.-]+)\?lang=es)\s", text)
        assert verify_invitation(settings, url.group(2))["waitlist_entry_id"] == chosen["_id"]
        # The ingestion service's invitation page opens in Spanish from it, whatever the browser says.
        page = ingestion_app.test_client().get(url.group(1), headers={"Accept-Language": "en"})
        assert page.status_code == 200 and '<html lang="es">' in page.get_data(as_text=True)

    def test_the_last_day_named_is_one_the_link_works_whole_wherever_it_is_read(self, client, mailbox):
        """The entry has no time zone: "valid until 20 December" must hold through the end of the 20th
        even where that day ends last (UTC-12), and give away at most a day."""
        chosen = waitlist.entry(1)
        client.post("/admin/invitations", data={"csrf_token": client.csrf, "entry_ids": [chosen["_id"]]})
        [message] = mailbox.wait_for(1)
        text = " ".join(message.get_body(("plain",)).get_content().split())
        named = re.search(r"valid until (\d+ \w+ \d{4})\.", text).group(1)
        day = datetime.strptime(named, "%d %B %Y").date()
        # Midnight after that day at UTC-12 is noon the next day in UTC.
        ends_everywhere = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1, hours=12)
        expires = mongo.db.invitations.find_one()["expires_at"]
        assert ends_everywhere <= expires < ends_everywhere + timedelta(days=1)

    def test_invite_next_n_asks_first_naming_who_and_invites_exactly_them(self, client, mailbox):
        later = waitlist.entry(1)
        front = waitlist.entry(2, line_at=waitlist.BASE - timedelta(days=2))
        waitlist.entry(3, status="pending")
        asked = client.post("/admin/invitations", data={"csrf_token": client.csrf, "next": "5"})
        assert asked.status_code == 303  # a number alone invites nobody: it shows who first
        page = client.get(asked.headers["Location"]).get_data(as_text=True)
        assert "Only 2 people are confirmed and waiting" in page
        assert page.index(front["email"]) < page.index(later["email"])
        assert "Person.3@Example.org" not in page
        assert mongo.db.invitations.count_documents({}) == 0
        ids = re.findall(r'name="entry_ids" value="([0-9a-f]{32})"', page)
        assert ids == [front["_id"], later["_id"]]

        waitlist.entry(4, line_at=waitlist.BASE - timedelta(days=9))  # joins the front meanwhile
        done = client.post("/admin/invitations", data={"csrf_token": client.csrf, "entry_ids": ids})
        assert "2 invited" in done.get_data(as_text=True)
        assert sorted(m["To"] for m in mailbox.wait_for(2)) == sorted([front["email"], later["email"]])
        assert mongo.db.waitlist_entries.find_one({"email": "Person.4@Example.org"})["status"] == "confirmed"

    def test_the_result_names_every_entry_skipped_and_why(self, client, mailbox, api_headers):
        chosen = waitlist.entry(1)
        pending = waitlist.entry(2, status="pending")
        active = waitlist.entry(3, status="active")
        missing = "f" * 32
        data = {
            "csrf_token": client.csrf,
            "entry_ids": [chosen["_id"], pending["_id"], active["_id"], missing],
        }
        first = html_of(client.post("/admin/invitations", data=data))
        assert "1 invited, 3 skipped." in first
        assert f"{pending['email']}</a></td>\n    <td>has not confirmed their address yet" in first
        assert f"{active['email']}</a></td>\n    <td>already has an account" in first
        assert f"{missing}</small></td>\n    <td>not on the waitlist" in first
        mailbox.wait_for(1)

        again = client.post(
            "/admin/api/invitations", json={"entry_ids": [chosen["_id"]]}, headers=api_headers
        )
        assert again.get_json()["skipped"] == [
            {"entry_id": chosen["_id"], "email": chosen["email"], "reason": "already invited",
             "why": "already invited: the invitation sent earlier still stands"}
        ]  # fmt: skip


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
        assert (rows[0]["language"], rows[0]["consent_language"]) == ("en", "en")  # stored before languages
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

    def test_audit_details_are_readable_text(self, client):
        waitlist.entry(1)
        client.get("/admin/export.csv?status=confirmed&created_from=2025-03-01").get_data()
        page = html_of(client.get("/admin/audit"))
        assert "filters: status confirmed, joined from 1 Mar 2025, sort newest" in page
        assert "{&#39;" not in page and "{'" not in page  # no Python dict text
        assert "+00:00" not in page and re.search(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC", page)

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
