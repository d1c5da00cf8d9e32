"""Place in line and referral credit: credit only after the referred person confirms, exactly once."""

from datetime import UTC, datetime

from services.notification.privacy import service as privacy
from services.notification.waitlist import repository, service
from tests.services.notification.waitlist.helpers import emailed_links, join_json


def signup(client, db, email, **fields) -> dict:
    join_json(client, email, **fields)
    return db.waitlist_entries.find_one({"email": email})


def confirm(client, mailbox, entry, base_url):
    path = emailed_links(mailbox, entry["email"], base_url)["confirm_url"].removeprefix(base_url)
    return client.post(path)


def reload(db, entry) -> dict:
    return db.waitlist_entries.find_one({"_id": entry["_id"]})


class TestReferrals:
    def test_credit_moves_the_referrer_up_only_after_the_referred_person_confirms(
        self, client, db, mailbox, base_url
    ):
        early = signup(client, db, "early@example.org")
        confirm(client, mailbox, early, base_url)
        ana = signup(client, db, "ana@example.org")
        confirm(client, mailbox, ana, base_url)
        assert service.position_of(reload(db, ana)) == 2

        ben = signup(client, db, "ben@example.org", referral_code=reload(db, ana)["referral_code"])
        assert ben["referred_by"] == ana["_id"]
        assert reload(db, ana)["referral_credits"] == 0  # joined, not yet confirmed: no credit
        assert service.position_of(reload(db, ana)) == 2

        confirm(client, mailbox, ben, base_url)
        ana_now = reload(db, ana)
        assert ana_now["referral_credits"] == 1
        assert ana_now["line_at"] == ana_now["confirmed_at"] - service.REFERRAL_BOOST
        assert service.position_of(ana_now) == 1
        assert reload(db, ben)["referral_credited"] is True

        # Replays of the confirmation and a direct second credit attempt change nothing.
        confirm(client, mailbox, ben, base_url)
        service.credit_referrer(reload(db, ben))
        assert reload(db, ana)["referral_credits"] == 1

    def test_boost_is_capped(self):
        at = datetime(2025, 1, 10, tzinfo=UTC)
        capped = at - service.REFERRAL_BOOST * service.MAX_REFERRAL_BOOSTS
        assert service.line_at_for(at, service.MAX_REFERRAL_BOOSTS + 10) == capped

    def test_unknown_referral_code_is_ignored(self, client, db, mailbox):
        entry = signup(client, db, "nocode@example.org", referral_code="zzzzzzzz")
        assert entry["referred_by"] is None

    def test_credit_for_a_pending_referrer_counts_when_they_confirm(self, client, db, mailbox, base_url):
        ana = signup(client, db, "ana2@example.org")
        ben = signup(client, db, "ben2@example.org", referral_code=ana["referral_code"])
        confirm(client, mailbox, ben, base_url)
        assert reload(db, ana)["referral_credits"] == 1
        assert reload(db, ana)["line_at"] is None
        confirm(client, mailbox, ana, base_url)
        ana_now = reload(db, ana)
        assert ana_now["line_at"] == ana_now["confirmed_at"] - service.REFERRAL_BOOST
        assert service.position_of(ana_now) == 1  # ahead of Ben, who confirmed first


class TestAdminContract:
    def test_position_is_none_unless_confirmed(self, client, db, mailbox, base_url):
        entry = signup(client, db, "p@example.org")
        assert service.position_of(entry) is None
        confirm(client, mailbox, entry, base_url)
        assert service.position_of(reload(db, entry)) == 1

    def test_mark_invited_only_from_confirmed(self, client, db, mailbox, base_url):
        entry = signup(client, db, "inv@example.org")
        now = datetime.now(UTC)
        assert repository.mark_invited(entry["_id"], "inv-1", now) is False
        confirm(client, mailbox, entry, base_url)
        assert repository.mark_invited(entry["_id"], "inv-1", now) is True
        assert repository.mark_invited(entry["_id"], "inv-2", now) is False
        invited = reload(db, entry)
        assert (invited["status"], invited["invitation_id"]) == ("invited", "inv-1")
        assert service.position_of(invited) is None

    def test_erase_deletes_the_document(self, client, db, mailbox):
        entry = signup(client, db, "gone@example.org")
        assert privacy.erase_entry(entry["_id"]) is True
        assert db.waitlist_entries.count_documents({"_id": entry["_id"]}) == 0
        assert privacy.erase_entry(entry["_id"]) is False

    def test_indexes_are_unique_and_ensure_is_idempotent(self, app, db):
        from services.notification.waitlist import repository

        # The indexes the admin list's sorts replaced, as an earlier version made them: dropped at start.
        db.waitlist_entries.create_index([("created_at", 1)], name="created_at")
        db.waitlist_entries.create_index([("status", 1), ("line_at", 1)], name="status_line_at")
        repository.ensure_indexes()
        repository.ensure_indexes()  # a second start: nothing left to drop
        indexes = db.waitlist_entries.index_information()
        assert indexes["email_key_unique"]["unique"] is True
        assert indexes["referral_code_unique"]["unique"] is True
        assert indexes["created_at_id"]["key"] == [("created_at", 1), ("_id", 1)]
        assert indexes["status_line_at_id"]["key"] == [("status", 1), ("line_at", 1), ("_id", 1)]
        assert "created_at" not in indexes and "status_line_at" not in indexes
