"""Sending dose reminders through the real components: a push service on loopback that checks the VAPID
signature and audience and decrypts each message with the key pair the test made as the browser's; a
subscription it says is gone removed; email through the outbox and the real SMTP worker when no browser
takes it, with links that open the confirm page and record the dose; exactly once when attempts race and
when the worker sending it is killed mid-send."""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.notification.email import templates
from services.notification.push import devices, service
from services.notification.push.sender import WebPushSender
from services.workers.dose_reminders import service as scan_service
from shared import dose_reminders, push_keys, users
from shared.mongo import mongo
from shared.plans import doses
from shared.queue import enqueue
from shared.tasks import NOTIFICATION_QUEUES, SEND_DOSE_REMINDER
from tests.factories import plans
from tests.factories.accounts import person
from tests.factories.plans import clonazepam_tablets
from tests.support.push_service import PushService
from tests.support.runtimes import celery_for
from tests.support.servers import celery_worker, child_env, wait_for, wait_past

ZONE = "Europe/Berlin"
KILL_BROKER_DB = 27  # the killed-worker test's own broker: only the workers it starts read it
# What names a dose: the medication, or an amount in any unit.
DOSE_WORDS = re.compile(r"clonazepam|\d\s*mg\b|tablet|\bml\b", re.I)
# More than a mail app shows of a message in its list (about 100 to 140 characters, layout included).
PREVIEW_CHARS = 200


@pytest.fixture
def push_service(settings):
    running = PushService(push_keys.application_server_key(settings.vapid_private_key)).start()
    yield running
    running.stop()


@pytest.fixture
def client(ingestion_app):
    return ingestion_app.test_client()


def visible_text(page: str) -> str:
    """An HTML email's text as a mail app reads it for a preview: no head, no tags."""
    body = re.sub(r"<head>.*?</head>|<[^>]+>", " ", page, flags=re.S)
    return html.unescape(body)


def local_now():
    return datetime.now(ZoneInfo(ZONE))


def planned_person(
    client, *, reminders: bool = False, medication: dict | None = None
) -> tuple[dict, dict, str]:
    """(user, headers, dose time): 2 mg clonazepam (or `medication`) a day in two halves, the first six hours
    from now (so no scan finds it due), and reminders by email on or off."""
    user, headers = person(time_zone=ZONE)
    at = (local_now() + timedelta(hours=6)).strftime("%H:%M")
    other = (local_now() + timedelta(hours=12)).strftime("%H:%M")
    times = [{"time": at, "share": 0.5}, {"time": other, "share": 0.5}]
    start = (local_now().date() - timedelta(days=1)).isoformat()
    plan = plans.plan(medication or clonazepam_tablets(), start_day=start, dose_times=times)
    assert client.post("/v1/plan/versions", json=plan, headers=headers).status_code == 201
    if reminders:
        users.update(user["_id"], {"preferences": {"reminders": {"enabled": True}}})
    return user, headers, at


def subscribe(client, headers, push_service, name, status=201) -> None:
    answer = client.put("/v1/push/subscriptions", json=push_service.subscribe(name, status), headers=headers)
    assert answer.status_code == 201, answer.json


def due(user, at, settings) -> str:
    """The scan's part: the reminder's record, as when its time came."""
    now = datetime.now(UTC)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    rid = dose_reminders.create(user["_id"], local_now().date().isoformat(), at, now, now=now, lease=lease)
    assert rid
    return rid


def deliver(notification_celery, settings, rid, attempt="attempt-1"):
    return service.deliver(notification_celery, settings, WebPushSender(settings), rid, attempt)


def test_a_reminder_is_pushed_signed_and_encrypted_and_its_token_records_the_dose(
    client, settings, db, notification_celery, push_service
):
    user, headers, at = planned_person(client)
    subscribe(client, headers, push_service, "phone")
    rid = due(user, at, settings)
    assert deliver(notification_celery, settings, rid) == "push"
    assert push_service.refused == []
    (message,) = push_service.messages("phone")
    payload = message.payload
    day = local_now().date().isoformat()
    assert {k: v for k, v in payload.items() if k not in ("token", "doses")} == {
        "kind": "dose_reminder",
        "title": f"Your {at} reminder",
        "body": "From your plan. Tap to open, or answer here.",
        "day": day,
        "time": at,
        "url": "/app/",
    }
    # A locked screen shows the title and body: the details are there only for the app's worker.
    assert not DOSE_WORDS.search(payload["title"] + " " + payload["body"])
    (details,) = payload["doses"]
    assert {k: v for k, v in details.items() if k not in ("event_id", "token")} == {
        "medication": "clonazepam",
        "name": "clonazepam",
        "mg": 1.0,
        "amount": {"tablets": 2.0},
    }
    assert message.headers["urgency"] == "high" and int(message.headers["ttl"]) == devices.PUSH_TTL_S
    assert user["_id"] not in message.headers["topic"]
    record = db.dose_reminders.find_one({"_id": rid})
    assert (record["status"], record["outcome"], record["attempts"]) == ("sent", "push", 1)
    confirmed = client.post("/v1/doses/confirm", json={"token": payload["token"], "status": "taken"})
    assert confirmed.status_code == 201
    assert confirmed.json["event_id"] == payload["doses"][0]["event_id"]
    assert confirmed.json["time"] == at and confirmed.json["mg"] == 1.0


