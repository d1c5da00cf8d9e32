"""Event ingestion vs its ceilings (bare Flask, raw pymongo into the same FerretDB), p99 at 200 req/s, RSS.

Side by side in one run: the bare app and the ingestion service under deploy/gunicorn.conf.py with the same
workers and threads, loaded by wrk with benchmarks/lua/events.lua (unique event ids, bearer auth on, tokens
of PEOPLE accounts taken in turn so the per-person write limit is never the limit); raw insert_one and
insert_many from as many processes and threads as gunicorn has (benchmarks/raw_mongo.py); then a paced
client (benchmarks/paced.py) at exactly 200 single-event requests/s for the latency percentiles.
"""

from __future__ import annotations

import os

from benchmarks import raw_mongo
from benchmarks.harness import (
    CpuMeter,
    Report,
    Stack,
    bench_settings,
    env_for,
    python_module,
    run_json,
    wrk,
)
from benchmarks.raw_mongo import BATCH
from services.ingestion.accounts import service as accounts
from shared.mongo import mongo

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# Long enough for every gunicorn worker to have signed in each of the PEOPLE tokens (each takes its turn about
# a dozen times): a worker's first request with a token reads the database, which is not the steady state.
WARMUP_S = 6
CONNECTIONS = 16
PEOPLE = 200
PACED_RATE = 200
RAW_COLLECTION = "bench_raw_events"
SINGLE_GOAL_PCT = BATCH_GOAL_PCT = 50
P99_GOAL_MS = 50
RSS_GOAL_MB = 150


def main() -> None:
    report = Report("ingestion")
    with Stack("ingestion") as stack:
        redis, ferretdb = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis, ferretdb)
        env = env_for(settings)
        pids = {"ferretdb": ferretdb.process.proc.pid, "redis": redis.process.proc.pid}
        bare = stack.gunicorn("bare", "benchmarks.bare_app:app", env)
        web = stack.gunicorn("ingestion", "services.ingestion.wsgi:app", env)
        mongo.configure(settings)
        tokens = stack.dir / "tokens.txt"
        tokens.write_text("\n".join(make_tokens(PEOPLE)) + "\n")
        lua_env = {"BENCH_TOKENS": str(tokens)}
        context: dict = {}

        def http(key: str, label: str, side, batch: int = 0) -> dict:
            env = lua_env | {"BENCH_BATCH": str(batch)}
            url = f"{side.url}/v1/events"
            wrk(url, "events.lua", seconds=WARMUP_S, connections=CONNECTIONS, env=env)
            cpu = CpuMeter(gunicorn=side.process.proc.pid, **pids).start()
            run = wrk(url, "events.lua", seconds=SECONDS, connections=CONNECTIONS, env=env)
            run["cpu_cores"] = cpu.stop()
            context[key] = run
            detail = {k: run[k] for k in ("requests", "ok", "statuses", "errors", "latency_us", "cpu_cores")}
            if batch:
                # A 200 answer can still reject single events: count those the answers call accepted.
                rate = round(run["accepted"] / run["seconds"], 1)
                return report.measure(key, label, rate, "events/s", **detail, accepted=run["accepted"])
            return report.measure(key, label, run["ok_per_s"], "req/s", **detail)

        def raw(key: str, label: str, op: str) -> float:
            cpu = CpuMeter(**pids).start()
            args = python_module("benchmarks.raw_mongo", ferretdb.uri, settings.mongo_db, RAW_COLLECTION)
            run = run_json([*args, op, str(SECONDS)], timeout=SECONDS + 90, env=env)
            run["cpu_cores"] = cpu.stop()
            context[key] = run
            unit = "inserts/s" if op == "insert_one" else "docs/s"
            return report.measure(key, label, run["docs_per_s"], unit, **run)

        http("bare", "bare Flask: POST one event, parse JSON, 202", bare)
        copy_indexes("events", RAW_COLLECTION)
        shape = f"{raw_mongo.PROCESSES} proc x {raw_mongo.THREADS} threads"
        # Each ceiling right before what is compared with it, so both meet the database in the same state:
        # after a run of ~50,000 batched inserts FerretDB is still absorbing them (SQLite checkpoints) for
        # a while, which slowed whichever single-event run came next. That state is measured on its own, last.
        raw("raw_insert_one", f"raw pymongo insert_one ({shape})", "insert_one")
        http("single", "POST /v1/events (auth, 1 event)", web)
        latencies(report, context, web.url, tokens)
        raw("raw_insert_many", f"raw pymongo insert_many of {BATCH} ({shape})", "insert_many")
        http("batch", f"POST /v1/events/batch ({BATCH} events), events", web, batch=BATCH)
        paced_after_burst(report, context, web.url, tokens)

        ratios(report)

        rss_goal(report, web, context)
        mongo.close()
    report.print()
    report.write(**context)


