"""Admin actions and their rules: invite, erase, resend. Each one is written to the audit log.

An invitation is claimed on the entry first (confirmed -> invited is one conditional update), so a double
click or two admins inviting at once make one invitation. The email is requested under the key
`invitation:{id}`, so asking again (after a crash between the claim and the request) sends it at most once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from babel.dates import format_date
from celery import Celery

from services.notification.admin import audit
from services.notification.email import service as email_service
from services.notification.privacy import service as privacy
from services.notification.waitlist import counts
from services.notification.waitlist import repository as waitlist_repository
from services.notification.waitlist.counts import NO_SOURCE
from services.notification.waitlist.repository import ACTIVE, CONFIRMED, INVITED, PENDING, STATUSES
from shared import invitations, languages
from shared.email import request_email
from shared.link_expiry import last_whole_day
from shared.runtime import Runtime

INVITATION_TEMPLATE = "invitation"
# How the invitation writes its last day in each language: "21 December 2026", "21 de diciembre de 2026".
DATE_FORMATS = {"en": "d MMMM y", "es": "d 'de' MMMM 'de' y"}
STATS_DAYS = 30
LEADERS = 10
SOURCES = 100  # sources come from landing links, so anyone can make new ones


def _send_invitation(runtime: Runtime, entry: dict[str, Any], invitation: dict[str, Any]) -> bool:
    """The invitation email, in the entry's language, its link opening the invitation page in it too."""
    language = languages.of(entry)
    # A waitlist entry has no time zone: the day named is whole wherever the person reads it.
    expires_on = last_whole_day(invitation["expires_at"])
    return request_email(
        runtime.celery,
        template=INVITATION_TEMPLATE,
        to=entry["email"],
        idempotency_key=f"invitation:{invitation['_id']}",
        data={
            "name": entry.get("name") or "",
            "accept_url": invitations.accept_url(runtime.settings, invitation["_id"], language),
            "expires_on": format_date(expires_on, DATE_FORMATS.get(language, "d MMMM y"), locale=language),
        },
        language=language,
    )


# Why an entry was not invited, as the result of an invitation names it.
SKIP_REASONS = {
    "already invited": "already invited: the invitation sent earlier still stands",
    "not confirmed": "has not confirmed their address yet",
    "has an account": "already has an account",
    "not found": "not on the waitlist (erased, or a wrong id)",
}


def invite_entry(runtime: Runtime, entry: dict[str, Any], admin: dict[str, Any], via: str) -> str:
    """Invite one entry; the outcome is 'invited' or one of SKIP_REASONS."""
    if entry.get("status") == INVITED and entry.get("invitation_id"):
        existing = invitations.find(entry["invitation_id"])
        if existing is not None and existing.get("accepted_at") is None:
            _send_invitation(runtime, entry, existing)  # a no-op unless an earlier attempt stopped before it
        return "already invited"
    if entry.get("status") == ACTIVE:
        return "has an account"
    if entry.get("status") != CONFIRMED:
        return "not confirmed"
    invitation, _url = invitations.create_invitation(
        runtime.settings,
        email=entry["email"],
        name=entry.get("name"),
        waitlist_entry_id=entry["_id"],
        created_by=admin["email"],
    )
    if not waitlist_repository.mark_invited(entry["_id"], invitation["_id"], invitation["created_at"]):
        invitations.delete(invitation["_id"])  # someone else moved it on first
        return "already invited"
    _send_invitation(runtime, entry, invitation)
    # The entry id only: the log outlives an erasure of the entry, and must not name its person.
    audit.record(admin, "invite", entry["_id"], via=via)
    return "invited"


def invite(
    runtime: Runtime,
    admin: dict[str, Any],
    via: str,
    entry_ids: list[str] | None = None,
    next_n: int | None = None,
) -> dict[str, Any]:
    """Invite the chosen entries, or the next N confirmed in line. The result counts each outcome and
    names each entry: `invited_entries`, and `skipped` with the reason (SKIP_REASONS) for each."""
    wanted = list(dict.fromkeys(entry_ids or []))
    entries = (
        waitlist_repository.find_by_ids(wanted) if wanted else waitlist_repository.next_in_line(next_n or 0)
    )
    result: dict[str, Any] = {"invited": 0, **dict.fromkeys(SKIP_REASONS, 0)}
    result |= {"invited_entries": [], "skipped": []}
    for entry in entries:
        outcome = invite_entry(runtime, entry, admin, via)
        result[outcome] += 1
        named = {"entry_id": entry["_id"], "email": entry["email"]}
        if outcome == "invited":
            result["invited_entries"].append(named)
        else:
            result["skipped"].append(named | {"reason": outcome, "why": SKIP_REASONS[outcome]})
    found = {entry["_id"] for entry in entries}
    for entry_id in (i for i in wanted if i not in found):
        result["not found"] += 1
        result["skipped"].append(
            {"entry_id": entry_id, "email": None, "reason": "not found", "why": SKIP_REASONS["not found"]}
        )
    return result


def erase(entry_id: str, admin: dict[str, Any], via: str) -> bool:
    """GDPR erasure of an entry, its open invitations and its mail; False when it was already gone."""
    erased = privacy.erase_entry(entry_id)
    if erased:
        # The log names the entry id only: keeping the address would undo the erasure.
        audit.record(admin, "erase", entry_id, via=via)
    return erased


def resend(celery_app: Celery, outbox_id: str, admin: dict[str, Any], via: str) -> bool:
    """Queue a failed or suppressed waitlist email again; False otherwise (queued, sending, or sent: a
    sent email's data is gone)."""
    done = email_service.resend(celery_app, outbox_id, by=admin["email"])
    if done:
        audit.record(admin, "resend", outbox_id, via=via)
    return done


def export_started(filters: dict[str, Any], admin: dict[str, Any], via: str) -> None:
    # Whether a search narrowed it, not the search text: that can be a person's address or name, and the
    # log outlives an erasure.
    logged = {k: v for k, v in filters.items() if k != "q"} | (
        {"q": "(a search)"} if filters.get("q") else {}
    )
    audit.record(admin, "export", None, via=via, filters=_jsonable(logged))


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in filters.items()
        if v not in ("", None)
    }


def known_sources() -> list[tuple[str, int]]:
    """The list's source filter's choices: (source in lower case, entries), most entries first, from the
    counters (entries without a source are not a choice)."""
    return [(s, n) for s, n in counts.totals()["sources"] if s != NO_SOURCE][:SOURCES]


def stats() -> dict[str, Any]:
    """Signups per day, statuses, confirmation rate, sources and referral leaders, from the waitlist's
    counters (a few small reads, whatever the list's size)."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=STATS_DAYS - 1 - i) for i in range(STATS_DAYS)]
    per_day = counts.signups_per_day(days)
    totals = counts.totals()
    statuses = {status: totals["statuses"][status] for status in STATUSES}
    total = sum(statuses.values())
    return {
        "total": total,
        "statuses": statuses,
        "confirmation_rate": (total - statuses[PENDING]) / total if total else None,
        "per_day": [(day, per_day.get(day, 0)) for day in days],
        "sources": totals["sources"][:SOURCES],
        "leaders": waitlist_repository.referral_leaders(totals["credits"], LEADERS),
    }
