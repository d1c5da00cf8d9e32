"""Building one report: claim an attempt, assemble, draw, render HTML and PDF, store both, mark it ready.

A fault while building one report (a corrupt stored value, a renderer error) fails that report only:
the attempt is released for a retry with backoff, and after MAX_ATTEMPTS the report is marked failed
with a short reason that names no health details. Reading the database is outside that guard, so an
outage is retried by the task without using up the report's attempts.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from services.workers.reports import interdose, model, render
from shared import event_text, events, languages, metrics, reports, summaries, users
from shared.plans import store as plans_store
from shared.reports import BUILDING, FAILED, READY
from shared.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
USER_FIELDS = {"display_name": 1, "time_zone": 1, "language": 1}
NOTE_FIELDS = {"user_id": 1, "occurred_at": 1, "local_day": 1, "data": 1, "deleted_at": 1}
# A claim older than this is taken to belong to a worker that died mid-build (builds take seconds).
STALE_CLAIM = timedelta(minutes=10)
FAILED_REASON = (
    "The report could not be drawn from the stored entries ({error}). This has been logged for our team."
)


class AttemptFailed(Exception):
    """One attempt failed and another may follow (the task retries it with backoff)."""


def _filename(report: dict, ext: str) -> str:
    return f"taper-report-{report['period_start']}-to-{report['period_end']}.{ext}"


def language_of(report: dict, user: dict | None) -> str:
    """The report's language: the one its request named, else the account's as it is built."""
    return report.get("language") or languages.of(user)


def produce(report: dict, settings: Settings, now: datetime) -> tuple[str, bytes, str]:
    """The report's HTML page and PDF, from what is stored for its period, and their language."""
    user_id, start, end = report["user_id"], report["period_start"], report["period_end"]
    user = users.find(user_id, USER_FIELDS) or {}
    language = language_of(report, user)
    person = summaries.find_person(user_id)
    days = summaries.summary_days(user_id, model.lookback_start(start, end), end, person)
    include_notes = bool(report.get("options", {}).get("include_notes"))
    # The person's live note events in the period (free text still sealed).
    sealed = events.live_between(user_id, ["note"], start, end, NOTE_FIELDS) if include_notes else []
    timed = events.live_between(user_id, interdose.TYPES, interdose.first_day(start), end, interdose.FIELDS)
    plan_doc = plans_store.current(user_id)  # the newest version of the taper plan
    keys = settings.encryption_keys
    try:
        notes = [event_text.opened(n, keys) for n in sealed]
        content = model.assemble(
            report,
            user=user,
            days=days,
            person=person,
            notes=notes,
            timed=timed,
            keys=keys,
            generated_at=now,
            plan_doc=plan_doc,
            language=language,
        )
        return *render.page_and_pdf(content), language
    except Exception as exc:  # Any fault in one report's inputs or renderer fails that report only.
        raise AttemptFailed(type(exc).__name__) from exc


def build(
    report_id: str, settings: Settings, now: datetime | None = None, task_id: str | None = None
) -> dict | None:
    """Build the report once for the task `task_id`; returns it when it is ready (now or already), else
    None."""
    now = now or datetime.now(UTC)
    report = reports.find(report_id)
    if report is None or report["status"] == FAILED:
        return None
    if report["status"] == READY:
        return report
    # A claim by this very task is from an earlier delivery of it, whose process died mid-build: Celery
    # hands a task out again only then (task_reject_on_worker_lost; the broker's visibility timeout far
    # exceeds the task time limit), so it is taken over at once instead of after STALE_CLAIM.
    abandoned = task_id is not None and report.get("builder") == task_id
    if report["status"] == BUILDING and now - report["updated_at"] < STALE_CLAIM and not abandoned:
        return None  # another worker is on it
    attempt = report.get("attempts", 0) + 1
    if not reports.claim(report_id, attempt, now, task_id):
        return None
    started = time.perf_counter()
    try:
        page, pdf, language = produce(report, settings, now)
        metrics.REPORT_BUILD.observe(time.perf_counter() - started)
    except AttemptFailed as exc:
        log.warning(
            "report attempt failed", extra={"report_id": report_id, "attempt": attempt, "error": str(exc)}
        )
        reason = FAILED_REASON.format(error=str(exc))
        if attempt >= MAX_ATTEMPTS:
            reports.mark_failed(report_id, reason, datetime.now(UTC))
            log.error("report failed", extra={"report_id": report_id, "attempts": attempt})
            return None
        reports.release(report_id, reason, datetime.now(UTC))
        raise
    if attempt > 1:
        reports.drop_files(report_id)  # what an earlier attempt stored before it died
    keys = settings.encryption_keys
    stored = {
        "html": reports.store_file(
            report, attempt, "html", page.encode("utf-8"), _filename(report, "html"), keys=keys
        ),
        "pdf": reports.store_file(report, attempt, "pdf", pdf, _filename(report, "pdf"), keys=keys),
    }
    ready = reports.mark_ready(report_id, stored, datetime.now(UTC), language)
    if ready is None:
        reports.drop_files(report_id)  # erased while we built it: nothing may outlive the request
    return ready
