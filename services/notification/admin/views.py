"""The admin pages: sign-in, the waitlist list and entry detail, invite, erase, export, stats, outbox, audit.

Thin views: they parse the request, call repository (reads) or service (actions), and render. Every POST
carries the session's CSRF token; every response is marked no-store so no cache keeps waitlist data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from marshmallow import ValidationError

from services.notification.admin import audit, auth, display, export, service
from services.notification.admin.schemas import (
    MAX_INVITE_BATCH,
    PAGE_SIZE,
    EntryFilters,
    InviteRequest,
    OutboxFilters,
)
from services.notification.waitlist import repository as waitlist_repository
from services.notification.waitlist import service as waitlist_service
from services.notification.waitlist.repository import STATUSES
from shared import invitations
from shared import outbox as email_outbox  # the view below is called outbox
from shared.email import address_key
from shared.runtime import runtime_of
from shared.web.pages import message_page
from shared.web.problem_language import in_english
from shared.web.problems import DomainError

bp = Blueprint("admin", __name__, url_prefix="/admin")
FILTER_LABELS = {"q": "Search", "status": "Status", "source": "Source", "created_from": "Joined from",
                 "created_to": "Joined until", "sort": "Sort", "page": "Page"}  # fmt: skip
bp.add_app_template_filter(display.when, "when")
bp.add_app_template_filter(display.details, "details")


bp.before_request(in_english)  # the admin is for staff: a problem it answers with stays English


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        auth.check_csrf()


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


@bp.errorhandler(auth.CsrfFailed)
def _csrf_failed(error: auth.CsrfFailed):
    return message_page(error.title, error.detail, status=error.status, action_url=url_for("admin.login"),
                        action_label="Back to the admin")  # fmt: skip


@bp.context_processor
def _template_globals() -> dict:
    return {"csrf_token": auth.csrf_token, "admin": g.get("admin")}


def _safe_next(target: str | None) -> str:
    # Only our own admin pages: an attacker's link must not turn sign-in into a redirect elsewhere.
    if target and target.startswith("/admin/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.entries")


class UnsafeNext(DomainError):
    status = 400
    title = "Bad request"
    detail = "The 'next' address contains control characters; sign in from the admin pages instead."


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if any(ord(c) < 32 or ord(c) == 127 for c in next_url):
        raise UnsafeNext()  # CR/LF would end the Location header it is sent back in
    if request.method == "GET":
        if auth.session_admin() is not None:
            return redirect(_safe_next(next_url))
        return render_template("admin/login.html", next=next_url, error=None)
    try:
        admin = auth.login(
            request.form.get("email", ""), request.form.get("password", ""), request.remote_addr or ""
        )
    except auth.LockedOut as locked:
        return render_template("admin/login.html", next=next_url, error=locked.detail), 429, locked.headers
    if admin is None:
        error = "That email and password don't match an admin account. Please try again."
        return render_template("admin/login.html", next=next_url, error=error), 401
    audit.record(admin, "sign in", None, ip=request.remote_addr)
    return redirect(_safe_next(next_url))


@bp.post("/logout")
@auth.login_required
def logout():
    audit.record(g.admin, "sign out", None)
    auth.logout(g.admin)
    return redirect(url_for("admin.login"))


def _filters() -> tuple[dict, dict]:
    try:
        return EntryFilters().load(request.args), {}
    except ValidationError as exc:
        return EntryFilters().load({}), exc.messages


@bp.get("/")
@auth.login_required
def entries():
    filters, errors = _filters()
    # Filters that cannot be read list nothing: the whole list under a filter the admin believes applied
    # would be mistaken for its answer.
    rows, has_next = ([], False) if errors else waitlist_repository.list_page(filters, PAGE_SIZE)
    if errors:  # show what was typed, to be corrected
        filters = {**filters, **{k: v for k, v in request.args.items() if k in filters and k != "page"}}
    args = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template(
        "admin/entries.html", rows=rows, has_next=has_next, filters=filters, errors=errors,
        labels=FILTER_LABELS, statuses=STATUSES, sources=service.known_sources(), args=args,
        invite_max=MAX_INVITE_BATCH,
    )  # fmt: skip
    return html, 422 if errors else 200


@bp.get("/entries/<entry_id>")
@auth.login_required
def entry(entry_id: str):
    found = waitlist_repository.find_by_id(entry_id) or abort(404)
    invitation = invitations.find(found["invitation_id"]) if found.get("invitation_id") else None
    return render_template(
        "admin/entry.html",
        entry=found,
        position=waitlist_service.position_of(found),
        referrer=waitlist_repository.referrer_of(found),
        invitation=invitation,
        consent_text=waitlist_service.consent_text(found.get("consent") or {}),
        emails=email_outbox.waitlist_mail_to(address_key(found["email"])),
    )


@bp.get("/entries/<entry_id>/erase")
@auth.login_required
def erase_form(entry_id: str):
    found = waitlist_repository.find_by_id(entry_id) or abort(404)
    return render_template("admin/erase.html", entry=found)


@bp.post("/entries/<entry_id>/erase")
@auth.login_required
def erase(entry_id: str):
    if request.form.get("confirm") != "yes":
        flash("Nothing was erased: tick the box to confirm.", "warn")
        return redirect(url_for("admin.erase_form", entry_id=entry_id))
    if service.erase(entry_id, g.admin, "web"):
        flash("The entry was erased.", "ok")
    else:
        flash("That entry was already gone.", "warn")
    return redirect(url_for("admin.entries"))


@bp.get("/invitations/next")
@auth.login_required
def invite_next_form():
    """Who 'Invite next N' would invite, named, with one button that invites exactly them."""
    try:
        wanted = InviteRequest().load({"next": request.args.get("next", "")})
    except ValidationError:
        flash(f"Choose how many people to invite: a number from 1 to {MAX_INVITE_BATCH}.", "warn")
        return redirect(url_for("admin.entries"))
    rows = waitlist_repository.next_in_line(wanted["next"])
    return render_template("admin/invite_next.html", rows=rows, asked=wanted["next"])


@bp.post("/invitations")
@auth.login_required
def invite():
    if request.form.get("next"):
        # Never straight from a number: the admin first sees who that is.
        return redirect(url_for("admin.invite_next_form", next=request.form.get("next")), 303)
    try:
        wanted = InviteRequest().load({"entry_ids": request.form.getlist("entry_ids")})
    except ValidationError:
        flash("Choose some entries, or a number of people to invite.", "warn")
        return redirect(request.referrer if _same_site(request.referrer) else url_for("admin.entries"))
    result = service.invite(runtime_of(), g.admin, "web", entry_ids=wanted["entry_ids"])
    return render_template("admin/invite_result.html", result=result)


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url + "admin/")


@bp.get("/export.csv")
@auth.login_required
def export_csv():
    filters, errors = _filters()
    if errors:
        abort(400)
    service.export_started(filters, g.admin, "web")
    filename = f"waitlist-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(export.stream_csv(waitlist_repository.iter_entries(filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/stats")
@auth.login_required
def stats():
    return render_template("admin/stats.html", stats=service.stats())


@bp.get("/outbox")
@auth.login_required
def outbox():
    try:
        filters = OutboxFilters().load(request.args)
    except ValidationError:
        filters = OutboxFilters().load({})
    rows, has_next = email_outbox.waitlist_mail_page(filters["status"], filters["page"], PAGE_SIZE)
    return render_template("admin/outbox.html", rows=rows, has_next=has_next, filters=filters)


@bp.post("/outbox/<path:outbox_id>/resend")
@auth.login_required
def resend(outbox_id: str):
    if service.resend(runtime_of().celery, outbox_id, g.admin, "web"):
        flash("The email is queued to be sent again.", "ok")
    else:
        flash("That email can't be sent again: it is queued, being sent, or was delivered.", "warn")
    return redirect(url_for("admin.outbox"))


@bp.get("/audit")
@auth.login_required
def audit_log():
    page = request.args.get("page", 1, type=int) or 1
    rows, has_next = audit.recent(max(1, min(page, 2000)))
    return render_template("admin/audit.html", rows=rows, has_next=has_next, page=page)
