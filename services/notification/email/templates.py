"""The registry of emails and their rendering: one Jinja source per email gives the HTML and text parts.

Each email's file in templates/emails/ uses the `ui` macros; it is rendered twice, with the HTML macros
(autoescaped, CSS inlined for email clients) and with the plain-text macros. Subjects are fixed strings
so no health detail can reach them.

The emails a person receives (with an account, or on the waitlist) are written once, in English, with
Jinja's i18n extension (`_("...")`), and translated by the Babel catalogs in
translations/<language>/LC_MESSAGES/messages.po (which the service's pages share), read at start;
subjects and category labels are looked up in the same catalogs. `language_for` decides the language of
an email: the one its request carries (the person's), for the emails marked translated.

The catalogs speak to the person as the app does ("tú"). An email to a professional (the clinician's) is
marked formal: its own sentences are written formally, and the parts every email shares (the footer, the
button's hint) take the catalog's entry for the context "formal" (msgctxt), where the language has one
(shared/translations.py, Formal); so do the unsubscribe pages its link opens (email/pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
from babel.numbers import format_decimal
from babel.support import NullTranslations
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared import languages, translations
from shared.email import NEWS, REMINDERS, REPORTS, TRANSACTIONAL

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
FORMATS = ("html", "text")
FORMAL = translations.FORMAL  # the msgctxt of a shared message's formal wording ("usted")

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
    # Written with `_()` and translated: it goes out in the person's language (a waitlist entry's, for the
    # waitlist's emails and the invitation; the report's, for the clinician's). Product news is English only.
    translated: bool = False
    # To a professional, not the person: the shared parts speak formally too (FORMAL), as its text does.
    formal: bool = False
    # Sent to someone a person named (their clinician), not to the person: its unsubscribe link opts the
    # address out of the category (email/service.py), never an account's own settings, which it never reads.
    named_recipient: bool = False
    # What its unsubscribe link stops, where the category's label would promise more (the clinician gets no
    # weekly reports, only those shared with them); written as the email speaks (formally, if it is).
    unsubscribe_label: str | None = None

    def label(self) -> str:
        """The English of what its footer's unsubscribe link and the page that link opens name."""
        return self.unsubscribe_label or CATEGORY_LABELS[self.category]


# Every email the platform can send. Features add their own entries here.
TEMPLATES: dict[str, EmailTemplate] = {
    "product_news": EmailTemplate(NEWS, "News from Track Your Healing"),
    "waitlist_confirm": EmailTemplate(
        TRANSACTIONAL, "Please confirm your place on the waitlist", translated=True
    ),
    "waitlist_confirmed": EmailTemplate(TRANSACTIONAL, "Your place on the waitlist", translated=True),
    "sign_in_code": EmailTemplate(TRANSACTIONAL, "Your sign-in code", translated=True),
    # Safety messages are transactional: no opt-out may silence urgent-care guidance.
    "safety_message": EmailTemplate(TRANSACTIONAL, "Checking in on you", translated=True),
    "invitation": EmailTemplate(TRANSACTIONAL, "Your invitation to Track Your Healing", translated=True),
    "account_erased": EmailTemplate(
        TRANSACTIONAL, "Your Track Your Healing account has been erased", translated=True
    ),
    "weekly_report": EmailTemplate(REPORTS, "Your weekly report is ready", translated=True),
    # Goes to a clinician the person named, in the report's language: a fixed subject; the body holds the
    # link, who shared it and the report's dates, never health details.
    "clinician_report_link": EmailTemplate(
        REPORTS,
        "A report has been shared with you",
        translated=True,
        formal=True,
        named_recipient=True,
        unsubscribe_label="reports shared with you",
    ),
    "checkin_reminder": EmailTemplate(REMINDERS, "A gentle check-in reminder", translated=True),
    # The dose and its Taken/Skipped links are in the body; the subject says nothing about them.
    "dose_reminder": EmailTemplate(REMINDERS, "Your reminder", translated=True),
}


class UnknownTemplate(KeyError):
    """A producer named an email that does not exist (a permanent failure)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    category: str


def _environment(autoescape: bool, translations: NullTranslations, language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=autoescape,  # noqa: S701 - off only for the plain-text part, which no browser renders
        undefined=StrictUndefined,  # a missing variable fails the render instead of sending a gap
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style: `_("... %(name)s ...", name=value)`, the value escaped in HTML like any other.
    env.install_gettext_translations(translations, newstyle=True)
    # An amount as the language writes it ("0.25", "0,25"), in full: never rounded, never grouped.
    env.filters["decimal"] = lambda value: format_decimal(value, format="0.######", locale=language)
    # A plan's dose time ("08:00") as the language reads it ("8:00" in Spanish).
    env.filters["clock"] = lambda value: languages.clock(value, language)
    return env


CATALOGS = {language: translations.load(TRANSLATIONS_DIR, language) for language in languages.LANGUAGES}
# By (language, formal): the macros a template imports are translated by their environment's catalog.
_REGISTERS = {
    (language, formal): translations.Formal(catalog) if formal else catalog
    for language, catalog in CATALOGS.items()
    for formal in (False, True)
}
_ENVS = {
    (language, formal, fmt): _environment(fmt == "html", catalog, language)
    for (language, formal), catalog in _REGISTERS.items()
    for fmt in FORMATS
}
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def template_for(name: str) -> EmailTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise UnknownTemplate(name) from None


def language_for(name: str, requested: str | None) -> str:
    """The language an email goes out in: the one asked for (the person's) if this email is translated to
    it, else English. The one place that decides it."""
    if template_for(name).translated and requested in CATALOGS:
        return requested
    return languages.DEFAULT


def render(
    name: str, data: dict[str, Any], unsubscribe_url: str | None = None, language: str | None = None
) -> Rendered:
    """Render `name` with `data` into subject, HTML (CSS inlined) and plain text, in `language` where
    this email has it."""
    spec = template_for(name)
    language = language_for(name, language)
    gettext = _REGISTERS[language, spec.formal].gettext
    subject = gettext(spec.subject)
    parts = {}
    for fmt in FORMATS:
        env = _ENVS[language, spec.formal, fmt]
        ui = env.get_template(f"emails/_ui.{fmt}.jinja").module
        context = {
            **data,
            "fmt": fmt,
            "ui": ui,
            "language": language,
            "subject": subject,
            "category": spec.category,
            "category_label": gettext(spec.label()),
            "unsubscribe_url": unsubscribe_url,
        }
        parts[fmt] = env.get_template(f"emails/{name}.jinja").render(context)
    text = "\n".join(line.rstrip() for line in parts["text"].splitlines()).strip() + "\n"
    return Rendered(subject, _INLINER.inline(parts["html"]), _collapse_blank_lines(text), spec.category)


def _collapse_blank_lines(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"
