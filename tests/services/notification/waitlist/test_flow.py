"""A visitor joins, the confirmation email really arrives, its links show pages and only buttons act."""

import html

from services.notification.waitlist import service
from shared.email import outbox_id
from tests.services.notification.waitlist.helpers import join_form, links_in


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


class TestJoinConfirmLeave:
    def test_join_email_confirm_position(self, client, db, mailbox, base_url):
        r = join_form(client, "Ana.Lima@Example.org", name="Ana", utm_source="forum", source="landing")
        assert r.status_code == 303
        thanks = client.get(r.headers["Location"])
        assert service.JOINED_TITLE in text_of(thanks)

        entry = db.waitlist_entries.find_one()
        assert entry["email"] == "Ana.Lima@Example.org"
        assert entry["email_key"] == "ana.lima@example.org"
        assert entry["status"] == "pending"
        assert entry["utm"] == {"utm_source": "forum"}
        assert entry["consent"]["text_version"] == service.CONSENT_VERSION
        assert entry["consent"]["ip"] == "203.0.113.7"

        (message,) = mailbox.wait_for(1)
        assert message["To"] == "Ana.Lima@Example.org"
        assert message["Subject"] == "Please confirm your place on the waitlist"
        assert message["List-Unsubscribe"] is None  # transactional: the leave link does that job
        links = links_in(message, base_url)
        assert set(links) == {"confirm", "leave"}

        # Opening the link (as a mail scanner would) shows a button and confirms nothing.
        page = client.get(links["confirm"])
        assert page.status_code == 200
        assert "Confirm my place" in text_of(page)
        assert db.waitlist_entries.find_one()["status"] == "pending"

        confirmed = client.post(links["confirm"])
        assert confirmed.status_code == 303
        position = client.get(confirmed.headers["Location"])
        body = text_of(position)
        assert "You're on the list, Ana" in body
        assert "Your place in line: <strong>1</strong>" in body
        entry = db.waitlist_entries.find_one()
        assert entry["status"] == "confirmed"
        assert f"{base_url}/waitlist?ref={entry['referral_code']}" in body

    def test_an_address_with_an_internationalised_domain_gets_its_confirmation(self, client, db, mailbox):
        """The sign-up accepts a domain such as bücher.example; SMTP (without SMTPUTF8) carries it in its
        ASCII form, to the same mailbox."""
        join_form(client, "ana@bücher.example")
        assert db.waitlist_entries.find_one()["email"] == "ana@bücher.example"
        (message,) = mailbox.wait_for(1)
        assert message["To"] == "ana@xn--bcher-kva.example"
        assert mailbox.envelopes[0][1] == ["ana@xn--bcher-kva.example"]

    def test_leave_link_shows_a_page_and_the_button_erases(self, client, db, mailbox, base_url):
        join_form(client, "leaver@example.org")
        links = links_in(mailbox.wait_for(1)[0], base_url)

        page = client.get(links["leave"])
        assert page.status_code == 200
        assert "Leave and erase my details" in text_of(page)
        assert db.waitlist_entries.count_documents({}) == 1

        r = client.post(links["leave"])
        assert r.status_code == 200
        assert "You have left the waitlist" in text_of(r)
        assert db.waitlist_entries.count_documents({}) == 0

        again = client.get(links["leave"])
        assert again.status_code == 404
        assert "isn't on the waitlist" in text_of(again)
        assert client.post(links["confirm"]).status_code == 404  # nothing left to confirm


class TestRepeatSignup:
    def test_pending_repeat_resends_within_the_limit(self, client, db, mailbox, redis, settings):
        first = join_form(client, "repeat@example.org")
        second = join_form(client, "Repeat@Example.org")
        assert (first.status_code, first.headers["Location"]) == (
            second.status_code,
            second.headers["Location"],
        )
        mailbox.wait_for(1)
        assert db.waitlist_entries.count_documents({}) == 1
        assert db.email_outbox.count_documents({}) == 1  # within 10 minutes: no second email

        # Ten minutes later (the short window's counter gone), a repeat sign-up sends a fresh link.
        redis.delete(*redis.keys("rl:waitlist-confirm-send-10min:*"))
        join_form(client, "repeat@example.org")
        messages = mailbox.wait_for(2)
        entry = db.waitlist_entries.find_one()
        assert entry["confirmation_sends"] == 2
        second_key = outbox_id(settings, f"waitlist-confirm:{entry['_id']}:2")
        assert db.email_outbox.count_documents({"_id": second_key}) == 1
        assert messages[0]["To"] == "repeat@example.org"
        assert messages[1]["To"] == "repeat@example.org"  # the first typed address is the one we keep

    def test_daily_cap_still_answers_the_same(self, client, db, redis):
        for _ in range(5):
            redis.delete(*(redis.keys("rl:waitlist-confirm-send-10min:*") or ["none"]))
            r = join_form(client, "daily@example.org")
            assert r.status_code == 303
        assert db.waitlist_entries.find_one()["confirmation_sends"] == 3

    def test_confirmed_repeat_sends_nothing(self, client, db, mailbox, base_url):
        join_form(client, "done@example.org")
        client.post(links_in(mailbox.wait_for(1)[0], base_url)["confirm"])
        before = db.email_outbox.count_documents({})  # the confirmation and the place-in-line link
        r = join_form(client, "done@example.org")
        assert r.status_code == 303
        assert db.email_outbox.count_documents({}) == before == 2
