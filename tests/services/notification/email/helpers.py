"""Reading real received emails in tests: parts, links, unsubscribe headers."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage

from shared.email import outbox_id
from shared.mongo import mongo
from shared.settings import Settings

LINK = re.compile(r'href="([^"]+)"')


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def html_links(message: EmailMessage) -> list[str]:
    return [link.replace("&amp;", "&") for link in LINK.findall(parts(message)[1])]


def unsubscribe_url(message: EmailMessage) -> str:
    """The List-Unsubscribe header's one link (no mailto: no one reads such a mailbox)."""
    return re.fullmatch(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"])).group(1)


def record_for(settings: Settings, key: str) -> dict | None:
    """The outbox record requested under an idempotency key."""
    return mongo.db.email_outbox.find_one({"_id": outbox_id(settings, key)})


def wait_status(settings: Settings, key: str, statuses: set[str], timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        record = record_for(settings, key)
        if record and record["status"] in statuses:
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"{key} never reached {statuses}: {record}")
        time.sleep(0.05)
