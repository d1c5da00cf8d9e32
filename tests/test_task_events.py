"""Flower sees tasks: a worker, as started in deployment, sends task events over the broker, which
Celery's events API (what Flower reads) receives; and they carry no argument that names anyone."""

from __future__ import annotations

import dataclasses
import threading

from shared.queue import enqueue
from shared.tasks import NOTIFICATION_QUEUES, SEND_SIGN_IN_CODE
from tests.support.runtimes import celery_for
from tests.support.servers import celery_worker, child_env, wait_for

BROKER_DB = 21  # this test's own broker: no other worker takes its task
ADDRESS = "Events.Person@Example.org"


def test_workers_send_task_events_flower_can_read_without_personal_data(settings, db, mailbox, tmp_path):
    own = dataclasses.replace(settings, broker_url=settings.broker_url.rsplit("/", 1)[0] + f"/{BROKER_DB}")
    app = celery_for("events-test", own)
    events: list[dict] = []
    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": events.append})
        listening = threading.Thread(
            target=receiver.capture, kwargs={"limit": None, "timeout": 60}, daemon=True
        )
        listening.start()
        worker = celery_worker(
            "services.notification.worker", NOTIFICATION_QUEUES, child_env(own.as_env()), tmp_path / "w.log"
        ).start()
        try:
            # The worker's first heartbeat says the receiver is subscribed and the worker sends events.
            wait_for(lambda: any(e["type"] == "worker-heartbeat" for e in events), 60, worker.output())
            task_id = enqueue(app, SEND_SIGN_IN_CODE, email=ADDRESS)
            kinds = lambda: {e["type"] for e in events if e.get("uuid") == task_id}  # noqa: E731
            wait_for(
                lambda: {"task-received", "task-started", "task-succeeded"} <= kinds(), 30, "task events"
            )
        finally:
            receiver.should_stop = True
            worker.stop()
    received = next(e for e in events if e["type"] == "task-received" and e["uuid"] == task_id)
    assert received["name"] == SEND_SIGN_IN_CODE.name
    assert "task-sent" not in kinds()  # producers send none: it would carry the arguments unredacted
    every = repr(events).lower()
    assert ADDRESS.lower() not in every and "example.org" not in every
