"""Faults through separate real processes: a worker or its pool process killed mid-send, an SMTP server
down for a while."""

import asyncio
import dataclasses
import threading
import time

import psutil
import pytest

from services.notification.email import service
from shared.email import outbox_id, request_email
from shared.mongo import mongo
from shared.queue import enqueue
from shared.tasks import NOTIFICATION_QUEUES, SEND_EMAIL
from tests.services.notification.email.helpers import record_for, wait_status
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.runtimes import celery_for
from tests.support.servers import celery_worker, child_env, free_port, wait_for, wait_past

NEWS = {"headline": "Hello", "paragraphs": ["News."]}


class StallingMailbox(Mailbox):
    """Holds every session at RCPT until released: a send that is under way but not yet accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.stalled.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def isolated(settings, redis_server, db, tmp_path):
    """Settings with a broker database of their own, so only the worker started here takes the tasks."""

    def make(broker_db: int, **changes):
        own = dataclasses.replace(settings, broker_url=redis_server.url(broker_db), **changes)
        producer = celery_for("test-producer", own)
        return own, producer

    workers = []

    def start_worker(own):
        worker = celery_worker(
            "services.notification.worker",
            NOTIFICATION_QUEUES,
            child_env(own.as_env()),
            tmp_path / f"worker{len(workers)}.log",
        ).start()
        workers.append(worker)
        return worker

    yield make, start_worker
    for worker in workers:
        worker.kill() if worker.alive else None
    mongo.configure(settings)


CODE = {"code": "246810", "minutes": 10}


@pytest.fixture
def stalling_smtp():
    box = StallingMailbox()
    smtp = SmtpServer()
    smtp.mailbox = box
    smtp.start()
    yield smtp.port, box
    box.release.set()
    smtp.stop()


def test_worker_killed_mid_send_is_taken_over_by_the_first_sweep_after_its_lease(isolated, stalling_smtp):
    make, start_worker = isolated
    port, box = stalling_smtp
    own, producer = make(16, smtp_port=port, outbox_lease_seconds=10)
    first = start_worker(own)
    request_email(
        producer, template="sign_in_code", to="k@example.org", idempotency_key="code:kill", data=CODE
    )
    assert box.stalled.wait(60), first.output()[-2000:]
    first.kill()  # SIGKILL mid-send: the message is neither acked nor marked sent
    box.release.set()
    held = record_for(own, "code:kill")
    assert (held["status"], held["attempts"]) == ("sending", 1)
    assert box.messages == []

    start_worker(own)
    # While the dead worker's lease runs nobody takes the email over; the first sweep after it does.
    assert service.sweep(producer, own) == 0
    wait_past(held["lease_until"], "the dead worker's lease to end")
    assert service.sweep(producer, own) == 1
    sent = wait_status(own, "code:kill", {"sent"}, timeout=20)
    assert sent["attempts"] == 2
    # The broker redelivering the original task, and later sweeps, all find the email sent.
    enqueue(producer, SEND_EMAIL, outbox_id=outbox_id(own, "code:kill"))
    assert service.sweep(producer, own) == 0
    time.sleep(1.5)
    assert len(box.messages) == 1
    assert record_for(own, "code:kill")["attempts"] == 2


def test_pool_process_killed_mid_send_is_sent_on_the_first_retry_after_its_lease(
    isolated, stalling_smtp, tmp_path
):
    make, _ = isolated
    port, box = stalling_smtp
    own, producer = make(17, smtp_port=port, outbox_lease_seconds=10)
    worker = celery_worker(
        "services.notification.worker",
        NOTIFICATION_QUEUES,
        child_env(own.as_env()),
        tmp_path / "prefork.log",
        pool="prefork",
    ).start()
    try:
        request_email(
            producer, template="sign_in_code", to="p@example.org", idempotency_key="code:pool", data=CODE
        )
        assert box.stalled.wait(60), worker.output()[-2000:]
        # The pool process sending it dies; the worker requeues the task at once (acks_late +
        # reject_on_worker_lost) and its next pool process finds the dead one's claim still leased.
        for child in psutil.Process(worker.proc.pid).children():
            child.kill()
        box.release.set()
        sent = wait_status(own, "code:pool", {"sent"}, timeout=60)
        # One redelivery, one retry when the lease ended, one send: never two.
        assert [h["status"] for h in sent["history"]] == ["queued", "sending", "sending", "sent"]
        assert sent["attempts"] == 2
        time.sleep(1.5)
        assert len(box.messages) == 1
        assert box.messages[0]["To"] == "p@example.org"
    finally:
        worker.kill()


def test_smtp_down_for_a_while_then_every_email_goes_out_once(isolated):
    make, start_worker = isolated
    port = free_port()
    own, producer = make(6, smtp_port=port)
    start_worker(own)
    keys = [f"news:down:{i}" for i in range(3)]
    for i, key in enumerate(keys):
        request_email(
            producer, template="product_news", to=f"user{i}@example.org", idempotency_key=key, data=NEWS
        )
    for key in keys:  # each tried, failed transiently, and waiting for its retry
        wait_for(lambda k=key: (record_for(own, k) or {}).get("last_error"), 20, key)
        assert record_for(own, key)["status"] in {"queued", "sending"}

    smtp = SmtpServer(port=port).start()
    try:
        messages = smtp.mailbox.wait_for(3, timeout=60)
        for key in keys:
            wait_status(own, key, {"sent"})
        time.sleep(2)
        assert sorted(m["To"] for m in messages) == [f"user{i}@example.org" for i in range(3)]
        assert len(smtp.mailbox.messages) == 3
    finally:
        smtp.stop()
