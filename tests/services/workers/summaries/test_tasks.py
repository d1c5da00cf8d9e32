"""Summaries through the real API, Redis, FerretDB and Celery workers: fresh, late events, deletions,
red flags, a killed worker."""

import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from services.ingestion.events import service as events_service
from services.workers.summaries import lock
from shared import recompute, summaries
from shared.redis_client import redis_client
from shared.tasks import WORKER_QUEUES
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import stored_days
from tests.support.runtimes import celery_for, ingestion_app
from tests.support.servers import celery_worker, child_env, wait_for
from tests.support.synthetic import generate


def iso(dt):
    return dt.isoformat(timespec="seconds")


def wait_summary(client, headers, predicate, timeout=20, **query):
    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/v1/summaries", headers=headers, query_string=query).json
        if predicate(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"summary never matched: {body}")
        time.sleep(0.1)


@pytest.fixture
def live(ingestion_app, workers_worker, notification_worker, redis, mailbox):
    return ingestion_app.test_client()


def test_logged_events_show_up_in_summaries(live, db):
    _user, headers = person(time_zone="Asia/Kolkata")
    now = datetime.now(UTC)
    events = [
        {"event_id": uuid.uuid4().hex, "type": "check_in", "overall": 6, "occurred_at": iso(now)},
        {
            "event_id": uuid.uuid4().hex,
            "type": "symptom",
            "code": "tremor",
            "severity": 3,
            "occurred_at": iso(now),
        },
        {
            "event_id": uuid.uuid4().hex,
            "type": "symptom",
            "custom_label": "buzzing feet",
            "severity": 2,
            "occurred_at": iso(now),
        },
    ]
    live.post("/v1/events/batch", json={"sent_at": iso(now), "events": events}, headers=headers)
    # The day is written a moment before its recompute is marked done: wait for both.
    body = wait_summary(
        live, headers, lambda b: b["days"] and b["days"][-1]["burden"] == 6.0 and not b["pending_recompute"]
    )
    today = body["days"][-1]
    assert today["symptoms"]["tremor"]["max"] == 3
    custom = next(k for k in today["symptoms"] if k.startswith("custom:"))
    assert body["symptoms"][custom]["label"] == "buzzing feet"  # decrypted for its owner
    stored = stored_days(_user["_id"])  # unpacked: the summary document stores its days compressed
    assert next(s for k, s in stored[-1]["symptoms"].items() if k.startswith("custom:"))["label_enc"]
    assert "buzzing feet" not in str(stored)  # but never stored in clear
    assert "no clinical definition" in body["episodes_note"]


def test_late_events_and_deletions_recompute_the_right_days(live, db):
    user, headers = person()
    now = datetime.now(UTC)
    live.post(
        "/v1/events",
        json={"event_id": "today", "type": "check_in", "overall": 5, "occurred_at": iso(now)},
        headers=headers,
    )
    wait_summary(live, headers, lambda b: b["days"] and b["days"][-1]["burden"] == 5.0)
    old = now - timedelta(days=10)
    live.post(
        "/v1/events",
        json={"event_id": "late", "type": "check_in", "overall": 9, "occurred_at": iso(old)},
        headers=headers,
    )
    body = wait_summary(live, headers, lambda b: len(b["days"]) == 11)
    assert body["days"][0]["burden"] == 9.0
    assert body["days"][-1]["rolling"]["days_logged_28d"] == 2
    live.delete("/v1/events/late", headers=headers)
    body = wait_summary(live, headers, lambda b: len(b["days"]) == 1)
    assert body["days"][0]["burden"] == 5.0
    # The late day's document is gone; today, not over, has none (its summary document holds it).
    assert db.day_summaries.count_documents({"user_id": user["_id"]}) == 0
    assert [d["burden"] for d in stored_days(user["_id"])] == [5.0]


class Died(Exception):
    """The ingestion process dying at this point (a SIGKILL, a lost machine)."""


