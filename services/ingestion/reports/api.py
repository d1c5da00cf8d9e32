"""Doctor reports API: ask for one (built in the background), follow it, download it, share it."""

from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.reports import service
from services.ingestion.reports.schemas import (
    ReportListSchema,
    ReportRequestSchema,
    ReportSchema,
    ShareListSchema,
    ShareRequestSchema,
    ShareSchema,
)
from shared import reports
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, file_answer, operation
from shared.web.problems import problem_responses

blp = Blueprint("reports", __name__, url_prefix="/v1/reports", description="Doctor reports and share links")

LOCATION = {"Location": {"description": "the report's status_url", "schema": {"type": "string"}}}
PREPARING = "Your report is being prepared. It usually takes a few seconds; check status_url."
# Reports are health data: no cache keeps a copy, and no link from them tells another site where it was.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
PAGE_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def _described(report: dict, detail: str | None = None) -> dict:
    urls = {"status_url": url_for("reports.Report", report_id=report["_id"])}
    if report["status"] == reports.READY:
        urls["pdf_url"] = url_for("reports.report_pdf", report_id=report["_id"])
        urls["html_url"] = url_for("reports.report_html", report_id=report["_id"])
    return {**report, **urls, **({"detail": detail} if detail else {})}


def file_response(stream, mimetype: str, filename: str | None = None, pdf_url: str | None = None) -> Response:
    """A stored report file with the headers every report response carries."""
    headers = dict(PRIVATE)
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if pdf_url is not None:
        # The stored page names its PDF by a placeholder: only now is its address known.
        body = stream.read().decode("utf-8").replace(reports.PDF_HREF, pdf_url)
        headers["Content-Security-Policy"] = PAGE_POLICY
        return Response(body, mimetype=mimetype, headers=headers)
    response = Response(stream, mimetype=mimetype, headers=headers)
    response.content_length = stream.length
    return response


@blp.after_request
def _private(response: Response) -> Response:
    for name, value in PRIVATE.items():
        response.headers.setdefault(name, value)
    return response


@blp.route("")
class Reports(MethodView):
    @login_required
    @operation("listReports")
    @blp.response(200, ReportListSchema)
    def get(self):
        """Your reports, newest first."""
        return {"reports": [_described(r) for r in reports.list_own(current_user()["_id"])]}

    @login_required
    @operation("createReport")
    @blp.arguments(
        ReportRequestSchema, example={"period_start": "2026-02-23", "period_end": "2026-03-01", "paper": "A4"}
    )
    @blp.response(202, ReportSchema, headers=LOCATION)
    @problem_responses(409, 429)
    def post(self, body):
        """Ask for a report (by default the seven days ending yesterday); it is built in the background.
        One at a time: while one is queued or building, a new request is refused (409) naming it in
        `report_id`, `status_url` and `Location`; a few an hour at most (429 with Retry-After)."""
        report = service.ask(runtime_of().celery, current_user(), body)
        described = _described(report, PREPARING)
        return described, 202, {"Location": described["status_url"]}


@blp.route("/<report_id>")
class Report(MethodView):
    @login_required
    @operation("getReport")
    @blp.response(200, ReportSchema)
    @problem_responses(404)
    def get(self, report_id: str):
        """A report's status: queued, building, ready (with its pdf_url and html_url) or failed (reason)."""
        return _described(service.own(current_user()["_id"], report_id))


@blp.route("/<report_id>/pdf", methods=["GET"])
@login_required
@operation("downloadReportPdf")
@blp.response(200, content_type="application/pdf", description="The report as a PDF")
@file_answer("application/pdf", "The report as a PDF")
@problem_responses(404, 409)
def report_pdf(report_id: str):
    """Download a ready report as a PDF."""
    report = service.own(current_user()["_id"], report_id)
    stream = service.ready_file(runtime_of().settings, report, "pdf")
    return file_response(stream, "application/pdf", stream.filename)


@blp.route("/<report_id>/html", methods=["GET"])
@login_required
@operation("getReportHtml")
@blp.response(200, content_type="text/html", description="The report as a web page")
@file_answer("text/html", "The report as a web page", {"type": "string"})
@problem_responses(404, 409)
def report_html(report_id: str):
    """A ready report as a web page (the same layout as the PDF)."""
    report = service.own(current_user()["_id"], report_id)
    stream = service.ready_file(runtime_of().settings, report, "html")
    return file_response(stream, "text/html", pdf_url=url_for("reports.report_pdf", report_id=report_id))


@blp.route("/<report_id>/shares")
class Shares(MethodView):
    @login_required
    @operation("listShares")
    @blp.response(200, ShareListSchema)
    @problem_responses(404)
    def get(self, report_id: str):
        """The report's share links, each with its state and every time it was opened."""
        user_id = current_user()["_id"]
        service.own(user_id, report_id)
        return {"shares": service.described_shares(runtime_of().settings, user_id, report_id)}

    @login_required
    @operation("createShare")
    @blp.arguments(ShareRequestSchema, example={"expires_in_days": 14, "recipient": "Dr Rivera"})
    @blp.response(201, ShareSchema)
    @problem_responses(404, 409)
    def post(self, body, report_id: str):
        """Make a private link that opens this report without an account, for you to give to whoever
        you choose (we send it to no one). It expires after expires_in_days; you can revoke it any time."""
        return service.share(runtime_of().settings, current_user(), report_id, body)


@blp.route("/<report_id>/shares/<share_id>", methods=["DELETE"])
@login_required
@operation("revokeShare")
@blp.response(204)
@problem_responses(404)
def revoke_share(report_id: str, share_id: str):
    """Revoke a share link: it stops working at once."""
    service.revoke(current_user(), report_id, share_id)
    return "", 204
