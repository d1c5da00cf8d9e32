"""Summaries: recompute per person-day and per 365-day rebuild, freshness under load, tasks per synced event.

Side by side in one run, on real processes (Redis, FerretDB, the ingestion API under gunicorn, Celery worker
processes of services.workers.worker):
1. service.recompute timed in this process (no worker running) for one person with 365 days of history:
   one new event today (from_day=today), and full rebuilds (from_day=None) both after a parameter change
   (every day rewritten) and with nothing changed; every repository call is timed so database time shows,
   and the pure computation (compute.day_summaries + person_summary) is timed alone on the same events.
2. Freshness, 2 workers running: benchmarks/freshness.py posts single events from 50 people (no earlier
   history) at the goal's 200/s (BENCH_FRESHNESS_RATES=10,200 adds a light run first, with 50 other
   people) and polls GET /v1/summaries for a sample until each shows; recomputes still waiting after a
   run are discarded.
3. An offline sync of 10,000 events (batches of 500 from 5 phones at once) with the workers running: every
   task message sent to Redis is counted (kombu sends each with one LPUSH), and the recompute runs the
   workers log; then the time until the summaries caught up.
Then 1. again, to show how recompute time grows with what the database holds.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import redis
import requests

from benchmarks.harness import CpuMeter, Report, Stack, bench_settings, env_for, python_module, run_json
from services.ingestion.accounts import service as accounts
from services.workers.summaries import compute, params, repository, service
from shared import recompute, summaries
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.tasks import QUEUE_SUMMARIES, RECOMPUTE_PERSON, WORKER_QUEUES
from tests.support.runtimes import workers_app
from tests.support.synthetic import generate

TIME_ZONE = "Europe/London"
HISTORY_DAYS = 365
DAY_RUNS, REBUILD_RUNS, REWRITE_RUNS, PURE_RUNS, LATE_RUNS = 20, 10, 4, 20, 3  # rewrites: an even count
REBUILD_GOAL_MS = 1000

FRESH_PEOPLE = 50
FRESH_SECONDS = int(os.environ.get("BENCH_FRESHNESS_SECONDS", "20"))
# Paced rates, each with 50 new people; "10,200" adds a light load first (about a minute more).
FRESH_RATES = [int(r) for r in os.environ.get("BENCH_FRESHNESS_RATES", "200").split(",")]
POLL_MS = 250
FRESH_GOAL_MS = 1000  # issue 14 (it was 2 s)
WORKERS = 2  # as deploy/Procfile (--concurrency 2): two single-process workers
DRAIN_AFTER_FRESH_S = 30

SYNC_PEOPLE, SYNC_EVENTS, SYNC_BATCH, SYNC_DAYS = 5, 10_000, 500, 40
TASKS_PER_EVENT_GOAL = 0.05
DRAIN_AFTER_SYNC_S = 60
INF = float("inf")
SYMPTOMS = (
    "insomnia",
    "anxiety",
    "tremor",
    "pain_stiffness",
    "tinnitus",
    "poor_memory_concentration",
    "fatigue",
    "nausea_vomiting",
)


def main() -> None:
    report = Report("summaries")
    context: dict[str, Any] = {}
    with Stack("summaries") as stack:
        redis_server = stack.redis()
        # BENCH_MONGO_URI: a MongoDB to compare with (a database of its own, dropped at the end).
        mongo_uri = os.environ.get("BENCH_MONGO_URI")
        database = SimpleNamespace(uri=mongo_uri) if mongo_uri else stack.ferretdb()
        db_name = f"tyh_bench_summaries_{uuid.uuid4().hex[:8]}" if mongo_uri else "tyh_bench"
        settings = bench_settings(redis_server, database, mongo_db=db_name)
        context["database"] = "MongoDB (BENCH_MONGO_URI)" if mongo_uri else "FerretDB 1.24 (SQLite)"
        env = env_for(settings)
        web = stack.gunicorn("ingestion", "services.ingestion.wsgi:app", env)
        mongo.configure(settings)
        redis_client.configure(settings)
        # The worker's own app: safety emails a recompute may queue go where the task would send them.
        app = workers_app(settings)
        summary_params = params.current(settings.summary_parameters_file)
        bench = Bench(
            report=report,
            context=context,
            url=web.url,
            app=app,
            settings=settings,
            summary_params=summary_params,
        )

        subject = bench.recompute_times()
        workers = [
            stack.celery_worker(f"workers-{i}", "services.workers.worker", WORKER_QUEUES, env)
            for i in range(WORKERS)
        ]
        pids = {"gunicorn": web.process.proc.pid, "redis": redis_server.process.proc.pid}
        pids |= {f"worker_{i}": w.proc.pid for i, w in enumerate(workers)}
        if not mongo_uri:
            pids["ferretdb"] = database.process.proc.pid
        wait_drained(settings.broker_url, DRAIN_AFTER_FRESH_S)  # the recomputes part 1 asked for
        bench.freshness(stack, workers, pids)
        bench.offline_sync(workers, pids)
        for worker in workers:
            worker.stop()
        bench.recompute_later(subject)
        if mongo_uri:
            mongo.client.drop_database(db_name)
        mongo.close()
    report.print()
    report.write(**context)


class Bench:
    def __init__(self, *, report: Report, context: dict, url: str, app, settings, summary_params) -> None:
        self.report, self.context, self.url = report, context, url
        self.app, self.settings, self.params = app, settings, summary_params

    # -- 1. recompute time -------------------------------------------------------------------------------

    def recompute_times(self) -> dict:
        """One person with a year of history: one new event today, then full rebuilds; pure compute."""
        (user_id, token), *_ = make_people("history", 1)
        patient = generate(1, days=HISTORY_DAYS, time_zone=TIME_ZONE)
        session = authorized(token)
        accepted = post_batches(self.url, session, patient.events)
        subject = {"user_id": user_id, "session": session, "events": accepted}
        today = service.local_today(TIME_ZONE)

        first = self.timed(user_id, None)  # the first build writes every day
        self.context["first_build"] = first
        print(
            f"history: {accepted} events over {HISTORY_DAYS} days; first build {first['ms']:.0f} ms",
            flush=True,
        )

        day = [
            self.timed(user_id, today, before=lambda: post_event(self.url, session)) for _ in range(DAY_RUNS)
        ]
        self.runs("day", f"recompute one person-day ({HISTORY_DAYS}-day history, +1 event today)", day)

        rewrite = self.rewrites(user_id, REWRITE_RUNS)
        self.runs("rebuild_rewrite", f"full {HISTORY_DAYS}-day rebuild, every day rewritten", rewrite)
        same = [self.timed(user_id, None) for _ in range(REBUILD_RUNS)]
        self.runs("rebuild_same", f"full {HISTORY_DAYS}-day rebuild, nothing changed", same)
        worst = self.report.measurements["rebuild_rewrite"]["value"]
        self.report.goal(
            "rebuild",
            f"{HISTORY_DAYS}-day rebuild, every day rewritten (median)",
            worst,
            "ms",
            REBUILD_GOAL_MS,
        )

        self.pure(user_id, today)
        return subject

    def rewrites(self, user_id: str, runs: int) -> list[dict]:
        """Full rebuilds after a parameter change (the long window 27 <-> 28 days: every day's 28-day mean
        and trend change, so every day is rewritten); an even count ends on the real parameters."""
        changed = params.Params(self.params | {"rolling": self.params["rolling"] | {"long_days": 27}})
        return [self.timed(user_id, None, (changed, self.params)[i % 2]) for i in range(runs)]

    def timed(
        self,
        user_id: str,
        from_day: str | None,
        summary_params: params.Params | None = None,
        before: Callable[[], Any] | None = None,
    ) -> dict:
        if before:
            before()
        with repository_timers() as db:
            started = time.perf_counter()
            result = service.recompute(
                self.app, self.settings, summary_params or self.params, user_id, from_day=from_day
            )
            total = time.perf_counter() - started
        return {"ms": round(total * 1000, 1), "db_ms": db, "result": result}

    def runs(self, key: str, label: str, runs: list[dict]) -> None:
        totals = [r["ms"] for r in runs]
        db = {
            name: round(statistics.median(r["db_ms"].get(name, 0) for r in runs), 1)
            for name in runs[0]["db_ms"]
        }
        db_total = round(statistics.median(sum(r["db_ms"].values()) for r in runs), 1)
        self.report.measure(
            key,
            label,
            round(statistics.median(totals), 1),
            "ms",
            runs=len(runs),
            min=min(totals),
            max=max(totals),
            database_ms_median=db_total,
            database_ms_by_call=db,
            events_stored=mongo.db.events.estimated_document_count(),
            day_summaries_stored=mongo.db[summaries.DAYS].estimated_document_count(),
            days_written=[r["result"].get("days_written") for r in runs],
        )
        self.report.measure(f"{key}_db", "  of which database calls", db_total, "ms")

    def pure(self, user_id: str, today: str) -> None:
        """The computation alone, on the events the service reads (decrypted once, outside the timing)."""
        observations = [
            service.observation(e, self.settings) for e in repository.events_of({user_id: None})[user_id]
        ]
        todays = [o for o in observations if o["local_day"] == today]
        all_days = compute.day_summaries(observations, self.params)

        def rebuild() -> None:
            compute.person_summary(compute.day_summaries(observations, self.params), today, self.params)

        def one_day() -> None:
            compute.person_summary(all_days | compute.day_summaries(todays, self.params), today, self.params)

        for key, label, fn in (
            ("pure_day", "pure computation, one person-day", one_day),
            ("pure_rebuild", f"pure computation, {HISTORY_DAYS}-day rebuild", rebuild),
        ):
            times = []
            for _ in range(PURE_RUNS):
                started = time.perf_counter()
                fn()
                times.append((time.perf_counter() - started) * 1000)
            self.report.measure(
                key, label, round(statistics.median(times), 1), "ms", runs=PURE_RUNS, events=len(observations)
            )

    def recompute_later(self, subject: dict) -> None:
        """The same person again once the database holds everything the bench wrote (workers stopped)."""
        user_id, session = subject["user_id"], subject["session"]
        today = service.local_today(TIME_ZONE)
        day = [
            self.timed(user_id, today, before=lambda: post_event(self.url, session)) for _ in range(LATE_RUNS)
        ]
        events = mongo.db.events.estimated_document_count()
        self.runs("day_later", f"recompute one person-day, {events:,} events stored", day)

    # -- 2. freshness ------------------------------------------------------------------------------------

    def freshness(self, stack: Stack, workers: list, pids: dict[str, int]) -> None:
        """A paced run per rate in FRESH_RATES (lightest first, so a backlog cannot delay a lighter run)."""
        for rate in FRESH_RATES:
            # About one sample a second at what the API accepts (~50/s at most on FerretDB).
            key, every = f"{rate}", 10 if rate <= 20 else 40
            # New people for each run: each run's samples must be the only check-ins of their day.
            tokens = stack.dir / f"fresh-{key}-tokens.txt"
            people = make_people(f"fresh-{key}", FRESH_PEOPLE)
            tokens.write_text("\n".join(token for _user, token in people) + "\n")
            run = self.fresh_run(tokens, workers, pids, rate, every)
            run["stale"] = [stale_detail(sample, people[sample["person"]][0]) for sample in run["stale"]]
            # Those people are done with: drop the recomputes still waiting, so the next part starts clean.
            run["discarded_backlog"] = discard_backlog(self.settings.broker_url, [u for u, _t in people])
            self.context[f"freshness_{key}"] = run
            accepted = run["accepted_per_s"]
            self.report.measure(
                f"fresh_{key}_rate",
                f"single events accepted/s, paced at {rate}/s from {FRESH_PEOPLE} people",
                accepted,
                "req/s",
                **{k: run[k] for k in ("statuses", "errors", "dropped", "post_latency_ms", "cpu_cores")},
            )
            for p in ("p50", "p95"):
                self.report.measure(
                    f"fresh_{key}_{p}",
                    f"  freshness {p} (202 -> shown by GET /v1/summaries)",
                    at_least(run["freshness_ms"].get(p)),
                    "ms",
                    samples=run["samples"],
                    not_fresh=run["not_fresh_within_s"],
                )
            self.report.measure(
                f"fresh_{key}_get",
                "  the GET that showed it (p50)",
                at_least(run["last_get_ms"].get("p50")),
                "ms",
            )
            self.report.measure(
                f"fresh_{key}_task",
                "  one recompute task in a worker (p50)",
                at_least(run["recompute_runs"]["duration_ms"].get("p50")),
                "ms",
                **run["recompute_runs"],
            )
            runs_per_s = round(run["recompute_runs"]["runs"] / run["wall_s"], 2)
            self.report.measure(
                f"fresh_{key}_throughput",
                f"  recomputes/s by {WORKERS} workers (people waiting / this = freshness floor)",
                runs_per_s,
                "tasks/s",
            )
            p95 = at_least(run["freshness_ms"].get("p95"))
            label = f"freshness p95 at {accepted:g} events/s accepted (paced at {rate}/s)"
            self.report.goal(f"freshness_{key}", label, p95, "ms", FRESH_GOAL_MS)
            drained = wait_drained(self.settings.broker_url, DRAIN_AFTER_FRESH_S)
            run["drained_after"] = drained

    def fresh_run(self, tokens, workers: list, pids: dict[str, int], rate: int, every: int) -> dict:
        port = self.url.rsplit(":", 1)[1]
        marks = [log_mark(w) for w in workers]
        cpu = CpuMeter(**pids).start()
        args = python_module(
            "benchmarks.freshness",
            "127.0.0.1",
            port,
            str(tokens),
            str(rate),
            str(FRESH_SECONDS),
            str(every),
            str(POLL_MS),
        )
        run = run_json(args, timeout=FRESH_SECONDS + 120)
        run["cpu_cores"] = cpu.stop()
        run["recompute_runs"] = task_runs(workers, marks)
        run["events_stored_after"] = mongo.db.events.estimated_document_count()
        print(
            f"freshness at {rate}/s: {run['accepted_per_s']} accepted/s, freshness {run['freshness_ms']}",
            flush=True,
        )
        return run

    # -- 3. offline sync ---------------------------------------------------------------------------------

    def offline_sync(self, workers: list, pids: dict[str, int]) -> None:
        """Phones syncing 10,000 events at once with the workers running; every task message counted."""
        people = make_people("sync", SYNC_PEOPLE)
        per_person = SYNC_EVENTS // SYNC_PEOPLE
        marks = [log_mark(w) for w in workers]
        pushes = lpush_calls()
        cpu = CpuMeter(**pids).start()
        started = time.monotonic()
        with ThreadPoolExecutor(SYNC_PEOPLE) as pool:
            accepted = sum(
                pool.map(
                    lambda item: post_batches(
                        self.url, authorized(item[1][1]), sync_events(item[0], per_person)
                    ),
                    enumerate(people),
                )
            )
        synced = time.monotonic() - started
        drained = wait_drained(self.settings.broker_url, DRAIN_AFTER_SYNC_S)
        caught_up = time.monotonic() - started
        sent = lpush_calls() - pushes
        run = {
            "events": SYNC_EVENTS,
            "accepted": accepted,
            "people": SYNC_PEOPLE,
            "batch": SYNC_BATCH,
            "requests": SYNC_EVENTS // SYNC_BATCH,
            "sync_seconds": round(synced, 2),
            "summaries_caught_up_seconds": round(caught_up, 2),
            "drained": drained,
            "task_messages_sent": sent,
            "recompute_runs": task_runs(workers, marks),
            "cpu_cores": cpu.stop(),
        }
        self.context["offline_sync"] = run
        per_thousand = round(1000 * sent / accepted, 2) if accepted else INF
        self.report.measure(
            "sync_rate",
            f"offline sync, {SYNC_PEOPLE} phones: {SYNC_EVENTS:,} events in batches of {SYNC_BATCH}",
            round(accepted / synced, 1),
            "events/s",
            **run,
        )
        label = "  summaries caught up, from the sync's start" + (
            "" if drained else " (NOT within the bound)"
        )
        self.report.measure("sync_caught_up", label, round(caught_up, 1), "s")
        self.report.measure("sync_tasks", "  task messages sent to Redis (workers running)", sent, "tasks")
        self.report.measure("sync_ratio", "  tasks enqueued per 1,000 events", per_thousand, "per 1,000")
        self.report.goal(
            "tasks_per_event",
            "tasks enqueued per 1,000 synced events",
            per_thousand,
            "per 1,000 events",
            TASKS_PER_EVENT_GOAL * 1000,
        )


# -- helpers ------------------------------------------------------------------------------------------------


def at_least(value: float | None) -> float:
    """A percentile, infinite when it falls on a sample never seen (or there were none)."""
    return INF if value is None else value


def make_people(prefix: str, count: int) -> list[tuple[str, str]]:
    """(user id, device token) for `count` new people, made by the accounts service as the API would."""
    people = []
    for i in range(count):
        user = accounts.create_account(
            f"bench-{prefix}-{i}@example.org", "Bench", TIME_ZONE, {"recorded_by": "make bench"}
        )
        token, _device = accounts.issue_device_token(user["_id"], "bench", "other")
        people.append((user["_id"], token))
    return people


def authorized(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def post_batches(url: str, session: requests.Session, events: list[dict]) -> int:
    """Send `events` as an offline phone would, SYNC_BATCH at a time; the number accepted."""
    accepted = 0
    for i in range(0, len(events), SYNC_BATCH):
        body = {"sent_at": datetime.now(UTC).isoformat(), "events": events[i : i + SYNC_BATCH]}
        answer = session.post(f"{url}/v1/events/batch", json=body, timeout=60)
        answer.raise_for_status()
        accepted += answer.json()["accepted"]
    return accepted


def post_event(url: str, session: requests.Session) -> None:
    now = datetime.now(UTC)
    event = {
        "event_id": uuid.uuid4().hex,
        "type": "symptom",
        "code": "insomnia",
        "severity": 2,
        "occurred_at": now.isoformat(),
        "sent_at": now.isoformat(),
    }
    session.post(f"{url}/v1/events", json=event, timeout=30).raise_for_status()


def sync_events(seed: int, count: int) -> list[dict]:
    """A phone that was offline: `count` events over the SYNC_DAYS before today, oldest first."""
    today = date.fromisoformat(service.local_today(TIME_ZONE))
    per_day = -(-count // SYNC_DAYS)
    events = []
    for n in range(count):
        day = today - timedelta(days=SYNC_DAYS - n // per_day)
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7, minutes=(n % per_day) * 5)
        kind = n % per_day
        if kind == 0:
            event = {"type": "check_in", "overall": (seed + n) % 8 + 1}
        elif kind == 1:
            event = {"type": "dose", "medication": "diazepam", "amount_mg": 5}
        else:
            event = {"type": "symptom", "code": SYMPTOMS[n % len(SYMPTOMS)], "severity": (seed + n) % 5}
        events.append({"event_id": uuid.uuid4().hex, "occurred_at": at.isoformat()} | event)
    return events


@contextmanager
def repository_timers() -> Iterator[dict[str, float]]:
    """Time each summaries database call made inside the block (milliseconds per function)."""
    spent: dict[str, float] = {}
    calls = [(repository, name) for name in ("find_users", "events_of", "ensure_indexes")]
    calls += [(summaries, name) for name in ("stored_days_of", "write_days_of", "write_persons")]
    originals = {(module, name): getattr(module, name) for module, name in calls}

    def timer(name: str, fn):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = round(spent.get(name, 0) + (time.perf_counter() - started) * 1000, 1)

        return timed

    for (module, name), fn in originals.items():
        setattr(module, name, timer(name, fn))
    try:
        yield spent
    finally:
        for (module, name), fn in originals.items():
            setattr(module, name, fn)


def wait_drained(broker_url: str, timeout: float) -> bool:
    """True once no recompute is requested, queued or running (bounded)."""
    deadline = time.monotonic() + timeout
    queue = redis.Redis.from_url(broker_url)
    try:
        while time.monotonic() < deadline:
            # A task in progress holds its person's lock (services/workers/summaries/lock.py).
            running = next(redis_client.client.scan_iter(match="summaries:lock:*", count=1000), None)
            idle = queue.llen(QUEUE_SUMMARIES) == 0 and running is None
            if idle and mongo.db[recompute.COLLECTION].count_documents({}) == 0:
                return True
            time.sleep(0.25)
        return False
    finally:
        queue.close()


def stale_detail(sample: dict, user_id: str) -> dict:
    """What the database holds for a sample never seen fresh: its check-ins, and the stored day's count (the
    day as readers see it: its day document, or the summary document's copy while the day is not over)."""
    query = {"user_id": user_id, "local_day": sample["day"], "type": "check_in", "deleted_at": None}
    from shared import day_cache

    person = summaries.find_person(user_id) or {}
    day = next(iter(summaries.summary_days(user_id, sample["day"], sample["day"], person)), {})
    recent = {d["day"]: d for d in summaries.unpack_days(person.get("recent_days"))}
    cached = redis_client.binary.hgetall(day_cache.key(user_id, sample["day"]))
    return sample | {
        "user_id": user_id,
        "check_ins_stored": mongo.db.events.count_documents(query),
        "events_stored": mongo.db.events.count_documents({"user_id": user_id, "local_day": sample["day"]}),
        "check_ins_summarised": (day.get("check_in") or {}).get("count"),
        "day_logged": day.get("logged"),
        "day_computed_at": str(day.get("computed_at")),
        "recent_logged": (recent.get(sample["day"]) or {}).get("logged"),
        "person_computed_at": str(person.get("computed_at")),
        "cached_fields": len(cached),
        "cached_mark": (cached.get(b"complete") or b"").decode(),
        "run": day_cache.run_id(),
        "recompute_pending": recompute.is_pending(user_id),
    }


