"""Waitlist sign-ups: accepted/s over HTTP vs a bare Flask endpoint, and stored/s by one worker on an empty
list and with 100,000 entries vs raw insert_one; emails/s of one worker vs raw smtplib.

Both HTTP sides run under deploy/gunicorn.conf.py with the same workers and threads, loaded by wrk with
benchmarks/lua/waitlist.lua (a new example.org address and a random X-Forwarded-For per request; the
notification service trusts one proxy hop, so each request has its own rate-limit subject). Only 2xx count.
The request only appends the sign-up to the waitlist's inbox; one notification worker (solo pool, as deployed
per process) stores the waiting sign-ups in batches and requests their confirmation emails, which is the
part that meets the list.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import smtplib
import time
import uuid
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from benchmarks.harness import (
    CpuMeter,
    Report,
    Stack,
    bench_settings,
    child_env,
    env_for,
    free_port,
    python_module,
    run_json,
    wait_for,
    wrk,
)
from services.notification.email import repository as email_repository
from services.notification.email.message import build, to_bytes
from services.notification.email.templates import render
from services.notification.waitlist import counts as waitlist_counts
from services.notification.waitlist import repository as waitlist_repository
from shared import outbox, waitlist_inbox
from shared.email import data_of, request_email, template_of
from shared.mongo import mongo
from shared.outbox import OUTBOX, SENT
from shared.settings import Settings
from shared.tasks import NOTIFICATION_QUEUES
from tests.support.runtimes import celery_for

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_S = 3
CONNECTIONS = 16
EMAILS = int(os.environ.get("BENCH_EMAILS", "300"))
PREFILLED = int(os.environ.get("BENCH_WAITLIST_ENTRIES", "100000"))  # the list's size for the second run
STORED = int(os.environ.get("BENCH_SIGNUPS", "500"))  # sign-ups stored by the worker per measurement
EMAIL_TIMEOUT_S = 150
STORED_GOAL_PCT = 50  # with PREFILLED entries, of the empty list's rate
EMAIL_GOAL_PCT = 25  # one worker's emails/s, of raw smtplib with a connection per message
RAW_GOAL_PCT = 25  # with PREFILLED entries, of raw insert_one from one thread (the worker is one process)


def main() -> None:
    report = Report("waitlist")
    with Stack("waitlist") as stack:
        redis, ferretdb = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis, ferretdb, trusted_proxy_count=1)
        pids = {"ferretdb": ferretdb.process.proc.pid, "redis": redis.process.proc.pid}
        context = {"signups": signups(stack, settings, report, pids)}
        context["stored"] = stored(stack, settings, report)
        context["emails"] = emails(stack, settings, report)
        mongo.close()
    report.print()
    report.write(**context)


def signups(stack: Stack, settings: Settings, report: Report, pids: dict[str, int]) -> dict:
    env = env_for(settings)
    bare = stack.gunicorn("bare", "benchmarks.bare_app:app", env)
    web = stack.gunicorn("notification", "services.notification.wsgi:app", env)
    runs = {}
    for key, side, label in (
        ("bare", bare, "bare Flask: POST, parse JSON, 202"),
        ("waitlist", web, "POST /v1/waitlist (rate limiter on)"),
    ):
        wrk(f"{side.url}/v1/waitlist", "waitlist.lua", seconds=WARMUP_S, connections=CONNECTIONS)
        cpu = CpuMeter(gunicorn=side.process.proc.pid, **pids).start()
        run = wrk(f"{side.url}/v1/waitlist", "waitlist.lua", seconds=SECONDS, connections=CONNECTIONS)
        run["cpu_cores"] = cpu.stop()
        runs[key] = run
        report.measure(key, label, run["ok_per_s"], "2xx/s", **_http_detail(run))

    report.ratio("signups_vs_bare", "waitlist sign-ups accepted / bare Flask", "waitlist", "bare")
    runs["worker_rss_mb"] = web.worker_rss_mb()
    bare.process.stop()
    web.process.stop()
    return runs


def _http_detail(run: dict) -> dict:
    keys = ("requests", "ok", "seconds", "statuses", "errors", "latency_us", "cpu_cores")
    return {k: run[k] for k in keys if k in run}


def stored(stack: Stack, settings: Settings, report: Report) -> dict:
    """Sign-ups stored/s by one worker on an empty list, then with PREFILLED entries; raw insert_one too."""
    port, received = free_port(), stack.dir / "smtp-signups.log"
    stack.process(
        "smtp-signups", python_module("benchmarks.smtp_sink", str(port), str(received)), child_env({})
    )
    wait_for(lambda: smtplib.SMTP("127.0.0.1", port, timeout=1).quit(), 20, "SMTP sink")
    # Its own broker and application Redis databases: the HTTP run's sign-ups wait in the other inbox.
    settings = dataclasses.replace(
        settings,
        smtp_port=port,
        mongo_db="tyh_bench_stored",
        broker_url=settings.redis_url[:-1] + "3",
        redis_url=settings.redis_url[:-1] + "4",
    )
    mongo.configure(settings)
    waitlist_repository.ensure_indexes()
    runs = {"empty": _stored_run(stack, settings)}
    report.measure("stored_empty", "sign-ups stored/s by 1 worker, empty list", runs["empty"], "signups/s")
    started = time.monotonic()
    prefill(PREFILLED)
    runs["prefill_s"] = round(time.monotonic() - started, 1)
    runs["prefilled"] = _stored_run(stack, settings)
    report.measure(
        "stored_prefilled",
        f"sign-ups stored/s by 1 worker, {PREFILLED:,} entries",
        runs["prefilled"],
        "signups/s",
    )
    # The ceiling: one thread inserting sign-up-sized documents (the solo worker stores one at a time).
    env = child_env({"WEB_CONCURRENCY": "1", "WEB_THREADS": "1"})
    args = python_module("benchmarks.raw_mongo", settings.mongo_uri, settings.mongo_db, "raw_insert_one")
    raw = run_json([*args, "insert_one", str(SECONDS)], timeout=SECONDS + 90, env=env)
    runs["raw"] = raw
    report.measure(
        "raw_insert_one", "raw pymongo insert_one (1 thread)", raw["docs_per_s"], "inserts/s", **raw
    )
    report.ratio(
        "stored_prefilled_vs_empty",
        f"stored/s with {PREFILLED:,} entries / empty list",
        "stored_prefilled",
        "stored_empty",
        STORED_GOAL_PCT,
    )
    report.ratio(
        "stored_prefilled_vs_raw",
        f"stored/s with {PREFILLED:,} entries / raw insert_one",
        "stored_prefilled",
        "raw_insert_one",
        RAW_GOAL_PCT,
    )
    return runs


def _stored_run(stack: Stack, settings: Settings) -> float:
    """Put STORED sign-ups in the inbox as requests do, then time one worker storing them (each also requests
    its confirmation email, queued behind the storing task, so the worker stores them all first)."""
    producer = celery_for("bench-producer", settings)
    before = _pending()
    run = uuid.uuid4().hex[:8]
    for i in range(STORED):
        signup = {
            "email": f"stored-{run}-{i}@example.org",
            "name": "Bench",
            "consent": True,
            "source": "bench",
        }
        waitlist_inbox.put(producer, {"signup": signup, "ip": "10.0.0.1", "user_agent": "bench"})
    worker = stack.celery_worker(
        "signup-worker", "services.notification.worker", NOTIFICATION_QUEUES, env_for(settings)
    )
    first = _pending()
    wait_for(lambda: _pending() > first, 60, "a first sign-up", 0.01)
    started, at_start = time.monotonic(), _pending()
    wait_for(lambda: _pending() >= before + STORED, 300, "sign-ups", 0.05)
    elapsed = time.monotonic() - started
    worker.stop()
    producer.control.purge()  # the confirmation emails: not measured here
    producer.close()
    return round((before + STORED - at_start) / elapsed, 1)


def _pending() -> int:
    return waitlist_counts.totals()["statuses"]["pending"]


def prefill(count: int) -> None:
    """Pending entries shaped like services/notification/waitlist/service.py's, stored (and counted) by the
    waitlist's store in batches."""
    now = datetime.now(UTC)
    for start in range(0, count, 5000):
        waitlist_repository.insert_entries([_prefilled(now) for _ in range(min(5000, count - start))])


