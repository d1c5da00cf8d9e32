"""Privacy API: export everything we hold about you, check a background export, erase your account."""

from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.privacy import service
from services.ingestion.privacy.schemas import ErasedSchema, EraseSchema, ExportSchema
from shared.export import store
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, file_answer, operation
from shared.web.problems import problem_responses

blp = Blueprint("privacy", __name__, url_prefix="/v1/me", description="Export or erase your data")

ZIP = "application/zip"
LOCATION = {"Location": {"description": "the export's status_url", "schema": {"type": "string"}}}
PREPARING = (
    "Your account is large, so we are preparing your export in the background. "
    "Check status_url in a minute or two; the file is kept for 7 days."
)
ERASED = {
    "status": "erased",
    "detail": (
        "Your account and everything in it have been erased, and this device is signed out. "
        "We are sending a short confirmation to your email address. Thank you for using Track Your Healing."
    ),
}


def _zip_response(body, filename: str) -> Response:
    return Response(
        body,
        mimetype=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # personal data: no proxy or browser cache keeps a copy
        },
    )


def _described(export: dict, detail: str | None = None) -> dict:
    urls = {"status_url": url_for("privacy.Export", export_id=export["_id"])}
    if export["status"] == store.READY:
        urls["download_url"] = url_for("privacy.download_export", export_id=export["_id"])
    return {**export, **urls, **({"detail": detail} if detail else {})}


def _accepted(export: dict) -> tuple[dict, int, dict]:
    described = _described(export, PREPARING)
    return described, 202, {"Location": described["status_url"]}


@blp.route("/export", methods=["GET"])
@login_required
@operation("exportNow")
@blp.response(200, content_type=ZIP, description="The export, as a zip file")
@file_answer(ZIP, "The export, as a zip file")
@blp.alt_response(202, schema=ExportSchema, description="Large account: being prepared; see status_url")
def export_now():
    """Everything we hold about you, zipped: JSON files, a CSV per kind of entry, and a README."""
    user_id = current_user()["_id"]
    if service.needs_background(user_id):
        described, status, headers = _accepted(service.request_export(runtime_of().celery, user_id))
        return ExportSchema().dump(described), status, headers
    body, filename = service.build_now(runtime_of().settings, user_id)
    return _zip_response(body, filename)


@blp.route("/exports", methods=["POST"])
@login_required
@operation("requestExport")
@blp.response(202, ExportSchema, headers=LOCATION)
def request_export():
    """Ask for an export to be prepared in the background (any size of account)."""
    return _accepted(service.request_export(runtime_of().celery, current_user()["_id"]))


@blp.route("/exports/<export_id>")
class Export(MethodView):
    @login_required
    @operation("getExport")
    @blp.response(200, ExportSchema)
    @problem_responses(404, 410)
    def get(self, export_id: str):
        """An export's status; once ready, its download_url."""
        return _described(service.find_export(current_user()["_id"], export_id))


@blp.route("/exports/<export_id>/download", methods=["GET"])
@login_required
@operation("downloadExport")
@blp.response(200, content_type=ZIP, description="The export, as a zip file")
@file_answer(ZIP, "The export, as a zip file")
@problem_responses(404, 409, 410)
def download_export(export_id: str):
    """Download a ready export."""
    stream, filename = service.open_download(runtime_of().settings, current_user()["_id"], export_id)
    response = _zip_response(stream, filename)
    response.content_length = stream.length
    return response


@blp.route("", methods=["DELETE"])
@login_required
@operation("eraseAccount")
@blp.arguments(EraseSchema, example={"confirm": "erase my account"})
@blp.response(202, ErasedSchema)
def erase_account(_body):
    """Erase your account and everything in it, for good; a confirmation is emailed to you."""
    service.erase_account(runtime_of().celery, runtime_of().settings, current_user())
    return ERASED
