"""Task bodies called directly against real SMTP servers: failure classes, DKIM, the sweeper."""

import base64
import dataclasses
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import dkim
import pytest

from services.notification.email import service
from services.notification.email.sender import TransientSendError
from shared import outbox
from shared.email import lease_seconds, outbox_id, request_email
from shared.mongo import mongo
from shared.runtime import runtime_of
from tests.support.mailbox import SmtpServer
from tests.support.runtimes import celery_for
from tests.support.servers import free_port

NEWS = {"headline": "Hello", "paragraphs": ["News."]}


@pytest.fixture
def payload(settings, redis_server, db):
    """Request an email as a producer does, through a broker database no worker reads (as if the broker
    lost the task): the tests run the task body themselves. Returns the record's id."""
    producer = celery_for("unconsumed", dataclasses.replace(settings, broker_url=redis_server.url(7)))

    def request(to="a@example.org", key=None, template="product_news", data=None) -> str:
        key = key or uuid.uuid4().hex
        request_email(producer, template=template, to=to, idempotency_key=key, data=data or NEWS)
        return outbox_id(settings, key)

    yield request
    mongo.configure(settings)


class RejectingHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"


@pytest.fixture
def rejecting_smtp():
    server = SmtpServer()
    server.mailbox = RejectingHandler()
    yield server.start()
    server.stop()


def test_permanent_failure_fails_at_once_with_the_reason(settings, db, rejecting_smtp, payload):
    p = payload()
    result = service.deliver(p, "task-1", dataclasses.replace(settings, smtp_port=rejecting_smtp.port))
    assert result == service.FAILED
    record = db.email_outbox.find_one({"_id": p})
    assert record["status"] == "failed"
    assert record["attempts"] == 1
    assert "550" in record["last_error"]


def test_unreachable_server_is_transient_and_the_record_waits(settings, db, payload):
    p = payload()
    with pytest.raises(TransientSendError):
        service.deliver(p, "task-1", dataclasses.replace(settings, smtp_port=free_port()))
    record = db.email_outbox.find_one({"_id": p})
    assert record["status"] == "queued"
    assert "Connection refused" in record["last_error"]


def test_a_second_delivery_of_a_sent_record_sends_nothing(settings, db, mailbox, payload):
    p = payload()
    assert service.deliver(p, "task-1", settings) == service.SENT
    assert service.deliver(p, "task-1", settings) == service.SKIPPED
    assert len(mailbox.wait_for(1)) == 1


def test_unknown_template_is_a_permanent_failure(settings, db, payload):
    p = payload(template="no_such_email")
    assert service.deliver(p, "t", settings) == service.FAILED
    assert "UnknownTemplate" in db.email_outbox.find_one({"_id": p})["last_error"]


def test_dkim_signature_covers_both_unsubscribe_headers_and_verifies(
    settings, db, mailbox, tmp_path, payload
):
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public_der = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    signed = dataclasses.replace(
        settings, dkim_private_key=key.read_text(), dkim_domain="example.org", dkim_selector="sel"
    )
    service.deliver(payload(), "t", signed)
    (message,) = mailbox.wait_for(1)
    signature = str(message["DKIM-Signature"])
    header_list = signature.split("h=")[1].split(";", maxsplit=1)[0]
    signed_headers = {h.strip().lower() for h in header_list.split(":")}
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= signed_headers
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)
    assert dkim.verify(mailbox.raw[0], dnsfunc=lambda name, timeout=5: record)


@pytest.mark.usefixtures("db", "notification_worker")
def test_sweeper_re_enqueues_a_record_the_broker_lost(settings, mailbox, notification_app, payload):
    # The producer wrote the record but its task never reached the worker's broker.
    payload(to="lost@example.org")
    # Once its sweep_after passes (a product email's lease from its creation) and no attempt took it.
    later = datetime.now(UTC) + timedelta(seconds=lease_seconds(settings, "product_news") + 1)
    swept = service.sweep(runtime_of(notification_app).celery, settings, now=later)
    assert swept == 1
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "lost@example.org"


