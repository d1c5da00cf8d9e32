"""The email provider's bounce and complaint hook (JSON API)."""

from __future__ import annotations

from services.notification.email import service
from services.notification.email.schemas import ProviderEventsResultSchema, ProviderEventsSchema
from shared.web.auth import secret_bearer_required
from shared.web.json_body import ApiBlueprint
from shared.web.media import require_json

blp = ApiBlueprint("email", __name__, description="The email provider's event hook")


@blp.route("/v1/email/events", methods=["POST"])
@secret_bearer_required(lambda s: s.webhook_secret, "email-events")
@require_json
@blp.arguments(ProviderEventsSchema)
@blp.response(200, ProviderEventsResultSchema)
def provider_events(body):
    """Record bounces and complaints reported by the email provider; they suppress the address."""
    scopes = [service.record_provider_event(event) for event in body["events"]]
    return {"recorded": len(scopes), "suppressed": sum(1 for s in scopes if s)}
