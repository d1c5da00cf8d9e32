"""Turning a report model into its HTML page and its PDF, from the one template."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from services.workers.reports import charts
from shared import scales
from shared.reports import PDF_HREF

TEMPLATE = "report.html"
# What the first page holds at most, so it stays one page; the rest goes to the daily detail pages.
LIMITS = {"flags": 3, "steps": 2, "questions": 2, "question_chars": 220, "plan_questions": 2}
# Periods longer than this get pages of daily detail after the summary page.
DETAIL_AFTER_DAYS = 14


def _day(value: str | date | datetime) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _fmt(value: float, digits: int = 1) -> str:
    text = f"{float(value):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The scales run in opposite directions (burden: higher is worse; sleep quality: higher is better), so the
# report names both ends of each wherever it shows one.
_env.globals["scale"] = scales.ends
_env.filters |= {
    "weekday": lambda v: _day(v).strftime("%a"),
    "short_date": lambda v: _day(v).strftime("%-d %b"),
    "long_date": lambda v: _day(v).strftime("%-d %B %Y"),
    "fmt": _fmt,
    "signed": lambda v: ("+" if v > 0 else "") + _fmt(v),
}


def overflow(model: dict) -> dict[str, bool]:
    """Which parts do not fit on the first page in full."""
    questions = model["questions"]
    return {
        "flags": len(model["red_flags"]) > LIMITS["flags"],
        "steps": len(model["taper"]["steps"]) > LIMITS["steps"],
        "questions": len(questions) > LIMITS["questions"]
        or any(len(q["text"]) > LIMITS["question_chars"] for q in questions),
        "plan_questions": len((model.get("plan") or {}).get("questions", [])) > LIMITS["plan_questions"],
    }


def html(model: dict, chart_uri: str | None = None) -> str:
    """The report page: self-contained (styles inline, chart as a data URI), so it can be stored and
    served as it is, and printed to the same layout as the PDF."""
    extra = overflow(model)
    return _env.get_template(TEMPLATE).render(
        report=model,
        chart=chart_uri or charts.svg_data_uri(model),
        limits=LIMITS,
        overflow=extra,
        detail=model["period"]["days"] > DETAIL_AFTER_DAYS or any(extra.values()),
        pdf_href=PDF_HREF,
    )


def pdf(page: str) -> bytes:
    """The PDF of a report page (paper size comes from the page's own @page rule)."""
    return HTML(string=page, base_url=None).write_pdf()