def test_a_claim_left_by_a_worker_that_died_before_marking_the_record_is_taken_over(
    settings, db, mailbox, payload
):
    # The state a worker killed between its claim and the record's update leaves (as earlier versions
    # wrote claims, with no lease): every later attempt used to compute the same claim id and skip for good.
    p = payload(to="code@example.org", template="sign_in_code", data={"code": "123456", "minutes": 10})
    claimed_at = datetime.now(UTC) - timedelta(seconds=settings.outbox_lease_seconds + 1)
    db.email_claims.insert_one({"_id": f"{p}#1", "outbox_id": p, "task_id": "dead", "at": claimed_at})
    assert db.email_outbox.find_one({"_id": p})["status"] == "queued"

    assert service.deliver(p, "next", settings) == service.SENT
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "code@example.org"
    assert service.deliver(p, "again", settings) == service.SKIPPED


def test_a_live_claim_is_busy_until_its_lease_ends_and_the_sweeper_leaves_it(
    settings, db, mailbox, payload, notification_app
):
    p = payload(to="held@example.org", template="sign_in_code", data={"code": "654321", "minutes": 10})
    now = datetime.now(UTC)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    record = outbox.claim(p, "holder", now, lease)
    assert record["lease_until"] == record["sweep_after"]
    assert outbox.claim(p, "other", now + lease / 2, lease) == outbox.Busy(record["lease_until"])
    celery_app = runtime_of(notification_app).celery
    assert service.sweep(celery_app, settings, now=now + lease / 2) == 0
    # A time-critical email's holder is gone once its short lease ends: the next attempt takes it.
    taken = outbox.claim(p, "next", now + lease + timedelta(seconds=1), lease)
    assert (taken["claimed_by"], taken["attempts"]) == ("next", 2)
    assert outbox.claim(p, "third", now + lease + timedelta(seconds=2), lease) == outbox.Busy(
        taken["lease_until"]
    )
    assert mailbox.messages == []


def test_a_finished_attempt_ends_its_lease_so_a_resend_goes_out_at_once(settings, db, mailbox, payload):
    data = {"name": "", "accept_url": "https://x/i/TOKEN", "expires_on": "1 May"}
    p = payload(to="held@example.org", template="invitation", data=data)
    db.email_suppressions.insert_one({"_id": "held@example.org", "scope": "all", "reason": "hard bounce"})
    assert service.deliver(p, "first", settings) == service.SUPPRESSED
    db.email_suppressions.delete_one({"_id": "held@example.org"})
    assert outbox.requeue(p, datetime.now(UTC), reason="resend") is not None
    assert service.deliver(p, "resend", settings) == service.SENT
    assert mailbox.wait_for(1)[0]["To"] == "held@example.org"


def test_of_many_attempts_claiming_one_email_at_once_exactly_one_wins(settings, db, payload):
    # Each round: eight threads (eight connections) claim one record at the same instant; the claim is one
    # conditional update, which MongoDB (and FerretDB with patch 0003) applies to one of them only.
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    for round_ in range(10):
        p = payload(to=f"race{round_}@example.org")
        start = threading.Barrier(8)

        def attempt(i: int, p=p, start=start):
            start.wait()
            return outbox.claim(p, f"task-{i}", datetime.now(UTC), lease)

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(attempt, range(8)))
        winners = [r for r in results if isinstance(r, dict)]
        assert len(winners) == 1, results
        assert all(isinstance(r, outbox.Busy) for r in results if not isinstance(r, dict))
        assert db.email_outbox.find_one({"_id": p})["claimed_by"] == winners[0]["claimed_by"]


def test_each_email_is_held_for_its_own_lease(settings, mailbox, payload):
    # One claim, no read before it: time-critical mail keeps the short lease, other mail extends its own.
    quick, slow = (
        payload(to="q@example.org", template="sign_in_code", data={"code": "1", "minutes": 10}),
        payload(),
    )
    for p, template in ((quick, "sign_in_code"), (slow, "product_news")):
        assert service.deliver(p, f"task-{template}", settings) == service.SENT
        record = mongo.db.email_outbox.find_one({"_id": p})
        held = record["lease_until"] - record["claimed_at"]
        assert held == timedelta(seconds=lease_seconds(settings, template)), template
    assert lease_seconds(settings, "product_news") > lease_seconds(settings, "sign_in_code")
