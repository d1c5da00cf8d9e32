"""The whole stack behind the web app for the browser: the ingestion service under gunicorn (serving the
built app at /app/), the workers and reports processes (summaries; report and export builds) and a
notification worker (sign-in codes and email), on their own broker database; they share the test MongoDB,
app Redis and SMTP sink with this process."""

from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from shared.tasks import NOTIFICATION_QUEUES, REPORT_QUEUES, WORKER_QUEUES
from tests.factories import plans
from tests.support.servers import celery_worker, child_env, free_port, gunicorn, http_ready, wait_for

WEB_DIST = Path(__file__).resolve().parents[2] / "services" / "web" / "dist"
PHONE = {"width": 390, "height": 844}
BROKER_DB = 5


@pytest.fixture(scope="session")
def app_settings(settings, redis_server):
    port = free_port()
    return dataclasses.replace(
        settings,
        broker_url=redis_server.url(BROKER_DB),
        app_base_url=f"http://127.0.0.1:{port}",
        web_dist_dir=str(WEB_DIST),
    )


@pytest.fixture(scope="module")
def app_url(app_settings, tmp_path_factory):
    """Base URL of the ingestion service (API and app), with workers computing summaries and sending mail;
    stopped after the module, so no process of this stack outlives the tests that use it."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("services/web is not built: run `make setup`")
    logs = tmp_path_factory.mktemp("app-stack")
    env = child_env(app_settings.as_env() | {"TYH_SERVICE": "app-browser-test"})
    base_url = app_settings.app_base_url
    processes = [
        gunicorn("services.ingestion.wsgi:app", int(base_url.rsplit(":", 1)[1]), env, logs / "web.log"),
        celery_worker("services.workers.worker", WORKER_QUEUES, env, logs / "workers.log"),
        celery_worker("services.workers.worker", REPORT_QUEUES, env, logs / "reports.log"),
        celery_worker("services.notification.worker", NOTIFICATION_QUEUES, env, logs / "notifier.log"),
    ]
    for process in processes:
        process.start()
    try:
        wait_for(lambda: http_ready(f"{base_url}/healthz"), 30, "ingestion gunicorn")
        yield base_url
    finally:
        for process in processes:
            process.stop()


@contextlib.contextmanager
def phone(browser, app_url: str, **options):
    """A phone-sized browser context on the app's origin, closed after; `options` for the context, such as
    the phone's own time zone (`timezone_id`) or language (`locale`, en-US unless given)."""
    context = browser.new_context(base_url=app_url, viewport=PHONE, **({"locale": "en-US"} | options))
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def app_context(browser, app_url, db, redis, mailbox):
    """A phone-sized browser context on the app's origin."""
    with phone(browser, app_url) as context:
        yield context
    time.sleep(0.2)  # let the worker finish an email so the next test's mailbox starts empty


def store_plan(app_url: str, headers: dict, **changes) -> dict:
    """A diazepam taper that started 20 days ago, stored through the API as the plan; what was sent."""
    start = str(datetime.now(UTC).date() - timedelta(days=20))
    plan = plans.plan(plans.diazepam_tablets(), start_day=start, **changes)
    r = api(app_url, headers, "POST", "/v1/plan/versions", json=plan)
    assert r.status_code == 201, r.text
    return plan


def api(app_url: str, headers: dict, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, app_url + path, headers=headers, timeout=10, **kwargs)


def plant_wave(app_url: str, headers: dict, today: date | None = None) -> tuple[date, date]:
    """40 days of check-ins around 3 ending on `today`, with a week at 8 in the middle: a wave there, and
    only there."""
    today = today or date.today()
    first = today - timedelta(days=39)
    wave = (first + timedelta(days=26), first + timedelta(days=32))
    events = []
    for i in range(40):
        day = first + timedelta(days=i)
        overall = 8 if wave[0] <= day <= wave[1] else 3 + (i % 2)
        events.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": "check_in",
                "occurred_at": f"{day.isoformat()}T12:00:00+00:00",
                "overall": overall,
            }
        )
    # Sent now: an earlier sent_at reads as a device clock behind and moves every event forward. Today's
    # noon check-in is sent as if at 23:00 (a skew the server tolerates) so it is not in the future.
    sent_at = max(datetime.now(UTC), datetime(today.year, today.month, today.day, 23, tzinfo=UTC))
    r = api(
        app_url, headers, "POST", "/v1/events/batch", json={"sent_at": sent_at.isoformat(), "events": events}
    )
    assert r.status_code == 200 and r.json()["accepted"] == 40, r.text
    return wave