def discard_backlog(broker_url: str, user_ids: list[str]) -> dict:
    """Forget the recomputes these people still wait for: queued messages, requests, flags and the keys
    saying a task of theirs is queued."""
    broker = redis.Redis.from_url(broker_url)
    try:
        queued = broker.llen(QUEUE_SUMMARIES)
        broker.delete(QUEUE_SUMMARIES)
    finally:
        broker.close()
    requests_left = mongo.db[recompute.COLLECTION].delete_many({"_id": {"$in": user_ids}}).deleted_count
    redis_client.client.delete(
        *[k for u in user_ids for k in (recompute.queued_flag(u), recompute.sent_key(u))]
    )
    return {"queued_tasks": queued, "requests": requests_left}


def lpush_calls() -> int:
    """Messages Celery has pushed to Redis so far (kombu's Redis transport sends each with one LPUSH)."""
    return int(redis_client.client.info("commandstats").get("cmdstat_lpush", {}).get("calls", 0))


def log_mark(worker) -> int:
    return len(worker.output())


def task_runs(workers, marks: list[int]) -> dict:
    """Recompute task runs logged by the workers since `marks` (retries included, each is a run)."""
    durations, outcomes, tasks, batches = [], {}, set(), []
    for worker, mark in zip(workers, marks, strict=True):
        for line in worker.output()[mark:].splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("msg") == "recomputed":  # service.recompute_many's line: one batch's steps
                batches.append(entry["steps_ms"] | {"people": entry["people"]})
            if entry.get("task") != RECOMPUTE_PERSON.name or "duration_ms" not in entry:
                continue
            durations.append(entry["duration_ms"])
            outcomes[entry["msg"]] = outcomes.get(entry["msg"], 0) + 1
            tasks.add(entry.get("task_id"))
    durations.sort()

    def pct(p: float) -> float:
        return (
            durations[min(len(durations) - 1, int(p / 100 * len(durations)))] if durations else float("nan")
        )

    steps = sorted({step for batch in batches for step in batch})
    return {
        "runs": len(durations),
        "distinct_tasks": len(tasks),
        "batches": len(batches),
        "batch_median": {s: statistics.median(b.get(s, 0) for b in batches) for s in steps},
        "outcomes": outcomes,
        "duration_ms": {"p50": pct(50), "p95": pct(95), "max": durations[-1] if durations else None}
        if durations
        else {},
    }


if __name__ == "__main__":
    main()
