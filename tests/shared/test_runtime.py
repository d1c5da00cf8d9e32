"""The composition root (shared/runtime.py): what a process is built with is what its views and tasks read."""

from __future__ import annotations

import dataclasses

from services.notification.email.sender import SmtpSender
from services.notification.push.sender import WebPushSender
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.runtime import build, runtime_of
from shared.tasks import CLOSE_DAYS, SEND_EMAIL
from tests.support.runtimes import ingestion_app, notifier_app, workers_app


def test_views_read_the_runtime_their_app_was_built_with(settings, db):
    own = dataclasses.replace(settings, app_base_url="https://own.example.org")
    app = ingestion_app(own)
    with app.app_context():
        runtime = runtime_of()
    assert runtime.settings is own
    assert runtime.service == "ingestion"
    assert runtime.celery.runtime is runtime  # the producer its views send with
    assert runtime.celery.conf.broker_url == own.broker_url


def test_tasks_read_the_runtime_of_their_worker(settings):
    own = dataclasses.replace(settings, summary_parameters_file="own.json")
    task = workers_app(own).tasks[CLOSE_DAYS.name]
    assert task.runtime.settings is own
    assert task.runtime.celery is task.app


def test_the_notifier_tasks_get_the_senders_built_at_start(settings):
    runtime = notifier_app(settings).tasks[SEND_EMAIL.name].runtime
    assert isinstance(runtime.email_sender, SmtpSender)
    assert isinstance(runtime.push_sender, WebPushSender)
    assert runtime.email_sender.settings is settings


def test_build_configures_the_process_clients(settings, redis_server):
    own = dataclasses.replace(settings, redis_url=redis_server.url(5), mongo_db="tyh_test_runtime")
    try:
        build("test", own)
        assert mongo.db.name == "tyh_test_runtime"
        assert redis_client.client.connection_pool.connection_kwargs["db"] == 5
    finally:
        build("test", settings)  # the session's clients again, for the tests after this one
    assert mongo.db.name == settings.mongo_db
