"""Events API: one event, a batch for offline sync, listing with cursor pagination, deletion."""

from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, request

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.accounts.exceptions import NotFound
from services.ingestion.events import service
from services.ingestion.events.schemas import (
    BATCH_EXAMPLE,
    SINGLE_EVENT_DOC,
    SINGLE_EVENT_EXAMPLES,
    BatchResultSchema,
    BatchSchema,
    EventPageSchema,
    EventQuerySchema,
    EventResultSchema,
    SingleEventSchema,
    load_single,
)
from services.ingestion.limits import limit_writes, writes_if
from shared.runtime import runtime_of
from shared.web.media import sends_json
from shared.web.openapi import Blueprint, json_body, operation
from shared.web.problem_language import client_language, localized
from shared.web.problems import DomainError, problem, problem_responses

blp = Blueprint(
    "events", __name__, url_prefix="/v1/events", description="Symptom, check-in, dose, taper and note events"
)

# Schemas are given as instances: webargs builds a schema per request from a class, which costs more than
# parsing the body with it.
SINGLE_EVENT, BATCH, EVENT_QUERY = SingleEventSchema(), BatchSchema(), EventQuerySchema()


class TooManyEvents(DomainError):
    status = 413
    title = "Too many events in one request"
    type_slug = "batch-too-large"
    detail = (
        f"Send at most {service.MAX_BATCH_EVENTS} events per batch; split the rest into further requests."
    )


def _single_event() -> tuple[dict, dict | None, datetime | None]:
    """POST /v1/events's body as (the event as sent, the event loaded by its type's schema, sent_at).

    A valid event is checked once, by its type's schema. Any other body then meets SingleEventSchema through
    webargs, exactly as under @blp.arguments (400 or 422, before the rate limit); one that passes it comes
    back unloaded, for ingest to reject with the event's own problem."""
    single = g.pop("single_event", None)  # loaded already by _well_formed
    if single is not None:
        return single
    parser = blp.ARGUMENTS_PARSER
    body = parser.load_json(request, SINGLE_EVENT)
    single = load_single(body)
    if single is not None:
        return single
    envelope = parser.parse(SINGLE_EVENT, request, location="json")
    return {k: v for k, v in body.items() if k != "sent_at"}, None, envelope.get("sent_at")


def _well_formed() -> bool:
    """Will this request reach the write limit once signed in? Yes when it is JSON with a Content-Length and
    its event loads (kept for the view). Anything else is left to the view, which answers it after the
    sign-in as before: with a Content-Length the body is read whole here, so a failure repeats there."""
    if not sends_json() or request.content_length is None:
        return False
    try:
        g.single_event = single = load_single(blp.ARGUMENTS_PARSER.load_json(request, SINGLE_EVENT))
    except Exception:  # noqa: BLE001 - the view meets the same error and answers it
        return False
    return single is not None


@blp.route("", methods=["POST"])
@login_required(counting=writes_if(_well_formed))
@json_body
@operation("createEvent")
@blp.response(202, EventResultSchema)
@blp.alt_response(200, schema=EventResultSchema, description="Already received (a resend): nothing changed")
@problem_responses(409, 429)
@blp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": SINGLE_EVENT_DOC, "examples": SINGLE_EVENT_EXAMPLES}},
    }
)
def post_event():
    """Log one event. Accepted means stored durably; resending the same event_id is a harmless duplicate."""
    raw, event, sent_at = _single_event()
    user = current_user()
    limit_writes(user["_id"])
    result = service.ingest(
        runtime_of().celery,
        runtime_of().settings,
        user,
        [raw],
        sent_at=sent_at,
        device_id=g.device["_id"],
        events=None if event is None else [event],
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
    # An outcome's dict already has EventResultSchema's shape: answered as it is, not dumped once more.
    return jsonify(outcome.as_dict()), 202 if outcome.status == service.ACCEPTED else 200


@blp.route("/batch", methods=["POST"])
@login_required
@operation("createEventBatch")
@blp.arguments(BATCH, example=BATCH_EXAMPLE)
@blp.response(200, BatchResultSchema)
@problem_responses(413, 429)
def post_batch(body):
    """Offline sync: many events, each answered accepted, duplicate or rejected (with problem details)."""
    if len(body["events"]) > service.MAX_BATCH_EVENTS:
        raise TooManyEvents()
    limit_writes(current_user()["_id"])
    result = service.ingest(
        runtime_of().celery,
        runtime_of().settings,
        current_user(),
        body["events"],
        sent_at=body["sent_at"],
        device_id=g.device["_id"],
    )
    client_language()  # a refused event's problem is in it: the answer varies by Accept-Language
    return {
        "accepted": result.count(service.ACCEPTED),
        "duplicate": result.count(service.DUPLICATE),
        "rejected": result.count(service.REJECTED),
        "results": [_answered(o) for o in result.outcomes],
    }


def _answered(outcome: service.Outcome) -> dict:
    answer = outcome.as_dict()
    if "problem" in answer:
        answer["problem"] = localized(answer["problem"])
    return answer


@blp.route("", methods=["GET"])
@login_required
@operation("listEvents")
@blp.arguments(EVENT_QUERY, location="query")
@blp.response(200, EventPageSchema)
def list_events(query):
    """The signed-in person's events, newest first; pass next_cursor back as cursor for the next page."""
    events, cursor = service.list_events(runtime_of().settings, current_user(), query)
    return {"events": events, "next_cursor": cursor}


@blp.route("/<event_id>", methods=["DELETE"])
@login_required
@operation("deleteEvent")
@blp.response(204)
@problem_responses(404)
def delete_event(event_id: str):
    """Delete one of your events; summaries are recomputed without it."""
    if not service.delete_event(runtime_of().celery, current_user()["_id"], event_id):
        raise NotFound()