def die(*_args, **_kwargs):
    raise Died


def check_in(event_id: str, overall: int, minutes_ago: int) -> dict:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"event_id": event_id, "type": "check_in", "overall": overall, "occurred_at": iso(at)}


def test_a_write_retried_after_dying_between_storing_and_signalling_reaches_the_summary(live, monkeypatch):
    _user, headers = person()
    assert live.post("/v1/events", json=check_in("first", 5, 2), headers=headers).status_code == 202
    # Its recompute read the day from MongoDB and marked the day's cache complete.
    wait_summary(live, headers, lambda b: b["days"] and b["days"][-1]["burden"] == 5.0)
    later = check_in("later", 8, 1)
    with monkeypatch.context() as patch:
        patch.setattr(events_service, "request_recompute", die)
        assert live.post("/v1/events", json=later, headers=headers).status_code == 500  # no 202
    # Stored, but neither in the cache nor signalled. The device had no answer, so it sends it again.
    assert live.post("/v1/events", json=later, headers=headers).json["status"] == "duplicate"
    wait_summary(live, headers, lambda b: b["days"][-1]["burden"] == 8.0 and not b["pending_recompute"])

    # A deletion the same way: the event's content is gone, the summary still counts it, until the retry.
    with monkeypatch.context() as patch:
        patch.setattr(events_service, "request_recompute", die)
        assert live.delete("/v1/events/later", headers=headers).status_code == 500
    assert live.delete("/v1/events/later", headers=headers).status_code == 404
    wait_summary(live, headers, lambda b: b["days"][-1]["burden"] == 5.0 and not b["pending_recompute"])


def test_a_red_flag_reaches_the_summary_and_queues_one_safety_email(live, db, mailbox):
    _user, headers = person("flag@example.org")
    now = datetime.now(UTC)
    for i in range(2):
        live.post(
            "/v1/events",
            json={
                "event_id": f"rf{i}",
                "type": "symptom",
                "code": "suicidal_thoughts_self_harm",
                "severity": 2,
                "occurred_at": iso(now - timedelta(minutes=i)),
            },
            headers=headers,
        )
    body = wait_summary(live, headers, lambda b: len(b["red_flags"]) == 2 and b["status"])
    assert body["status"]["has_recent_red_flag"] is True
    # Read by address: a safety email another test sent late is not this one.
    message = mailbox.wait_for_one_to("flag@example.org")
    assert message["Subject"] == "Checking in on you"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "988" in text and "116 123" in text and "13 11 14" in text and "findahelpline.com" in text
    assert "Spain: 024" in text and "Mexico: Línea de la Vida, 800 911 2000" in text
    assert "suicid" not in message["Subject"].lower()
    time.sleep(1)
    assert [str(m["To"]) for m in mailbox.messages].count("flag@example.org") == 1  # at most once per day


def test_a_spanish_speaker_gets_the_safety_email_in_spanish_urgent_care_first(live, db, mailbox):
    _user, headers = person("ana@example.org")
    assert live.patch("/v1/me", json={"language": "es"}, headers=headers).json["language"] == "es"
    red_flag = {"event_id": "rf", "type": "symptom", "code": "seizure", "severity": 3}
    live.post("/v1/events", json=red_flag | {"occurred_at": iso(datetime.now(UTC))}, headers=headers)
    message = mailbox.wait_for_one_to("ana@example.org", timeout=20)
    assert message["Subject"] == "Queremos saber cómo estás"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    urgent = "busca ayuda urgente ahora, por favor: llama a tu número local de emergencias"
    assert text.index("Hace poco registraste algo que puede ser grave") < text.index("988")
    assert urgent in " ".join(text.split()) and urgent in html
    assert "findahelpline.com" in text and "Canadá: llama o escribe al 988" in html
    assert "España: 024" in text and "México: Línea de la Vida, 800 911 2000" in html
    assert text.index("España: 024") < text.index("México") < text.index("EE. UU.")  # the nearest first
    assert "urgent help" not in text + html


