"""Report rules for their owner: the default period, ownership, readiness, and share links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from celery import Celery

from services.ingestion import limits
from services.ingestion.reports import repository
from services.ingestion.reports.exceptions import (
    PeriodNotPossible,
    ReportInFlight,
    ReportNotFound,
    ReportNotReady,
)
from shared import report_shares, reports, users
from shared.files import StoredFile
from shared.reports import READY
from shared.settings import Settings

DEFAULT_DAYS = 7
ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


def period(user: dict, start: date | None, end: date | None, now: datetime | None = None) -> tuple[str, str]:
    """The asked-for period; by default the last seven local days ending yesterday."""
    today = users.local_today(user, now)
    if end is None:
        end = min(start + timedelta(days=DEFAULT_DAYS - 1), today) if start else today - timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end > today or start > end:
        raise PeriodNotPossible()
    return start.isoformat(), end.isoformat()


def ask(celery_app: Celery, user: dict, body: dict) -> dict:
    """Store a report request and send it to the workers: one in flight per person (a second is refused,
    naming the first, and is not counted), at most REPORTS_PER_PERSON an hour."""
    start, end = period(user, body.get("period_start"), body.get("period_end"))
    options = {"include_notes": body["include_notes"], "paper": body["paper"]}
    in_flight = reports.find_in_flight(user["_id"])
    if in_flight is None:
        limits.limit_reports(user["_id"])
        report, created = reports.request_report(
            celery_app,
            user_id=user["_id"],
            period_start=start,
            period_end=end,
            options=options,
            language=body.get("language"),
        )
        if created:
            return report
        in_flight = report  # another request of theirs got there first
    reports.resend_if_lost(celery_app, in_flight)
    raise ReportInFlight(in_flight["_id"])


def own(user_id: str, report_id: str) -> dict:
    """The person's report; someone else's is as unknown as one that never existed."""
    report = reports.find_own(user_id, report_id)
    if report is None:
        raise ReportNotFound()
    return report


def ready_file(settings: Settings, report: dict, kind: str) -> StoredFile:
    """The ready report's file, decrypted as it is read."""
    if report["status"] != READY:
        raise ReportNotReady()
    stream = reports.open_file(report["files"][kind], settings.encryption_keys)
    if stream is None:
        raise ReportNotReady()
    return stream


def _status(share: dict, now: datetime) -> str:
    if share["revoked_at"] is not None:
        return REVOKED
    return EXPIRED if share["expires_at"] <= now else ACTIVE


def described_shares(settings: Settings, owner_id: str, report_id: str) -> list[dict]:
    """Every share of the report with its state and every open, for the person to see."""
    now = datetime.now(UTC)
    shares = report_shares.of_report(owner_id, report_id)
    opens = repository.opens_of([s["_id"] for s in shares])
    out = []
    for share in shares:
        state = _status(share, now)
        url = report_shares.share_url(settings, share["_id"]) if state == ACTIVE else None
        out.append(share | {"status": state, "opens": opens[share["_id"]], "url": url})
    return out


def share(settings: Settings, user: dict, report_id: str, body: dict) -> dict:
    """A new link to a ready report, for whoever the person chooses to give it to."""
    report = own(user["_id"], report_id)
    if report["status"] != READY:
        raise ReportNotReady()
    made = report_shares.create_share(
        report_id=report_id, owner_id=user["_id"], recipient=body["recipient"], days=body["expires_in_days"]
    )
    return made | {"status": ACTIVE, "opens": [], "url": report_shares.share_url(settings, made["_id"])}


def revoke(user: dict, report_id: str, share_id: str) -> None:
    own(user["_id"], report_id)
    if report_shares.find_own(user["_id"], report_id, share_id) is None:
        raise ReportNotFound()
    report_shares.revoke(user["_id"], share_id)


def opened(settings: Settings, token: str, what: str) -> tuple[dict, StoredFile] | None:
    """The shared report's file, if the link works (its open is logged); None for any link that does
    not, whatever the reason, so a page cannot tell a forged link from an expired one."""
    found = report_shares.find_usable(settings, token)
    if found is None:
        return None
    report = reports.find(found["report_id"])
    if report is None or report["status"] != READY:
        return None
    stream = reports.open_file(report["files"][what], settings.encryption_keys)
    if stream is None:
        return None
    repository.log_open(found, "page" if what == "html" else "pdf", datetime.now(UTC))
    return report, stream
