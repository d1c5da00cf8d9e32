"""The rating scales, with the words at both ends: one place for the API's descriptions, its answers and
the report. They run in opposite directions (higher overall or severity is worse, higher mood or sleep
quality is better), so a number is never shown without its ends."""

from __future__ import annotations

from collections.abc import Callable

SCALES: dict[str, dict] = {
    "overall": {"min": 0, "max": 10, "min_label": "none", "max_label": "worst", "higher_is": "worse"},
    "burden": {"min": 0, "max": 10, "min_label": "none", "max_label": "worst", "higher_is": "worse"},
    "severity": {
        "min": 0,
        "max": 4,
        "min_label": "not at all",
        "max_label": "very much so",
        "higher_is": "worse",
    },
    "mood": {"min": 0, "max": 4, "min_label": "very low", "max_label": "very good", "higher_is": "better"},
    "sleep_quality": {
        "min": 0,
        "max": 4,
        "min_label": "very poor",
        "max_label": "very good",
        "higher_is": "better",
    },
}


def ends(name: str, translate: Callable[[str], str] = str) -> str:
    """'0 none … 10 worst': a scale named by its two ends (its words through `translate`, a catalog's
    gettext, where the words are shown in another language)."""
    scale = SCALES[name]
    return f"{scale['min']} {translate(scale['min_label'])} … {scale['max']} {translate(scale['max_label'])}"
