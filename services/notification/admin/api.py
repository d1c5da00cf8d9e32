"""The admin JSON API under /admin/api, for scripts: authenticated by admin API tokens (Bearer).

Same reads and actions as the pages, same audit log (recorded with via="api"). Errors are problem+json,
in English whatever the client asks: the API is for staff.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from marshmallow import Schema, ValidationError

from services.notification.admin import audit, auth, service
from services.notification.admin.schemas import PAGE_SIZE, EntryFilters, InviteRequest, OutboxFilters
from services.notification.waitlist import repository as waitlist_repository
from services.notification.waitlist import service as waitlist_service
from shared import outbox as email_outbox  # the view below is called outbox
from shared.email import address_key
from shared.runtime import runtime_of
from shared.web.media import require_json
from shared.web.problem_language import in_english
from shared.web.problems import DomainError, invalid_params

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    detail = "Some fields are not valid; see invalid_params."


class NotFound(DomainError):
    status = 404
    title = "Not Found"
    detail = "There is nothing here."


class AlreadyQueued(DomainError):
    status = 409
    title = "Cannot be sent again"
    detail = "This email can't be sent again: it is queued, being sent, or was delivered."


bp.before_request(in_english)  # for staff's scripts; first, so a refused token is English too


@bp.before_request
@auth.token_required
def _authenticated() -> None:
    """Every route here needs a token; the decorator sets g.admin or raises 401."""


def _load(schema: Schema, data: Any) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(invalid_params=invalid_params(exc.messages)) from None


@bp.get("/entries")
def list_entries():
    filters = _load(EntryFilters(), request.args)
    rows, has_next = waitlist_repository.list_page(filters, PAGE_SIZE)
    return {"items": rows, "page": filters["page"], "has_next": has_next}


@bp.get("/entries/<entry_id>")
def get_entry(entry_id: str):
    entry = waitlist_repository.find_by_id(entry_id)
    if entry is None:
        raise NotFound()
    history = email_outbox.waitlist_mail_to(address_key(entry["email"]))
    for record in history:
        record.pop("data", None)  # link tokens stay out of API answers
    return entry | {"position": waitlist_service.position_of(entry), "emails": history}


@bp.delete("/entries/<entry_id>")
def erase_entry(entry_id: str):
    if not service.erase(entry_id, g.admin, "api"):
        raise NotFound()
    return "", 204


@bp.post("/invitations")
@require_json
def invite():
    wanted = _load(InviteRequest(), request.get_json())
    return service.invite(runtime_of(), g.admin, "api", entry_ids=wanted["entry_ids"], next_n=wanted["next"])


@bp.get("/stats")
def stats():
    return service.stats()


@bp.get("/outbox")
def outbox():
    filters = _load(OutboxFilters(), request.args)
    rows, has_next = email_outbox.waitlist_mail_page(filters["status"], filters["page"], PAGE_SIZE)
    return {"items": rows, "page": filters["page"], "has_next": has_next}


@bp.post("/outbox/<path:outbox_id>/resend")
def resend(outbox_id: str):
    if email_outbox.find_waitlist_mail(outbox_id) is None:
        raise NotFound()
    if not service.resend(runtime_of().celery, outbox_id, g.admin, "api"):
        raise AlreadyQueued()
    return {"queued": True}, 202


@bp.get("/audit")
def audit_log():
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 2000))
    rows, has_next = audit.recent(page)
    return {"items": rows, "page": page, "has_next": has_next}