def test_an_offline_sync_of_two_months_lands_in_the_summaries(live, db):
    _user, headers = person()
    patient = generate(11, days=60, red_flags=0)
    events = patient.events
    now = datetime.now(UTC)
    for i in range(0, len(events), 100):
        live.post(
            "/v1/events/batch", json={"sent_at": iso(now), "events": events[i : i + 100]}, headers=headers
        )
    pending = db.recompute_requests.find_one({"_id": _user["_id"]})
    assert pending is None or pending["requests"] <= (len(events) + 99) // 100
    wait_summary(
        live,
        headers,
        lambda b: b["status"] and b["status"]["days_logged"] >= 40,
        **{"from": patient.first_day.isoformat()},
    )


@pytest.mark.any_hour  # crash recovery, and the slowest test here (a dead holder's lock runs out)
def test_a_worker_killed_mid_recompute_gives_the_same_result(settings, redis_server, db, tmp_path):
    # Redis databases of its own (flags, locks and broker), so only the worker processes started here
    # take part, never the in-process test worker.
    own = dataclasses.replace(settings, redis_url=redis_server.url(6), broker_url=redis_server.url(7))
    redis_lib.Redis.from_url(own.redis_url).flushdb()
    client = ingestion_app(own).test_client()
    user, headers = person()
    patient = generate(5, days=120)
    producer = celery_for("test", own)
    now = datetime.now(UTC)
    for i in range(0, len(patient.events), 200):
        client.post(
            "/v1/events/batch",
            json={"sent_at": iso(now), "events": patient.events[i : i + 200]},
            headers=headers,
        )
    recompute.request_recompute(producer, user["_id"], ["0001-01-01"])  # the whole history
    env = child_env(own.as_env())
    worker = celery_worker("services.workers.worker", WORKER_QUEUES, env, tmp_path / "w1.log").start()
    try:
        locks = redis_lib.Redis.from_url(own.redis_url)
        lock_key = f"summaries:lock:{user['_id']}"
        swept = [0.0]

        def taken() -> bool:
            if locks.exists(lock_key):
                return True
            # A signal a loaded broker did not take in time is what the sweeper is for: run it by hand.
            if time.monotonic() - swept[0] > 2:
                recompute.sweep(producer, before=datetime.now(UTC) + timedelta(seconds=5))
                swept[0] = time.monotonic()
            return False

        wait_for(taken, 60, "the worker to take the person", interval=0.02)  # mid-recompute
        worker.kill()
        # The dead worker's lock is short (its renewals stopped with it) and frees the person by itself:
        # the next worker gets them without anyone deleting it.
        assert 0 < locks.pttl(lock_key) <= lock.TTL_S * 1000
        worker = celery_worker("services.workers.worker", WORKER_QUEUES, env, tmp_path / "w2.log").start()
        recompute.sweep(producer, before=datetime.now(UTC) + timedelta(seconds=5))
        deadline = time.monotonic() + 60
        while recompute.is_pending(user["_id"]):
            assert time.monotonic() < deadline, worker.output()[-2000:]
            time.sleep(0.2)
        after_kill = stored_days(user["_id"])
        # A clean full rebuild gives exactly the same documents.
        summaries.forget(user["_id"])  # every stored summary of theirs, copies included
        recompute.request_recompute(producer, user["_id"], ["0001-01-01"])
        while recompute.is_pending(user["_id"]):
            assert time.monotonic() < deadline + 60
            time.sleep(0.2)
        clean = stored_days(user["_id"])
        assert after_kill == clean
        assert len(clean) == 120
    finally:
        worker.kill()
        redis_client.configure(settings)


