"""Unsubscribe pages for people following links in emails: GET shows, POST changes (RFC 8058 one-click).

HTML pages, not part of the JSON API, so they live on a plain Flask blueprint. They speak the language the
link names (an email's link carries its own, `?lang=`), else the browser's: the token names no language.
The token names the email it came in (email/service.py): the page names what that email's footer named
and, for a formal email (the clinician's), speaks formally as it did.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from services.notification.email import service
from services.notification.email.templates import CATEGORY_LABELS, EmailTemplate
from shared.app_links import app_link
from shared.runtime import runtime_of
from shared.tokens import TokenInvalid
from shared.web.pages import gettext, message_page, speak_formally, speak_requested

bp = Blueprint("email_pages", __name__)


BROKEN_LINK = (
    "This link doesn't work",
    "It may have been shortened or changed by your email program. Nothing has been changed.",
    "You can use the unsubscribe link in any other email from us, or simply reply to this one.",
)


def _broken_link():
    return message_page(*BROKEN_LINK, status=404)


def _page(page: str, token: str, address: str, category: str, email: EmailTemplate | None):
    if email and email.formal:
        speak_formally()
    label = gettext(email.label() if email else CATEGORY_LABELS.get(category, category))
    # Mail to someone a person named: no word about "your account", which that reader may not have.
    own = not (email and email.named_recipient)
    # A person's own weekly report that also goes to their clinician: the page says theirs goes on, and
    # where to stop it. Never the clinician's address: whoever holds the link may not be the person.
    clinician = service.clinician_copy_goes_on(address, category, email)
    settings_url = app_link(runtime_of().settings, "settings")
    html = render_template(
        page,
        token=token,
        category=category,
        label=label,
        own=own,
        clinician=clinician,
        settings_url=settings_url,
    )
    return html, 200, {"Cache-Control": "no-store"}


@bp.get("/u/<token>")
def unsubscribe_page(token: str):
    """Show what the link would do. Mail scanners open every link, so GET never unsubscribes."""
    speak_requested()
    try:
        address, category, email = service.read_unsubscribe_token(runtime_of().settings, token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/unsubscribe.html", token, address, category, email)


@bp.post("/u/<token>")
def unsubscribe(token: str):
    """The page's button and RFC 8058 one-click (`List-Unsubscribe=One-Click`) both unsubscribe."""
    speak_requested()
    try:
        address, category, email = service.unsubscribe(runtime_of().settings, token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/unsubscribed.html", token, address, category, email)


@bp.post("/u/<token>/resubscribe")
def resubscribe(token: str):
    speak_requested()
    try:
        address, category, email = service.resubscribe(runtime_of().settings, token)
    except TokenInvalid:
        return _broken_link()
    return _page("email/resubscribed.html", token, address, category, email)
