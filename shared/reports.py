"""The report contract: asking for a doctor report, and the shape of its document.

A report request is written first (so nothing is lost if the broker drops the task), then
`reports.build_report` is sent by name. The ingestion API asks for on-demand reports; the workers'
weekly scan asks for scheduled ones under a deterministic id (`weekly:{user_id}:{iso_week}`), so two
scans, or two beats running by mistake, can only ever create one.

Document (collection `reports`):
    _id            str   uuid hex, or "weekly:{user_id}:{YYYY-Www}"
    user_id        str
    kind           "on_demand" | "weekly"
    period_start   str   first local day, "YYYY-MM-DD"
    period_end     str   last local day (inclusive)
    options        {"include_notes": bool, "paper": "A4" | "Letter"}
    deliver        None, or {"to_self": bool, "clinician_email": str | None, "attach_pdf": bool}
    status         "queued" | "building" | "ready" | "failed"
    attempts       int
    reason         str | None   why it failed (for the person and operators; no health details)
    files          {"html": file_id, "pdf": file_id} in GridFS bucket FILES_BUCKET, once ready
    created_at, updated_at, ready_at
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from pymongo.errors import DuplicateKeyError

from shared.mongo import mongo
from shared.queue import enqueue
from shared.tasks import BUILD_REPORT

COLLECTION = "reports"
FILES_BUCKET = "reports"
QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
PAPERS = ("A4", "Letter")


def weekly_id(user_id: str, iso_week: str) -> str:
    return f"weekly:{user_id}:{iso_week}"


def request_report(
    celery_app: Celery,
    *,
    user_id: str,
    period_start: str,
    period_end: str,
    options: dict[str, Any] | None = None,
    kind: str = "on_demand",
    report_id: str | None = None,
    deliver: dict[str, Any] | None = None,
) -> tuple[dict, bool]:
    """Store a report request and send its build task; (document, created). An existing id is left as
    it is and nothing is sent (the request was already made)."""
    now = datetime.now(UTC)
    doc = {
        "_id": report_id or uuid.uuid4().hex,
        "user_id": user_id,
        "kind": kind,
        "period_start": period_start,
        "period_end": period_end,
        "options": {"include_notes": False, "paper": "A4"} | (options or {}),
        "deliver": deliver,
        "status": QUEUED,
        "attempts": 0,
        "reason": None,
        "files": {},
        "created_at": now,
        "updated_at": now,
        "ready_at": None,
    }
    try:
        mongo.db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:
        return mongo.db[COLLECTION].find_one({"_id": doc["_id"]}), False
    enqueue(celery_app, BUILD_REPORT, report_id=doc["_id"])
    return doc, True


# The stored report page links to its PDF through this placeholder: the page does not know which URL it
# will be read at (the owner's API or a clinician's shared link), so whoever serves it fills it in.
PDF_HREF = "tyh-report-pdf-link"
