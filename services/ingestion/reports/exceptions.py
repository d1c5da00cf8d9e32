"""What the report rules refuse, as problem+json."""

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
