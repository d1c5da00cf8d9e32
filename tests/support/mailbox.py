"""An aiosmtpd server on loopback that keeps messages in memory for assertions."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.servers import free_port


class Mailbox:
    """aiosmtpd handler plus helpers to wait for and read what arrived."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._cond:
            self.raw.append(raw)
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()
            self.raw.clear()
            self.envelopes.clear()

    # Both waits are long enough for a worker at the lowest CPU priority while the suite runs beside it (the
    # clock check): at 10 s, a test waiting for three sign-in codes timed out there; a passing test never
    # waits it out.
    def wait_for(self, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} message(s), got {len(self.messages)}")
                self._cond.wait(remaining)
            return list(self.messages)

    def wait_for_one_to(self, address: str, timeout: float = 30) -> EmailMessage:
        """The first message that arrived for `address`."""
        return self.wait_for_to(address, 1, timeout)[0]

    def wait_for_to(self, address: str, count: int, timeout: float = 30) -> list[EmailMessage]:
        """The first `count` messages that arrived for `address` (a mail another test sent late, for someone
        else, is not among them)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [m for m in self.messages if str(m["To"]).lower() == address.lower()]
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} message(s) for {address}, got {len(found)}")
                self._cond.wait(remaining)


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None
