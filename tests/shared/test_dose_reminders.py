"""The dose reminder records in FerretDB: created once, claimed by one attempt for a lease, taken over
after it, and an attempt whose claim was taken over can no longer renew or finish it."""

from datetime import UTC, datetime, timedelta

from shared import dose_reminders

LEASE = timedelta(seconds=15)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_a_reminder_is_created_once(db):
    assert dose_reminders.create("u1", "2026-06-01", "08:00", NOW, now=NOW, lease=LEASE)
    assert dose_reminders.create("u1", "2026-06-01", "08:00", NOW, now=NOW, lease=LEASE) is None
    assert db.dose_reminders.count_documents({}) == 1


def test_a_lapsed_claim_is_taken_over_and_its_first_holder_loses_it(db):
    rid = dose_reminders.create("u1", "2026-06-01", "08:00", NOW, now=NOW, lease=LEASE)
    assert dose_reminders.claim(rid, "a", NOW, LEASE)["claimed_by"] == "a"
    busy = dose_reminders.claim(rid, "b", NOW + LEASE / 2, LEASE)
    assert busy == dose_reminders.Busy(NOW + LEASE)
    assert dose_reminders.extend(rid, "a", NOW + LEASE * 1.5)  # renewed before its next push
    assert isinstance(dose_reminders.claim(rid, "b", NOW + LEASE, LEASE), dose_reminders.Busy)
    assert dose_reminders.claim(rid, "b", NOW + LEASE * 2, LEASE)["attempts"] == 2  # "a" died
    assert not dose_reminders.extend(rid, "a", NOW + LEASE * 3)
    assert not dose_reminders.finish(rid, "a", dose_reminders.SENT, "push", NOW + LEASE * 2)
    assert dose_reminders.finish(rid, "b", dose_reminders.SENT, "push", NOW + LEASE * 2)
    assert dose_reminders.claim(rid, "c", NOW + LEASE * 9, LEASE) is None
