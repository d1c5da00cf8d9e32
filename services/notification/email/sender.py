"""Sending bytes over SMTP, and telling failures worth retrying from those that are final."""

from __future__ import annotations

import re
import smtplib
import ssl

from shared.settings import Settings

TIMEOUT_S = 30


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
    """One connection per message: simple, and each send is independent of the last one's failure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, sender: str, recipient: str, data: bytes, timeout: float = TIMEOUT_S) -> None:
        """`timeout` bounds each blocking step (the socket's timeout), never above TIMEOUT_S."""
        s = self.settings
        timeout = min(timeout, TIMEOUT_S)
        try:
            if s.smtp_ssl:
                client = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
            with client:
                if s.smtp_starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password)
                client.sendmail(sender, [recipient], data)
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc, recipient) from None
