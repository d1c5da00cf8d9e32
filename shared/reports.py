"""Doctor reports: the one owner of the `reports` collection and of its GridFS bucket (FILES_BUCKET).

Asking for a report, reading it, moving it through its states and storing its files all happen here;
the ingestion service and the workers call these functions and never open the collection themselves.

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
    language       str | None   one of shared.languages.LANGUAGES: the one the request named (None: the
                   account's), then, once ready, the one its page, PDF and emails are written in
    status         "queued" | "building" | "ready" | "failed"
    in_flight_of   str   the user id while an on-demand report is queued or building; else the report's id
    attempts       int
    builder        str | None   the task id that claimed the current attempt (its redelivery takes over)
    reason         str | None   why it failed (for the person and operators; no health details)
    files          {"html": file_id, "pdf": file_id} in GridFS bucket FILES_BUCKET, once ready
    created_at, updated_at, ready_at
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared import files, languages, rekey
from shared.mongo import mongo
from shared.queue import enqueue
from shared.tasks import BUILD_REPORT

COLLECTION = "reports"
FILES_BUCKET = "reports"
QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
PAPERS = ("A4", "Letter")
DEFAULT_PAPER = "A4"  # a report asked for without a paper, and a weekly report until the person chooses
IN_FLIGHT = "in_flight_of"
ON_DEMAND, WEEKLY = "on_demand", "weekly"
# A report untouched this long lost its task: the broker was down when it was sent or dropped it (queued),
# or its worker died and the task was not redelivered (building; no build outlives the 360 s task time
# limit). Asking again puts it back in line once more; a duplicate task finds the attempt claimed.
RESEND_AFTER = timedelta(minutes=10)
_INSERT_TRIES = 3
LIST_LIMIT = 100  # a person's reports listed, newest first


def ensure_indexes() -> None:
    """One in-flight on-demand report per person. Reports stored before the field existed get their own id
    first: the unique index cannot be built while several documents lack it."""
    reports = mongo.db[COLLECTION]
    for doc in reports.find({IN_FLIGHT: {"$exists": False}}, {"_id": 1}):
        reports.update_one(
            {"_id": doc["_id"], IN_FLIGHT: {"$exists": False}}, {"$set": {IN_FLIGHT: doc["_id"]}}
        )
    reports.create_index([(IN_FLIGHT, ASCENDING)], unique=True, name="one_in_flight_per_person")
    reports.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])


def find(report_id: str) -> dict | None:
    return mongo.db[COLLECTION].find_one({"_id": report_id})


def find_own(user_id: str, report_id: str) -> dict | None:
    """The report if it is this person's: someone else's is as unknown as one that never existed."""
    return mongo.db[COLLECTION].find_one({"_id": report_id, "user_id": user_id})


def list_own(user_id: str) -> list[dict]:
    """The person's newest LIST_LIMIT reports, newest first."""
    cursor = mongo.db[COLLECTION].find({"user_id": user_id}).sort("created_at", DESCENDING)
    return list(cursor.limit(LIST_LIMIT))


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
    if report["status"] not in (QUEUED, BUILDING) or now - report["updated_at"] < RESEND_AFTER:
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
    language: str | None = None,
) -> tuple[dict, bool]:
    """Store a report request and send its build task; (document, created). When the id exists, or the
    person already has an on-demand report in flight, nothing is stored or sent: that report is returned."""
    now = datetime.now(UTC)
    report_id = report_id or uuid.uuid4().hex
    paper = (options or {}).get("paper") or DEFAULT_PAPER
    doc = {
        "_id": report_id,
        "user_id": user_id,
        "kind": kind,
        "period_start": period_start,
        "period_end": period_end,
        "options": {"include_notes": False, **(options or {}), "paper": paper},
        "deliver": deliver,
        "language": language,
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
            existing = find(report_id) or find_in_flight(user_id)
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
        stream = open_file(file_id, keys) if file_id else None
        if stream is not None:  # erased or rebuilt meanwhile: nothing to hand back for it
            yield report, stream


def open_file(file_id: str, keys: str) -> files.StoredFile | None:
    """One of a report's files, opened with `keys`; None once it is gone."""
    return files.open_file(FILES_BUCKET, file_id, keys)


# Building a report (the workers): claim an attempt, store its files, then mark it ready or failed.


def claim(report_id: str, attempt: int, now: datetime, builder: str | None = None) -> bool:
    """Take attempt `attempt` of this report for the task `builder` and mark it building. The conditional
    update is the claim: of the workers that read the report before it, exactly one moves its attempts on."""
    previous = [attempt - 1, None] if attempt == 1 else [attempt - 1]  # None: a report never attempted
    result = mongo.db[COLLECTION].update_one(
        {"_id": report_id, "attempts": {"$in": previous}},
        {"$set": {"status": BUILDING, "attempts": attempt, "updated_at": now, "builder": builder}},
    )
    return result.modified_count == 1


def release(report_id: str, reason: str, now: datetime) -> None:
    """Back to queued after a failed attempt, for the retry to claim the next one."""
    mongo.db[COLLECTION].update_one(
        {"_id": report_id}, {"$set": {"status": QUEUED, "reason": reason, "updated_at": now}}
    )


def mark_failed(report_id: str, reason: str, now: datetime) -> None:
    """Failed for good; the person may ask for another report."""
    mongo.db[COLLECTION].update_one(
        {"_id": report_id},
        {"$set": {"status": FAILED, "reason": reason, "updated_at": now, **released(report_id)}},
    )


def mark_ready(
    report_id: str, stored: dict[str, str], now: datetime, language: str = languages.DEFAULT
) -> dict | None:
    """The ready report, in `language`, or None if it was erased while it was being built. The person may
    ask for another."""
    ready = {
        "status": READY,
        "files": stored,
        "language": language,
        "reason": None,
        "updated_at": now,
        "ready_at": now,
    }
    result = mongo.db[COLLECTION].update_one({"_id": report_id}, {"$set": ready | released(report_id)})
    return find(report_id) if result.matched_count else None


def store_file(report: dict, attempt: int, kind: str, content: bytes, filename: str, *, keys: str) -> str:
    """Store one file, sealed with `keys`, under an id naming the claimed attempt (no one else's)."""
    file_id = f"{report['_id']}#{attempt}.{kind}"
    metadata = {"user_id": report["user_id"], "report_id": report["_id"], "kind": kind}
    files.put(FILES_BUCKET, file_id, io.BytesIO(content), filename, metadata, keys=keys)
    return file_id


def drop_files(report_id: str) -> None:
    files.delete_where(FILES_BUCKET, {"metadata.report_id": report_id})


def reseal(keys: str, batch: int = rekey.BATCH) -> dict[str, rekey.Tally]:
    """Re-seal the report files under the first key (the key-rotation job); the documents hold no sealed
    value."""
    return {f"{FILES_BUCKET}.files": files.reseal(FILES_BUCKET, keys, batch)}
