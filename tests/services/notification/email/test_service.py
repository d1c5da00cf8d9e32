"""Task bodies called directly against real SMTP servers: failure classes, DKIM, the sweeper."""

import base64
import dataclasses
import subprocess
import uuid

import dkim
import pytest

from services.notification.email import service
from services.notification.email.sender import TransientSendError
from shared.celery_app import create_celery
from shared.email import outbox_id, request_email
from shared.mongo import mongo
from tests.support.mailbox import SmtpServer
from tests.support.servers import free_port

NEWS = {"headline": "Hello", "paragraphs": ["News."]}


@pytest.fixture
def payload(settings, redis_server, db):
    """Request an email as a producer does, through a broker database no worker reads (as if the broker
    lost the task): the tests run the task body themselves. Returns the record's id."""
    producer = create_celery("unconsumed", dataclasses.replace(settings, broker_url=redis_server.url(7)))

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
    swept = service.sweep(
        notification_app.extensions["celery"], dataclasses.replace(settings, outbox_stale_seconds=0)
    )
    assert swept == 1
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "lost@example.org"
