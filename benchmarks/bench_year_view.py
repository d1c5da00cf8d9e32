"""A whole year in the app: GET /v1/summaries for 365 days, with PEOPLE people x 365 days stored.

On real processes (Redis, FerretDB, gunicorn with the ingestion app): PEOPLE accounts, each with a year of
summaries stored as the summaries worker stores them (one generated history, computed once and stored for
everyone under their own ids), then SAMPLES GETs of a whole year for people picked at random, one at a
time. Goal: p95 <= 100 ms. BENCH_YEAR_PEOPLE sets how many people are stored (1,000 take minutes to store).
The CPU each GET cost the API and FerretDB is reported too: the machine's other load moves it far less.
Each GET is as a phone's (compressed: requests accepts brotli), and beside it the same GET uncompressed
(`Accept-Encoding: identity`), so the ratio shows what compressing costs the answer's time.

Then the same GET, EVENT_SAMPLES times, for one more person whose year of events (~1,600, posted through
the API as a phone would) is stored besides their summaries, as a real person's is: the answer's
`first_day` is read from the events, and that read grows with them on FerretDB (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import requests

from benchmarks.harness import CpuMeter, Report, Stack, bench_settings, env_for
from services.ingestion.accounts import service as accounts
from services.workers.summaries import params, service
from shared import summaries
from shared.mongo import mongo
from shared.redis_client import redis_client
from tests.support.report_patients import generate_for_report
from tests.support.report_patients import summaries as computed

PEOPLE = int(os.environ.get("BENCH_YEAR_PEOPLE", "1000"))
DAYS = 365
SAMPLES = 200
EVENT_SAMPLES = 50
GOAL_MS = 100
TIME_ZONE = "Europe/London"
SEED_CHUNK = 50


def seed(settings, count: int) -> list[tuple[str, str]]:
    """(user id, device token) for `count` people, each with the same year of stored summaries."""
    today = datetime.now(UTC).date()
    patient = generate_for_report(0, days=DAYS, end=today - timedelta(days=1))
    summary_params = params.current(settings.summary_parameters_file)
    docs, person = computed(patient, settings.encryption_keys, today.isoformat(), summary_params)
    stamp = {"params": summary_params.fingerprint, "computed_at": datetime.now(UTC)}
    closed = [d | stamp for d in docs if d["day"] < today.isoformat()]
    stored = (
        service.person_document(person, docs, today.isoformat()) | stamp | {"days_at": stamp["computed_at"]}
    )
    people = []
    for start in range(0, count, SEED_CHUNK):  # written as the workers write a batch of people
        chunk = []
        for i in range(start, min(start + SEED_CHUNK, count)):
            user = accounts.create_account(
                f"year-{i}@example.org", "Bench", TIME_ZONE, {"recorded_by": "bench"}
            )
            token, _device = accounts.issue_device_token(user["_id"], "bench", "other")
            chunk.append((user["_id"], token))
        summaries.write_days_of(
            {u: (closed, []) for u, _ in chunk}, {u: closed for u, _ in chunk}, stamp["computed_at"]
        )
        summaries.write_persons({u: stored for u, _ in chunk})
        people += chunk
    return people


def with_events(url: str, settings, query: dict) -> list[float]:
    """Sorted GET times (ms) of a year for one more person, whose year of events the API stored too."""
    today = datetime.now(UTC).date()
    patient = generate_for_report(1, days=DAYS, end=today - timedelta(days=1))
    user = accounts.create_account("year-events@example.org", "Bench", TIME_ZONE, {"recorded_by": "bench"})
    token, _device = accounts.issue_device_token(user["_id"], "bench", "other")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for start in range(0, len(patient.events), 500):
        body = {"sent_at": datetime.now(UTC).isoformat(), "events": patient.events[start : start + 500]}
        session.post(f"{url}/v1/events/batch", json=body, timeout=60).raise_for_status()
    summary_params = params.current(settings.summary_parameters_file)
    docs, person = computed(patient, settings.encryption_keys, today.isoformat(), summary_params)
    stamp = {"params": summary_params.fingerprint, "computed_at": datetime.now(UTC)}
    closed = [d | stamp for d in docs if d["day"] < today.isoformat()]
    summaries.write_days_of({user["_id"]: (closed, [])}, {user["_id"]: closed}, stamp["computed_at"])
    stored = service.person_document(person, docs, today.isoformat()) | stamp
    summaries.write_persons({user["_id"]: stored | {"days_at": stamp["computed_at"]}})
    times = []
    for _ in range(EVENT_SAMPLES):
        begun = time.perf_counter()
        session.get(f"{url}/v1/summaries", params=query, timeout=30).raise_for_status()
        times.append((time.perf_counter() - begun) * 1000)
    return sorted(times)


def main() -> None:
    report = Report("year_view")
    with Stack("year_view") as stack:
        redis_server, database = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis_server, database)
        web = stack.gunicorn("ingestion", "services.ingestion.wsgi:app", env_for(settings))
        mongo.configure(settings)
        redis_client.configure(settings)
        started = time.perf_counter()
        people = seed(settings, PEOPLE)
        print(f"stored {PEOPLE} people x {DAYS} days in {time.perf_counter() - started:.0f} s")
        today = datetime.now(UTC).date()
        query = {"from": (today - timedelta(days=DAYS - 1)).isoformat(), "to": today.isoformat()}
        pick = random.Random(14)
        times, whole, sizes = [], [], []
        pids = {"gunicorn": web.process.proc.pid, "ferretdb": database.process.proc.pid}
        cpu = CpuMeter(**pids).start()
        for sample in range(SAMPLES):
            _user_id, token = pick.choice(people)
            # Alternately first, so neither side always comes second with the data just read.
            for encoding in ("identity", None) if sample % 2 else (None, "identity"):
                headers = {"Authorization": f"Bearer {token}"} | (
                    {"Accept-Encoding": encoding} if encoding else {}
                )
                begun = time.perf_counter()
                answer = requests.get(f"{web.url}/v1/summaries", params=query, headers=headers, timeout=30)
                (whole if encoding else times).append((time.perf_counter() - begun) * 1000)
                answer.raise_for_status()
                if not encoding:
                    sizes.append(len(answer.json()["days"]))
                    sent = (
                        int(answer.headers.get("Content-Length", 0)),
                        answer.headers.get("Content-Encoding"),
                    )
        # CPU per GET (ms), which the machine's other load changes far less than the latencies.
        cpu_ms = {
            name: round(share * (time.monotonic() - cpu.started) * 1000 / (2 * SAMPLES), 1)
            for name, share in cpu.stop().items()
        }
        times.sort()
        whole.sort()
        p95 = times[int(0.95 * len(times)) - 1]
        detail = {
            "samples": SAMPLES,
            "days_answered": statistics.median(sizes),
            "max": round(times[-1], 1),
            "cpu_ms_per_get": cpu_ms,
            "body_bytes": len(answer.content),
            "sent_bytes": sent[0],
            "encoding": sent[1],
        }
        report.measure("year_p50", "GET /v1/summaries, a whole year (p50)", statistics.median(times), "ms")
        report.measure("year_p95", "GET /v1/summaries, a whole year (p95)", p95, "ms", **detail)
        report.measure(
            "year_identity_p50",
            "the same GETs uncompressed, beside them (p50)",
            statistics.median(whole),
            "ms",
        )
        report.measure(
            "year_identity_p95",
            "the same GETs uncompressed, beside them (p95)",
            whole[int(0.95 * len(whole)) - 1],
            "ms",
        )
        report.goal(
            "year_goal", f"a year's GET with {PEOPLE:,} people x {DAYS} days stored, p95", p95, "ms", GOAL_MS
        )
        times = with_events(web.url, settings, query)
        report.measure(
            "year_events_p50",
            "the same, for a person with a year of events too (p50)",
            statistics.median(times),
            "ms",
        )
        report.measure(
            "year_events_p95",
            "the same, for a person with a year of events too (p95)",
            times[int(0.95 * len(times)) - 1],
            "ms",
            samples=EVENT_SAMPLES,
        )
        mongo.close()
    report.print()
    report.write(people=PEOPLE, days=DAYS)


if __name__ == "__main__":
    main()
