"""Event rules: validate each event, place it in time, store it exactly once, then signal the workers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from celery import Celery
from marshmallow import ValidationError

from services.ingestion.events import catalogue
from services.ingestion.events.schemas import load_event
from services.ingestion.events.timing import TimeRejected, place
from shared import catalog, day_cache, event_text
from shared import events as repository
from shared.languages import english as _
from shared.recompute import request_recompute
from shared.settings import Settings
from shared.web.problems import SOME_FIELDS, invalid_params

MAX_BATCH_EVENTS = 500
MAX_EVENT_BYTES = 32 * 1024
ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
PROBLEM_BASE = "https://trackyourhealing.org/problems/"


def _problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> dict:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


def validation_problem(messages: Any, suggestions: dict | None = None) -> dict:
    extra = {"suggestions": suggestions} if suggestions else {}
    return _problem(
        422,
        _("Invalid event"),
        SOME_FIELDS,
        "invalid-event",
        invalid_params=invalid_params(messages),
        **extra,
    )


def unknown_code_problem(unknown: dict[str, dict]) -> dict:
    return _problem(
        422,
        _("Not in the catalogue"),
        _("A code is not in the catalogue; see invalid_params and the closest entries in suggestions."),
        "unknown-catalogue-entry",
        invalid_params=[{"name": name, "reason": u["reason"]} for name, u in unknown.items()],
        suggestions={name: u["suggestions"] for name, u in unknown.items()},
    )


CONFLICT = _problem(
    409,
    _("Event id already used"),
    _("This event_id was already used for a different event. Give each new event its own id."),
    "event-id-conflict",
)
TOO_LARGE = _problem(
    413,
    _("Event too large"),
    _("One event may be at most {kb} KB.").format(kb=MAX_EVENT_BYTES // 1024),
    "event-too-large",
)


@dataclass
class Outcome:
    index: int
    event_id: str | None
    status: str
    local_day: str | None = None
    occurred_at: str | None = None
    problem: dict | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class IngestResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def canonical(raw: dict) -> bytes:
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(settings: Settings, sent: bytes) -> str:
    """Keyed hash of the event as sent (its `canonical` bytes): tells a resend (same body) from a conflict
    (same id, new body)."""
    return hmac.new(settings.secret_key.encode(), sent, hashlib.sha256).hexdigest()


def _data(event: dict, settings: Settings) -> dict:
    """The type's fields, with free text encrypted at rest (shared.event_text says which)."""
    fields = {k: v for k, v in event.items() if k not in {"event_id", "type", "occurred_at", "time_zone"}}
    return event_text.sealed(fields, settings.encryption_keys)


@dataclass(frozen=True)
class Arrival:
    """Who sent a request, from which device, and the request's two clocks."""

    user: dict
    device_id: str | None
    sent_at: datetime | None
    received_at: datetime


