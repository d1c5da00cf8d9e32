"""Sending bytes over SMTP, and telling failures worth retrying from those that are final."""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import threading
import time

from shared.settings import Settings

TIMEOUT_S = 30
# A connection idle this long is closed rather than reused: servers drop idle sessions (RFC 5321 asks them
# to wait at least 5 minutes).
IDLE_S = 60.0
# A connection idle this long is asked a NOOP before it carries a message, so that a session the server
# dropped meanwhile is replaced instead of failing the send. Back-to-back sends skip the round trip.
CHECK_AFTER_S = 1.0


class TransientSendError(Exception):
    """The server is unreachable or said 4xx: try again later."""


class PermanentSendError(Exception):
    """The server refused for good (5xx, bad address): do not retry."""


def _classify(exc: Exception, recipient: str) -> Exception:
    """The failure as ours, its text without the address: servers quote it, and the text reaches task
    log lines (a retry's reason) and the outbox record."""

    def clean(text: str) -> str:
        return re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)

    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = min(codes) if codes else None
        detail = "; ".join(f"{c} {m.decode(errors='replace')}" for c, m in exc.recipients.values())
        return (PermanentSendError if code and code >= 500 else TransientSendError)(clean(detail))
    if isinstance(code, int):
        message = getattr(exc, "smtp_error", b"")
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        # 5xx is final for the message, except authentication trouble, which an operator can fix.
        final = code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError)
        return (PermanentSendError if final else TransientSendError)(clean(f"{code} {text}"))
    return TransientSendError(clean(f"{type(exc).__name__}: {exc}"))


class SmtpSender:
    """One connection per worker process, reused from message to message: connecting, STARTTLS and AUTH
    cost more round trips than the message itself. Any failure closes the connection (the next send opens
    a new one), so a refusal or a broken session never carries over to another message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()  # one SMTP session carries one message at a time

    def send(self, sender: str, recipient: str, data: bytes, timeout: float = TIMEOUT_S) -> None:
        """`timeout` bounds each blocking step (the socket's timeout), never above TIMEOUT_S."""
        timeout = min(timeout, TIMEOUT_S)
        with self._lock:
            try:
                client = self._connection(timeout)
                client.sendmail(sender, [recipient], data)
                self._last_used = time.monotonic()
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise _classify(exc, recipient) from None
            except UnicodeEncodeError:
                # An address SMTP without SMTPUTF8 cannot carry, found after MAIL FROM went out: the session
                # is mid-message, and the next message on it would be refused ("nested MAIL command").
                self._drop()
                raise PermanentSendError("an address with characters SMTP cannot carry") from None

    def _connection(self, timeout: float) -> smtplib.SMTP:
        idle = time.monotonic() - self._last_used
        if self._client is not None and idle > IDLE_S:
            self.close()
        if self._client is not None:
            self._client.sock.settimeout(timeout)
            if idle > CHECK_AFTER_S and not self._alive(self._client):
                self._drop()
        if self._client is None:
            self._client = self._connect(timeout)
        return self._client

    @staticmethod
    def _alive(client: smtplib.SMTP) -> bool:
        try:
            return client.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def _connect(self, timeout: float) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_ssl:
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        try:
            if s.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password)
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        """End the session politely (QUIT); a session that fails to answer is just dropped."""
        client = self._client
        if client is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        self._drop()

    def _drop(self) -> None:
        # No QUIT after a failure: a stalled server would hold the worker for another timeout.
        client, self._client = self._client, None
        if client is not None:
            client.close()
