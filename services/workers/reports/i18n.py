"""The report in its language: the workers' Babel catalog (services/workers/translations/<language>/
LC_MESSAGES/messages.po, read at start through shared.translations) for the template's and the model's
text, and Babel's locale data for dates and numbers. English, the language the text is written in, is
the fallback for a language without a catalog."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel.dates import format_date, format_interval
from babel.numbers import get_decimal_symbol
from babel.support import NullTranslations

from shared import languages, translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
CATALOGS = {language: translations.load(TRANSLATIONS_DIR, language) for language in languages.LANGUAGES}
# English keeps the day before the month ("9 March 2026"); other languages write CLDR's long date
# ("9 de marzo de 2026").
LONG_DATE = {"en": "d MMMM y"}
SHORT_DATE = "d MMM"  # "9 Mar", "9 mar"


def supported(language: str | None) -> str:
    return language if language in CATALOGS else languages.DEFAULT


def catalog(language: str) -> NullTranslations:
    return CATALOGS[supported(language)]


def gettext(language: str, message: str) -> str:
    return catalog(language).gettext(message)


def _day(value: str | date | datetime) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def weekday(value: str | date, language: str) -> str:
    return format_date(_day(value), "EEE", locale=supported(language))


def short_date(value: str | date, language: str) -> str:
    return format_date(_day(value), SHORT_DATE, locale=supported(language))


def long_date(value: str | date, language: str) -> str:
    language = supported(language)
    return format_date(_day(value), LONG_DATE.get(language, "long"), locale=language)


def period(start: str, end: str, language: str) -> str:
    """A report's dates: "9 March 2026 - 15 March 2026" (an en dash); in another language its own short
    form of the range ("9-15 de marzo de 2026"), which keeps the header on one line."""
    language = supported(language)
    if language == languages.DEFAULT:
        if start == end:  # a one-day report: its day, not a range from it to itself
            return long_date(start, language)
        return f"{long_date(start, language)} \N{EN DASH} {long_date(end, language)}"
    return format_interval(_day(start), _day(end), "yMMMMd", locale=language)


def number(value: float, language: str, digits: int = 1) -> str:
    """At most `digits` decimals, trailing zeros dropped, with the language's decimal sign ("2.5", "2,5");
    never grouped (doses and ratings are small)."""
    text = f"{float(value):.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", get_decimal_symbol(supported(language)))


def signed(value: float, language: str) -> str:
    return ("+" if value > 0 else "") + number(value, language)


def percent(value: float, language: str) -> str:
    """A signed change in per cent: "-10%", and in Spanish "-10 %" (a no-break space before the sign)."""
    space = "" if supported(language) == languages.DEFAULT else "\N{NO-BREAK SPACE}"
    return f"{signed(value, language)}{space}%"
