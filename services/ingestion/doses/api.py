"""POST /v1/doses/confirm: a planned dose taken or skipped, authenticated by its token (no session), so
the app, its service worker answering a notification, and the email link's page can all use it."""

from __future__ import annotations

from services.ingestion.doses import service
from services.ingestion.doses.schemas import ConfirmedSchema, ConfirmSchema
from services.ingestion.limits import limit_writes
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation, public
from shared.web.problems import problem_responses

blp = Blueprint("doses", __name__, url_prefix="/v1/doses", description="Confirming planned doses")


@blp.route("/confirm", methods=["POST"])
@public
@operation("confirmDose")
@blp.arguments(ConfirmSchema, example={"token": "gAAAAAB...", "status": "taken"})
@blp.response(201, ConfirmedSchema)
@blp.alt_response(200, schema=ConfirmedSchema, description="This dose was already recorded: as it was")
@problem_responses(400, 409, 410, 422, 429)
def confirm(body):
    """Record one of your planned doses as taken or skipped, with its token from GET /v1/plan, a
    notification or an email; no sign-in needed, the token is the proof. Recorded once: a repeat, or a
    tap with the other status, answers 200 with what was recorded first. Tokens expire after 3 days."""
    settings = runtime_of().settings
    ref, user = service.read(settings, body["token"])
    limit_writes(ref.user_id)
    answer, created = service.confirm(runtime_of().celery, settings, ref, user, body["status"])
    return answer, 201 if created else 200
