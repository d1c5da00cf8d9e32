"""A person's email preferences with their defaults: the one place the API, workers and email service read.

Stored preferences hold only what the person set (`users.preferences`); everything else comes from here.
Weekly reports and reminders are off until the person turns them on: both are optional email. Their
`enabled` is the one record of whether the person gets them (with `to_self`, for the weekly report's own
copy): the unsubscribe link in a reminder or weekly report turns it off (`switch`; for a weekly report
that also goes to a clinician, only the person's own copy), and the email service asks it
(`own_mail_wanted`) before sending them, so settings and links can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import email, users

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

WEEKLY_REPORT = "weekly_report"
REMINDERS = "reminders"

DEFAULTS: dict[str, dict[str, Any]] = {
    WEEKLY_REPORT: {
        "enabled": False,
        "weekday": "monday",  # the report covers the seven days before this day
        "local_time": "09:00",
        "to_self": True,
        "clinician_email": None,  # a clinician gets a link (no health detail), only when named
        "attach_pdf": False,
        "include_notes": False,
        "paper": None,  # "A4" | "Letter"; None until chosen, and the report is then built on A4
    },
    REMINDERS: {
        "enabled": False,
        "local_time": "19:00",
        "days": list(WEEKDAYS),
        "quiet_hours": None,  # {"start": "HH:MM", "end": "HH:MM"}, may wrap midnight
        "paused_until": None,  # "YYYY-MM-DD": reminders resume on this local day
    },
}


# The email categories that are a person's own optional mail, and the preference group that turns each on.
KIND_OF_CATEGORY = {email.REMINDERS: REMINDERS, email.REPORTS: WEEKLY_REPORT}


def effective(stored: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """One preference group as it applies: the defaults overlaid with what the person set."""
    return DEFAULTS[kind] | ((stored or {}).get(kind) or {})


def effective_all(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {kind: effective(stored, kind) for kind in DEFAULTS}


def _account(address_key: str) -> dict | None:
    return users.find_by_email(address_key, {"preferences": 1, "created_at": 1, "email_key": 1})


def own_mail_wanted(address_key: str, category: str, user_id: str | None) -> bool | None:
    """Whether the person's settings let their own mail of this category go out; None when it is not a
    person's own settings-controlled mail (another category, another person's mail, or no account here)."""
    kind = KIND_OF_CATEGORY.get(category)
    if kind is None or user_id is None:
        return None
    account = _account(address_key)
    if account is None or account["_id"] != user_id:
        return None
    group = effective(account.get("preferences"), kind)
    # A weekly report that goes to the clinician alone is still on, and sends the person nothing.
    return bool(group["enabled"]) and (kind != WEEKLY_REPORT or bool(group["to_self"]))


def clinician_copy(account: dict) -> bool:
    """The person's weekly report goes on to a clinician they named (not their own address)."""
    group = effective(account.get("preferences"), WEEKLY_REPORT)
    clinician = group["clinician_email"]
    own = email.address_key(account["email_key"])
    return bool(group["enabled"] and clinician and email.address_key(clinician) != own)


def clinician_copy_at(address_key: str) -> bool:
    """`clinician_copy` for the account at this address; False when no account has it."""
    account = _account(address_key)
    return account is not None and clinician_copy(account)


def switch(address_key: str, category: str, enabled: bool, now: datetime) -> str | None:
    """Turn the category's mail on or off in the settings of the account at this address (an unsubscribe
    link, or its undo); the account's id, or None when no account has the address or the category is not
    in settings. The rest of the group is kept, as PATCH /v1/me keeps it."""
    kind = KIND_OF_CATEGORY.get(category)
    account = _account(address_key) if kind else None
    if account is None:
        return None
    change: dict[str, Any] = {"enabled": enabled}
    if kind == WEEKLY_REPORT:
        # The person's own copy is what their link (or its undo) is about: a clinician they named keeps
        # getting theirs until the person turns the report off in Settings, as the page tells them.
        if enabled:
            change = {"enabled": True, "to_self": True}
        elif clinician_copy(account):
            change = {"to_self": False}
    group = ((account.get("preferences") or {}).get(kind) or {}) | change
    users.update(account["_id"], {f"preferences.{kind}": group, "updated_at": now})
    return account["_id"]


def adopt_opt_out(address_key: str, category: str, opted_out_at: datetime, now: datetime) -> bool:
    """An opt-out stored for the address while an account held it (before settings held them) becomes the
    account's setting; True if it did. One made before the account existed concerned other mail."""
    account = _account(address_key) if KIND_OF_CATEGORY.get(category) else None
    if account is None or account["created_at"] > opted_out_at:
        return False
    return switch(address_key, category, False, now) is not None


def reminders_paused(prefs: dict[str, Any], day: str) -> bool:
    """Reminders are paused on this local day ("YYYY-MM-DD"): `paused_until` is the day they resume."""
    until = prefs.get("paused_until")
    return bool(until) and day < until