def _document(event: dict, raw: dict, sent: bytes, arrival: Arrival, settings: Settings) -> dict:
    user, sent_at, received_at = arrival.user, arrival.sent_at, arrival.received_at
    time_zone = event.get("time_zone") or user["time_zone"]
    placement = place(event["occurred_at"], sent_at, received_at, time_zone)
    doc = {
        "user_id": user["_id"],
        "event_id": event["event_id"],
        "type": event["type"],
        "fingerprint": fingerprint(settings, sent),
        "occurred_at": placement.occurred_at,
        "occurred_at_device": raw["occurred_at"],
        "device_utc_offset_min": int(event["occurred_at"].utcoffset().total_seconds() // 60),
        "sent_at": sent_at,
        "received_at": received_at,
        "clock_skew_s": placement.clock_skew_s,
        "clock_corrected": placement.clock_corrected,
        "local_day": placement.local_day,
        "time_zone": time_zone,  # the zone of local_day: History shows the time in it
        "device_id": arrival.device_id,
        "data": _data(event, settings),
        "schema_version": 1,
    }
    if event["type"] == "symptom":
        code = event.get("code")
        known = catalog.symptom(code) if code else None
        doc["red_flag"] = bool(known and known.get("red_flag"))
        doc["known_code"] = known is not None if code else None
    if event["type"] in {"dose", "taper_step"} and event.get("medication"):
        doc["known_code"] = catalog.medication(event["medication"]) is not None
    return doc


def ingest(
    celery_app: Celery,
    settings: Settings,
    user: dict,
    raws: list[Any],
    *,
    sent_at: datetime | None,
    device_id: str | None = None,
    events: list[dict] | None = None,
) -> IngestResult:
    """Validate and store each event on its own; one bad event never sinks the others. `events`, when given,
    are the raws already loaded by load_event (the single-event endpoint checks its body up front)."""
    arrival = Arrival(user, device_id, sent_at, datetime.now(UTC))
    result = IngestResult()
    docs: list[dict] = []
    positions: list[Outcome] = []
    for index, raw in enumerate(raws):
        event_id = raw.get("event_id") if isinstance(raw, dict) else None
        event_id = event_id if isinstance(event_id, str) else None
        sent = canonical(raw)  # measured once: the size limit and the fingerprint both read it
        if len(sent) > MAX_EVENT_BYTES:
            result.outcomes.append(Outcome(index, event_id, REJECTED, problem=TOO_LARGE))
            continue
        try:
            event = events[index] if events is not None else load_event(raw)
            if unknown := catalogue.unknown_codes(event):
                problem = unknown_code_problem(unknown)
                result.outcomes.append(Outcome(index, event_id, REJECTED, problem=problem))
                continue
            doc = _document(event, raw, sent, arrival, settings)
        except ValidationError as exc:
            close = catalogue.suggestions_for_refused(raw, exc.messages)
            problem = validation_problem(exc.messages, close)
            result.outcomes.append(Outcome(index, event_id, REJECTED, problem=problem))
            continue
        except TimeRejected as exc:
            problem = validation_problem({"occurred_at": [str(exc)]})
            result.outcomes.append(Outcome(index, event_id, REJECTED, problem=problem))
            continue
        outcome = Outcome(index, event_id, ACCEPTED, doc["local_day"], doc["occurred_at"].isoformat())
        result.outcomes.append(outcome)
        docs.append(doc)
        positions.append(outcome)

    refused = repository.insert_many(docs)  # durable before we answer
    if refused:
        existing = repository.find_by_ids(user["_id"], [docs[i]["event_id"] for i in refused])
        for i in refused:
            outcome, stored = positions[i], existing.get(docs[i]["event_id"])
            if stored and stored["fingerprint"] == docs[i]["fingerprint"]:
                outcome.status = DUPLICATE
                outcome.local_day = stored.get("local_day")
            else:
                outcome.status, outcome.local_day, outcome.occurred_at, outcome.problem = (
                    REJECTED,
                    None,
                    None,
                    CONFLICT,
                )
    stored = [doc for doc, o in zip(docs, positions, strict=True) if o.status == ACCEPTED]
    if stored:
        cached = day_cache.entries(stored, arrival.received_at.date())
        request_recompute(celery_app, user["_id"], {d["local_day"] for d in stored}, cached)
    if again := {o.local_day for o in positions if o.status == DUPLICATE and o.local_day}:
        # A retry: its first attempt may have died after storing and before signalling, leaving its
        # events in no summary and no cached day. Signalling again is harmless when it did not.
        request_recompute(celery_app, user["_id"], again, reread=True)
    return result


def encode_cursor(doc: dict) -> str:
    raw = f"{doc['occurred_at'].isoformat()}|{doc['_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, ObjectId]:
    try:
        at, oid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), ObjectId(oid)
    except (ValueError, InvalidId) as exc:
        raise ValidationError({"cursor": [_("This cursor is not one we gave out.")]}) from exc


def readable(doc: dict, settings: Settings, time_zone: str) -> dict:
    """An event as its owner sees it: free text decrypted; an event stored before events kept their zone
    is given `time_zone`, the account's now."""
    return {"time_zone": time_zone} | event_text.opened(doc, settings.encryption_keys)


def list_events(settings: Settings, user: dict, query: dict) -> tuple[list[dict], str | None]:
    user_id = user["_id"]
    after = decode_cursor(query["cursor"]) if query.get("cursor") else None
    limit = query["limit"]
    docs = repository.find_page(
        user_id,
        event_type=query.get("type"),
        start=query.get("from_"),
        end=query.get("to"),
        after=after,
        limit=limit + 1,
    )
    page, more = docs[:limit], len(docs) > limit
    return [readable(d, settings, user["time_zone"]) for d in page], (
        encode_cursor(page[-1]) if more and page else None
    )


def delete_event(celery_app: Celery, user_id: str, event_id: str) -> bool:
    doc = repository.tombstone(user_id, event_id, datetime.now(UTC))
    if doc is None:
        # Deleted before: maybe by a first attempt that died before signalling (as ingest's retries).
        if gone := repository.find_by_ids(user_id, [event_id]).get(event_id):
            request_recompute(
                celery_app, user_id, [gone["local_day"]], [day_cache.tombstone(gone)], reread=True
            )
        return False
    request_recompute(celery_app, user_id, [doc["local_day"]], [day_cache.tombstone(doc)])
    return True
