"""Email endpoints: unsubscribe pages (GET shows, POST changes; RFC 8058 one-click) and the provider's
bounce and complaint hook."""

from __future__ import annotations

from flask import render_template
from flask_smorest import Blueprint

from services.notification.email import service
from services.notification.email.schemas import ProviderEventsResultSchema, ProviderEventsSchema
from services.notification.email.templates import CATEGORY_LABELS
from shared.tokens import TokenInvalid
from shared.web.auth import secret_bearer_required
from shared.web.media import require_json
from shared.web.pages import message_page
from shared.web.service import settings_of

blp = Blueprint("email", __name__, description="Unsubscribe links and the email provider's event hook")


def _broken_link():
    return message_page(
        "This link doesn't work",
        "It may have been shortened or changed by your email program. Nothing has been changed.",
        "You can use the unsubscribe link in any other email from us, or simply reply to this one.",
        status=404,
    )


def _page(template: str, token: str, category: str, status: int = 200):
    html = render_template(
        template, token=token, category=category, label=CATEGORY_LABELS.get(category, category)
    )
    return html, status, {"Cache-Control": "no-store"}


@blp.route("/u/<token>", methods=["GET"])
@blp.doc(hide=True)
def unsubscribe_page(token: str):
    """Show what the link would do. Mail scanners open every link, so GET never unsubscribes."""
    try:
        _address, category = service.read_unsubscribe_token(settings_of(), token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/unsubscribe.html", token, category)


@blp.route("/u/<token>", methods=["POST"])
@blp.doc(hide=True)
def unsubscribe(token: str):
    """The page's button and RFC 8058 one-click (`List-Unsubscribe=One-Click`) both unsubscribe."""
    try:
        _address, category = service.unsubscribe(settings_of(), token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/unsubscribed.html", token, category)


@blp.route("/u/<token>/resubscribe", methods=["POST"])
@blp.doc(hide=True)
def resubscribe(token: str):
    try:
        _address, category = service.resubscribe(settings_of(), token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/resubscribed.html", token, category)


@blp.route("/v1/email/events", methods=["POST"])
@secret_bearer_required(lambda s: s.webhook_secret, "email-events")
@require_json
@blp.arguments(ProviderEventsSchema)
@blp.response(200, ProviderEventsResultSchema)
def provider_events(body):
    """Record bounces and complaints reported by the email provider; they suppress the address."""
    scopes = [service.record_provider_event(event) for event in body["events"]]
    return {"recorded": len(scopes), "suppressed": sum(1 for s in scopes if s)}
