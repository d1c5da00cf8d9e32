"""The web app in Chromium: first-load size, time to an interactive Today and to a drawn year on Trends.

On real processes (Redis, FerretDB, the ingestion service under gunicorn serving the built app at /app/, a
summaries worker), one person signed in on the browser with a year of daily check-ins:
1. JavaScript and CSS the first load of Today ships (each file's body gzipped here, level 9: what a server
   compressing it sends), beside the whole built app (what the service worker precaches).
2. Requests a cold start makes: the page's own, and everything including the service worker's precache.
3. Time from navigation to an interactive Today (its check-in scale on screen) and to a drawn 365-day Trends
   chart (navigate, choose "1 year", until the chart has drawn its 365 days), each in a fresh browser
   context (cold: no HTTP cache, no service worker), beside the time to load a blank page from a loopback
   server in the same round. Medians of ROUNDS rounds; the ratios are the numbers to compare across runs.
"""

from __future__ import annotations

import gzip
import statistics
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from benchmarks.harness import Report, Stack, bench_settings, env_for
from services.ingestion.accounts import browser as browser_cookie
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.tasks import WORKER_QUEUES
from tests.factories.accounts import person
from tests.support.servers import wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WEB_DIST = Path(__file__).resolve().parents[1] / "services" / "web" / "dist"
PHONE = {"width": 390, "height": 844}
ROUNDS = 7
DAYS = 365
FIRST_LOAD_GOAL_KB = 150
BLANK = b"<!doctype html><html lang=en><title>blank</title><p>blank</p></html>"


class _Blank(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(BLANK)))
        self.end_headers()
        self.wfile.write(BLANK)

    def log_message(self, *args) -> None:
        pass


def blank_server() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def plant_year(url: str, headers: dict, today: date) -> None:
    """A check-in on each of the last 365 days (the last is today), around 3 with a slow wave."""
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": f"{today - timedelta(days=i)}T00:05:00+00:00",  # today's may not be later than now
            "overall": 3 + (i % 3) + (3 if 100 <= i < 110 else 0),
        }
        for i in range(DAYS)
    ]
    body = {"sent_at": datetime.now(UTC).isoformat(), "events": events}
    r = requests.post(f"{url}/v1/events/batch", json=body, headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["accepted"] == DAYS, r.text[:500]

    def year_summarised() -> bool:
        params = {"from": str(today - timedelta(days=DAYS - 1)), "to": str(today)}
        answer = requests.get(f"{url}/v1/summaries", params=params, headers=headers, timeout=10)
        return answer.ok and len(answer.json().get("days", [])) >= DAYS - 1

    wait_for(year_summarised, 120, "the year's summaries")


def signed_in_context(browser, url: str, token: str, settings):
    context = browser.new_context(base_url=url, viewport=PHONE, locale="en-US")
    context.add_cookies([{"name": browser_cookie.cookie_name(settings), "value": token, "url": url}])
    context.set_default_timeout(30_000)
    return context


def timed(context, load) -> float:
    """Milliseconds of `load(page)` on a new page of a fresh context (closed after)."""
    page = context.new_page()
    started = time.perf_counter()
    load(page)
    elapsed = (time.perf_counter() - started) * 1000
    context.close()
    return elapsed


def load_blank(url: str):
    return lambda page: (page.goto(url), page.get_by_text("blank").wait_for())


def load_today(page) -> None:
    page.goto("/app/")
    page.get_by_role("radio", name="6", exact=True).wait_for()


def load_year(page) -> None:
    page.goto("/app/trends")
    page.get_by_role("radio", name="1 year").check()
    page.locator(f'[data-testid="chart"][data-drawn-days="{DAYS}"]').wait_for()


def first_load(report: Report, context) -> None:
    """One cold start of Today: what the page fetched, what everything (service worker too) fetched."""
    page_requests, all_requests, shipped = [], [], {}
    context.on("request", lambda r: all_requests.append(r.url))
    page = context.new_page()
    page.on("request", lambda r: page_requests.append(r.url))

    def keep(response) -> None:
        if response.request.resource_type in ("script", "stylesheet") and response.ok:
            shipped[response.url] = len(gzip.compress(response.body(), compresslevel=9))

    page.on("response", keep)
    page.goto("/app/")
    page.get_by_role("radio", name="6", exact=True).wait_for()
    page.wait_for_load_state("networkidle")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    context.close()
    built = [p for p in WEB_DIST.rglob("*") if p.suffix in (".js", ".css") and p.is_file()]
    whole = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in built)
    kb = round(sum(shipped.values()) / 1024, 1)
    report.measure("first_load_kb", "JS+CSS of the first load, gzipped", kb, "KB", files=sorted(shipped))
    report.measure("built_kb", "all JS+CSS built (precached), gzipped", round(whole / 1024, 1), "KB")
    report.goal("first_load", "first load JS+CSS gzipped", kb, "KB", FIRST_LOAD_GOAL_KB)
    report.measure(
        "page_requests", "requests of the page, cold start", len(page_requests), "", urls=page_requests
    )
    report.measure(
        "all_requests",
        "requests with the service worker's precache",
        len(all_requests),
        "",
        urls=all_requests,
    )


def timings(report: Report, browser, blank_url: str, signed_in) -> None:
    blank, today, trends = [], [], []
    for _ in range(ROUNDS):
        blank.append(timed(browser.new_context(viewport=PHONE), load_blank(blank_url)))
        today.append(timed(signed_in(), load_today))
        trends.append(timed(signed_in(), load_year))
    for key, label, values in (
        ("blank_ms", "blank page (loopback server)", blank),
        ("today_ms", "navigation to an interactive Today", today),
        ("trends_ms", "navigation to a drawn 365-day Trends chart", trends),
    ):
        report.measure(
            key, label, round(statistics.median(values), 1), "ms", runs=[round(v, 1) for v in values]
        )
    report.ratio("today_vs_blank", "Today ÷ blank page", "today_ms", "blank_ms")
    report.ratio("trends_vs_blank", "Trends (a year) ÷ blank page", "trends_ms", "blank_ms")


def main() -> None:
    if not (WEB_DIST / "index.html").is_file():
        raise RuntimeError("services/web is not built: run `make setup`")
    if not CHROMIUM.exists():
        raise RuntimeError("Debian chromium is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    report = Report("app")
    blank, blank_url = blank_server()
    with Stack("app") as stack, sync_playwright() as playwright:
        redis, ferretdb = stack.redis(), stack.ferretdb()
        settings = bench_settings(redis, ferretdb, log_level="WARNING", web_dist_dir=str(WEB_DIST))
        env = env_for(settings)
        mongo.configure(settings)
        redis_client.configure(settings)
        web = stack.gunicorn("web", "services.ingestion.wsgi:app", env)
        stack.celery_worker("workers", "services.workers.worker", WORKER_QUEUES, env)
        _user, headers = person(time_zone="UTC")
        token = headers["Authorization"].removeprefix("Bearer ")
        plant_year(web.url, headers, datetime.now(UTC).date())
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first_load(report, signed_in_context(browser, web.url, token, settings))
            timings(report, browser, blank_url, lambda: signed_in_context(browser, web.url, token, settings))
        finally:
            browser.close()
            mongo.close()
    blank.shutdown()
    report.print()
    report.write(rounds=ROUNDS, days=DAYS, viewport=PHONE)
