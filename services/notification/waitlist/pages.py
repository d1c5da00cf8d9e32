"""The waitlist's pages: join form, confirm, place in line, leave. GET only shows; POST changes.

Mail scanners open every link in an email, so a GET never confirms or erases anything.

Every page speaks the person's language (shared.web.pages, from the service's catalog in translations/
merged over the shared one): a page reached by a link speaks its entry's, or what the request asks for
(the link's `lang`, else the browser's) when the link finds no entry; the join form speaks what the
request asks for and carries it through the sign-up in a hidden `lang` field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from services.notification.waitlist import abuse, service
from services.notification.waitlist.exceptions import LinkExpired, LinkInvalid, NotOnList
from services.notification.waitlist.repository import PENDING
from services.notification.waitlist.schemas import UTM_FIELDS, JoinSchema
from services.notification.waitlist.service import CONFIRM_PURPOSE, LEAVE_PURPOSE, POSITION_PURPOSE
from shared import languages, ratelimit
from shared.ratelimit import RateLimited
from shared.runtime import runtime_of
from shared.web.pages import LANGUAGE_PARAMETER, message_page, page_language, speak, speak_requested
from shared.web.pages import gettext as _
from shared.web.problems import DomainError

bp = Blueprint("waitlist_pages", __name__)

NO_STORE = {"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"}
CARRIED_FIELDS = ("referral_code", "source", *UTM_FIELDS)  # from the landing link into the form
FORM_FIELDS = ("email", "name", "consent")  # what a person can correct; the rest came with the link
# Each language named in itself, for the join form's link that switches to it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def _page(template: str, status: int = 200, **context):
    return render_template(template, **context), status, NO_STORE


def _entry_for_token(purpose: str, token: str) -> dict[str, Any]:
    """The link's entry, this request now speaking its language; raises what entry_for_token raises."""
    entry = service.entry_for_token(runtime_of().settings, purpose, token)
    speak(languages.of(entry))
    return entry


def _error_page(error: DomainError):
    speak_requested()  # no entry to ask: the link's language, else the browser's
    retry = isinstance(error, LinkExpired | LinkInvalid)  # a fresh sign-up sends a fresh link
    return message_page(
        _(error.title),
        _(error.detail),
        status=error.status,
        action_url=url_for(".join_form", **_lang()) if retry else None,
        action_label=_("Go to the sign-up form") if retry else None,
    )


def _rate_limited_page(error: RateLimited):
    minutes = max(1, -(-error.retry_after // 60))
    html = render_template("waitlist/paused.html", minutes=minutes)
    return html, 429, NO_STORE | {"Retry-After": str(error.retry_after)}


def _join_form(values: dict, errors: dict | None = None, status: int = 200):
    language = page_language()
    carried = {k: values.get(k) for k in CARRIED_FIELDS if values.get(k)}
    # The switch keeps what the landing link carried (as the link's names: `ref` for the code).
    link_params = {("ref" if k == "referral_code" else k): v for k, v in carried.items()}
    errors = errors or {}
    return _page(
        "waitlist/join.html",
        status,
        values=values,
        errors={k: [_(m) for m in v] for k, v in errors.items() if k in FORM_FIELDS},
        link_unusable=any(k not in FORM_FIELDS for k in errors),
        carried=carried,
        language=language,
        other_languages=[
            (
                code,
                LANGUAGE_NAMES.get(code, code),
                url_for(".join_form", **link_params, **{LANGUAGE_PARAMETER: code}),
            )
            for code in languages.LANGUAGES
            if code != language
        ],
        consent_text=service.CONSENT_TEXTS[service.CONSENT_VERSION][language],
        consent_version=service.CONSENT_VERSION,
        honeypot=abuse.HONEYPOT_FIELD,
    )


@bp.get("/")
@bp.get("/waitlist")
def join_form():
    speak_requested()  # an unknown `lang` is no error: it is only not chosen
    values = {k: request.args.get(k, "")[:200] for k in CARRIED_FIELDS}
    values["referral_code"] = request.args.get("ref", values["referral_code"])[:32]
    return _join_form(values)


@bp.post("/waitlist")
def join():
    # The form's hidden `lang` says which language it was shown in; a forged one is only not chosen.
    form = request.form.to_dict() | {"language": speak_requested()}
    try:
        ratelimit.enforce(abuse.JOIN_PER_IP, abuse.client_ip())
        data = JoinSchema().load(form)
        service.join(runtime_of().celery, data, abuse.client_ip(), request.user_agent.string)
    except ValidationError as err:
        return _join_form(form, err.messages, status=422)
    except RateLimited as err:
        return _rate_limited_page(err)
    # A refresh must not post the form again.
    return redirect(url_for(".joined", **_lang()), 303)


@bp.get("/waitlist/thanks")
def joined():
    speak_requested()
    return message_page(_(service.JOINED_TITLE), _(service.JOINED_MESSAGE))


@bp.get("/waitlist/confirm/<token>")
def confirm(token: str):
    try:
        entry = _entry_for_token(CONFIRM_PURPOSE, token)
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
    speak(languages.of(entry))
    if not first_time:
        return _already_confirmed(entry)
    return redirect(url_for(".position", token=_token(POSITION_PURPOSE, entry), **_lang()), 303)


def _lang() -> dict[str, str]:
    """The query that keeps this page's language on a link it shows (for when the link finds no entry)."""
    return {LANGUAGE_PARAMETER: page_language()}


def _token(purpose: str, entry: dict) -> str:
    return service.token_for(runtime_of().settings, purpose, entry["_id"])


def _already_confirmed(entry: dict):
    return message_page(
        _("Your place is already confirmed"),
        _("This link has been used already, so nothing has changed. You are on the waitlist."),
        action_url=url_for(".position", token=_token(POSITION_PURPOSE, entry), **_lang()),
        action_label=_("See my place in line"),
    )


@bp.get("/waitlist/you/<token>")
def position(token: str):
    try:
        entry = _entry_for_token(POSITION_PURPOSE, token)
    except DomainError as err:
        return _error_page(err)
    return _page(
        "waitlist/position.html",
        entry=entry,
        position=service.position_of(entry),
        # Not in the sharer's language: whoever opens it is shown the form in their browser's.
        referral_link=service.referral_link(runtime_of().settings, entry),
        referrals=entry.get("referral_credits") or 0,
        boost_days=service.REFERRAL_BOOST.days,
        max_boosts=service.MAX_REFERRAL_BOOSTS,
        leave_url=url_for(".leave", token=_token(LEAVE_PURPOSE, entry), **_lang()),
    )


@bp.get("/waitlist/leave/<token>")
def leave(token: str):
    try:
        _entry_for_token(LEAVE_PURPOSE, token)
    except DomainError as err:
        return _error_page(err)
    return _page("waitlist/leave.html")


@bp.post("/waitlist/leave/<token>")
def leave_post(token: str):
    try:
        _entry_for_token(LEAVE_PURPOSE, token)  # the goodbye is in the language of the entry it erases
    except NotOnList:
        speak_requested()  # already erased (a second press): the link's language
    except DomainError as err:
        return _error_page(err)
    try:
        service.leave(runtime_of().settings, token)
    except DomainError as err:
        return _error_page(err)
    return message_page(
        _("You have left the waitlist"),
        _(
            "Your email address and everything you told us with it have been erased. We won't write to "
            "you about the waitlist again."
        ),
        _("If you change your mind, you are always welcome to sign up again."),
    )
