"""The waitlist's pages: join form, confirm, place in line, leave. GET only shows; POST changes.

Mail scanners open every link in an email, so a GET never confirms or erases anything.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from services.notification.waitlist import abuse, service
from services.notification.waitlist.exceptions import LinkExpired, LinkInvalid
from services.notification.waitlist.repository import PENDING
from services.notification.waitlist.schemas import UTM_FIELDS, JoinSchema
from services.notification.waitlist.service import CONFIRM_PURPOSE, LEAVE_PURPOSE, POSITION_PURPOSE
from shared import ratelimit
from shared.ratelimit import RateLimited
from shared.runtime import runtime_of
from shared.web.pages import message_page
from shared.web.problems import DomainError

bp = Blueprint("waitlist_pages", __name__)

NO_STORE = {"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"}
CARRIED_FIELDS = ("referral_code", "source", *UTM_FIELDS)  # from the landing link into the form


def _page(template: str, status: int = 200, **context):
    return render_template(template, **context), status, NO_STORE


def _error_page(error: DomainError):
    retry = isinstance(error, LinkExpired | LinkInvalid)  # a fresh sign-up sends a fresh link
    return message_page(
        error.title,
        error.detail,
        status=error.status,
        action_url=url_for(".join_form") if retry else None,
        action_label="Go to the sign-up form" if retry else None,
    )


def _rate_limited_page(error: RateLimited):
    minutes = max(1, -(-error.retry_after // 60))
    html, status, headers = message_page(
        "Let's take a short pause",
        "We've had several sign-up attempts from here in a short time, so we are pausing new ones for a "
        f"little while. Please try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
        "Nothing is lost, and you don't need to do anything else.",
        status=429,
    )
    return html, status, headers | {"Retry-After": str(error.retry_after)}


def _join_form(values: dict, errors: dict | None = None, status: int = 200):
    return _page(
        "waitlist/join.html",
        status,
        values=values,
        errors=errors or {},
        carried={k: values.get(k) for k in CARRIED_FIELDS if values.get(k)},
        consent_text=service.CONSENT_TEXTS[service.CONSENT_VERSION],
        consent_version=service.CONSENT_VERSION,
        honeypot=abuse.HONEYPOT_FIELD,
    )


@bp.get("/")
@bp.get("/waitlist")
def join_form():
    values = {k: request.args.get(k, "")[:200] for k in CARRIED_FIELDS}
    values["referral_code"] = request.args.get("ref", values["referral_code"])[:32]
    return _join_form(values)


@bp.post("/waitlist")
def join():
    try:
        ratelimit.enforce(abuse.JOIN_PER_IP, abuse.client_ip())
        data = JoinSchema().load(request.form)
        service.join(runtime_of().celery, data, abuse.client_ip(), request.user_agent.string)
    except ValidationError as err:
        return _join_form(request.form.to_dict(), err.messages, status=422)
    except RateLimited as err:
        return _rate_limited_page(err)
    return redirect(url_for(".joined"), 303)  # a refresh must not post the form again


@bp.get("/waitlist/thanks")
def joined():
    return message_page(service.JOINED_TITLE, service.JOINED_MESSAGE)


@bp.get("/waitlist/confirm/<token>")
def confirm(token: str):
    try:
        entry = service.entry_for_token(runtime_of().settings, CONFIRM_PURPOSE, token)
    except DomainError as err:
        return _error_page(err)
    if entry["status"] != PENDING:
        return _already_confirmed(entry)
    return _page("waitlist/confirm.html", name=entry.get("name"))


@bp.post("/waitlist/confirm/<token>")
def confirm_post(token: str):
    try:
        entry, first_time = service.confirm(runtime_of(), token)
    except DomainError as err:
        return _error_page(err)
    if not first_time:
        return _already_confirmed(entry)
    return redirect(url_for(".position", token=_token(POSITION_PURPOSE, entry)), 303)


def _token(purpose: str, entry: dict) -> str:
    return service.token_for(runtime_of().settings, purpose, entry["_id"])


def _already_confirmed(entry: dict):
    return message_page(
        "Your place is already confirmed",
        "This link has been used already, so nothing has changed. You are on the waitlist.",
        action_url=url_for(".position", token=_token(POSITION_PURPOSE, entry)),
        action_label="See my place in line",
    )


@bp.get("/waitlist/you/<token>")
def position(token: str):
    try:
        entry = service.entry_for_token(runtime_of().settings, POSITION_PURPOSE, token)
    except DomainError as err:
        return _error_page(err)
    return _page(
        "waitlist/position.html",
        entry=entry,
        position=service.position_of(entry),
        referral_link=service.referral_link(runtime_of().settings, entry),
        referrals=entry.get("referral_credits") or 0,
        boost_days=service.REFERRAL_BOOST.days,
        max_boosts=service.MAX_REFERRAL_BOOSTS,
        leave_url=url_for(".leave", token=_token(LEAVE_PURPOSE, entry)),
    )


@bp.get("/waitlist/leave/<token>")
def leave(token: str):
    try:
        service.entry_for_token(runtime_of().settings, LEAVE_PURPOSE, token)
    except DomainError as err:
        return _error_page(err)
    return _page("waitlist/leave.html")


@bp.post("/waitlist/leave/<token>")
def leave_post(token: str):
    try:
        service.leave(runtime_of().settings, token)
    except DomainError as err:
        return _error_page(err)
    return message_page(
        "You have left the waitlist",
        "Your email address and everything you told us with it have been erased. We won't write to you "
        "about the waitlist again.",
        "If you change your mind, you are always welcome to sign up again.",
    )
