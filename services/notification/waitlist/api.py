"""`POST /v1/waitlist`: the JSON sign-up, answering the same way whether or not the address is listed."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from werkzeug.exceptions import UnsupportedMediaType

from services.notification.waitlist import abuse, service
from services.notification.waitlist.schemas import JoinAcceptedSchema, JoinSchema
from shared import ratelimit
from shared.web.json_body import ApiBlueprint

blp = ApiBlueprint("waitlist", __name__, url_prefix="/v1/waitlist", description="Join the waitlist.")


@blp.before_request
def _guard():
    if request.method != "POST":
        return
    # Counted before validation, so malformed floods are limited too.
    ratelimit.enforce(abuse.JOIN_PER_IP, abuse.client_ip())
    if not request.is_json:
        raise UnsupportedMediaType("Please send the sign-up as JSON (Content-Type: application/json).")


@blp.route("")
class Waitlist(MethodView):
    @blp.arguments(JoinSchema)
    @blp.response(202, JoinAcceptedSchema)
    @blp.alt_response(422, description="A field is not valid; `invalid_params` names it.")
    @blp.alt_response(429, description="Too many attempts; wait `Retry-After` seconds.")
    def post(self, data):
        """Join the waitlist (double opt-in: a confirmation email follows)."""
        service.join(data, abuse.client_ip(), request.user_agent.string)
        return {"status": "received", "message": service.JOINED_MESSAGE}