def test_a_subscription_its_push_service_says_is_gone_is_removed(
    client, settings, db, notification_celery, push_service
):
    user, headers, at = planned_person(client)
    subscribe(client, headers, push_service, "old-phone", status=410)
    subscribe(client, headers, push_service, "laptop")
    assert deliver(notification_celery, settings, due(user, at, settings)) == "push"
    assert [s["endpoint"].rsplit("/", 1)[1] for s in db.push_subscriptions.find()] == ["laptop"]
    assert len(push_service.messages("laptop")) == 1 and push_service.refused == []


@pytest.mark.usefixtures("notification_worker")
def test_without_a_working_subscription_it_comes_by_email_with_links_that_record_the_dose(
    client, db, notification_celery, push_service, mailbox
):
    settings = notification_celery.runtime.settings
    user, headers, at = planned_person(client, reminders=True)
    subscribe(client, headers, push_service, "gone", status=404)
    rid = due(user, at, settings)
    assert deliver(notification_celery, settings, rid) == "email"
    assert db.push_subscriptions.count_documents({}) == 0
    message = mailbox.wait_for_one_to(user["email"], timeout=20)
    assert message["Subject"] == "Your reminder"
    text = message.get_body(("plain",)).get_content()
    shown = visible_text(message.get_body(("html",)).get_content())
    # What a mail app previews (on a locked screen too) says the time, and no medication or amount.
    for part in (text, shown):
        opening = " ".join(part.split())[:PREVIEW_CHARS]
        assert f"Your {at} reminder" in opening and not DOSE_WORDS.search(opening), opening
        assert "In your plan: 1 mg clonazepam (2 tablets)." in " ".join(part.split())
    taken = re.search(r"(https?://\S+/doses/\S+\?status=taken)", text)[1]
    path = "/" + taken.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and db.events.count_documents({}) == 0  # opening records nothing
    assert "Taken" in html.unescape(page.get_data(as_text=True))
    pressed = client.post(path.split("?")[0], data={"status": "taken"})
    assert pressed.status_code == 201
    (event,) = db.events.find({"user_id": user["_id"]})
    assert (event["data"]["status"], event["data"]["amount_mg"]) == ("taken", 1.0)
    # A repeat of the same reminder (another attempt, a redelivered task) sends no second email.
    assert deliver(notification_celery, settings, rid, "attempt-2") is None


@pytest.mark.usefixtures("notification_worker")
def test_a_spanish_speakers_email_writes_the_dose_in_spanish(client, db, notification_celery, mailbox):
    """The amount as Spanish writes it (a decimal comma, "comprimidos"), as the push's worker does
    (services/web/public/reminder-text.js), and the drug by its Spanish name, not English words in a Spanish
    email."""
    settings = notification_celery.runtime.settings
    zopiclone = clonazepam_tablets(
        medication="zopiclone", tablet_strength_mg=3.75, start_mg=7.5, step_mg=1.875
    )
    user, headers, at = planned_person(client, reminders=True, medication=zopiclone)
    assert client.patch("/v1/me", json={"language": "es"}, headers=headers).status_code == 200
    assert deliver(notification_celery, settings, due(user, at, settings)) == "email"
    message = mailbox.wait_for_one_to(user["email"], timeout=20)
    for part in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()):
        assert "En tu plan: 3,75 mg de zopiclona (1 comprimido)." in " ".join(visible_text(part).split())
    half = {"form": "tablet", "tablet_strength_mg": 0.5}
    quarter = doses.Dose(local_now().date(), at, "clonazepam", Fraction(1, 4), None, half)
    links = {"taken_url": "https://x.test/t", "skipped_url": "https://x.test/s"}
    data = {"time": at, "doses": [service.email_dose(quarter) | links], "settings_url": "https://x.test/s"}
    spanish, english = (templates.render(service.TEMPLATE, data, language=lang).text for lang in ("es", "en"))
    assert "En tu plan: 0,25 mg de clonazepam (½ comprimido)." in spanish
    assert "In your plan: 0.25 mg clonazepam (½ tablet)." in english
    # One asked for by the version before (a deploy under way) still goes out, its dose as it was written.
    earlier = data | {"doses": [{"dose": "0.25 mg clonazepam (½ tablet)"} | links]}
    assert (
        "En tu plan: 0.25 mg clonazepam (½ tablet)."
        in templates.render(service.TEMPLATE, earlier, language="es").text
    )


