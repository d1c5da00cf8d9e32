"""Doctor reports: one weekly report's build time, and a week's reports for many people on real workers.

On real processes (Redis, FerretDB, Celery worker processes of services.workers.worker):
1. service.build timed in this process, BUILD_RUNS times, for one person with 35 days of generated history:
   reading the summaries, the model, the chart (matplotlib), the HTML (Jinja) and the PDF (WeasyPrint),
   storing both files in GridFS. The pure steps are timed on their own too. Goal: median <= 1.5 s.
2. Weekly reports for PEOPLE generated people (35 days of history each, written as the summaries worker
   writes them), all asked for at once and built by WORKERS single-process workers (this is a 2-core
   machine). Goal: 1,000 people in <= 15 minutes. BENCH_REPORT_PEOPLE sets how many are built; with fewer
   than 1,000 the time for 1,000 is extrapolated linearly, and the output says so. Worker RSS is sampled.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psutil

from benchmarks.harness import Report, Stack, bench_settings, env_for
from services.workers.reports import charts, interdose, model, render, service
from services.workers.summaries import params
from shared import events, summaries
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.reports import FAILED, IN_FLIGHT, READY, request_report
from shared.tasks import QUEUE_REPORTS
from tests.support.report_patients import generate_for_report, last_week, store

BUILD_RUNS = 20
BUILD_GOAL_S = 1.5
HISTORY_DAYS = 35
FLEET_GOAL = 1000
FLEET_GOAL_S = 15 * 60
PEOPLE = int(os.environ.get("BENCH_REPORT_PEOPLE", str(FLEET_GOAL)))
WORKERS = 2
TIME_ZONE = "Europe/London"


def seed(settings, count: int, today: date) -> list[str]:
    """`count` people with generated summaries and notes; returns their ids."""
    summary_params = params.current(settings.summary_parameters_file)
    ids = []
    for i in range(count):
        user_id = uuid.uuid4().hex
        mongo.db.users.insert_one({"_id": user_id, "display_name": f"Person {i}", "time_zone": TIME_ZONE})
        patient = generate_for_report(i, days=HISTORY_DAYS, end=today - timedelta(days=1))
        store(
            mongo.db,
            user_id,
            patient,
            keys=settings.encryption_keys,
            today=today.isoformat(),
            params=summary_params,
        )
        ids.append(user_id)
    return ids


def build_times(report: Report, settings, user_id: str, period: tuple[str, str]) -> None:
    """Full builds in this process, and the pure steps on their own."""
    totals = []
    for _ in range(BUILD_RUNS):
        doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "kind": "on_demand",
            "period_start": period[0],
            "period_end": period[1],
            "options": {"include_notes": True, "paper": "A4"},
            "status": "queued",
            "attempts": 0,
            "files": {},
            "updated_at": datetime.now(UTC),
        }
        doc[IN_FLIGHT] = doc["_id"]  # not the person's one place in flight: builds here run one after another
        mongo.db.reports.insert_one(doc)
        started = time.perf_counter()
        built = service.build(doc["_id"], settings)
        totals.append(time.perf_counter() - started)
        assert built is not None and built["status"] == READY
    median = statistics.median(totals)
    report.measure("build_median", "one weekly report, full build (median)", median * 1000, "ms")
    report.measure(
        "build_p90",
        "one weekly report, full build (p90)",
        sorted(totals)[int(0.9 * len(totals))] * 1000,
        "ms",
    )
    report.goal("build_goal", "median build", round(median, 3), "s", BUILD_GOAL_S)

    start, end = period
    days = summaries.summary_days(user_id, model.lookback_start(start, end), end)
    person = summaries.find_person(user_id)
    steps = {"model": [], "chart": [], "html": [], "pdf": []}
    for _ in range(5):
        t0 = time.perf_counter()
        content = model.assemble(
            doc,
            user={},
            days=days,
            person=person,
            notes=[],
            timed=events.live_between(
                user_id, interdose.TYPES, interdose.first_day(start), end, interdose.FIELDS
            ),
            keys=settings.encryption_keys,
            generated_at=datetime.now(UTC),
        )
        t1 = time.perf_counter()
        chart = charts.svg_data_uri(content)
        t2 = time.perf_counter()
        page = render.html(content, chart)
        t3 = time.perf_counter()
        render.pdf(page)
        t4 = time.perf_counter()
        for name, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            steps[name].append(value)
    for name, values in steps.items():
        report.measure(f"step_{name}", f"  of which {name} (median)", statistics.median(values) * 1000, "ms")


def fleet(report: Report, stack: Stack, settings, env, *, user_ids: list[str], period) -> None:
    """Every person's weekly report, asked for at once, built by real worker processes."""
    from tests.support.runtimes import celery_for

    producer = celery_for("bench-reports", settings)
    report_ids = []
    for user_id in user_ids:
        doc, _ = request_report(
            producer,
            user_id=user_id,
            period_start=period[0],
            period_end=period[1],
            kind="weekly",
            report_id=f"weekly:{user_id}:bench",
        )
        report_ids.append(doc["_id"])
    started = time.monotonic()
    workers = [
        stack.celery_worker(f"reports-{i}", "services.workers.worker", (QUEUE_REPORTS,), env)
        for i in range(WORKERS)
    ]
    peak_rss: dict[int, float] = {}
    while True:
        # Equality filters only: FerretDB filters anything else after reading every document.
        done = sum(mongo.db.reports.count_documents({"kind": "weekly", "status": s}) for s in (READY, FAILED))
        for w in workers:
            for proc in [psutil.Process(w.proc.pid), *psutil.Process(w.proc.pid).children(recursive=True)]:
                try:
                    rss = proc.memory_info().rss / 2**20
                except psutil.NoSuchProcess:
                    continue
                peak_rss[proc.pid] = max(peak_rss.get(proc.pid, 0), rss)
        if done == len(report_ids):
            break
        if time.monotonic() - started > 2 * FLEET_GOAL_S:
            raise RuntimeError(f"only {done} of {len(report_ids)} reports done")
        time.sleep(1)
    elapsed = time.monotonic() - started
    failed = mongo.db.reports.count_documents({"kind": "weekly", "status": FAILED})
    report.measure("fleet_people", "people (weekly report each)", len(report_ids), "people", failed=failed)
    report.measure("fleet_s", f"all {len(report_ids)} reports built by {WORKERS} workers", elapsed, "s")
    report.measure("fleet_rate", "reports per minute", len(report_ids) / elapsed * 60, "/min")
    report.measure("worker_rss", "worker RSS, peak per process (max)", max(peak_rss.values()), "MB")
    projected = elapsed * FLEET_GOAL / len(report_ids)
    label = (
        f"time for {FLEET_GOAL} people"
        if len(report_ids) >= FLEET_GOAL
        else f"time for {FLEET_GOAL} people, EXTRAPOLATED from {len(report_ids)}"
    )
    report.measure("fleet_1000_s", label, projected, "s", extrapolated=len(report_ids) < FLEET_GOAL)
    report.goal("fleet_goal", label, round(projected, 1), "s", FLEET_GOAL_S)
    for w in workers:
        w.stop()


def main() -> None:
    report = Report("reports")
    with Stack("reports") as stack:
        redis, ferretdb = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis, ferretdb, log_level="WARNING")
        env = env_for(settings)
        mongo.configure(settings)
        redis_client.configure(settings)
        today = datetime.now(UTC).date()
        period = last_week(today)
        started = time.monotonic()
        user_ids = seed(settings, PEOPLE, today)
        report.measure(
            "seed_s", f"seeding {PEOPLE} people ({HISTORY_DAYS} days each)", time.monotonic() - started, "s"
        )
        build_times(report, settings, user_ids[0], period)
        fleet(report, stack, settings, env, user_ids=user_ids, period=period)
        mongo.close()
    report.print()
    report.write(people=PEOPLE, workers=WORKERS, history_days=HISTORY_DAYS, cpus=os.cpu_count())
