"""Catalogue codes in events: an unknown symptom or medication is refused with the closest entries, so a
typo or a brand name ("valium") never becomes a silent custom entry that charts and converts as nothing.
Anything outside the catalogue is logged on purpose as custom (`custom_label`, `custom_medication`)."""

from __future__ import annotations

import difflib
from functools import cache

from shared import catalog
from shared.languages import english as _

MAX_SUGGESTIONS = 3
MAX_TYPED = 80  # longer text is not a name anyone typed: not worth matching
# difflib's ratio: "valum" -> "valium" is 0.91, "tremors" -> "tremor" 0.92; unrelated words stay below.
CUTOFF = 0.6
# Fields naming a catalogue entry, by event type: (field, which catalogue, the field for a custom entry).
CODED = {
    "symptom": (("code", "symptom", "custom_label"),),
    "dose": (("medication", "medication", "custom_medication"),),
    "taper_step": (("medication", "medication", "custom_medication"), ("to_medication", "medication", None)),
}


NOT_IN = {
    "symptom": _("'{code}' is not in the symptom catalogue."),
    "medication": _("'{code}' is not in the medication catalogue."),
}


def _words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


@cache
def _names(kind: str) -> dict[str, tuple[str, str]]:
    """Every name an entry is known by (code, label or name, synonyms, brand names), lowercased, ->
    (code, label)."""
    names: dict[str, tuple[str, str]] = {}
    if kind == "symptom":
        for item in catalog.symptoms():
            for name in (item["code"], item["label"], *item.get("synonyms", [])):
                names.setdefault(_words(name), (item["code"], item["label"]))
    else:
        for item in catalog.medications():
            for name in (item["code"], item["name"], *item.get("aliases", [])):
                names.setdefault(_words(name), (item["code"], item["name"]))
    return names


def known(kind: str, code: str) -> bool:
    return (catalog.symptom(code) if kind == "symptom" else catalog.medication(code)) is not None


def suggestions(kind: str, text: str) -> list[dict]:
    """The closest catalogue entries to `text`, best first, each once: {code, label}."""
    names = _names(kind)
    close = difflib.get_close_matches(_words(text), list(names), n=MAX_SUGGESTIONS * 4, cutoff=CUTOFF)
    found: dict[str, str] = {}
    for name in close:
        code, label = names[name]
        found.setdefault(code, label)
    return [{"code": code, "label": label} for code, label in list(found.items())[:MAX_SUGGESTIONS]]


def unknown_codes(event: dict) -> dict[str, dict]:
    """Each field of the event naming an entry the catalogue does not have -> {reason, suggestions}."""
    problems = {}
    for field, kind, custom in CODED.get(event["type"], ()):
        code = event.get(field)
        if code is None or known(kind, code):
            continue
        close = suggestions(kind, code)
        # Sentences apart, each its own message: the answer is translated sentence by sentence.
        sentences = [NOT_IN[kind].format(code=code)]
        if close:
            sentences.append(_("Did you mean {codes}?").format(codes=", ".join(s["code"] for s in close)))
        if custom:
            anyway = _("To log something the catalogue does not list, send it as {field}.")
            sentences.append(anyway.format(field=custom))
        problems[field] = {
            "reason": " ".join(sentences),
            "suggestions": close,
        }
    return problems


def suggestions_for_refused(raw: object, messages: object) -> dict[str, list[dict]]:
    """For a coded field the schema refused as not code-shaped ("Valium", "muscle twitches"): the closest
    entries to what was typed, so the answer helps as much as one for a well-formed unknown code."""
    kind_of_event = raw.get("type") if isinstance(raw, dict) else None
    if not isinstance(kind_of_event, str) or not isinstance(messages, dict):
        return {}  # not an event of a known shape (a hostile `type` is refused as it is)
    found = {}
    for field, kind, _custom in CODED.get(kind_of_event, ()):
        value = raw.get(field)
        if field in messages and isinstance(value, str) and 0 < len(value) <= MAX_TYPED:
            found[field] = suggestions(kind, value)
    return found
