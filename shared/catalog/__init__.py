"""The symptom and medication catalogues: versioned, sourced reference data read from the JSON files here.

Every value carries a source id that resolves through `sources()` to a title and URL. Diazepam equivalents are
approximate reference values for a clinician to confirm, never dosing advice. Everything returned is shared,
cached data: treat it as read-only and copy before changing it.

The catalogues are written in English; `<language>.json` here holds another language's names, search words
and red-flag reasons by code, and a code it lacks keeps its English words.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from shared import languages

SYMPTOMS_FILE = "symptoms.json"
MEDICATIONS_FILE = "medications.json"
DIAZEPAM_REFERENCE_MG = 10


@cache
def _document(name: str) -> dict[str, Any]:
    return json.loads(files(__package__).joinpath(name).read_text(encoding="utf-8"))


def symptoms() -> list[dict]:
    """All symptoms, in catalogue order."""
    return _document(SYMPTOMS_FILE)["symptoms"]


@cache
def _symptoms_by_code() -> dict[str, dict]:
    return {item["code"]: item for item in symptoms()}


def symptom(code: str) -> dict | None:
    """The symptom with this code, or None."""
    return _symptoms_by_code().get(code)


@cache
def red_flag_codes() -> frozenset[str]:
    """Codes of the symptoms that open the urgent-care path and are never smoothed into waves."""
    return frozenset(item["code"] for item in symptoms() if item["red_flag"])


def severity_scale() -> dict:
    """The 0-4 severity scale with its CIWA-B anchor labels and source."""
    return _document(SYMPTOMS_FILE)["severity_scale"]


def medications() -> list[dict]:
    """All medications, sorted by code."""
    return _document(MEDICATIONS_FILE)["medications"]


@cache
def _medications_by_code() -> dict[str, dict]:
    return {item["code"]: item for item in medications()}


def medication(code: str) -> dict | None:
    """The medication with this code, or None."""
    return _medications_by_code().get(code)


@cache
def translations(language: str) -> dict[str, dict[str, dict]]:
    """`{"symptoms": {code: {label, synonyms, red_flag_reason}}, "medications": {code: {name, aliases}}}` in
    `language`; empty for English, the language the catalogues are written in."""
    if language == languages.DEFAULT:
        return {"symptoms": {}, "medications": {}}
    document = _document(f"{language}.json")
    return {"symptoms": document["symptoms"], "medications": document["medications"]}


def symptom_label(code: str, language: str = languages.DEFAULT) -> str | None:
    """A catalogue symptom's label in `language` (its English label where there is no translation)."""
    item = symptom(code)
    if item is None:
        return None
    return translations(language)["symptoms"].get(code, {}).get("label", item["label"])


def medication_name(code: str, language: str = languages.DEFAULT) -> str | None:
    """A catalogue medication's generic name in `language` (its English name where there is none)."""
    item = medication(code)
    if item is None:
        return None
    return translations(language)["medications"].get(code, {}).get("name", item["name"])


def reference_note() -> str:
    """The disclaimer that must accompany any equivalence shown to anyone."""
    return _document(MEDICATIONS_FILE)["reference_note"]


@cache
def sources() -> dict[str, dict]:
    """Source id -> {title, url, note}, from both catalogues."""
    return {**_document(SYMPTOMS_FILE)["sources"], **_document(MEDICATIONS_FILE)["sources"]}


@cache
def catalog_version() -> str:
    """The catalogue version: both files and their translations carry it, and any change bumps it in all."""
    translated = (f"{language}.json" for language in languages.LANGUAGES if language != languages.DEFAULT)
    names = (SYMPTOMS_FILE, MEDICATIONS_FILE, *translated)
    versions = {_document(name)["version"] for name in names}
    if len(versions) != 1:
        raise ValueError(f"the catalogues and their translations disagree on version: {sorted(versions)}")
    return versions.pop()


@cache
def diazepam_factor(code: str) -> tuple[float, dict] | None:
    """Reference mg of diazepam per 1 mg of the drug, from its default source, with what to cite.

    Returns (factor, citation): the citation holds the source id, title and url, the printed range and how the
    value was read from it. None for an unknown drug or one whose default source has no number.
    """
    item = medication(code)
    if item is None:
        return None
    source_id = item["default_factor_source"]
    row = next((row for row in item["diazepam_equivalents"] if row["source"] == source_id), None)
    if row is None or not row["mg_equivalent_to_10mg_diazepam"]:
        return None
    source = sources()[source_id]
    citation = {
        "id": source_id,
        "title": source["title"],
        "url": source["url"],
        "range": row["range"],
        "value_basis": row["value_basis"],
    }
    return DIAZEPAM_REFERENCE_MG / row["mg_equivalent_to_10mg_diazepam"], citation
