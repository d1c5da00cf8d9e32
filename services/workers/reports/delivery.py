"""Emailing a finished report to whom the person chose: themselves (a link, and the PDF if they asked),
and a clinician only if they named one, who gets a share link, who shared it (the name the person chose for
their account) and the report's dates, so it does not read as phishing; no health detail is in that email.

Called by the report builder once a report with `deliver` set is ready; safe to call again (after a
crash or a retry): each email has an idempotency key and the clinician's share has a fixed id.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_interval
from celery import Celery

from services.workers.reports import i18n, schedule_repository
from shared import languages, report_shares
from shared.email import address_key, request_email
from shared.link_expiry import ANYWHERE, last_whole_day
from shared.reports import FILES_BUCKET, READY, WEEKLY
from shared.settings import Settings

SELF_TEMPLATE = "weekly_report"
CLINICIAN_TEMPLATE = "clinician_report_link"


def period(report: dict, language: str = languages.DEFAULT) -> str:
    """The report's dates as `language` writes them, for its email ("1 to 7 December 2026")."""
    if language == languages.DEFAULT:
        start, end = (i18n.long_date(report[key], language) for key in ("period_start", "period_end"))
        return f"{start} to {end}"
    start, end = date.fromisoformat(report["period_start"]), date.fromisoformat(report["period_end"])
    return format_interval(start, end, "yMMMMd", locale=language)  # "1-7 de diciembre de 2026" (an en dash)


def email_key(report: dict, recipient: str) -> str:
    """`report:{user_id}:{iso_week}:{recipient}` for a weekly report: one email per person per week."""
    if report["kind"] == WEEKLY:
        return f"report:{report['user_id']}:{report['_id'].rsplit(':', 1)[1]}:{recipient}"
    return f"report:{report['_id']}:{recipient}"


def _zone(user: dict) -> str:
    return user.get("time_zone") or ANYWHERE


def pdf_attachment(report: dict) -> dict:
    return {
        "bucket": FILES_BUCKET,
        "file_id": str(report["files"]["pdf"]),
        "filename": f"report-{report['period_start']}-to-{report['period_end']}.pdf",
        "content_type": "application/pdf",
    }


def deliver(app: Celery, report: dict) -> int:
    """Request the emails a ready report's `deliver` asks for; returns how many were newly requested."""
    wanted = report.get("deliver") or {}
    user = schedule_repository.find_user(report["user_id"])
    if not wanted or report["status"] != READY or user is None:
        return 0
    settings: Settings = app.runtime.settings
    # Both emails speak the report's language, the one its page and PDF are written in.
    language = report.get("language") or languages.of(user)
    clinician = wanted.get("clinician_email")
    if clinician and wanted.get("to_self", True) and address_key(clinician) == address_key(user["email"]):
        # Their own address: their own email carries the report; the clinician's would speak to them as a
        # stranger about it.
        clinician = None
    sent = 0
    if clinician:
        share = report_shares.create_share(
            report_id=report["_id"],
            owner_id=user["_id"],
            recipient=clinician,
            share_id=f"{report['_id']}:clinician",
        )
        sent += request_email(
            app,
            template=CLINICIAN_TEMPLATE,
            to=clinician,
            idempotency_key=email_key(report, "clinician"),
            # Without a display name the email says "someone" in its own language.
            data={
                **({"shared_by": user["display_name"]} if user.get("display_name") else {}),
                "period": period(report, language),
                "share_url": report_shares.share_url(settings, share["_id"]),
                # In the person's zone, as the report's dates: most clinicians read it in the same one.
                "expires_on": i18n.long_date(last_whole_day(share["expires_at"], _zone(user)), language),
            },
            user_id=user["_id"],
            language=language,
        )
    if wanted.get("to_self", True):
        # A personal share link: it opens in any browser without signing in (the apps hold device tokens,
        # a mail client does not); the person sees its opens and can revoke it like any other share.
        own = report_shares.create_share(
            report_id=report["_id"], owner_id=user["_id"], recipient="you", share_id=f"{report['_id']}:self"
        )
        data = {
            "report_url": report_shares.share_url(settings, own["_id"]),
            "period": period(report, language),
            "clinician_sent": bool(clinician),
            # The notification service checks it can still write to this address when it sends this email.
            **({"clinician_email": clinician} if clinician else {}),
            "attachments": [],
        }
        if wanted.get("attach_pdf") and report.get("files", {}).get("pdf"):
            data["attachments"] = [pdf_attachment(report)]
        sent += request_email(
            app,
            template=SELF_TEMPLATE,
            to=user["email"],
            idempotency_key=email_key(report, "self"),
            data=data,
            user_id=user["_id"],
            language=language,
        )
    return sent
