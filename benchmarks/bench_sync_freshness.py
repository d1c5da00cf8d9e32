"""Offline sync freshness: PEOPLE phones at once, each syncing EVENTS offline events over DAYS days.

On real processes (Redis, FerretDB, the ingestion API under gunicorn, two summaries workers as deployed):
PEOPLE new people, each with a phone that was offline for DAYS days, post their EVENTS events (oldest first)
as BATCHES batch requests one after another, all phones at once. Every day of a sync has exactly one
check-in, so a person's summary is fresh when GET /v1/summaries for those days counts all DAYS check-ins:
the recompute behind it read the events after the last batch was stored. Every POLL_MS the bench asks the
database whether the person still has a recompute request pending (one small count) and, once not, GETs
the whole range; freshness is from the last batch's 202 to the GET that showed it (its latency included).
Polling by GET instead would itself load the server: each answer reads the person's events for its
`first_day`, which FerretDB decodes one by one (docs/benchmarks.md). A summary not fresh within
FRESH_TIMEOUT_S counts as never (infinite). Goal: p95 <= 5 s.
"""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import requests

from benchmarks.bench_summaries import (
    SYMPTOMS,
    TIME_ZONE,
    authorized,
    log_mark,
    make_people,
    task_runs,
    wait_drained,
)
from benchmarks.harness import CpuMeter, Report, Stack, bench_settings, env_for
from services.workers.summaries import service
from shared import recompute
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.tasks import WORKER_QUEUES
from tests.support.servers import wait_for

PEOPLE, EVENTS, DAYS, BATCHES = 12, 320, 180, 4
WORKERS = 2  # as deploy/Procfile (--concurrency 2)
POLL_MS = 250
FRESH_TIMEOUT_S = 60
GOAL_S = 5.0
INF = float("inf")


def offline_events(seed: int, today: date) -> list[dict]:
    """EVENTS events over the DAYS days before `today`, oldest first: each day's first is its check-in."""
    events = []
    for n in range(EVENTS):
        day = today - timedelta(days=DAYS - n * DAYS // EVENTS)
        first = n == 0 or (n - 1) * DAYS // EVENTS != n * DAYS // EVENTS
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8, minutes=n % 60)
        if first:
            event = {"type": "check_in", "overall": (seed + n) % 8 + 1}
        elif n % 3 == 0:
            event = {"type": "dose", "medication": "diazepam", "amount_mg": 5}
        else:
            event = {"type": "symptom", "code": SYMPTOMS[n % len(SYMPTOMS)], "severity": (seed + n) % 5}
        events.append({"event_id": uuid.uuid4().hex, "occurred_at": at.isoformat()} | event)
    return events


def check_ins(url: str, session: requests.Session, start: str, end: str) -> int:
    answer = session.get(f"{url}/v1/summaries", params={"from": start, "to": end}, timeout=30)
    answer.raise_for_status()
    return sum((day.get("check_in") or {}).get("count", 0) for day in answer.json()["days"])


def sync(url: str, user_id: str, token: str, seed: int, today: date) -> dict:
    """One phone: its batches, then polls until its summary counts every check-in (bounded)."""
    session = authorized(token)
    events = offline_events(seed, today)
    size = -(-len(events) // BATCHES)
    started = time.monotonic()
    for i in range(0, len(events), size):
        body = {"sent_at": datetime.now(UTC).isoformat(), "events": events[i : i + size]}
        session.post(f"{url}/v1/events/batch", json=body, timeout=60).raise_for_status()
    last_batch = time.monotonic()
    first, last = (today - timedelta(days=DAYS)).isoformat(), (today - timedelta(days=1)).isoformat()
    polls = 0
    while time.monotonic() - last_batch < FRESH_TIMEOUT_S:
        polls += 1
        if not recompute.is_pending(user_id) and check_ins(url, session, first, last) == DAYS:
            fresh = time.monotonic() - last_batch
            break
        time.sleep(POLL_MS / 1000)
    else:
        fresh = INF
    return {"sync_s": last_batch - started, "fresh_s": fresh, "polls": polls}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(p / 100 * len(ordered)) - 1)] if len(ordered) > 1 else ordered[0]


def main() -> None:
    report = Report("sync_freshness")
    with Stack("sync_freshness") as stack:
        redis_server, database = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis_server, database)
        env = env_for(settings)
        web = stack.gunicorn("ingestion", "services.ingestion.wsgi:app", env)
        mongo.configure(settings)
        redis_client.configure(settings)
        workers = [
            stack.celery_worker(f"workers-{i}", "services.workers.worker", WORKER_QUEUES, env)
            for i in range(WORKERS)
        ]
        people = make_people("sync", PEOPLE)
        # Measured from a worker that is up: a sync must not wait for the workers to start.
        wait_for(lambda: all(" ready." in w.output() for w in workers), 60, "summaries workers")
        today = date.fromisoformat(service.local_today(TIME_ZONE))
        pids = {"gunicorn": web.process.proc.pid, "ferretdb": database.process.proc.pid}
        pids |= {f"worker_{i}": w.proc.pid for i, w in enumerate(workers)}
        marks = [log_mark(w) for w in workers]
        cpu = CpuMeter(**pids).start()
        with ThreadPoolExecutor(PEOPLE) as pool:
            phones = list(pool.map(lambda p: sync(web.url, p[1][0], p[1][1], p[0], today), enumerate(people)))
        cpu_share = cpu.stop()
        drained = wait_drained(settings.broker_url, 30)
        runs = task_runs(workers, marks)
        mongo.close()
    fresh = [p["fresh_s"] for p in phones]
    detail = {
        "people": PEOPLE,
        "events_each": EVENTS,
        "days": DAYS,
        "batches": BATCHES,
        "fresh_s": sorted(round(f, 2) for f in fresh),
        "sync_s_median": round(statistics.median(p["sync_s"] for p in phones), 2),
        "recompute_runs": runs,
        "cpu_cores": cpu_share,
        "drained": drained,
    }
    report.measure("sync_fresh_p50", "fresh after the last batch (p50)", statistics.median(fresh), "s")
    report.measure("sync_fresh_max", "fresh after the last batch (slowest)", max(fresh), "s")
    p95 = percentile(fresh, 95)
    report.measure("sync_fresh_p95", "fresh after the last batch (p95)", p95, "s", **detail)
    report.goal(
        "sync_goal",
        f"{PEOPLE} phones x ~{EVENTS} events over {DAYS} days in {BATCHES} batches, p95",
        p95,
        "s",
        GOAL_S,
    )
    report.print()
    report.write(**detail)


if __name__ == "__main__":
    main()
