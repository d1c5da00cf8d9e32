"""The worker's SMTP sender against a real server: one session carries message after message, a session
the server dropped is replaced before the next message, and a failure never carries over."""

from __future__ import annotations

import dataclasses

import pytest

from services.notification.email import sender as sender_module
from services.notification.email.sender import PermanentSendError, SmtpSender
from tests.support.mailbox import Mailbox, SmtpServer


class CountingMailbox(Mailbox):
    """Counts SMTP sessions (each starts with EHLO) and refuses recipients at refused.example."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def server():
    smtp = SmtpServer()
    smtp.mailbox = CountingMailbox()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture
def sender(settings, server):
    own = SmtpSender(dataclasses.replace(settings, smtp_port=server.port))
    yield own
    own.close()


def _message(n: int) -> bytes:
    return f"Subject: {n}\r\n\r\nMessage {n}.\r\n".encode()


def test_one_session_carries_message_after_message(sender, server):
    for n in range(3):
        sender.send("from@example.org", f"to{n}@example.org", _message(n))
    assert [m["Subject"] for m in server.mailbox.wait_for(3)] == ["0", "1", "2"]
    assert server.mailbox.sessions == 1


def test_a_session_the_server_dropped_is_replaced_before_the_next_message(sender, server, monkeypatch):
    sender.send("from@example.org", "to@example.org", _message(1))
    server.stop()  # the server restarts: the worker's session is gone
    server.start()
    monkeypatch.setattr(sender_module, "CHECK_AFTER_S", 0.0)  # as if idle past the check
    sender.send("from@example.org", "to@example.org", _message(2))
    assert [m["Subject"] for m in server.mailbox.wait_for(2)] == ["1", "2"]
    assert server.mailbox.sessions == 2


def test_a_refused_message_does_not_carry_over_to_the_next(sender, server):
    with pytest.raises(PermanentSendError) as refused:
        sender.send("from@example.org", "someone@refused.example", _message(1))
    assert "someone@refused.example" not in str(refused.value)  # the address stays out of logs
    sender.send("from@example.org", "to@example.org", _message(2))
    assert [m["Subject"] for m in server.mailbox.wait_for(1)] == ["2"]


def test_an_address_smtp_cannot_carry_fails_for_good_and_leaves_no_session_half_used(sender, server):
    """A non-ASCII local part needs SMTPUTF8: refused for good, and the session it left after MAIL FROM
    is not handed the next message (which the server would refuse as a nested MAIL command)."""
    with pytest.raises(PermanentSendError):
        sender.send("from@example.org", "josé@example.org", _message(1))
    sender.send("from@example.org", "to@example.org", _message(2))
    assert [m["Subject"] for m in server.mailbox.wait_for(1)] == ["2"]
