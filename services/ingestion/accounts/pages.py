"""The invitation link from the email: a page to accept it (GET shows a form; POST creates the account)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from services.ingestion.accounts import service, zones
from services.ingestion.accounts.exceptions import AlreadyRegistered, InvitationUnusable
from services.ingestion.accounts.schemas import AcceptInvitationSchema
from services.ingestion.limits import client_ip
from shared import invitations
from shared.app_links import SIGN_IN, app_path
from shared.runtime import runtime_of
from shared.web.pages import message_page

bp = Blueprint("account_pages", __name__)

ZONE_UNKNOWN = (
    "We couldn't find a time zone for \u201c{typed}\u201d. Start typing your city, or a large city near "
    "you, and choose it from the list (for example London or New York)."
)
ZONE_MISSING = "Please choose your time zone: start typing your city and pick it from the list."


def _unusable():
    return message_page(
        "This invitation can't be used",
        "It may have expired, or it was already used to create an account. Nothing has been changed.",
        "If you already have an account, sign in from the app with your email address. Otherwise, reply to "
        "the invitation email and we'll send you a new one.",
        status=404,
        action_url=app_path(SIGN_IN),
        action_label="Open Track Your Healing",
    )


def _form(token: str, invitation: dict, errors=(), form=None, status=200):
    html = render_template(
        "accounts/accept.html",
        token=token,
        invitation=invitation,
        errors=dict(errors),
        form=form or {},
        zones=zones.choices(),
        consent_text=service.HEALTH_CONSENT_TEXT,
        consent_version=service.HEALTH_CONSENT_VERSION,
    )
    return html, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/invitations/<token>")
def accept_page(token: str):
    """Show the invitation. Mail scanners open links, so GET never creates anything."""
    try:
        invitation = invitations.verify_invitation(runtime_of().settings, token)
    except invitations.InvitationUnusable:
        return _unusable()
    return _form(token, invitation)


@bp.post("/invitations/<token>")
def accept(token: str):
    """Create the account with the separate, explicit consent to processing health data."""
    try:
        invitation = invitations.verify_invitation(runtime_of().settings, token)
    except invitations.InvitationUnusable:
        return _unusable()
    typed_zone = request.form.get("time_zone", "").strip()
    form = {
        "display_name": request.form.get("display_name", "").strip(),
        "time_zone": zones.resolve(typed_zone) or typed_zone,  # "London" -> "Europe/London"
        "health_data_consent": request.form.get("health_data_consent") == "yes",
        "consent_version": request.form.get("consent_version", ""),
        "device_name": "web",
        "platform": "web",
    }
    try:
        body = AcceptInvitationSchema().load(form)
    except ValidationError as exc:
        errors = {name: " ".join(reasons) for name, reasons in exc.messages.items()}
        if "time_zone" in errors:
            errors["time_zone"] = ZONE_UNKNOWN.format(typed=typed_zone[:80]) if typed_zone else ZONE_MISSING
        return _form(token, invitation, errors, form, status=422)
    consent = {
        "version": body["consent_version"],
        "ip": client_ip(),
        "user_agent": request.user_agent.string[:300],
    }
    try:
        user, _token, _device = service.accept_invitation(
            runtime_of().celery, invitation, body, consent, issue_token=False
        )
    except (InvitationUnusable, AlreadyRegistered):
        return _unusable()
    html = render_template("accounts/welcome.html", user=user, sign_in=app_path(SIGN_IN, email=user["email"]))
    return html, 201, {"Cache-Control": "no-store"}
