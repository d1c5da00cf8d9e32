"""Secrets and personal data never reach a log line: the sign-in, invitation, waitlist, share and unsubscribe
flows run through real, separate processes (both services under gunicorn, both Celery workers) logging at
DEBUG, and no code, token, link, address, name or note text appears in anything they wrote."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import pytest
import requests

from services.notification.admin import accounts as admin_accounts
from services.workers.reports import delivery
from shared.email import request_email
from shared.tasks import NOTIFICATION_QUEUES, WORKER_QUEUES
from tests.support.report_patients import store_ready_report
from tests.support.runtimes import celery_for
from tests.support.servers import celery_worker, child_env, free_port, gunicorn, http_ready, wait_for

BROKER_DB = 14  # the children's own broker: the in-process test worker must not take their tasks
LINK = re.compile(r"https?://[^\s\"'<>]+")
VISITOR, LEAVER, CLINICIAN = "Vera.Visitor@Example.org", "Lou.Leaver@Example.org", "Dr.Clin@Example.org"
NOTE = "my secret note about the bad night"


@pytest.fixture
def stack(settings, redis_server, db, mailbox, tmp_path):
    ingestion_port, notification_port = free_port(), free_port()
    own = dataclasses.replace(
        settings,
        environment="development",  # JSON lines, as in production
        log_level="DEBUG",
        broker_url=redis_server.url(BROKER_DB),
        public_base_url=f"http://127.0.0.1:{notification_port}",
        app_base_url=f"http://127.0.0.1:{ingestion_port}",
    )
    env = child_env(own.as_env())
    processes = [
        gunicorn("services.ingestion.wsgi:app", ingestion_port, env, tmp_path / "ingestion.log"),
        gunicorn("services.notification.wsgi:app", notification_port, env, tmp_path / "notification.log"),
        celery_worker("services.notification.worker", NOTIFICATION_QUEUES, env, tmp_path / "notifier.log"),
        celery_worker("services.workers.worker", WORKER_QUEUES, env, tmp_path / "workers.log"),
    ]
    for process in processes:
        process.start()
    try:
        for base in (own.app_base_url, own.public_base_url):
            wait_for(lambda b=base: http_ready(f"{b}/readyz"), 30, f"{base} under gunicorn")
        yield own, processes
    finally:
        for process in processes:
            process.stop()


def links(message) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return LINK.findall(text)


def token_of(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[1])


def one_to(mailbox, address: str, subject: str):
    def found():
        return [m for m in mailbox.messages if m["To"] == address and m["Subject"] == subject]

    wait_for(found, 20, f"{subject!r} to {address}")
    return found()[0]


def waitlist_flows(http, notification: str, mailbox) -> set[str]:
    """Join, confirm and see the place in line; another visitor joins and leaves."""
    seen = set()
    for email, name in ((VISITOR, "Vera Visitor"), (LEAVER, "Lou Leaver")):
        r = http.post(f"{notification}/waitlist", data={"email": email, "name": name, "consent": "yes"})
        assert r.status_code == 200, r.text
    for email in (VISITOR, LEAVER):
        message = one_to(mailbox, email, "Please confirm your place on the waitlist")
        confirm, leave = (
            next(u for u in links(message) if f"/waitlist/{kind}/" in u) for kind in ("confirm", "leave")
        )
        seen |= {confirm, leave, token_of(confirm), token_of(leave)}
        if email == VISITOR:
            assert http.get(confirm).status_code == 200
            position = http.post(confirm, allow_redirects=False).headers["Location"]
            seen.add(token_of(position))
            assert http.get(position if position.startswith("http") else notification + position).ok
        else:
            assert http.get(leave).status_code == 200
            assert http.post(leave).status_code == 200
    return seen


def invitation_flow(http, app: str, notification: str, mailbox) -> set[str]:
    """An admin invites the confirmed visitor; the emailed link makes the account."""
    admin = admin_accounts.create_account("admin@example.org", "correct horse battery staple")
    api_token, _ = admin_accounts.create_token(admin["_id"], "logs test")
    admin_api = {"Authorization": f"Bearer {api_token}"}
    assert http.post(f"{notification}/admin/api/invitations", json={"next": 1}, headers=admin_api).ok
    url = next(iter(links(one_to(mailbox, VISITOR, "Your invitation to Track Your Healing"))))
    token = token_of(url)
    assert http.get(f"{app}/v1/invitations/{token}").status_code == 200
    body = {
        "display_name": "Vera Visitor",
        "time_zone": "Europe/London",
        "health_data_consent": True,
        "consent_version": "health-data-2026-11",
        "device_name": "Vera's phone",
        "platform": "ios",
    }
    accepted = http.post(f"{app}/v1/invitations/{token}/accept", json=body)
    assert accepted.status_code == 201, accepted.text
    return {api_token, url, token, accepted.json()["token"]}


def sign_in_flow(http, app: str, mailbox) -> tuple[set[str], dict]:
    """A code by email, exchanged for a device token; (secrets, auth headers)."""
    assert http.post(f"{app}/v1/auth/code", json={"email": VISITOR}).status_code == 202
    text = one_to(mailbox, VISITOR, "Your sign-in code").get_body(preferencelist=("plain",)).get_content()
    code = re.search(r"\b(\d{6})\b", text).group(1)
    body = {"email": VISITOR, "code": code, "device_name": "Laptop", "platform": "web"}
    signed_in = http.post(f"{app}/v1/auth/token", json=body)
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()["token"]
    return {code, token}, {"Authorization": f"Bearer {token}"}


def share_flows(http, app: str, producer, db, mailbox, *, me: dict) -> set[str]:
    """A note; a report shared by link and opened; the report emailed to a clinician as a link."""
    note = {"event_id": "n1", "type": "note", "text": NOTE, "occurred_at": datetime.now(UTC).isoformat()}
    assert http.post(f"{app}/v1/events", json=note, headers=me).ok
    report = ready_report(db, db.users.find_one({"email_key": VISITOR.lower()}), producer.runtime.settings)
    shared = http.post(f"{app}/v1/reports/{report['_id']}/shares", json={"recipient": "Dr Clin"}, headers=me)
    assert shared.ok, shared.text
    url = shared.json()["url"]
    assert http.get(url).status_code == 200
    assert delivery.deliver(producer, report) >= 1
    emailed = next(iter(links(one_to(mailbox, CLINICIAN, "A report has been shared with you"))))
    return {url, token_of(url), emailed, token_of(emailed)}


def unsubscribe_flow(http, app: str, producer, db, mailbox, *, me: dict) -> set[str]:
    """Reminders turned on in settings, a reminder's one-click unsubscribe link, then resubscribe."""
    on = {"preferences": {"reminders": {"enabled": True, "local_time": "20:30"}}}
    assert http.patch(f"{app}/v1/me", json=on, headers=me).status_code == 200
    user = db.users.find_one({"email_key": VISITOR.lower()})
    request_email(
        producer,
        template="checkin_reminder",
        to=VISITOR,
        idempotency_key="logs-test-reminder",
        data={"app_url": app},
        user_id=user["_id"],
    )
    reminder = one_to(mailbox, VISITOR, "A gentle check-in reminder")
    url = re.search(r"<(http[^>]+)>", str(reminder["List-Unsubscribe"])).group(1)
    assert http.get(url).status_code == 200
    assert http.post(url).status_code == 200
    assert http.post(url + "/resubscribe").status_code == 200
    return {url, token_of(url)}


