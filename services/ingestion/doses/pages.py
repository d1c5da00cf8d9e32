"""The page a dose reminder email links to: GET shows the dose with Taken and Skipped buttons and records
nothing (mail scanners open links), the button's POST records it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from services.ingestion.doses import service
from services.ingestion.doses.exceptions import DoseDeleted, DoseRefused, TokenExpired, TokenUnusable
from services.ingestion.doses.schemas import STATUSES
from services.ingestion.limits import limit_writes
from shared.app_links import app_path
from shared.runtime import runtime_of
from shared.web.pages import message_page

bp = Blueprint("dose_pages", __name__)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _unusable(error: Exception):
    expired = isinstance(error, TokenExpired)
    return message_page(
        "This link has expired" if expired else "This link can't be used",
        "Nothing has been recorded.",
        "You can log this dose in the app, where today's doses are listed.",
        status=410 if expired else 404,
        action_url=app_path(),
        action_label="Open Track Your Healing",
    )


def _page(token: str, ref, recorded: str | None = None, status: int = 200):
    # The email's Taken or Skipped link says which button to offer first; both are always there.
    chosen = "skipped" if request.args.get("status") == "skipped" else "taken"
    html = render_template(
        "doses/confirm.html",
        token=token,
        ref=ref,
        order=[chosen, "skipped" if chosen == "taken" else "taken"],
        day=date.fromisoformat(ref.day).strftime("%A %-d %B"),
        recorded=recorded,
        app_url=app_path(),
    )
    return html, status, HEADERS | {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/doses/<token>")
def confirm_page(token: str):
    """The dose and two buttons; nothing is recorded by opening the link."""
    try:
        ref, _user = service.read(runtime_of().settings, token)
    except (TokenUnusable, TokenExpired) as error:
        return _unusable(error)
    return _page(token, ref)


@bp.post("/doses/<token>")
def confirm(token: str):
    """Record the button pressed; a second press, or the other button, shows what was recorded first."""
    settings = runtime_of().settings
    status = request.form.get("status", "")
    try:
        ref, user = service.read(settings, token)
        if status not in STATUSES:
            return _page(token, ref, status=400)
        limit_writes(ref.user_id)
        answer, created = service.confirm(runtime_of().celery, settings, ref, user, status)
    except (TokenUnusable, TokenExpired) as error:
        return _unusable(error)
    except (DoseDeleted, DoseRefused) as error:
        return message_page(
            error.title,
            error.detail,
            status=error.status,
            action_url=app_path(),
            action_label="Open Track Your Healing",
        )
    return _page(token, ref, recorded=answer["status"], status=201 if created else 200)
