"""Weekly reports on a controlled clock: local time across a DST change, once per week however often
the scan runs, and schedules that follow preference and time-zone changes."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

from services.ingestion.accounts import service as accounts
from services.workers.reports import schedule
from shared.reports import weekly_id
from tests.services.workers.scheduling.conftest import scan, someone, utc

WEEKLY = {"enabled": True, "weekday": "monday", "local_time": "09:00"}


def report_ids(db) -> set[str]:
    return {doc["_id"] for doc in db.reports.find({}, {"_id": 1})}


def test_next_monday_nine_is_computed_from_local_wall_time_across_the_november_change():
    ny = ZoneInfo("America/New_York")
    prefs = {"weekday": "monday", "local_time": "09:00"}
    # US clocks go back on Sunday 1 November 2026: 09:00 is 13:00 UTC before and 14:00 UTC after.
    assert schedule.next_weekly_due(utc(2026, 10, 20), ny, prefs) == ("2026-10-26", utc(2026, 10, 26, 13))
    assert schedule.next_weekly_due(utc(2026, 10, 26, 13), ny, prefs) == ("2026-11-02", utc(2026, 11, 2, 14))
    # Spring: 09:00 on Monday 9 March 2026 is already daylight time.
    assert schedule.next_weekly_due(utc(2026, 3, 3), ny, prefs) == ("2026-03-09", utc(2026, 3, 9, 13))


def test_new_york_and_kolkata_get_their_report_at_local_nine_across_the_dst_change(quiet_app, db):
    ny = someone("America/New_York", weekly_report=WEEKLY)
    kolkata = someone("Asia/Kolkata", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 24))  # preferences seen: schedules made, nothing due
    assert report_ids(db) == set()

    scan(quiet_app, utc(2026, 10, 26, 3, 29))
    assert report_ids(db) == set()
    scan(quiet_app, utc(2026, 10, 26, 3, 30))  # 09:00 in Kolkata (UTC+5:30)
    assert report_ids(db) == {weekly_id(kolkata["_id"], "2026-W44")}
    scan(quiet_app, utc(2026, 10, 26, 12, 59))
    scan(quiet_app, utc(2026, 10, 26, 13, 0))  # 09:00 EDT
    assert weekly_id(ny["_id"], "2026-W44") in report_ids(db)

    # After the change: Kolkata has no DST and stays at 03:30 UTC; New York moves to 14:00 UTC.
    scan(quiet_app, utc(2026, 11, 2, 3, 30))
    scan(quiet_app, utc(2026, 11, 2, 13, 0))
    assert weekly_id(kolkata["_id"], "2026-W45") in report_ids(db)
    assert weekly_id(ny["_id"], "2026-W45") not in report_ids(db)
    scan(quiet_app, utc(2026, 11, 2, 14, 0))
    assert weekly_id(ny["_id"], "2026-W45") in report_ids(db)

    report = db.reports.find_one({"_id": weekly_id(ny["_id"], "2026-W45")})
    assert (report["period_start"], report["period_end"]) == ("2026-10-26", "2026-11-01")
    assert report["kind"] == "weekly"
    assert report["deliver"] == {"to_self": True, "clinician_email": None, "attach_pdf": False}
    assert report["options"]["include_notes"] is False
    assert db.schedules.find_one({"_id": f"weekly_report:{ny['_id']}"})["due_at"] == utc(2026, 11, 9, 14)


def test_running_the_scan_twice_requests_nothing_twice(quiet_app, db):
    user = someone("Europe/London", weekly_report=WEEKLY | {"clinician_email": "dr@example.org"})
    scan(quiet_app, utc(2026, 10, 24))
    first = scan(quiet_app, utc(2026, 10, 26, 9, 0, 30))
    again = scan(quiet_app, utc(2026, 10, 26, 9, 0, 30))
    later = scan(quiet_app, utc(2026, 10, 26, 9, 1, 30))
    assert first["report requested"] == 1
    assert "report requested" not in again and "report requested" not in later
    assert report_ids(db) == {weekly_id(user["_id"], "2026-W44")}


def test_two_scans_racing_create_one_report_per_person(quiet_app, db):
    people = [someone("Asia/Kolkata", weekly_report=WEEKLY) for _ in range(5)]
    scan(quiet_app, utc(2026, 10, 24))
    now = utc(2026, 10, 26, 3, 30)
    results = []
    threads = [threading.Thread(target=lambda: results.append(scan(quiet_app, now))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.get("report requested", 0) for r in results) == 5
    assert report_ids(db) == {weekly_id(p["_id"], "2026-W44") for p in people}


def test_the_report_is_built_on_the_paper_the_person_chose_and_on_a4_until_they_choose(quiet_app, db):
    letter = someone("Europe/London", weekly_report=WEEKLY | {"paper": "Letter"})
    unchosen = someone("Europe/London", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 24))
    scan(quiet_app, utc(2026, 10, 26, 9))
    paper = {doc["user_id"]: doc["options"]["paper"] for doc in db.reports.find()}
    assert paper == {letter["_id"]: "Letter", unchosen["_id"]: "A4"}


def test_changing_the_day_within_a_week_does_not_make_a_second_report(quiet_app, db):
    user = someone("Europe/London", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 24))
    scan(quiet_app, utc(2026, 10, 26, 9))  # Monday: week 44's report
    accounts.update_profile(user["_id"], {"preferences": {"weekly_report": WEEKLY | {"weekday": "friday"}}})
    scan(quiet_app, utc(2026, 10, 26, 9, 5))  # rescheduled to Friday 30 October, same ISO week
    due = db.schedules.find_one({"_id": f"weekly_report:{user['_id']}"})["due_at"]
    assert due == utc(2026, 10, 30, 9)
    assert scan(quiet_app, due).get("requested before") == 1
    assert report_ids(db) == {weekly_id(user["_id"], "2026-W44")}


def test_a_change_found_after_the_slot_came_due_that_leaves_it_due_does_not_skip_it(quiet_app, db):
    """The scan after Monday 09:00 finds the notes turned on (or a release's new preference): this week's
    report is still made, not moved to next week."""
    user = someone("Europe/London", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 26, 8, 59))
    accounts.update_profile(user["_id"], {"preferences": {"weekly_report": WEEKLY | {"include_notes": True}}})
    assert scan(quiet_app, utc(2026, 10, 26, 9, 0, 30)).get("report requested") == 1
    assert report_ids(db) == {weekly_id(user["_id"], "2026-W44")}
    due = db.schedules.find_one({"_id": f"weekly_report:{user['_id']}"})["due_at"]
    assert due == utc(2026, 11, 2, 9)


def test_a_time_zone_change_moves_the_next_report(quiet_app, db):
    user = someone("Europe/London", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 24))
    sid = f"weekly_report:{user['_id']}"
    assert db.schedules.find_one({"_id": sid})["due_at"] == utc(2026, 10, 26, 9)
    accounts.update_profile(user["_id"], {"time_zone": "America/Los_Angeles"})
    scan(quiet_app, utc(2026, 10, 24, 0, 1))
    assert db.schedules.find_one({"_id": sid})["due_at"] == utc(2026, 10, 26, 16)  # 09:00 PDT


def test_turned_off_or_erased_means_no_schedule_and_no_report(quiet_app, db):
    leaving = someone("Europe/London", weekly_report=WEEKLY)
    pausing = someone("Europe/London", weekly_report=WEEKLY)
    never = someone("Europe/London")
    scan(quiet_app, utc(2026, 10, 24))
    assert db.schedules.count_documents({"user_id": never["_id"]}) == 0
    db.users.delete_one({"_id": leaving["_id"]})
    accounts.update_profile(pausing["_id"], {"preferences": {"weekly_report": WEEKLY | {"enabled": False}}})
    scan(quiet_app, utc(2026, 10, 26, 9))
    assert db.schedules.count_documents({}) == 0
    assert report_ids(db) == set()


def test_a_slot_found_days_late_is_skipped_not_sent(quiet_app, db):
    someone("Europe/London", weekly_report=WEEKLY)
    scan(quiet_app, utc(2026, 10, 24))
    outcome = scan(quiet_app, utc(2026, 10, 26, 9) + timedelta(days=3))  # the workers were down
    assert outcome.get("missed") == 1
    assert report_ids(db) == set()
