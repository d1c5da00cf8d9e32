"""Accounts API: accept an invitation, sign in with an emailed code, the profile and devices."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.views import MethodView

from services.ingestion.accounts import browser, service
from services.ingestion.accounts.auth import current_device, current_user, login_required
from services.ingestion.accounts.exceptions import InvitationUnusable, NotFound
from services.ingestion.accounts.repository import list_devices
from services.ingestion.accounts.schemas import (
    AcceptInvitationSchema,
    AccountCreatedSchema,
    BrowserSessionRequestSchema,
    BrowserSessionSchema,
    CodeRequestedSchema,
    CodeRequestSchema,
    DeviceSchema,
    DeviceTokenSchema,
    InvitationSchema,
    MePatchSchema,
    MeSchema,
    TokenRequestSchema,
)
from services.ingestion.limits import client_ip, limit_code_exchange, limit_code_requests
from shared import invitations, users
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation, public
from shared.web.problems import problem_responses

blp = Blueprint("accounts", __name__, url_prefix="/v1", description="Sign-in, profile and devices")

COOKIE_HEADER = {
    "description": "the device cookie: HttpOnly, SameSite=Strict (Secure, __Host- prefix in production)",
    "schema": {"type": "string"},
}
CODE_REQUESTED = {
    "status": "requested",
    "detail": "If an account uses this address, a sign-in code is on its way. It works for 10 minutes.",
}


def _usable_invitation(token: str) -> dict:
    try:
        return invitations.verify_invitation(runtime_of().settings, token)
    except invitations.InvitationUnusable:
        raise InvitationUnusable() from None


@blp.route("/invitations/<token>")
class Invitation(MethodView):
    @public
    @operation("getInvitation")
    @blp.response(200, InvitationSchema)
    @problem_responses(410, 503)
    def get(self, token: str):
        """What an invitation is for, so the app can show it before asking for consent."""
        invitation = _usable_invitation(token)
        return invitation | {
            "consent_version": service.HEALTH_CONSENT_VERSION,
            "consent_text": service.HEALTH_CONSENT_TEXT,
        }


@blp.route("/invitations/<token>/accept", methods=["POST"])
@public
@operation("acceptInvitation")
@blp.arguments(AcceptInvitationSchema)
@blp.response(201, AccountCreatedSchema)
@problem_responses(409, 410, 503)
def accept_invitation(body, token: str):
    """Create the account from an invitation, record the health-data consent, and sign this device in."""
    invitation = _usable_invitation(token)
    consent = {
        "version": body["consent_version"],
        "ip": client_ip(),
        "user_agent": request.user_agent.string[:300],
    }
    user, device_token, device = service.accept_invitation(runtime_of().celery, invitation, body, consent)
    return {"me": user, "token": device_token, "device": device}


@blp.route("/auth/code", methods=["POST"])
@public
@operation("requestSignInCode")
@blp.arguments(CodeRequestSchema, example={"email": "sam@example.org", "language": "en"})
@blp.response(202, CodeRequestedSchema, example=CODE_REQUESTED)
@problem_responses(429, 503)
def request_code(body):
    """Email a one-time sign-in code. The answer is the same whether or not the address has an account."""
    limit_code_requests(body["email"])
    service.request_sign_in_code(runtime_of().celery, body["email"], body.get("language"))
    return CODE_REQUESTED


@blp.route("/auth/token", methods=["POST"])
@public
@operation("exchangeSignInCode")
@blp.arguments(
    TokenRequestSchema,
    example={"email": "sam@example.org", "code": "123456", "device_name": "Sam's phone", "platform": "ios"},
)
@blp.response(201, DeviceTokenSchema)
@problem_responses(401, 429, 503)
def exchange_code(body):
    """Exchange a sign-in code for a device token (shown once; keep it in the device's secure storage)."""
    limit_code_exchange(body["email"])
    token, device = service.exchange_code(
        runtime_of().settings,
        body["email"],
        body["code"],
        body["device_name"],
        body["platform"],
        language=body.get("language"),
    )
    return {"token": token, "device": device}


@blp.route("/auth/session", methods=["POST"])
@public
@operation("createBrowserSession")
@blp.arguments(BrowserSessionRequestSchema)
@blp.response(201, BrowserSessionSchema, headers={"Set-Cookie": COOKIE_HEADER})
@problem_responses(401, 403, 429, 503)
def create_browser_session(body):
    """Sign a browser in with an emailed code: the device token is set as an HttpOnly, SameSite=Strict
    cookie and never appears in the body, so page scripts cannot read it. Same-origin pages only."""
    settings = runtime_of().settings
    browser.require_same_origin(settings)
    limit_code_exchange(body["email"])
    token, device = service.exchange_code(
        settings, body["email"], body["code"], body["device_name"], "web", language=body.get("language")
    )
    response = jsonify(BrowserSessionSchema().dump({"device": device}))
    response.status_code = 201
    browser.set_device_cookie(response, settings, token)
    return response


@blp.route("/auth/session", methods=["DELETE"])
@login_required
@operation("signOut")
@blp.response(204)
def sign_out():
    """Sign this device out: its token stops working and a browser's cookie is cleared."""
    service.revoke_device(current_user()["_id"], current_device()["_id"])
    response = Response(status=204)
    browser.clear_device_cookie(response, runtime_of().settings)
    return response


@blp.route("/me")
class Me(MethodView):
    @login_required
    @operation("getMe")
    @blp.response(200, MeSchema)
    def get(self):
        """The signed-in person's profile and preferences."""
        # Read afresh, not from the sign-in cache: an unsubscribe link changes preferences elsewhere.
        return users.find(current_user()["_id"])

    @login_required
    @operation("updateMe")
    @blp.arguments(MePatchSchema, example={"time_zone": "Europe/Berlin"})
    @blp.response(200, MeSchema)
    def patch(self, changes):
        """Change name, time zone, language or preferences (only the fields sent)."""
        return service.update_profile(current_user()["_id"], changes)


@blp.route("/me/devices")
class Devices(MethodView):
    @login_required
    @operation("listDevices")
    @blp.response(200, DeviceSchema(many=True))
    def get(self):
        """The devices signed in to this account; `current` marks the one asking."""
        this = current_device()["_id"]
        return [device | {"current": device["_id"] == this} for device in list_devices(current_user()["_id"])]


@blp.route("/me/devices/<device_id>")
class Device(MethodView):
    @login_required
    @operation("signOutDevice")
    @blp.response(204)
    @problem_responses(404)
    def delete(self, device_id: str):
        """Sign a device out (a lost phone, say): its token stops working at once, and so do its dose
        reminders."""
        if not service.revoke_device(current_user()["_id"], device_id):
            raise NotFound()
