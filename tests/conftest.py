"""Session servers (Redis, FerretDB, SMTP) on free ports in a temporary directory; clean state per test.

Set TEST_MONGO_URI to run the suite against a real MongoDB instead of starting FerretDB.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from celery.contrib.testing.worker import start_worker

from shared import push_keys
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.runtime import build
from shared.settings import Settings
from shared.tasks import ALL_QUEUES
from tests.support import operations  # noqa: F401 - registers its MongoDB command listener first
from tests.support.clock_check import TIME_SENSITIVE
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.servers import ROOT, FerretDB, RedisServer
from tests.support.suite import SLOWEST


def pytest_addoption(parser):
    parser.addoption(
        "--leave-clock-checked",
        action="store_true",
        help="leave out the tests the clock check runs at its hard instants (make test runs it beside)",
    )
    parser.addoption(
        "--slowest-first",
        action="store_true",
        help="run the slowest test files first (tests/support/suite.py), for pytest-xdist's even finish",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("slowest_first"):
        rank = {Path(ROOT, path): i for i, path in enumerate(SLOWEST)}
        if gone := [str(path) for path in rank if not path.exists()]:
            raise pytest.UsageError(f"tests/support/suite.py names files that are gone: {gone}")
        items.sort(key=lambda item: rank.get(item.path, len(rank)))  # stable: the rest keep their order
    if not config.getoption("leave_clock_checked"):
        return
    # The clock check runs these at seven instants; an eighth run at today's hour adds only its CPU.
    checked = [Path(ROOT, path) for path in TIME_SENSITIVE]
    kept, left_out = [], []
    for item in items:
        clocked = any(item.path == path or path in item.path.parents for path in checked)
        (left_out if clocked and not item.get_closest_marker("any_hour") else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory) -> Iterator[str]:
    if os.environ.get("TEST_MONGO_URI"):
        yield os.environ["TEST_MONGO_URI"]
        return
    server = FerretDB(tmp_path_factory.mktemp("ferretdb")).start()
    yield server.uri
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(mongo_uri, redis_server, smtp_server) -> Settings:
    return Settings.from_env(
        {},
        environment="test",
        mongo_uri=mongo_uri,
        mongo_db="tyh_test",
        redis_url=redis_server.url(0),
        broker_url=redis_server.url(1),
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        log_level="WARNING",
        # Web Push on, with the loopback push service of tests/support/push_service.py allowed.
        vapid_private_key=push_keys.generate_private_key(),
        push_service_hosts=push_keys.DEFAULT_PUSH_SERVICE_HOSTS + ",http://127.0.0.1",
        # An erasure's second sweep runs while the test that erased still waits for its worker to be idle.
        erasure_sweep_after_seconds=1,
    )


@pytest.fixture
def db(settings):
    """The test database with every collection emptied (indexes kept, as the services create them once)."""
    mongo.configure(settings)
    redis_client.configure(settings)  # services' code called straight from tests reaches Redis too
    database = mongo.db
    for name in database.list_collection_names():
        database[name].delete_many({})
    return database


@pytest.fixture
def redis(settings) -> redis_lib.Redis:
    """The application Redis database, emptied. The broker's database is left alone: kombu keeps its
    queue bindings there and a running worker depends on them."""
    client = redis_lib.Redis.from_url(settings.redis_url, decode_responses=True)
    client.flushdb()
    return client


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


# Each app is built once per test process, as a deployed process builds it once at its start: building one
# (its routes, its OpenAPI document) took a quarter of the time-sensitive tests' CPU when done for each test.
# A test gets it with the database and Redis emptied; a test that needs other settings builds its own.
@pytest.fixture(scope="session")
def built_ingestion_app(settings):
    from tests.support.runtimes import ingestion_app

    return ingestion_app(settings)


@pytest.fixture(scope="session")
def built_notification_app(settings):
    from tests.support.runtimes import notification_app

    return notification_app(settings)


@pytest.fixture
def ingestion_app(built_ingestion_app, db):
    return built_ingestion_app


@pytest.fixture
def notification_app(built_notification_app, db):
    return built_notification_app


@pytest.fixture(scope="session")
def workers_celery(settings):
    from tests.support.runtimes import workers_app

    return workers_app(settings)


@pytest.fixture(scope="session")
def notification_celery(settings):
    from tests.support.runtimes import notifier_app

    return notifier_app(settings)


@pytest.fixture(scope="session")
def celery_worker_all(settings):
    """One real Celery worker, in this process, for every queue and every service's tasks. (Two
    in-process workers would share Celery's process-wide worker state and can stall each other; the
    deployed services run one worker process each, which tests/test_e2e_queue.py and others exercise.)"""
    from services.notification.celery import TASK_PACKAGES as NOTIFICATION_TASKS
    from services.notification.celery import with_senders
    from services.workers.celery import TASK_PACKAGES as WORKER_TASKS

    # The notifier's runtime (its senders), which the workers' tasks read as they read any runtime.
    app = with_senders(build("tests", settings, ALL_QUEUES)).celery
    app.autodiscover_tasks(WORKER_TASKS + NOTIFICATION_TASKS, related_name="tasks", force=True)
    # Tasks that earlier tests in this process queued with no worker running (a fuzzed sign-up's storing)
    # would otherwise run now, in whichever test first asks for the worker, and add to its emails.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture(scope="session")
def workers_worker(celery_worker_all):
    """A real worker taking the summaries and reports queues (see celery_worker_all)."""
    return celery_worker_all


@pytest.fixture(scope="session")
def notification_worker(celery_worker_all):
    """A real worker taking the email queue (see celery_worker_all)."""
    return celery_worker_all


@pytest.fixture(scope="session", autouse=True)
def _close_clients():
    yield
    mongo.close()
