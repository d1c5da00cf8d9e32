"""The invitation link from the email: a page to accept it (GET shows a form; POST creates the account).

In the language the link names (`?lang=`, the waitlist entry's), else the browser's, else English; the form
carries it to the POST in a hidden field, and the account keeps it, so its emails and the app start in it."""

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
from shared.web.pages import LANGUAGE_PARAMETER, message_page, page_language, requested_language, speak
from shared.web.pages import gettext as _

bp = Blueprint("account_pages", __name__)


def _unusable():
    return message_page(
        _("This invitation can't be used"),
        _("It may have expired, or it was already used to create an account. Nothing has been changed."),
        _(
            "If you already have an account, sign in from the app with your email address. Otherwise, reply "
            "to the invitation email and we'll send you a new one."
        ),
        status=404,
        action_url=app_path(SIGN_IN),
        action_label=_("Open Track Your Healing"),
    )


def _field_errors(messages: dict, form: dict, typed_zone: str) -> dict[str, str]:
    """The schema's refusals as a person reads them, in the page's language, one per field."""
    errors = {}
    if "display_name" in messages:
        errors["display_name"] = (
            _("Please use one line of up to 80 characters.")
            if form["display_name"]
            else _("Please tell us what to call you.")
        )
    if "time_zone" in messages:
        errors["time_zone"] = (
            _(
                "We couldn't find a time zone for \u201c%(typed)s\u201d. Start typing your city, or a large "
                "city near you, and choose it from the list (for example London or New York)."
            )
            % {"typed": typed_zone[:80]}
            if typed_zone
            else _("Please choose your time zone: start typing your city and pick it from the list.")
        )
    if "health_data_consent" in messages:
        errors["health_data_consent"] = _("We can only keep health information with your explicit consent.")
    if "consent_version" in messages:
        errors["consent_version"] = _(
            "This form is out of date: please reload the page and fill it in again."
        )
    return errors


def _form(token: str, invitation: dict, language: str | None, *, errors=(), form=None, status=200):
    html = render_template(
        "accounts/accept.html",
        token=token,
        invitation=invitation,
        language=language,
        errors=dict(errors),
        form=form or {},
        zones=zones.choices(page_language()),
        consent_text=_(service.HEALTH_CONSENT_TEXT),
        consent_version=service.HEALTH_CONSENT_VERSION,
    )
    return html, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/invitations/<token>")
def accept_page(token: str):
    """Show the invitation. Mail scanners open links, so GET never creates anything."""
    language = requested_language()
    speak(language)
    try:
        invitation = invitations.verify_invitation(runtime_of().settings, token)
    except invitations.InvitationUnusable:
        return _unusable()
    return _form(token, invitation, language)


@bp.post("/invitations/<token>")
def accept(token: str):
    """Create the account with the separate, explicit consent to processing health data."""
    language = requested_language()
    shown = speak(language)
    try:
        invitation = invitations.verify_invitation(runtime_of().settings, token)
    except invitations.InvitationUnusable:
        return _unusable()
    typed_zone = request.form.get("time_zone", "").strip()
    form = {
        "display_name": request.form.get("display_name", "").strip(),
        "time_zone": zones.resolve(typed_zone) or typed_zone,  # "London", "Londres" -> "Europe/London"
        "health_data_consent": request.form.get("health_data_consent") == "yes",
        "consent_version": request.form.get("consent_version", ""),
        "device_name": "web",
        "platform": "web",
    }
    try:
        body = AcceptInvitationSchema().load(form)
    except ValidationError as exc:
        errors = _field_errors(exc.messages, form, typed_zone)
        return _form(token, invitation, language, errors=errors, form=form, status=422)
    consent = {
        "version": body["consent_version"],
        "language": shown,  # the consent's wording was shown in this language
        "ip": client_ip(),
        "user_agent": request.user_agent.string[:300],
    }
    try:
        user, _token, _device = service.accept_invitation(
            runtime_of().celery, invitation, body, consent, issue_token=False, language=language
        )
    except (InvitationUnusable, AlreadyRegistered):
        return _unusable()
    # The app opens in the account's language, where the invitation gave it one.
    chosen = {LANGUAGE_PARAMETER: user["language"]} if "language" in user else {}
    sign_in = app_path(SIGN_IN, email=user["email"], **chosen)
    html = render_template("accounts/welcome.html", user=user, sign_in=sign_in)
    return html, 201, {"Cache-Control": "no-store"}
