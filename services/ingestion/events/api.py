"""Events API: one event, a batch for offline sync, listing with cursor pagination, deletion."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.accounts.exceptions import NotFound
from services.ingestion.events import service
from services.ingestion.events.schemas import (
    SINGLE_EVENT_DOC,
    BatchResultSchema,
    BatchSchema,
    EventPageSchema,
    EventQuerySchema,
    EventResultSchema,
    SingleEventSchema,
)
from services.ingestion.limits import limit_writes
from shared.web.media import require_json
from shared.web.problems import DomainError, problem, problem_responses
from shared.web.service import celery_of, settings_of

blp = Blueprint(
    "events", __name__, url_prefix="/v1/events", description="Symptom, check-in, dose, taper and note events"
)


class TooManyEvents(DomainError):
    status = 413
    title = "Too many events in one request"
    type_slug = "batch-too-large"
    detail = (
        f"Send at most {service.MAX_BATCH_EVENTS} events per batch; split the rest into further requests."
    )


@blp.route("", methods=["POST"])
@login_required
@require_json
@blp.arguments(SingleEventSchema)
@blp.response(202, EventResultSchema)
@blp.alt_response(200, schema=EventResultSchema, description="Already received (a resend): nothing changed")
@problem_responses(400, 409, 413, 415, 429, 503)
@blp.doc(requestBody={"content": {"application/json": {"schema": SINGLE_EVENT_DOC}}})
def post_event(body):
    """Log one event. Accepted means stored durably; resending the same event_id is a harmless duplicate."""
    raw = {k: v for k, v in request.get_json().items() if k != "sent_at"}
    limit_writes(current_user()["_id"])
    result = service.ingest(
        celery_of(),
        settings_of(),
        current_user(),
        [raw],
        sent_at=body.get("sent_at"),
        device_id=g.device["_id"],
    )
    (outcome,) = result.outcomes
    if outcome.status == service.REJECTED:
        details = {k: v for k, v in outcome.problem.items() if k not in {"type", "title", "status", "detail"}}
        slug = outcome.problem["type"].rsplit("/", 1)[-1]
        return problem(
            outcome.problem["status"],
            outcome.problem["title"],
            outcome.problem["detail"],
            slug,
            event_id=outcome.event_id,
            **details,
        )
    return outcome.as_dict(), 202 if outcome.status == service.ACCEPTED else 200


@blp.route("/batch", methods=["POST"])
@login_required
@require_json
@blp.arguments(BatchSchema)
@blp.response(200, BatchResultSchema)
@problem_responses(400, 413, 415, 429, 503)
def post_batch(body):
    """Offline sync: many events, each answered accepted, duplicate or rejected (with problem details)."""
    if len(body["events"]) > service.MAX_BATCH_EVENTS:
        raise TooManyEvents()
    limit_writes(current_user()["_id"])
    result = service.ingest(
        celery_of(),
        settings_of(),
        current_user(),
        body["events"],
        sent_at=body["sent_at"],
        device_id=g.device["_id"],
    )
    return {
        "accepted": result.count(service.ACCEPTED),
        "duplicate": result.count(service.DUPLICATE),
        "rejected": result.count(service.REJECTED),
        "results": [o.as_dict() for o in result.outcomes],
    }


@blp.route("", methods=["GET"])
@login_required
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, EventPageSchema)
@problem_responses(503)
def list_events(query):
    """The signed-in person's events, newest first; pass next_cursor back as cursor for the next page."""
    events, cursor = service.list_events(settings_of(), current_user()["_id"], query)
    return {"events": events, "next_cursor": cursor}


@blp.route("/<event_id>", methods=["DELETE"])
@login_required
@blp.response(204)
@problem_responses(404, 503)
def delete_event(event_id: str):
    """Delete one of your events; summaries are recomputed without it."""
    if not service.delete_event(celery_of(), current_user()["_id"], event_id):
        raise NotFound()
