"""What a new person meets: the lasting link to their place, what their referral link brought, and the
about, privacy and contact pages every public page links to."""

from __future__ import annotations

import html

import pytest

from services.notification.waitlist import service
from services.notification.waitlist.service import CONFIRM_PURPOSE, POSITION_PURPOSE
from shared.runtime import runtime_of
from tests.services.notification.waitlist.helpers import join_form, join_json, links_in

FOOTER_LINKS = ('href="/about"', 'href="/privacy"', 'href="/contact"')


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def position_path(client, entry_id: str) -> str:
    with client.application.app_context():
        return f"/waitlist/you/{service.token_for(runtime_of().settings, POSITION_PURPOSE, entry_id)}"


def confirm_path(client, entry_id: str) -> str:
    """The path the confirmation email links to (its data is sealed in the outbox and gone once sent)."""
    with client.application.app_context():
        return f"/waitlist/confirm/{service.token_for(runtime_of().settings, CONFIRM_PURPOSE, entry_id)}"


def confirm(client, db, email: str, base_url: str, **fields) -> dict:
    join_json(client, email, **fields)
    entry = db.waitlist_entries.find_one({"email": email})
    assert client.post(confirm_path(client, entry["_id"])).status_code == 303
    return db.waitlist_entries.find_one({"_id": entry["_id"]})


class TestPlaceLink:
    def test_confirming_emails_the_lasting_link_to_the_place_page_once(self, client, db, mailbox, base_url):
        join_form(client, "ines@example.org", name="Ines")
        confirm_path = links_in(mailbox.wait_for(1)[0], base_url)["confirm"]
        assert client.post(confirm_path).status_code == 303

        (_confirm, placed) = mailbox.wait_for(2)
        assert placed["To"] == "ines@example.org"
        assert placed["Subject"] == "Your place on the waitlist"  # no name or detail in the subject
        links = links_in(placed, base_url)
        assert set(links) == {"you", "leave"}
        page = client.get(links["you"])
        assert page.status_code == 200
        assert "You're on the list, Ines" in text_of(page)
        assert "We've emailed you the link to this page" in text_of(page)
        assert "Bookmark" not in text_of(page)

        # Pressing the confirm button again sends nothing more.
        assert "already confirmed" in text_of(client.post(confirm_path))
        assert db.email_outbox.count_documents({}) == 2


class TestReferralCount:
    def test_the_place_page_says_how_many_people_the_link_brought(self, client, db, base_url):
        ana = confirm(client, db, "ana@example.org", base_url)
        position = position_path(client, ana["_id"])
        assert "Nobody has joined with your link yet." in text_of(client.get(position))

        for n in range(2):
            confirm(client, db, f"friend{n}@example.org", base_url, referral_code=ana["referral_code"])
        join_json(client, "pending@example.org", referral_code=ana["referral_code"])  # not confirmed
        page = text_of(client.get(position))
        assert "So far, 2 people have joined with your link and confirmed their place." in page
        # The copy button is in the page but hidden until copy.js (a static file, no inline script) runs.
        assert (
            '<button type="button" class="secondary" data-copy="referral-link" hidden>Copy link</button>'
            in page
        )
        assert '<script src="/assets/copy.js" defer></script>' in page
        assert "<script>" not in page


class TestFooterPages:
    def test_every_public_page_links_to_about_privacy_and_contact(self, client, db, mailbox, base_url):
        join_form(client, "page@example.org")
        links = links_in(mailbox.wait_for(1)[0], base_url)
        entry = db.waitlist_entries.find_one()
        pages = [
            "/",
            "/waitlist",
            "/waitlist/thanks",
            links["confirm"],
            links["leave"],
            position_path(client, entry["_id"]),
            "/waitlist/confirm/forged",
            "/about",
            "/privacy",
            "/contact",
        ]
        for path in pages:
            body = client.get(path).get_data(as_text=True)
            for link in FOOTER_LINKS:
                assert link in body, (path, link)
        failed = client.post("/waitlist", data={"email": "nope"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        for link in FOOTER_LINKS:
            assert link in failed.get_data(as_text=True)

    @pytest.mark.parametrize(("path", "says"), [
        ("/about", "free, private place for people tapering off benzodiazepines"),
        ("/privacy", "Your notes are encrypted"),
        ("/contact", "emergency services"),
    ])  # fmt: skip
    def test_the_pages_exist_and_are_calm(self, client, path, says):
        page = client.get(path)
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert says in text_of(page)

    def test_contact_gives_the_address_our_emails_come_from(self, client, settings):
        assert "hello@localhost" in settings.mail_from
        assert 'href="mailto:hello@localhost"' in client.get("/contact").get_data(as_text=True)
