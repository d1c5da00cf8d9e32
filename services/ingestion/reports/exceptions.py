"""What the report rules refuse, as problem+json."""

from flask import url_for

from shared.web.problems import DomainError


class ReportNotFound(DomainError):
    status = 404
    title = "Not found"
    detail = "There is nothing here, or it belongs to someone else."


class ReportNotReady(DomainError):
    status = 409
    title = "Report not ready yet"
    type_slug = "report-not-ready"
    detail = "This report is still being prepared, or could not be made. Check its status for the reason."


class PeriodNotPossible(DomainError):
    status = 422
    title = "Period not possible"
    type_slug = "report-period"
    detail = "A report can cover days up to today, in your own time zone."


class ReportInFlight(DomainError):
    """One report at a time per person: the answer names the one being prepared, to follow instead."""

    status = 409
    title = "A report is already being prepared"
    type_slug = "report-in-flight"
    detail = (
        "Your last report is still being prepared. It usually takes a few seconds: follow status_url, "
        "then ask for the next one."
    )

    def __init__(self, report_id: str) -> None:
        status_url = url_for("reports.Report", report_id=report_id)
        super().__init__(report_id=report_id, status_url=status_url)
        self.headers = {"Location": status_url}
