"""The email provider's bounce and complaint hook (JSON API)."""

from __future__ import annotations

from services.notification.email import service
from services.notification.email.schemas import ProviderEventsResultSchema, ProviderEventsSchema
from shared.web.auth import secret_bearer_required
from shared.web.openapi import Blueprint, operation
from shared.web.problems import problem_responses

blp = Blueprint("email", __name__, description="The email provider's event hook")

PROVIDER_SCHEME = "provider_token"
EXAMPLE = {"events": [{"type": "bounce", "email": "sam@example.org", "bounce_type": "hard"}]}


@blp.route("/v1/email/events", methods=["POST"])
@secret_bearer_required(lambda s: s.webhook_secret, "email-events")
@blp.arguments(ProviderEventsSchema, example=EXAMPLE)
@blp.response(200, ProviderEventsResultSchema, example={"recorded": 1, "suppressed": 1})
@problem_responses(401, 503)
@blp.doc(security=[{PROVIDER_SCHEME: []}])
@operation("recordProviderEvents")
def provider_events(body):
    """Record bounces and complaints reported by the email provider; they suppress the address."""
    scopes = [service.record_provider_event(event) for event in body["events"]]
    return {"recorded": len(scopes), "suppressed": sum(1 for s in scopes if s)}