def _prefilled(now: datetime) -> dict:
    key = f"prefill-{uuid.uuid4().hex}@example.org"
    consent = {"text_version": "2025-01", "given_at": now, "ip": "10.0.0.1", "user_agent": "wrk"}
    return {
        "_id": uuid.uuid4().hex, "email": key, "email_key": key, "name": "Prefilled", "status": "pending",
        "source": "bench", "utm": {}, "referred_by": None, "referral_credited": False, "referral_credits": 0,
        "referral_code": secrets.token_hex(8), "consent": consent, "created_at": now, "confirmed_at": None,
        "line_at": None, "invited_at": None, "invitation_id": None, "confirmation_sends": 1,
        "last_confirmation_sent_at": now,
    }  # fmt: skip


def emails(stack: Stack, settings: Settings, report: Report) -> dict:
    """N confirmation emails requested with shared.email.request_email, delivered by one worker process
    (solo pool: one at a time); then the same rendered messages sent by a raw smtplib loop."""
    port, received = free_port(), stack.dir / "smtp-received.log"
    stack.process("smtp-sink", python_module("benchmarks.smtp_sink", str(port), str(received)), child_env({}))
    wait_for(lambda: smtplib.SMTP("127.0.0.1", port, timeout=1).quit(), 20, "SMTP sink")
    settings = dataclasses.replace(
        settings, smtp_port=port, mongo_db="tyh_bench_email", broker_url=settings.redis_url[:-1] + "2"
    )
    mongo.configure(settings)
    outbox.ensure_indexes()
    email_repository.ensure_indexes()
    producer = celery_for("bench-producer", settings)
    run = uuid.uuid4().hex[:8]
    for i in range(EMAILS):
        entry = uuid.uuid4().hex
        request_email(
            producer,
            template="waitlist_confirm",
            to=f"reader-{run}-{i}@example.org",
            idempotency_key=f"bench:{run}:{i}",
            data={
                "name": "Sam",
                "confirm_url": f"{settings.public_base_url}/waitlist/confirm/{secrets.token_urlsafe(60)}",
                "leave_url": f"{settings.public_base_url}/waitlist/leave/{entry}.{secrets.token_urlsafe(30)}",
                "expires_hours": 72,
            },
        )
    producer.close()
    # What the worker will send, rendered now: a sent record no longer holds its data.
    messages = [_rendered(record, settings) for record in mongo.db[OUTBOX].find().sort("_id")]

    worker = stack.celery_worker(
        "notification-worker", "services.notification.worker", NOTIFICATION_QUEUES, env_for(settings)
    )
    cpu = CpuMeter(worker=worker.proc.pid).start()
    wait_for(lambda: len(_arrivals(received)) >= EMAILS, EMAIL_TIMEOUT_S, f"{EMAILS} emails", 0.2)
    worker_cpu = cpu.stop()
    worker.stop()
    by_worker = _arrivals(received)
    sent = mongo.db[OUTBOX].count_documents({"status": SENT})
    distinct = len({line[2] for line in by_worker})
    worker_rate = report.measure(
        "worker",
        "emails/s: 1 notification worker (request_email)",
        _rate(by_worker),
        "emails/s",
        emails=len(by_worker),
        distinct_message_ids=distinct,
        outbox_sent=sent,
        worker_cpu_cores=worker_cpu["worker"],
    )

    sender = parseaddr(settings.mail_from)[1]
    for to, data in messages:  # the baseline: a connection per message
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail(sender, [to], data)
    wait_for(lambda: len(_arrivals(received)) >= 2 * EMAILS, 30, "raw emails", 0.1)
    raw_rate = report.measure(
        "raw",
        "emails/s: raw smtplib, connection per message",
        _rate(_arrivals(received)[EMAILS:]),
        "emails/s",
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for to, data in messages:
            client.sendmail(sender, [to], data)
    wait_for(lambda: len(_arrivals(received)) >= 3 * EMAILS, 30, "raw emails", 0.1)
    report.measure(
        "raw_reused",
        "emails/s: raw smtplib, one connection",
        _rate(_arrivals(received)[2 * EMAILS :]),
        "emails/s",
    )
    report.ratio(
        "worker_vs_raw", "worker emails/s / raw smtplib (conn per msg)", "worker", "raw", EMAIL_GOAL_PCT
    )
    report.ratio("worker_vs_raw_reused", "worker emails/s / raw smtplib (one conn)", "worker", "raw_reused")
    return {
        "emails": EMAILS,
        "worker_per_s": worker_rate,
        "raw_per_s": raw_rate,
        "duplicates": EMAILS - distinct,
    }


def _rendered(record: dict, settings: Settings) -> tuple[str, bytes]:
    """The bytes the worker sent for this outbox record (services/notification/email/service.py)."""
    keys = settings.encryption_keys
    rendered = render(template_of(keys, record), data_of(keys, record))
    message = build(record["_id"], record["to"], rendered, settings)
    return record["to"], to_bytes(message, settings)


def _arrivals(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [line.split(" ", 2) for line in log.read_text().splitlines() if line.count(" ") >= 2]


def _rate(arrivals: list[list[str]]) -> float:
    """Steady-state rate from the sink's arrival times: (n - 1) intervals between first and last."""
    times = [float(a[0]) for a in arrivals]
    span = max(times) - min(times)
    return round((len(times) - 1) / span, 1) if span > 0 else 0.0


if __name__ == "__main__":
    main()
