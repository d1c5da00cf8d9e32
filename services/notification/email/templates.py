"""The registry of emails and their rendering: one Jinja source per email gives the HTML and text parts.

Each email's file in templates/emails/ uses the `ui` macros; it is rendered twice, with the HTML macros
(autoescaped, CSS inlined for email clients) and with the plain-text macros. Subjects are fixed strings
so no health detail can reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.email import NEWS, REMINDERS, REPORTS, TRANSACTIONAL

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

CATEGORY_LABELS = {
    TRANSACTIONAL: "account and safety messages",
    REMINDERS: "reminders",
    REPORTS: "weekly reports",
    NEWS: "product news",
}


@dataclass(frozen=True)
class EmailTemplate:
    category: str
    subject: str


# Every email the platform can send. Features add their own entries here.
TEMPLATES: dict[str, EmailTemplate] = {
    "product_news": EmailTemplate(NEWS, "News from Track Your Healing"),
    "waitlist_confirm": EmailTemplate(TRANSACTIONAL, "Please confirm your place on the waitlist"),
    "waitlist_confirmed": EmailTemplate(TRANSACTIONAL, "Your place on the waitlist"),
    "sign_in_code": EmailTemplate(TRANSACTIONAL, "Your sign-in code"),
    # Safety messages are transactional: no opt-out may silence urgent-care guidance.
    "safety_message": EmailTemplate(TRANSACTIONAL, "Checking in on you"),
    "invitation": EmailTemplate(TRANSACTIONAL, "Your invitation to Track Your Healing"),
    "account_erased": EmailTemplate(TRANSACTIONAL, "Your Track Your Healing account has been erased"),
    "weekly_report": EmailTemplate(REPORTS, "Your weekly report is ready"),
    # Goes to a clinician the person named: a fixed subject; the body holds the link, who shared it and the
    # report's dates, never health details.
    "clinician_report_link": EmailTemplate(REPORTS, "A report has been shared with you"),
    "checkin_reminder": EmailTemplate(REMINDERS, "A gentle check-in reminder"),
    # The dose and its Taken/Skipped links are in the body; the subject says nothing about them.
    "dose_reminder": EmailTemplate(REMINDERS, "Your reminder"),
}


class UnknownTemplate(KeyError):
    """A producer named an email that does not exist (a permanent failure)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    category: str


def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=autoescape,  # noqa: S701 - off only for the plain-text part, which no browser renders
        undefined=StrictUndefined,  # a missing variable fails the render instead of sending a gap
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


_ENVS = {"html": _environment(True), "text": _environment(False)}
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def template_for(name: str) -> EmailTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise UnknownTemplate(name) from None


def render(name: str, data: dict[str, Any], unsubscribe_url: str | None = None) -> Rendered:
    """Render `name` with `data` into subject, HTML (CSS inlined) and plain text."""
    spec = template_for(name)
    parts = {}
    for fmt, env in _ENVS.items():
        ui = env.get_template(f"emails/_ui.{fmt}.jinja").module
        context = {
            **data,
            "fmt": fmt,
            "ui": ui,
            "subject": spec.subject,
            "category": spec.category,
            "category_label": CATEGORY_LABELS[spec.category],
            "unsubscribe_url": unsubscribe_url,
        }
        parts[fmt] = env.get_template(f"emails/{name}.jinja").render(context)
    text = "\n".join(line.rstrip() for line in parts["text"].splitlines()).strip() + "\n"
    return Rendered(spec.subject, _INLINER.inline(parts["html"]), _collapse_blank_lines(text), spec.category)


def _collapse_blank_lines(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"
