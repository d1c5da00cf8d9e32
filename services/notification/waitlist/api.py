"""`POST /v1/waitlist`: the JSON sign-up, answering the same way whether or not the address is listed, in
the client's language (Accept-Language), as its problems are."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from services.notification.waitlist import abuse, service
from services.notification.waitlist.schemas import JoinAcceptedSchema, JoinSchema
from shared import ratelimit
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation, public
from shared.web.problem_language import speak
from shared.web.problems import problem_responses

blp = Blueprint("waitlist", __name__, url_prefix="/v1/waitlist", description="Join the waitlist.")


@blp.before_request
def _guard():
    if request.method != "POST":
        return
    # Counted before validation (and before a wrong content type's 415), so malformed floods are limited.
    ratelimit.enforce(abuse.JOIN_PER_IP, abuse.client_ip())


@blp.route("")
class Waitlist(MethodView):
    @public
    @operation("joinWaitlist")
    @blp.arguments(JoinSchema, example={"email": "sam@example.org", "name": "Sam", "consent": True})
    @blp.response(202, JoinAcceptedSchema)
    @problem_responses(429, 503)
    def post(self, data):
        """Join the waitlist (double opt-in: a confirmation email follows)."""
        service.join(runtime_of().celery, data, abuse.client_ip(), request.user_agent.string)
        return {"status": "received", "message": speak(service.JOINED_MESSAGE)}
