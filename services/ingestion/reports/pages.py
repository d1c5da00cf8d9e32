"""The pages a share link opens, without an account: the report, its PDF, or one calm page for any link
that does not work (expired, revoked, mistyped or forged alike: nothing says which, or whose). That page
speaks the language the request asks for (the browser's Accept-Language, or `?lang=`), else English: with
no report to ask, the clinician's browser is all there is."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from services.ingestion.reports import service
from services.ingestion.reports.api import PRIVATE, file_response
from shared.runtime import runtime_of
from shared.web.pages import speak_requested

pages = Blueprint("report_pages", __name__, url_prefix="/shared/reports", template_folder="templates")


def _unavailable():
    speak_requested()
    html = render_template("reports/unavailable.html")
    return html, 404, {"Content-Type": "text/html; charset=utf-8", **PRIVATE}


@pages.get("/<token>")
def shared_page(token: str):
    found = service.opened(runtime_of().settings, token, "html")
    if found is None:
        return _unavailable()
    _report, stream = found
    return file_response(stream, "text/html", pdf_url=url_for("report_pages.shared_pdf", token=token))


@pages.get("/<token>/pdf")
def shared_pdf(token: str):
    found = service.opened(runtime_of().settings, token, "pdf")
    if found is None:
        return _unavailable()
    _report, stream = found
    return file_response(stream, "application/pdf", stream.filename)
