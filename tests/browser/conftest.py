"""A real stack for the browser: the notification service under gunicorn, its worker, headless chromium.

The children get their own broker database, so the in-process test worker (if another test started one)
cannot take their email tasks; they share the test MongoDB, app Redis and SMTP sink with this process.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from tests.support.servers import celery_worker, child_env, free_port, gunicorn, http_ready, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def live_settings(settings, redis_server):
    port = free_port()
    return dataclasses.replace(
        settings, broker_url=redis_server.url(4), public_base_url=f"http://127.0.0.1:{port}"
    )


@pytest.fixture(scope="session")
def live_server(live_settings, tmp_path_factory):
    """Base URL of the notification service running under gunicorn, with a real worker consuming email."""
    logs = tmp_path_factory.mktemp("live")
    env = child_env(live_settings.as_env() | {"TYH_SERVICE": "browser-test"})
    base_url = live_settings.public_base_url
    web = gunicorn("services.notification.wsgi:app", int(base_url.rsplit(":", 1)[1]), env, logs / "web.log")
    worker = celery_worker("services.notification.worker", ("email",), env, logs / "worker.log")
    web.start()
    worker.start()
    try:
        wait_for(lambda: http_ready(f"{base_url}/healthz"), 30, "notification gunicorn")
        yield base_url
    finally:
        web.stop()
        worker.stop()


@pytest.fixture(scope="session")
def ingestion_server(live_settings, tmp_path_factory):
    """Base URL of the ingestion service under gunicorn (its pages: the invitation link)."""
    port = free_port()
    logs = tmp_path_factory.mktemp("ingestion")
    env = child_env(live_settings.as_env() | {"TYH_SERVICE": "browser-test-ingestion"})
    web = gunicorn("services.ingestion.wsgi:app", port, env, logs / "web.log")
    web.start()
    try:
        wait_for(lambda: http_ready(f"http://127.0.0.1:{port}/healthz"), 30, "ingestion gunicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        web.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, db, redis, mailbox):
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
    # The worker may still be finishing an email; let it, so the next test's mailbox starts empty.
    time.sleep(0.2)