def ratios(report: Report) -> None:
    """Single events against the lower ceiling, batches against raw insert_many."""
    ceiling = min(("bare", "raw_insert_one"), key=lambda k: report.measurements[k]["value"])
    report.ratio(
        "single",
        f"single-event req/s / {ceiling} (the lower ceiling)",
        "single",
        ceiling,
        SINGLE_GOAL_PCT,
    )
    report.ratio(
        "batch", "batch events/s / raw insert_many docs/s", "batch", "raw_insert_many", BATCH_GOAL_PCT
    )


def paced(report: Report, context: dict, url: str, tokens, rate: float, *, tag: str = "") -> dict:
    """Exactly `rate` single-event requests a second for SECONDS; p50 and p99 from the scheduled start."""
    port = url.rsplit(":", 1)[1]
    args = python_module("benchmarks.paced", "127.0.0.1", port, str(tokens), str(rate), str(SECONDS))
    run = run_json(args, timeout=SECONDS + 90)
    key = f"paced_{rate:g}{tag}"
    context[key] = run
    for p in ("p50", "p99"):
        suffix = " " + tag.strip("_").replace("_", " ") if tag else ""
        label = f"{p} latency at {rate:g} req/s (paced, 1 event){suffix}"
        report.measure(f"{key}_{p}", label, run["latency_ms"].get(p, float("inf")), "ms", **run)
    return run


def paced_after_burst(report: Report, context: dict, url: str, tokens) -> None:
    """The same paced load right after the batch run, while FerretDB digests its inserts (no goal)."""
    paced(report, context, url, tokens, PACED_RATE, tag="_after_batch_burst")


def latencies(report: Report, context: dict, url: str, tokens) -> None:
    """The paced client at PACED_RATE (the goal), then at half the measured capacity."""

    p99 = paced(report, context, url, tokens, PACED_RATE)["latency_ms"].get("p99", float("inf"))
    report.goal("p99", f"p99 at {PACED_RATE} req/s", p99, "ms", P99_GOAL_MS)
    # Below capacity too: what a person's phone sees when the server is not overloaded.
    paced(report, context, url, tokens, max(5, round(report.measurements["single"]["value"] / 2)))


def rss_goal(report: Report, web, context: dict) -> None:
    rss = web.worker_rss_mb()
    context["worker_rss_mb"] = rss
    report.measure("rss", "RSS of the largest gunicorn worker after the run", max(rss), "MB", workers=rss)
    report.goal("rss", "gunicorn worker RSS", max(rss), "MB", RSS_GOAL_MB)


def make_tokens(count: int) -> list[str]:
    """People with one device token each, made by the accounts service (consent recorded by the bench)."""
    tokens = []
    for i in range(count):
        user = accounts.create_account(
            f"bench-{i}@example.org", "Bench", "Europe/London", {"recorded_by": "make bench"}
        )
        token, _device = accounts.issue_device_token(user["_id"], "bench", "other")
        tokens.append(token)
    return tokens


def copy_indexes(source: str, target: str) -> None:
    """The raw side writes into a collection with the same indexes as `events` (unique key included)."""
    db = mongo.db
    db.drop_collection(target)
    for name, info in db[source].index_information().items():
        if name != "_id_":
            db[target].create_index(info["key"], unique=info.get("unique", False), name=name)


if __name__ == "__main__":
    main()