def test_one_task_recomputes_everyone_waiting_and_their_own_tasks_find_nothing_left(
    settings, redis_server, db
):
    from services.workers.summaries import params, service
    from shared.tasks import RECOMPUTE_PERSON
    from tests.support.runtimes import workers_app

    # Redis databases of its own, so the session's in-process worker never takes these tasks.
    own = dataclasses.replace(settings, redis_url=redis_server.url(8), broker_url=redis_server.url(9))
    redis_lib.Redis.from_url(own.redis_url).flushdb()
    client = ingestion_app(own).test_client()
    now = datetime.now(UTC)
    people = [person() for _ in range(3)]
    for n, (_user, headers) in enumerate(people):
        for day in range(3):
            at = iso(now - timedelta(days=day))
            event = {"event_id": f"e{day}", "type": "check_in", "overall": n + day, "occurred_at": at}
            assert client.post("/v1/events", json=event, headers=headers).status_code == 202
    ids = [user["_id"] for user, _headers in people]
    assert all(recompute.is_pending(user_id) for user_id in ids)
    # A rebuild (every day) waits for its own task: a batch takes only recent work.
    rebuilding, _headers = person()
    recompute.request_recompute(celery_for("test", own), rebuilding["_id"], ["0001-01-01"])

    task = workers_app(own).tasks[RECOMPUTE_PERSON.name]
    task.apply(args=[ids[0]]).get()
    assert not any(recompute.is_pending(user_id) for user_id in ids)
    assert recompute.is_pending(rebuilding["_id"])
    task.apply(args=[rebuilding["_id"]]).get()
    assert not recompute.is_pending(rebuilding["_id"])
    batched = {u: stored_days(u) for u in ids}
    assert all(len(days) == 3 for days in batched.values())
    assert [batched[u][-1]["burden"] for u in ids] == [0.0, 1.0, 2.0]

    # The others' own tasks, delivered later, have nothing left to do.
    stamp = db.person_summaries.find_one({"_id": ids[1]})["computed_at"]
    task.apply(args=[ids[1]]).get()
    assert db.person_summaries.find_one({"_id": ids[1]})["computed_at"] == stamp

    # Computed together, each person's summaries are exactly what computing them alone gives.
    summaries.forget(ids[2])
    service.recompute(None, own, params.current(), ids[2], from_day=None)
    alone = stored_days(ids[2])
    assert alone == batched[ids[2]]


def test_writes_covered_by_a_flag_set_after_a_task_took_the_flags_are_recomputed(settings, redis_server, db):
    from shared.tasks import RECOMPUTE_PERSON
    from tests.support.runtimes import workers_app

    own = dataclasses.replace(settings, redis_url=redis_server.url(12), broker_url=redis_server.url(13))
    redis_lib.Redis.from_url(own.redis_url).flushdb()
    client = ingestion_app(own).test_client()
    task = workers_app(own).tasks[RECOMPUTE_PERSON.name]
    user, headers = person()
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(user["time_zone"]))
    today = local.date().isoformat()
    # Both today, also in the minutes after midnight (then at midnight and a second later).
    first = max(now - timedelta(minutes=10), local.replace(hour=0, minute=0, second=0, microsecond=0))
    second = max(now - timedelta(minutes=1), first + timedelta(seconds=1))

    def check_in(overall: int, at: datetime) -> None:
        event = {"event_id": uuid.uuid4().hex, "type": "check_in", "overall": overall, "occurred_at": iso(at)}
        assert client.post("/v1/events", json=event, headers=headers).status_code == 202

    check_in(3, first)
    task.apply(args=[user["_id"]]).get()
    # The race: a write stored its request, a task read it, and only then did the write set its flag
    # (after that task took the flags). The next write is covered by that flag and stores no request.
    redis_client.client.set(recompute.queued_flag(user["_id"]), today)
    check_in(6, second)
    assert not recompute.is_pending(user["_id"])  # only the flag says this write needs a recompute
    task.apply(args=[user["_id"]]).get()
    day = next(d for d in stored_days(user["_id"]) if d["day"] == today)
    assert day["check_in"]["count"] == 2 and day["burden"] == 6.0
