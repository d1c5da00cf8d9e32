"""Admin waitlist pages at 100k entries: list (page 1 of each sort, filtered, searched by address and by
name, deep pages), an entry's page (its place in line), stats.

Runs the notification app in-process (Flask test client, signed in) against a fresh FerretDB, or against
BENCH_MONGO_URI when set (e.g. a MongoDB to compare with). BENCH_ADMIN_ENTRIES changes the size. The
entries are stored (and counted) through the waitlist's store; the list pages query MongoDB through the
store's indexes; the stats read the counters.
"""

from __future__ import annotations

import os
import random
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from benchmarks.harness import Report, Stack, bench_settings

ENTRIES = int(os.environ.get("BENCH_ADMIN_ENTRIES", "100000"))
PAGE_GOAL_MS = 1000
STATS_GOAL_MS = 1000
SOURCES = ("direct", "reddit", "forum", "newsletter", "friend")
STATUSES = ("pending", "confirmed", "confirmed", "invited", "active")
VIEWS = (
    ("list_default", "list, newest first, page 1", "/admin/"),
    ("list_oldest", "list, oldest first, page 1", "/admin/?sort=oldest"),
    ("list_line", "list, place in line", "/admin/?sort=line"),
    ("list_by_email", "list, by email, page 1", "/admin/?sort=email"),
    ("list_status", "list, status=confirmed", "/admin/?status=confirmed"),
    ("list_source", "list, source=Reddit (any case)", "/admin/?source=Reddit"),
    ("list_email_prefix", "list, search 'person1234@' (an address's start)", "/admin/?q=person1234%40"),
    ("list_search", "list, search 'person 4242' (a name)", "/admin/?q=person+4242"),
    ("list_dates", "list, one week of signups", "/admin/?created_from=2025-02-01&created_to=2025-02-07"),
    ("list_page_40", "list, page 40", "/admin/?page=40"),
    ("list_page_2000", "list, page 2000 (deepest)", "/admin/?page=2000"),
    (
        "list_combined",
        "list, confirmed + reddit + search 'person 1'",
        "/admin/?status=confirmed&source=reddit&q=person+1",
    ),
    ("list_email", "list, by email, status=invited, page 10", "/admin/?sort=email&status=invited&page=10"),
)


def entry(n: int, base: datetime) -> dict:
    created = base + timedelta(seconds=n * 60)
    status = random.choice(STATUSES)
    confirmed = created + timedelta(minutes=10) if status != "pending" else None
    return {
        "_id": uuid.uuid4().hex, "email": f"Person{n}@example.org", "email_key": f"person{n}@example.org",
        "name": f"Person {n}", "status": status, "source": random.choice(SOURCES),
        "utm": {"utm_source": "bench"}, "referral_code": uuid.uuid4().hex[:10], "referred_by": None,
        "referral_credited": False, "referral_credits": random.choice((0, 0, 0, 1, 2)),
        "consent": {"text_version": "2025-01", "given_at": created, "ip": "203.0.113.9",
                    "user_agent": "bench"},
        "created_at": created, "confirmed_at": confirmed, "line_at": confirmed, "invited_at": None,
        "invitation_id": None, "confirmation_sends": 1, "last_confirmation_sent_at": created,
    }  # fmt: skip


def timed_get(client, path: str) -> float:
    """Milliseconds for one page; a failed page (503 after MongoDB's 30 s socket timeout) says so."""
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        print(f"  {path} answered {response.status_code} after {elapsed:,.0f} ms", flush=True)
    return elapsed


def main() -> None:
    from services.notification.admin import accounts
    from services.notification.waitlist import repository
    from tests.support.runtimes import notification_app

    report = Report("admin_list")
    with Stack("admin") as stack:
        redis = stack.redis()
        mongo_uri = os.environ.get("BENCH_MONGO_URI")
        backend = "MongoDB" if mongo_uri else "FerretDB 1.24 (SQLite)"
        database = SimpleNamespace(uri=mongo_uri) if mongo_uri else stack.ferretdb()
        settings = bench_settings(redis, database, log_level="WARNING")
        app = notification_app(settings)
        base = datetime(2025, 1, 1, tzinfo=UTC)
        started = time.perf_counter()
        for start in range(0, ENTRIES, 5000):
            repository.insert_entries([entry(n, base) for n in range(start, min(start + 5000, ENTRIES))])
        report.measure("insert", f"insert {ENTRIES:,} entries", time.perf_counter() - started, "s")
        print(f"  insert: {report.measurements['insert']['value']:,.1f} s", flush=True)

        accounts.create_account("bench@example.org", "a long bench password")
        client = app.test_client()
        page = client.get("/admin/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post(
            "/admin/login",
            data={"email": "bench@example.org", "password": "a long bench password", "csrf_token": csrf},
        )
        print(f"{backend}, {ENTRIES:,} entries; timing each page once")
        for key, label, path in VIEWS:
            report.measure(key, label, timed_get(client, path), "ms", path=path)
            print(f"  {label}: {report.measurements[key]['value']:,.0f} ms", flush=True)
        # A confirmed entry: its page shows its place in line.
        people = (repository.find_by_email_key(f"person{n}@example.org") for n in range(42, ENTRIES))
        some_id = next(p["_id"] for p in people if p["status"] == "confirmed")
        report.measure(
            "detail",
            "entry detail of a confirmed entry (by _id, place in line)",
            timed_get(client, f"/admin/entries/{some_id}"),
            "ms",
        )
        report.measure(
            "stats", "stats (from the counters, uncached)", timed_get(client, "/admin/stats"), "ms"
        )
        report.measure("stats_again", "stats, again", timed_get(client, "/admin/stats"), "ms")
        report.goal("goal_stats", "stats at 100k", report.measurements["stats"]["value"], "ms", STATS_GOAL_MS)
        page_1 = report.measurements["list_default"]["value"]
        report.goal("goal_list", "list page 1 at 100k", page_1, "ms", PAGE_GOAL_MS)
        report.print()
        report.write(entries=ENTRIES, backend=backend)


if __name__ == "__main__":
    main()
