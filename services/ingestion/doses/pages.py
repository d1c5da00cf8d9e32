"""The page a dose reminder email links to: GET shows the dose with Taken and Skipped buttons and records
nothing (mail scanners open links), the button's POST records it. In the person's language, as their email
was; a link that names nobody any more, in the browser's."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Blueprint, render_template, request

from services.ingestion.doses import service
from services.ingestion.doses.exceptions import DoseDeleted, DoseRefused, TokenExpired, TokenUnusable
from services.ingestion.doses.schemas import STATUSES
from services.ingestion.limits import limit_writes
from shared import languages
from shared.app_links import app_path
from shared.runtime import runtime_of
from shared.web.pages import gettext as _
from shared.web.pages import message_page, speak

bp = Blueprint("dose_pages", __name__)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
# How the page names the dose's day in each language: "Monday 7 December", "lunes 7 de diciembre".
DAY_FORMATS = {"en": "EEEE d MMMM", "es": "EEEE d 'de' MMMM"}


def _unusable(error: Exception):
    # A link that names nobody: the page takes the browser's language (message_page).
    expired = isinstance(error, TokenExpired)
    return message_page(
        _("This link has expired") if expired else _("This link can't be used"),
        _("Nothing has been recorded."),
        _("You can log this dose in the app, where today's doses are listed."),
        status=410 if expired else 404,
        action_url=app_path(),
        action_label=_("Open Track Your Healing"),
    )


def _day(day: str, language: str) -> str:
    pattern = DAY_FORMATS.get(language, DAY_FORMATS[languages.DEFAULT])
    return format_date(date.fromisoformat(day), pattern, locale=language)


def _page(token: str, ref, user: dict, recorded: str | None = None, status: int = 200):
    language = speak(languages.of(user))
    # The email's Taken or Skipped link says which button to offer first; both are always there.
    chosen = "skipped" if request.args.get("status") == "skipped" else "taken"
    html = render_template(
        "doses/confirm.html",
        token=token,
        ref=ref,
        order=[chosen, "skipped" if chosen == "taken" else "taken"],
        day=_day(ref.day, language),
        time=languages.clock(ref.time, language),  # "08:00", "8:00"
        mg=format_decimal(ref.mg, format="0.######", locale=language),  # "0.25", "0,25"
        recorded=recorded,
        app_url=app_path(),
    )
    return html, status, HEADERS | {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/doses/<token>")
def confirm_page(token: str):
    """The dose and two buttons; nothing is recorded by opening the link."""
    try:
        ref, user = service.read(runtime_of().settings, token)
    except (TokenUnusable, TokenExpired) as error:
        return _unusable(error)
    return _page(token, ref, user)


@bp.post("/doses/<token>")
def confirm(token: str):
    """Record the button pressed; a second press, or the other button, shows what was recorded first."""
    settings = runtime_of().settings
    status = request.form.get("status", "")
    try:
        ref, user = service.read(settings, token)
        speak(languages.of(user))  # what follows is for this person, even a refusal
        if status not in STATUSES:
            return _page(token, ref, user, status=400)
        limit_writes(ref.user_id)
        answer, created = service.confirm(runtime_of().celery, settings, ref, user, status)
    except (TokenUnusable, TokenExpired) as error:
        return _unusable(error)
    except DoseDeleted as error:
        return message_page(
            _("This dose was recorded and then deleted"),
            _(
                "Its entry was deleted, so the link records nothing now. You can log the dose again in the "
                "app."
            ),
            status=error.status,
            action_url=app_path(),
            action_label=_("Open Track Your Healing"),
        )
    except DoseRefused as error:
        # The refusal's detail is the event rules' English for an app; a person reads what to do next.
        return message_page(
            _("This dose could not be recorded"),
            _("Nothing has been recorded."),
            _("You can log this dose in the app, where today's doses are listed."),
            status=error.status,
            action_url=app_path(),
            action_label=_("Open Track Your Healing"),
        )
    return _page(token, ref, user, recorded=answer["status"], status=201 if created else 200)
