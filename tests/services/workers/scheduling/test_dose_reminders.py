"""The dose reminder scan against real FerretDB and Redis, with the clock set by the test: each dose time
in the person's zone across DST in New York and Berlin (a time the spring change skips comes at the first
valid minute after it, a time the autumn change repeats comes once), quiet hours, pause, a plan saved
after the time, and exactly one reminder when two scans run at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from services.workers.dose_reminders import service, timing
from shared import dose_reminders
from shared.plans import store
from tests.factories import plans
from tests.factories.plans import clonazepam_tablets
from tests.services.workers.scheduling.conftest import someone, utc

NEW_YORK, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")


def with_plan(user: dict, day: date, *times: str) -> dict:
    """The person's plan from the day before `day`, taken at these times (split evenly)."""
    dose_times = [{"time": t, "share": 1 / len(times)} for t in times]
    plan = plans.plan(
        clonazepam_tablets(), start_day=(day - timedelta(days=1)).isoformat(), dose_times=dose_times
    )
    store.add_version(user["_id"], 1, plan, datetime(2000, 1, 1, tzinfo=UTC))
    return user


def reminders(db) -> list[tuple[str, str, datetime]]:
    found = db.dose_reminders.find({}, {"day": 1, "time": 1, "due_at": 1}).sort("due_at", 1)
    return [(r["day"], r["time"], r["due_at"].replace(tzinfo=UTC)) for r in found]


def scan(app, now: datetime) -> dict:
    return service.scan(app, app.runtime.settings, now=now)


def sent_tasks(app) -> int:
    return redis_lib.Redis.from_url(app.runtime.settings.broker_url).llen("email")


class TestDueTimes:
    @pytest.mark.parametrize(
        ("day", "at", "tz", "utc_due"),
        [
            # New York: 8 March 2026 skips 02:00-03:00; 1 November repeats 01:00-02:00.
            (date(2026, 3, 8), "02:30", NEW_YORK, utc(2026, 3, 8, 7, 0)),  # 03:00 EDT, the first valid minute
            (date(2026, 3, 8), "08:00", NEW_YORK, utc(2026, 3, 8, 12, 0)),
            (date(2026, 3, 7), "08:00", NEW_YORK, utc(2026, 3, 7, 13, 0)),
            (date(2026, 11, 1), "01:30", NEW_YORK, utc(2026, 11, 1, 5, 30)),  # the first 01:30 (EDT)
            # Berlin: 29 March 2026 skips 02:00-03:00; 25 October repeats 02:00-03:00.
            (date(2026, 3, 29), "02:15", BERLIN, utc(2026, 3, 29, 1, 0)),  # 03:00 CEST
            (date(2026, 3, 28), "08:00", BERLIN, utc(2026, 3, 28, 7, 0)),
            (date(2026, 3, 30), "08:00", BERLIN, utc(2026, 3, 30, 6, 0)),
            (date(2026, 10, 25), "02:30", BERLIN, utc(2026, 10, 25, 0, 30)),  # the first 02:30 (CEST)
        ],
    )
    def test_a_local_time_as_an_instant(self, day, at, tz, utc_due):
        assert timing.due_at(day, at, tz) == utc_due

    @pytest.mark.parametrize(
        ("at", "inside"),
        [("21:59", False), ("22:00", True), ("03:00", True), ("06:59", True), ("07:00", False)],
    )
    def test_quiet_hours_that_wrap_midnight(self, at, inside):
        quiet = {"start": "22:00", "end": "07:00"}
        assert timing.in_quiet_hours(timing.wall_time(at), quiet) is inside


