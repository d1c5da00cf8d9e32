"""Turning a report model into its HTML page and its PDF, from the one template."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from services.workers.reports import charts, i18n
from shared import languages, scales
from shared.reports import PDF_HREF

TEMPLATE = "report.html"
# What the first page holds at most, so it stays one page; the rest goes to the daily detail pages. A
# report takes the first of these that fits: Letter is 18 mm shorter than A4, and Spanish runs longer; the
# last is what a long period's summary (many steps, three urgent symptoms) needs on Letter in Spanish.
LIMITS = (
    {"flags": 3, "steps": 2, "questions": 2, "question_chars": 220, "plan_questions": 2},
    {"flags": 3, "steps": 1, "questions": 1, "question_chars": 160, "plan_questions": 1},
    {"flags": 3, "steps": 1, "questions": 0, "question_chars": 0, "plan_questions": 1},
    {"flags": 3, "steps": 1, "questions": 0, "question_chars": 0, "plan_questions": 0},
)
# An element at the end of the first page's content (the template's): on page one when all of it fits.
SUMMARY_END = "summary-end"
# Periods longer than this get pages of daily detail after the summary page.
DETAIL_AFTER_DAYS = 14


def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style: `_("... %(name)s ...", name=value)`, the value escaped like any other.
    env.install_gettext_translations(i18n.catalog(language), newstyle=True)
    gettext = i18n.catalog(language).gettext
    # The scales run in opposite directions (burden: higher is worse; sleep quality: higher is better), so
    # the report names both ends of each wherever it shows one.
    env.globals["scale"] = lambda name: scales.ends(name, gettext)
    env.globals["language"] = language
    env.filters |= {
        "weekday": lambda v: i18n.weekday(v, language),
        "short_date": lambda v: i18n.short_date(v, language),
        "long_date": lambda v: i18n.long_date(v, language),
        "period": lambda p: i18n.period(p["start"], p["end"], language),
        "fmt": lambda v, digits=1: i18n.number(v, language, digits),
        "signed": lambda v: i18n.signed(v, language),
        "percent": lambda v: i18n.percent(v, language),
    }
    return env


# One environment per language the platform speaks, built at start.
_ENVS = {language: _environment(language) for language in languages.LANGUAGES}


def overflow(model: dict, limits: dict) -> dict[str, bool]:
    """Which parts do not fit on the first page in full."""
    questions = model["questions"]
    return {
        "flags": len(model["red_flags"]) > limits["flags"],
        "steps": len(model["taper"]["steps"]) > limits["steps"],
        "questions": len(questions) > limits["questions"]
        or any(len(q["text"]) > limits["question_chars"] for q in questions),
        "plan_questions": len((model.get("plan") or {}).get("questions", [])) > limits["plan_questions"],
    }


def first_page(model: dict, limits: dict) -> dict[str, list]:
    """What page one lists of each part it holds only some of: the most recent, newest first. A doctor
    reading a long period wants where the taper is now (its oldest steps may be months old); the daily
    detail keeps every one, in date order."""

    def newest(items: list[dict], count: int) -> list[dict]:
        return sorted(items, key=lambda item: item["day"], reverse=True)[:count]

    return {
        "flags": newest(model["red_flags"], limits["flags"]),
        "steps": newest(model["taper"]["steps"], limits["steps"]),
        "questions": newest(model["questions"], limits["questions"]),
    }


def page_and_pdf(model: dict) -> tuple[str, bytes]:
    """The report page and its PDF, with as much on the first page as keeps it one page."""
    chart = charts.svg_data_uri(model)
    for limits in LIMITS:
        page = html(model, chart, limits)
        document = HTML(string=page, base_url=None).render()
        if SUMMARY_END in document.pages[0].anchors:
            break
    return page, document.write_pdf()


def html(model: dict, chart_uri: str | None = None, limits: dict = LIMITS[0]) -> str:
    """The report page, in the model's language: self-contained (styles inline, chart as a data URI), so
    it can be stored and served as it is, and printed to the same layout as the PDF."""
    extra = overflow(model, limits)
    env = _ENVS[i18n.supported(model.get("language"))]
    return env.get_template(TEMPLATE).render(
        report=model,
        chart=chart_uri or charts.svg_data_uri(model),
        limits=limits,
        first=first_page(model, limits),
        overflow=extra,
        detail=model["period"]["days"] > DETAIL_AFTER_DAYS or any(extra.values()),
        summary_end=SUMMARY_END,
        pdf_href=PDF_HREF,
    )


def pdf(page: str) -> bytes:
    """The PDF of a report page (paper size comes from the page's own @page rule)."""
    return HTML(string=page, base_url=None).write_pdf()
