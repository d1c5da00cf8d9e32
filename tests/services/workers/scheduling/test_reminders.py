"""Check-in reminders on a controlled clock: local time, chosen days, quiet hours, pause, and no
reminder on a day the person already logged."""

import dataclasses
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.workers.reminders import service as reminders
from shared.email import data_of, outbox_id, template_of
from shared.mongo import mongo
from shared.summaries import pack_days
from tests.factories.accounts import person
from tests.services.workers.scheduling.conftest import QUIET_BROKER_DB, scan, someone, utc
from tests.support.runtimes import ingestion_app

EVENINGS = {"enabled": True, "local_time": "19:00"}
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def reminder_keys(celery_app) -> set[str]:
    """The idempotency keys of the reminders requested. A record's id is a keyed hash of its key, so the
    keys are found among every person's candidate days."""
    settings = celery_app.runtime.settings
    # The fixed days the scans below use, and the days around today (tests that log real days).
    today = datetime.now(UTC).date()
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(92)]
    days += [today + timedelta(days=n) for n in range(-7, 3)]
    candidates = {
        outbox_id(settings, key): key
        for user in mongo.db.users.find({}, {"_id": 1})
        for key in (f"reminder:{user['_id']}:{day.isoformat()}" for day in days)
    }
    records = mongo.db.email_outbox.find({}, {"template": 1})
    keys = {r["_id"]: template_of(settings.encryption_keys, r) for r in records}
    return {candidates[i] for i, template in keys.items() if template == "checkin_reminder"}


def test_a_reminder_is_sent_at_local_time_once_per_day(quiet_app, db, settings):
    user = someone("Asia/Kolkata", reminders=EVENINGS)
    scan(quiet_app, utc(2026, 11, 2))
    scan(quiet_app, utc(2026, 11, 2, 13, 29))
    assert reminder_keys(quiet_app) == set()
    scan(quiet_app, utc(2026, 11, 2, 13, 30))  # 19:00 in Kolkata
    scan(quiet_app, utc(2026, 11, 2, 13, 30))
    scan(quiet_app, utc(2026, 11, 2, 13, 31))
    assert reminder_keys(quiet_app) == {f"reminder:{user['_id']}:2026-11-02"}
    record = db.email_outbox.find_one({})
    assert record["to"] == user["email"] and record["user_id"] == user["_id"]
    # The link opens the app's Today screen (the data is sealed until the email is sent).
    assert data_of(settings.encryption_keys, record)["app_url"] == f"{settings.app_base_url}/app/"
    scan(quiet_app, utc(2026, 11, 3, 13, 30))
    assert f"reminder:{user['_id']}:2026-11-03" in reminder_keys(quiet_app)


def test_no_reminder_after_a_check_in_that_local_day(quiet_app, db, settings, redis_server):
    user, headers = person(time_zone="America/New_York")
    own = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
    client = ingestion_app(own).test_client()
    client.patch("/v1/me", json={"preferences": {"reminders": EVENINGS}}, headers=headers)
    # Real days (the API refuses entries from the future); the scan's clock is set around them.
    day = datetime.now(NEW_YORK).date() - timedelta(days=2)
    at = lambda d, hour: datetime.combine(d, time(hour), tzinfo=NEW_YORK).astimezone(UTC)  # noqa: E731
    scan(quiet_app, at(day, 7))
    check_in = {"event_id": uuid.uuid4().hex, "type": "check_in", "overall": 6}
    response = client.post(
        "/v1/events", json=check_in | {"occurred_at": at(day, 8).isoformat()}, headers=headers
    )
    assert response.status_code in {201, 202}, response.json
    assert scan(quiet_app, at(day, 19)).get("already logged") == 1
    assert reminder_keys(quiet_app) == set()
    next_day = day + timedelta(days=1)
    scan(quiet_app, at(next_day, 19))  # nothing logged that day: a gentle reminder
    assert reminder_keys(quiet_app) == {f"reminder:{user['_id']}:{next_day.isoformat()}"}


