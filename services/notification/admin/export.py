"""CSV export of a filtered view: streamed row by row, with cells made safe for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from shared.languages import DEFAULT

COLUMNS = (
    "id", "email", "name", "status", "source", "created_at", "confirmed_at", "invited_at",
    "referral_code", "referred_by", "referral_credits", "utm_source", "utm_medium", "utm_campaign",
    "consent_version", "consent_given_at", "language", "consent_language",
)  # fmt: skip
# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The text of one cell; a leading apostrophe keeps a would-be formula as plain text."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row_of(entry: dict[str, Any]) -> list[str]:
    utm = entry.get("utm") or {}
    consent = entry.get("consent") or {}
    values = (
        entry["_id"], entry.get("email"), entry.get("name"), entry.get("status"), entry.get("source"),
        entry.get("created_at"), entry.get("confirmed_at"), entry.get("invited_at"),
        entry.get("referral_code"), entry.get("referred_by"), entry.get("referral_credits"),
        utm.get("utm_source"), utm.get("utm_medium"), utm.get("utm_campaign"),
        consent.get("text_version"), consent.get("given_at"),
        entry.get("language") or DEFAULT, consent.get("language") or DEFAULT,
    )  # fmt: skip
    return [safe_cell(v) for v in values]


def stream_csv(entries: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header line, then one line per entry, each yielded as soon as it is written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(row_of(entry))
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