def test_nobody_to_reach_gets_nothing(client, settings, db, notification_celery, push_service):
    user, _headers, at = planned_person(client)  # no browser, reminders by email off
    rid = due(user, at, settings)
    assert deliver(notification_celery, settings, rid) == "no_channel"
    assert db.dose_reminders.find_one({"_id": rid})["status"] == "skipped"
    assert db.email_outbox.count_documents({}) == 0


def test_attempts_at_once_send_it_once(client, settings, db, notification_celery, push_service):
    user, headers, at = planned_person(client)
    subscribe(client, headers, push_service, "phone")
    rid = due(user, at, settings)
    barrier, outcomes = threading.Barrier(4), []

    def attempt(i):
        barrier.wait()
        try:
            outcomes.append(deliver(notification_celery, settings, rid, f"attempt-{i}"))
        except service.Busy:
            outcomes.append("busy")  # the task comes back when the winner's lease ends

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["busy", "busy", "busy", "push"]
    assert len(push_service.posts) == 1
    assert deliver(notification_celery, settings, rid, "attempt-late") is None  # finished: nothing more


@pytest.fixture
def own_broker(settings, redis_server):
    """Settings with a broker only this test's workers read, and a short lease."""
    yield dataclasses.replace(settings, broker_url=redis_server.url(KILL_BROKER_DB), outbox_lease_seconds=3)
    mongo.configure(settings)


def test_a_worker_killed_mid_send_is_taken_over_once_its_lease_ends(
    client, own_broker, db, push_service, tmp_path
):
    own = own_broker
    producer = celery_for("test-producer", own)
    user, headers, at = planned_person(client)
    subscribe(client, headers, push_service, "phone")
    env = child_env(own.as_env())
    started = []

    def start_worker():
        worker = celery_worker(
            "services.notification.worker", NOTIFICATION_QUEUES, env, tmp_path / f"w{len(started)}.log"
        )
        started.append(worker.start())
        return worker

    try:
        first = start_worker()
        push_service.hold()  # the push service takes the message and waits before answering
        rid = due(user, at, own)
        enqueue(producer, SEND_DOSE_REMINDER, reminder_id=rid)
        assert push_service.held.wait(60), first.output()[-2000:]
        first.kill()  # SIGKILL mid-send: no answer read, the record not finished
        push_service.release()
        held = db.dose_reminders.find_one({"_id": rid})
        assert (held["status"], held["attempts"], held["pushed"]) == ("sending", 1, [])

        start_worker()
        # While the dead worker's lease runs, the scan leaves it; the first scan after it sends it again.
        assert scan_service.scan(producer, own).get("re-sent", 0) == 0
        wait_past(held["sweep_after"], "the dead worker's lease to end")
        assert scan_service.scan(producer, own)["re-sent"] == 1
        wait_for(lambda: db.dose_reminders.find_one({"_id": rid})["status"] == "sent", 30, "the takeover")
        done = db.dose_reminders.find_one({"_id": rid})
        assert (done["outcome"], done["attempts"]) == ("push", 2)
        # Two sends reached the push service; its Topic keeps one message for the browser.
        assert len(push_service.posts) == 2 and len(push_service.messages("phone")) == 1
        assert push_service.refused == []
        # A redelivered task, or a later scan, finds it sent.
        assert deliver(producer, own, rid, "redelivered") is None
        assert scan_service.scan(producer, own).get("re-sent", 0) == 0
    finally:
        for worker in started:
            worker.kill() if worker.alive else None


def test_a_failed_push_logs_its_status_and_nothing_about_the_person(
    client, db, notification_celery, push_service, caplog
):
    settings = notification_celery.runtime.settings
    user, headers, at = planned_person(client)
    subscribe(client, headers, push_service, "flaky", status=500)
    with caplog.at_level(logging.DEBUG, logger="services"):
        assert deliver(notification_celery, settings, due(user, at, settings)) == "no_channel"
    assert db.push_subscriptions.count_documents({}) == 1  # a 500 is not "gone": it stays
    # Our own loggers (pymongo's command log stays at INFO in every process, see docs/privacy.md).
    lines = [json.dumps(r.__dict__, default=str) for r in caplog.records if r.name.startswith("services.")]
    assert any('"status": 500' in line for line in lines)
    for secret in (
        user["_id"],
        user["email"],
        push_service.url,
        "flaky",
        "clonazepam",
        settings.vapid_private_key,
    ):
        assert not any(secret in line for line in lines), secret
