"""Windows and waves as people in a real taper log them, through the API, Redis, FerretDB and the Celery
workers: what GET /v1/summaries says must be where docs/windows-and-waves.md puts it."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories.accounts import person
from tests.services.workers.summaries.test_tasks import wait_summary

ZONE = ZoneInfo("America/New_York")
# Six weeks from the first cut, cuts every two weeks: a wave a few days after each (5, 8 and 4 days at 7-8),
# a window after the first two (4 days at 1-2), ordinary days at 3-5 between; one check-in a day.
CLASSIC = "435578887311123348888888732211448888545434"
WAVES = [(4, 8), (17, 24), (32, 35)]
WINDOWS = [(10, 13), (26, 29)]


@pytest.fixture
def live(ingestion_app, workers_worker, notification_worker, redis, mailbox):
    return ingestion_app.test_client()


def log_days(client, headers, overall: dict[date, int]) -> None:
    """One check-in on each local day, at noon there (today: a minute ago, if noon is still ahead)."""
    now = datetime.now(ZONE)
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "overall": value,
            "occurred_at": min(
                datetime(d.year, d.month, d.day, 12, tzinfo=ZONE), now - timedelta(minutes=1)
            ).isoformat(timespec="seconds"),
        }
        for d, value in overall.items()
    ]
    r = client.post("/v1/events/batch", json={"sent_at": now.isoformat(), "events": events}, headers=headers)
    assert r.json["accepted"] == len(events), r.json


def settled(body: dict, days: int) -> bool:
    return not body["pending_recompute"] and sum(d["burden"] is not None for d in body["days"]) == days


def test_a_classic_six_week_taper_shows_its_waves_and_windows(live, db):
    """Most of these days are in a wave or a window. The second pass leaves the first pass's episodes out
    of the baseline, which left fewer than 10 days: before, no day had a baseline, nothing was found, and the
    summary still said the baseline was ready."""
    _user, headers = person(time_zone="America/New_York")
    today = datetime.now(ZONE).date()
    first = today - timedelta(days=len(CLASSIC) - 1)
    log_days(live, headers, {first + timedelta(days=i): int(v) for i, v in enumerate(CLASSIC)})
    body = wait_summary(
        live, headers, lambda b: settled(b, len(CLASSIC)), timeout=60, **{"from": first.isoformat()}
    )
    assert body["baseline"]["state"] == "ready"

    def found(kind):
        return [
            ((date.fromisoformat(e["start"]) - first).days, (date.fromisoformat(e["last_day"]) - first).days)
            for e in body["episodes"]
            if e["kind"] == kind
        ]

    assert found("wave") == WAVES  # each wave exactly where it was logged
    for start, end in WINDOWS:  # each window found, overlapping it by at least half
        assert any(min(end, e) - max(start, s) + 1 >= (end - start + 1) / 2 for s, e in found("window"))
    states = {d["day"]: d["state"] for d in body["days"]}
    for start, end in WAVES:
        assert {states[str(first + timedelta(days=i))] for i in range(start, end + 1)} == {"wave"}


def test_one_very_bad_day_is_not_a_wave(live, db):
    """A wave needs at least `min_days` (3): one day at 10 among ordinary days is shown as that day's value,
    never as a wave or an episode."""
    _user, headers = person(time_zone="America/New_York")
    today = datetime.now(ZONE).date()
    first = today - timedelta(days=34)
    overall = {first + timedelta(days=i): 3 + (i % 3) for i in range(35)}
    overall[today - timedelta(days=5)] = 10
    log_days(live, headers, overall)
    body = wait_summary(live, headers, lambda b: settled(b, 35), timeout=60, **{"from": first.isoformat()})
    assert body["baseline"]["state"] == "ready"
    assert body["episodes"] == []
    assert {d["state"] for d in body["days"]} == {"neutral"}


def test_deleting_a_past_wave_s_days_takes_the_wave_away(live, db):
    """Entries of a past day deleted (or edited: a new entry, then the old one deleted) recompute that
    stretch: the second wave of the classic taper goes once its days are gone, the others stay."""
    _user, headers = person(time_zone="America/New_York")
    today = datetime.now(ZONE).date()
    first = today - timedelta(days=len(CLASSIC) - 1)
    log_days(live, headers, {first + timedelta(days=i): int(v) for i, v in enumerate(CLASSIC)})
    query = {"from": first.isoformat()}
    wait_summary(live, headers, lambda b: settled(b, len(CLASSIC)) and b["episodes"], timeout=60, **query)
    start, end = WAVES[1]
    wave_days = {str(first + timedelta(days=i)) for i in range(start, end + 1)}
    for event in live.get("/v1/events", headers=headers, query_string={"limit": 100}).json["events"]:
        if event["local_day"] in wave_days:
            assert live.delete(f"/v1/events/{event['event_id']}", headers=headers).status_code == 204
    body = wait_summary(
        live, headers, lambda b: settled(b, len(CLASSIC) - len(wave_days)), timeout=60, **query
    )
    waves = [
        ((date.fromisoformat(e["start"]) - first).days, (date.fromisoformat(e["last_day"]) - first).days)
        for e in body["episodes"]
        if e["kind"] == "wave"
    ]
    # Each remaining wave is still found where it was logged; none is left where the deleted days were.
    assert len(waves) == 2
    for (start, end), (s, e) in zip([WAVES[0], WAVES[2]], waves, strict=True):
        assert s <= start and end <= e and e - s <= end - start + 2


def test_late_night_entries_around_a_dst_change_and_a_move_land_on_the_account_s_days(live, db):
    """Madrid, the night the clocks go back (26 October 2025, before any instant the clock check sets):
    23:50 is the 25th, 00:10 and the repeated 02:30 are the 26th. Then the person moves the account to New
    York: 23:30 there is that day, not Madrid's next one, and the Madrid days stay where they were."""
    _user, headers = person(time_zone="Europe/Madrid")
    madrid = ZoneInfo("Europe/Madrid")
    at = [
        (datetime(2025, 10, 25, 23, 50, tzinfo=madrid), 2),
        (datetime(2025, 10, 26, 0, 10, tzinfo=madrid), 3),
        (datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=madrid), 4),  # the second 02:30, in winter time
    ]
    events = [
        {"event_id": uuid.uuid4().hex, "type": "symptom", "code": "insomnia", "severity": s, "occurred_at": t}
        for t, s in ((t.isoformat(), s) for t, s in at)
    ]
    now = datetime.now(ZONE).isoformat()
    assert (
        live.post("/v1/events/batch", json={"sent_at": now, "events": events}, headers=headers).json[
            "accepted"
        ]
        == 3
    )
    assert live.patch("/v1/me", json={"time_zone": "America/New_York"}, headers=headers).status_code == 200
    late = datetime(2025, 11, 10, 23, 30, tzinfo=ZONE).isoformat()
    event = {"event_id": "ny", "type": "symptom", "code": "insomnia", "severity": 1, "occurred_at": late}
    assert live.post("/v1/events", json=event, headers=headers).json["local_day"] == "2025-11-10"
    body = wait_summary(
        live, headers, lambda b: settled(b, 3), timeout=60, **{"from": "2025-10-25", "to": "2025-11-11"}
    )
    logged = {d["day"]: d["symptoms"]["insomnia"]["max"] for d in body["days"] if d["burden"] is not None}
    assert logged == {"2025-10-25": 2, "2025-10-26": 4, "2025-11-10": 1}


def test_a_wave_with_nothing_logged_since_is_ongoing_between_entries_every_third_day(live, db):
    """Someone who logs every third day, the last three entries in a wave, the latest three days ago:
    nothing says the wave has ended, so it is ongoing (before, it ended on its last entry as soon as two
    days had passed, and began again with the next entry)."""
    _user, headers = person(time_zone="America/New_York")
    today = datetime.now(ZONE).date()
    overall = {today - timedelta(days=k): 8 if k <= 9 else 3 + k % 2 for k in range(3, 61, 3)}
    log_days(live, headers, overall)
    first = min(overall).isoformat()
    body = wait_summary(
        live, headers, lambda b: settled(b, len(overall)) and b["episodes"], timeout=60, **{"from": first}
    )
    (wave,) = body["episodes"]
    assert (wave["kind"], wave["ongoing"], wave["end"]) == ("wave", True, None)
    assert wave["last_day"] == str(today - timedelta(days=3))
    assert body["status"]["current_episode"]["start"] == wave["start"]
