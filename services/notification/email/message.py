"""Building the MIME message: headers (RFC 8058 unsubscribe pair), both parts, attachments, optional DKIM
signature."""

from __future__ import annotations

import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr

import dkim

from services.notification.email.attachments import Attachment
from services.notification.email.templates import Rendered
from shared.settings import Settings

# Long header lines are kept whole: folding List-Unsubscribe has broken DKIM verification at some receivers.
POLICY = SMTP.clone(max_line_length=998)
DKIM_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


def message_id(outbox_id: str, settings: Settings) -> str:
    """Stable per logical email, so a resend after a crash is recognisable as the same message."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(outbox_id.encode()).hexdigest()[:32]}@{domain}>"


def build(
    outbox_id: str,
    to: str,
    rendered: Rendered,
    settings: Settings,
    unsubscribe_token: str | None = None,
    *,
    attachments: list[Attachment] = (),
) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = settings.mail_from
    msg["To"] = Address(addr_spec=to)
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(outbox_id, settings)
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_token:
        # The one-click https link only: no one reads a mailbox for unsubscribe emails, so a mail client that
        # sent one would leave the person subscribed while telling them they were not.
        msg["List-Unsubscribe"] = f"<{settings.public_base_url}/u/{unsubscribe_token}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
    return msg


def to_bytes(msg: EmailMessage, settings: Settings) -> bytes:
    """The bytes to send, DKIM-signed (covering both unsubscribe headers) when a key is configured."""
    raw = msg.as_bytes(policy=POLICY)
    if not settings.dkim_private_key:
        return raw
    signature = dkim.sign(
        raw,
        settings.dkim_selector.encode(),
        (settings.dkim_domain or parseaddr(settings.mail_from)[1].rpartition("@")[2]).encode(),
        settings.dkim_private_key.encode(),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[h for h in DKIM_HEADERS if h.decode() in {k.lower() for k in msg}],
    )
    return signature + raw