def test_no_flow_leaves_a_secret_in_any_log_line(stack, mailbox, db, redis):
    # `redis`: rate limits start afresh, whichever test signed the same people up before.
    own, processes = stack
    app, notification = own.app_base_url, own.public_base_url
    producer = celery_for("logs-test-producer", dataclasses.replace(own, environment="test"))
    http = requests.Session()
    secrets = {VISITOR, LEAVER, CLINICIAN, "Vera Visitor", "Lou Leaver", "Dr Clin", NOTE}
    secrets |= waitlist_flows(http, notification, mailbox)
    secrets |= invitation_flow(http, app, notification, mailbox)
    signed_in, me = sign_in_flow(http, app, mailbox)
    secrets |= signed_in
    secrets |= share_flows(http, app, producer, db, mailbox, me=me)
    secrets |= unsubscribe_flow(http, app, producer, db, mailbox, me=me)

    # Let the workers finish whatever the flows started, then read every line they all wrote.
    pending = {"status": {"$in": ["queued", "sending"]}}
    wait_for(lambda: db.email_outbox.count_documents(pending) == 0, 20, "outbox")
    for process in processes:
        process.stop()
    written = "\n".join(process.output() for process in processes)
    lines = written.splitlines()
    assert any('"route": "/waitlist/confirm/<token>"' in line for line in lines)  # the lines are there
    assert any("notification.send_email" in line and "received" in line for line in lines)
    assert any("accounts.send_sign_in_code" in line for line in lines)
    lowered = written.lower()
    leaked = sorted(s for s in secrets if s.lower() in lowered)
    assert leaked == [], [line for line in lines if any(s.lower() in line.lower() for s in leaked)][:5]
    # No address of any kind, whoever it belongs to.
    assert not re.search(r"[\w.+-]+@example\.org", written, re.IGNORECASE)


def ready_report(db, user: dict, settings) -> dict:
    """A built weekly report with its PDF and page, to be shared and emailed to a clinician."""
    return store_ready_report(
        db,
        user,
        keys=settings.encryption_keys,
        deliver={"to_self": False, "clinician_email": CLINICIAN, "attach_pdf": False},
        include_notes=True,
        html=b"<!doctype html><title>Taper report</title>",
    )