def test_a_deleted_entry_does_not_count_as_logged(db):
    user, _ = person()
    db.events.insert_one({"user_id": user["_id"], "local_day": "2026-11-02", "deleted_at": utc(2026, 11, 2)})
    assert not reminders.repository.logged_on(user["_id"], "2026-11-02")
    day = {"day": "2026-11-02", "has_data": True}
    db.day_summaries.insert_one({"_id": f"{user['_id']}:2026-11-02", "user_id": user["_id"]} | day)
    assert reminders.repository.logged_on(user["_id"], "2026-11-02")


def test_a_day_not_over_when_summarised_counts_from_the_summary_document(db):
    """Such a day has no day document yet: the person's summary document alone holds it."""
    user, _ = person()
    days = [{"day": "2026-11-02", "has_data": False}, {"day": "2026-11-03", "has_data": True}]
    summary = {"_id": user["_id"], "today": "2026-11-02", "recent_days": pack_days(days)}
    db.person_summaries.insert_one(summary)
    assert not reminders.repository.logged_on(user["_id"], "2026-11-02")
    assert reminders.repository.logged_on(user["_id"], "2026-11-03")


def test_quiet_hours_move_a_reminder_to_their_end():
    late = {"local_time": "22:30", "days": ["monday"], "quiet_hours": {"start": "22:00", "end": "07:00"}}
    # Monday 22:30 is inside 22:00-07:00, so it goes out at 07:00 on Tuesday, counted for Tuesday.
    assert reminders.next_due(utc(2026, 11, 2), LONDON, late) == ("2026-11-03", utc(2026, 11, 3, 7))
    early = late | {"local_time": "06:15"}
    assert reminders.next_due(utc(2026, 11, 2), LONDON, early) == ("2026-11-02", utc(2026, 11, 2, 7))
    daytime = late | {"local_time": "13:00", "quiet_hours": {"start": "12:00", "end": "14:00"}}
    assert reminders.next_due(utc(2026, 11, 2), LONDON, daytime) == ("2026-11-02", utc(2026, 11, 2, 14))
    outside = late | {"local_time": "19:00"}
    assert reminders.next_due(utc(2026, 11, 2), LONDON, outside) == ("2026-11-02", utc(2026, 11, 2, 19))


def test_quiet_hours_are_respected_by_the_scan(quiet_app, db):
    user = someone(
        "Europe/London",
        reminders=EVENINGS | {"local_time": "22:30", "quiet_hours": {"start": "22:00", "end": "07:00"}},
    )
    scan(quiet_app, utc(2026, 11, 2, 12))
    scan(quiet_app, utc(2026, 11, 2, 22, 30))
    assert reminder_keys(quiet_app) == set()
    scan(quiet_app, utc(2026, 11, 3, 7))
    assert reminder_keys(quiet_app) == {f"reminder:{user['_id']}:2026-11-03"}


def test_only_on_the_chosen_days_and_never_while_paused(quiet_app, db):
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    user = someone("Europe/London", reminders=EVENINGS | {"days": weekdays, "paused_until": "2026-11-04"})
    scan(quiet_app, utc(2026, 11, 1, 12))  # Sunday
    for day in range(1, 10):
        scan(quiet_app, utc(2026, 11, day, 19))
    sent = sorted(key.rsplit(":", 1)[1] for key in reminder_keys(quiet_app))
    # Paused until Wednesday 4 November (they resume that day); no weekend reminders.
    assert sent == ["2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09"]
    assert all(key.startswith(f"reminder:{user['_id']}:") for key in reminder_keys(quiet_app))


def test_no_days_chosen_means_no_reminder(quiet_app, db):
    someone("Europe/London", reminders=EVENINGS | {"days": []})
    scan(quiet_app, utc(2026, 11, 2, 12))
    scan(quiet_app, utc(2026, 11, 2, 19))
    assert reminder_keys(quiet_app) == set()


def test_a_reminder_found_hours_late_is_skipped(quiet_app, db):
    someone("Europe/London", reminders=EVENINGS)
    scan(quiet_app, utc(2026, 11, 2, 12))
    assert scan(quiet_app, utc(2026, 11, 2, 23)).get("missed") == 1
    assert reminder_keys(quiet_app) == set()
