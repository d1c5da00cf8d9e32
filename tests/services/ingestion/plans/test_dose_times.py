"""Dose times through the real app: the person's own times and split, refused clearly when they do not add
up, and today's doses with their ids, tokens and whether they are recorded."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.plans import doses
from tests.factories import plans
from tests.factories.accounts import person
from tests.factories.plans import clonazepam_tablets

ZONE = "America/New_York"
TWICE = [{"time": "20:00", "share": 0.5}, {"time": "08:00", "share": 0.5}]


def today():
    return datetime.now(ZoneInfo(ZONE)).date()


def a_plan(times=TWICE, **kw):
    start = (today() - timedelta(days=3)).isoformat()
    return plans.plan(clonazepam_tablets(), start_day=start, dose_times=times, **kw)


def test_todays_doses_follow_the_persons_times_and_split(client, db):
    user, headers = person(time_zone=ZONE)
    answer = client.post("/v1/plan/versions", json=a_plan(), headers=headers)
    assert answer.status_code == 201, answer.json
    assert answer.json["dose_times"] == TWICE
    found = answer.json["progress"]["today_doses"]
    day = today().isoformat()
    assert [(d["time"], d["mg"], d["amount"], d["medication"], d["status"]) for d in found] == [
        ("08:00", 1.0, "2 tablets", "clonazepam", None),
        ("20:00", 1.0, "2 tablets", "clonazepam", None),
    ]
    assert [d["event_id"] for d in found] == [
        doses.event_id(user["_id"], "clonazepam", day, "08:00"),
        doses.event_id(user["_id"], "clonazepam", day, "20:00"),
    ]
    # The token is sealed: nothing in it names the person or the medication in clear.
    assert all(user["_id"] not in d["token"] and "clonazepam" not in d["token"] for d in found)
    schedule = client.get("/v1/plan/schedule", headers=headers).json
    assert schedule["days"][0]["doses"] == [
        {k: d[k] for k in ("time", "mg", "amount", "medication", "event_id", "status")} for d in found
    ]


def test_an_earlier_days_doses_carry_their_ids_and_answers(client, db):
    """So the app can answer a day's doses missed then: yesterday's ids, the one answered since as stored."""
    user, headers = person(time_zone=ZONE)
    assert client.post("/v1/plan/versions", json=a_plan(), headers=headers).status_code == 201
    day_before = today() - timedelta(days=1)
    yesterday = day_before.isoformat()
    morning = doses.event_id(user["_id"], "clonazepam", yesterday, "08:00")
    dose = {
        "event_id": morning,
        "type": "dose",
        "occurred_at": datetime.combine(day_before, time(8), ZoneInfo(ZONE)).isoformat(),
        "medication": "clonazepam",
        "amount_mg": 1.0,
        "status": "skipped",
    }
    assert client.post("/v1/events", json=dose, headers=headers).status_code in (201, 202)
    query = {"from": yesterday, "to": yesterday}
    (day,) = client.get("/v1/plan/schedule", query_string=query, headers=headers).json["days"]
    assert [(d["time"], d["event_id"], d["status"]) for d in day["doses"]] == [
        ("08:00", morning, "skipped"),
        ("20:00", doses.event_id(user["_id"], "clonazepam", yesterday, "20:00"), None),
    ]


def test_a_plan_without_dose_times_has_no_doses_by_time(client, db):
    _user, headers = person(time_zone=ZONE)
    plan = a_plan()
    del plan["dose_times"]
    body = client.post("/v1/plan/versions", json=plan, headers=headers).json
    assert "dose_times" not in body and body["progress"]["today_doses"] == []
    assert "doses" not in client.get("/v1/plan/schedule", headers=headers).json["days"][0]


@pytest.mark.parametrize(
    ("times", "reason"),
    [
        ([{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.4}], "add up to 0.9"),
        ([{"time": "08:00", "share": 0.5}, {"time": "08:00", "share": 0.5}], "Each time appears once"),
        ([{"time": "8:00", "share": 1}], "HH:MM"),
        ([{"time": "24:00", "share": 1}], "HH:MM"),
        ([{"time": "08:00", "share": 0}], "greater than 0"),
        ([{"time": "08:00", "share": 1.5}], "less than or equal to 1"),
        ([{"time": f"0{i}:00", "share": 1 / 7} for i in range(7)], "Longer than maximum length 6"),
        ([{"time": "08:00"}], "required"),
        ([{"time": "08:00", "share": 1, "dose": 2}], "Unknown field"),
    ],
)
def test_dose_times_that_do_not_fit_are_refused_and_nothing_is_stored(client, db, times, reason):
    _user, headers = person(time_zone=ZONE)
    answer = client.post("/v1/plan/versions", json=a_plan(times), headers=headers)
    assert answer.status_code == 422, answer.json
    assert answer.headers["Content-Type"] == "application/problem+json"
    reasons = " ".join(
        p["reason"] for p in answer.json["invalid_params"] if p["name"].startswith("dose_times")
    )
    assert reason in reasons, answer.json
    assert db.taper_plans.count_documents({}) == 0


def test_shares_within_a_thousandth_of_one_are_accepted(client, db):
    _user, headers = person(time_zone=ZONE)
    times = [{"time": f"{h:02d}:00", "share": 0.333} for h in (8, 14, 20)]
    answer = client.post("/v1/plan/versions", json=a_plan(times), headers=headers)
    assert answer.status_code == 201, answer.json
    # The last time takes what is left, so the day's 2 mg is all there.
    assert sum(d["mg"] for d in answer.json["progress"]["today_doses"]) == 2.0
