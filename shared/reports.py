"""The report contract: asking for a doctor report, and the shape of its document.

A report request is written first (so nothing is lost if the broker drops the task), then
`reports.build_report` is sent by name. The ingestion API asks for on-demand reports; the workers'
weekly scan asks for scheduled ones under a deterministic id (`weekly:{user_id}:{iso_week}`), so two
scans, or two beats running by mistake, can only ever create one. A person has at most one on-demand
report queued or building: `in_flight_of` holds their id until it is ready or failed, under a unique index,
so a second request (however concurrent) finds the first instead of piling builds into the queue.

Document (collection `reports`):
    _id            str   uuid hex, or "weekly:{user_id}:{YYYY-Www}"
    user_id        str
    kind           "on_demand" | "weekly"
    period_start   str   first local day, "YYYY-MM-DD"
    period_end     str   last local day (inclusive)
    options        {"include_notes": bool, "paper": "A4" | "Letter"}
    deliver        None, or {"to_self": bool, "clinician_email": str | None, "attach_pdf": bool}
    status         "queued" | "building" | "ready" | "failed"
    in_flight_of   str   the user id while an on-demand report is queued or building; else the report's id
    attempts       int
    builder        str | None   the task id that claimed the current attempt (its redelivery takes over)
    reason         str | None   why it failed (for the person and operators; no health details)
    files          {"html": file_id, "pdf": file_id} in GridFS bucket FILES_BUCKET, once ready
    created_at, updated_at, ready_at
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from shared import files
from shared.mongo import mongo
from shared.queue import enqueue
from shared.tasks import BUILD_REPORT

COLLECTION = "reports"
FILES_BUCKET = "reports"
QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
PAPERS = ("A4", "Letter")
IN_FLIGHT = "in_flight_of"
ON_DEMAND, WEEKLY = "on_demand", "weekly"
# A report untouched this long lost its task: the broker was down when it was sent or dropped it (queued),
# or its worker died and the task was not redelivered (building; no build outlives the 360 s task time
# limit). Asking again puts it back in line once more; a duplicate task finds the attempt claimed.
RESEND_AFTER = timedelta(minutes=10)
_INSERT_TRIES = 3


def ensure_indexes() -> None:
    """One in-flight on-demand report per person. Reports stored before the field existed get their own id
    first: the unique index cannot be built while several documents lack it."""
    reports = mongo.db[COLLECTION]
    for doc in reports.find({IN_FLIGHT: {"$exists": False}}, {"_id": 1}):
        reports.update_one(
            {"_id": doc["_id"], IN_FLIGHT: {"$exists": False}}, {"$set": {IN_FLIGHT: doc["_id"]}}
        )
    reports.create_index([(IN_FLIGHT, ASCENDING)], unique=True, name="one_in_flight_per_person")


def released(report_id: str) -> dict:
    """The `$set` that frees the person's in-flight place, with the move to ready or failed."""
    return {IN_FLIGHT: report_id}


def find_in_flight(user_id: str) -> dict | None:
    """The person's on-demand report that is queued or building, if any."""
    return mongo.db[COLLECTION].find_one({IN_FLIGHT: user_id})


def resend_if_lost(celery_app: Celery, report: dict, now: datetime | None = None) -> bool:
    """Put a report untouched for RESEND_AFTER back in line and send its build task again; True if sent.
    (Back to queued, as the builder releases a failed attempt: its next attempt is claimed afresh.)"""
    now = now or datetime.now(UTC)
    updated = (
        report["updated_at"] if report["updated_at"].tzinfo else report["updated_at"].replace(tzinfo=UTC)
    )
    if report["status"] not in (QUEUED, BUILDING) or now - updated < RESEND_AFTER:
        return False
    touched = mongo.db[COLLECTION].update_one(
        {"_id": report["_id"], "status": report["status"], "updated_at": report["updated_at"]},
        {"$set": {"status": QUEUED, "updated_at": now}},
    )
    if not touched.modified_count:
        return False  # it moved on meanwhile, or another request resent it
    enqueue(celery_app, BUILD_REPORT, report_id=report["_id"])
    return True


def weekly_id(user_id: str, iso_week: str) -> str:
    return f"weekly:{user_id}:{iso_week}"


def request_report(
    celery_app: Celery,
    *,
    user_id: str,
    period_start: str,
    period_end: str,
    options: dict[str, Any] | None = None,
    kind: str = ON_DEMAND,
    report_id: str | None = None,
    deliver: dict[str, Any] | None = None,
) -> tuple[dict, bool]:
    """Store a report request and send its build task; (document, created). When the id exists, or the
    person already has an on-demand report in flight, nothing is stored or sent: that report is returned."""
    now = datetime.now(UTC)
    report_id = report_id or uuid.uuid4().hex
    doc = {
        "_id": report_id,
        "user_id": user_id,
        "kind": kind,
        "period_start": period_start,
        "period_end": period_end,
        "options": {"include_notes": False, "paper": "A4"} | (options or {}),
        "deliver": deliver,
        "status": QUEUED,
        IN_FLIGHT: user_id if kind == ON_DEMAND else report_id,
        "attempts": 0,
        "reason": None,
        "files": {},
        "created_at": now,
        "updated_at": now,
        "ready_at": None,
    }
    for _ in range(_INSERT_TRIES):
        try:
            mongo.db[COLLECTION].insert_one(doc)
        except DuplicateKeyError:
            existing = mongo.db[COLLECTION].find_one({"_id": report_id}) or find_in_flight(user_id)
            if existing is not None:
                return existing, False
            continue  # the one in flight finished between our insert and our look: try again
        enqueue(celery_app, BUILD_REPORT, report_id=report_id)
        return doc, True
    raise RuntimeError(f"report {report_id}: no place after {_INSERT_TRIES} tries")


# The stored report page links to its PDF through this placeholder: the page does not know which URL it
# will be read at (the owner's API or a clinician's shared link), so whoever serves it fills it in.
PDF_HREF = "tyh-report-pdf-link"


def ready_pdfs(user_id: str, keys: str) -> Iterator[tuple[dict, files.StoredFile]]:
    """(report, its PDF opened with `keys`) for each of the person's ready reports, oldest first (for
    their export)."""
    ready = mongo.db[COLLECTION].find({"user_id": user_id, "status": READY}).sort("created_at", ASCENDING)
    for report in ready:
        file_id = (report.get("files") or {}).get("pdf")
        stream = files.open_file(FILES_BUCKET, file_id, keys) if file_id else None
        if stream is not None:  # erased or rebuilt meanwhile: nothing to hand back for it
            yield report, stream
