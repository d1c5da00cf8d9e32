"""Waitlist entries inserted directly, shaped like the waitlist service's documents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notification.waitlist import repository

BASE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def entry_doc(n: int = 0, status: str = "confirmed", **overrides: Any) -> dict[str, Any]:
    """A waitlist entry document; `n` spaces created_at a minute apart and makes the email unique."""
    created = overrides.pop("created_at", BASE + timedelta(minutes=n))
    confirmed = created + timedelta(minutes=5) if status != "pending" else None
    doc = {
        "_id": uuid.uuid4().hex,
        "email": f"Person.{n}@Example.org",
        "email_key": f"person.{n}@example.org",
        "name": f"Person {n}",
        "status": status,
        "source": "forum",
        "utm": {"utm_source": "newsletter"},
        "referral_code": uuid.uuid4().hex[:8],
        "referred_by": None,
        "referral_credited": False,
        "referral_credits": 0,
        "consent": {
            "text_version": "2025-01",
            "given_at": created,
            "ip": "203.0.113.7",
            "user_agent": "Firefox",
        },
        "created_at": created,
        "confirmed_at": confirmed,
        "line_at": confirmed,
        "invited_at": None,
        "invitation_id": None,
        "confirmation_sends": 1,
        "last_confirmation_sent_at": created,
    }
    doc.update(overrides)
    return doc


def entry(n: int = 0, status: str = "confirmed", **overrides: Any) -> dict[str, Any]:
    doc = entry_doc(n, status, **overrides)
    repository.insert_entry(doc)  # counted, as the waitlist service's sign-ups are
    return doc


def entries(count: int, **overrides: Any) -> list[dict[str, Any]]:
    docs = [entry_doc(n, **overrides) for n in range(count)]
    repository.insert_entries(docs)
    return docs