class TestScan:
    def test_a_skipped_time_comes_at_the_first_valid_minute_after_it_once(self, quiet_app, db):
        day = date(2026, 3, 8)
        with_plan(someone("America/New_York", reminders={"enabled": True}), day, "02:30", "20:00")
        assert scan(quiet_app, utc(2026, 3, 8, 6, 59)).get("created", 0) == 0
        assert scan(quiet_app, utc(2026, 3, 8, 7, 0))["created"] == 1
        assert scan(quiet_app, utc(2026, 3, 8, 7, 0, 10)).get("created", 0) == 0
        assert reminders(db) == [("2026-03-08", "02:30", utc(2026, 3, 8, 7, 0))]
        assert sent_tasks(quiet_app) == 1

    @pytest.mark.parametrize(
        ("zone", "case"),
        [
            (
                "America/New_York",
                (date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
            ),
            (
                "Europe/Berlin",
                (date(2026, 10, 25), "02:30", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
            ),
        ],
    )
    def test_a_repeated_time_comes_once(self, quiet_app, db, zone, case):
        day, at, first, second = case
        with_plan(someone(zone, reminders={"enabled": True}), day, at)
        assert scan(quiet_app, first)["created"] == 1
        again = scan(quiet_app, second)
        assert again.get("created", 0) == 0  # the second 01:30 is not another reminder
        assert reminders(db) == [(day.isoformat(), at, first)]

    def test_the_same_wall_time_follows_the_zone_across_the_change(self, quiet_app, db):
        with_plan(someone("Europe/Berlin", reminders={"enabled": True}), date(2026, 3, 28), "08:00")
        for now in (utc(2026, 3, 28, 7, 0), utc(2026, 3, 29, 6, 0), utc(2026, 3, 30, 6, 0)):
            scan(quiet_app, now)
        assert [due for _day, _at, due in reminders(db)] == [
            utc(2026, 3, 28, 7, 0),
            utc(2026, 3, 29, 6, 0),
            utc(2026, 3, 30, 6, 0),
        ]

    def test_inside_quiet_hours_a_reminder_is_not_sent(self, quiet_app, db):
        prefs = {"enabled": True, "quiet_hours": {"start": "22:00", "end": "07:00"}}
        with_plan(someone("Europe/Berlin", reminders=prefs), date(2026, 6, 1), "06:30", "08:00")
        early = scan(quiet_app, utc(2026, 6, 1, 4, 30))
        assert early == {"quiet hours": 1, "purged": 0}
        scan(quiet_app, utc(2026, 6, 1, 6, 0))
        assert [at for _day, at, _due in reminders(db)] == ["08:00"]

    def test_while_paused_nothing_is_sent_and_it_resumes_on_the_day_set(self, quiet_app, db):
        prefs = {"enabled": True, "paused_until": "2026-06-02"}
        with_plan(someone("America/New_York", reminders=prefs), date(2026, 6, 1), "08:00")
        paused = scan(quiet_app, utc(2026, 6, 1, 12, 0))
        assert paused["paused"] == 1 and reminders(db) == []
        scan(quiet_app, utc(2026, 6, 2, 12, 0))
        assert [day for day, _at, _due in reminders(db)] == ["2026-06-02"]

    def test_a_time_found_too_late_or_before_the_plan_was_saved_is_not_sent(self, quiet_app, db):
        user = with_plan(someone("Europe/Berlin", reminders={"enabled": True}), date(2026, 6, 1), "08:00")
        scan(quiet_app, utc(2026, 6, 1, 6, 0) + service.GRACE + timedelta(minutes=1))
        assert reminders(db) == []
        kept = {
            k: v
            for k, v in store.current(user["_id"]).items()
            if k not in {"_id", "user_id", "version", "created_at"}
        }
        store.add_version(user["_id"], 2, kept, utc(2026, 6, 2, 6, 5))  # saved after the day's 08:00
        scan(quiet_app, utc(2026, 6, 2, 6, 10))  # 08:00 came at 06:00 UTC
        assert reminders(db) == []

    def test_nobody_to_reach_gets_nothing(self, quiet_app, db):
        with_plan(someone("Europe/Berlin"), date(2026, 6, 1), "08:00")  # reminders off, no browser
        assert scan(quiet_app, utc(2026, 6, 1, 6, 0))["no channel"] == 1
        assert reminders(db) == []

    def test_two_scans_at_once_create_and_send_one_reminder(self, quiet_app, db):
        with_plan(someone("America/New_York", reminders={"enabled": True}), date(2026, 6, 1), "08:00")
        barrier, results = threading.Barrier(2), []

        def run():
            barrier.wait()
            results.append(scan(quiet_app, utc(2026, 6, 1, 12, 0)))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.get("created", 0) for r in results) == [0, 1]
        assert len(reminders(db)) == 1 and sent_tasks(quiet_app) == 1

    def test_a_reminder_nobody_sent_is_sent_again_after_its_lease(self, quiet_app, db):
        with_plan(someone("America/New_York", reminders={"enabled": True}), date(2026, 6, 1), "08:00")
        now = utc(2026, 6, 1, 12, 0)
        scan(quiet_app, now)
        lease = timedelta(seconds=quiet_app.runtime.settings.outbox_lease_seconds)
        assert scan(quiet_app, now + lease / 2).get("re-sent", 0) == 0
        assert scan(quiet_app, now + lease * 2)["re-sent"] == 1
        assert sent_tasks(quiet_app) == 2

    def test_old_records_are_purged(self, quiet_app, db):
        with_plan(someone("America/New_York", reminders={"enabled": True}), date(2026, 6, 1), "08:00")
        scan(quiet_app, utc(2026, 6, 1, 12, 0))
        (rid,) = [r["_id"] for r in db.dose_reminders.find()]
        db.dose_reminders.update_one({"_id": rid}, {"$set": {"status": dose_reminders.SENT}})
        later = utc(2026, 6, 1, 12, 0) + timedelta(days=dose_reminders.KEEP_DAYS, minutes=1)
        assert scan(quiet_app, later)["purged"] == 1
