"""What export and erasure refuse, as problem+json."""

from shared.web.problems import DomainError


class ExportNotReady(DomainError):
    status = 409
    title = "Export not ready yet"
    type_slug = "export-not-ready"
    detail = "Your export is still being prepared. Check its status again in a minute."


class ExportExpired(DomainError):
    status = 410
    title = "Export expired"
    type_slug = "export-expired"
    detail = (
        "Exports are kept for 7 days and this one has been removed. You can ask for a new one at any time."
    )
