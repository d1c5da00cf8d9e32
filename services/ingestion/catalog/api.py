"""GET /v1/catalog/symptoms and /medications: the versioned, sourced catalogues the apps pick from.

Each entry carries its words in every other language the platform speaks (`translations`), so the apps name,
search and explain entries in the reader's language from the server's one copy. The same for everyone and
changed only by a release, so each answer is built once per process with a strong ETag; apps revalidate with
If-None-Match and get 304 while their copy is current."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from flask import Response, request

from services.ingestion.catalog.schemas import MedicationCatalogSchema, SymptomCatalogSchema
from shared import catalog, languages
from shared.web.openapi import Blueprint, operation, public
from shared.web.problems import DomainError, problem_responses

blp = Blueprint("catalog", __name__, url_prefix="/v1/catalog", description="Symptom and medication lists")

# A day fresh, then revalidated: a new catalogue reaches every app within a day, and a 304 costs little.
CACHE_CONTROL = "public, max-age=86400, must-revalidate"
# The words a translation may hold (what the schemas document).
SYMPTOM_WORDS = ("label", "synonyms", "red_flag_reason")
MEDICATION_WORDS = ("name", "aliases")


@cache
def _symptoms_body() -> bytes:
    return json.dumps(
        {
            "version": catalog.catalog_version(),
            "severity_scale": catalog.severity_scale(),
            "symptoms": [_translated(item, "symptoms", SYMPTOM_WORDS) for item in catalog.symptoms()],
            "sources": _cited(s for item in catalog.symptoms() for s in _symptom_sources(item)),
        },
        separators=(",", ":"),
    ).encode()


@cache
def _medications_body() -> bytes:
    return json.dumps(
        {
            "version": catalog.catalog_version(),
            "reference_note": catalog.reference_note(),
            "medications": [
                _translated(item, "medications", MEDICATION_WORDS) for item in catalog.medications()
            ],
            "sources": _cited(s for item in catalog.medications() for s in _medication_sources(item)),
        },
        separators=(",", ":"),
    ).encode()


def _translated(item: dict, kind: str, words: tuple[str, ...]) -> dict:
    """The entry with its words in each other language that has them (a copy: the catalogue's dicts are
    shared). A language without the entry is left out, and the app shows the English words."""
    translations = {}
    for language in languages.LANGUAGES:
        entry = catalog.translations(language)[kind].get(item["code"])
        if entry:
            translations[language] = {word: entry[word] for word in words if word in entry}
    return {**item, "translations": translations}


def _symptom_sources(item: dict) -> list[str]:
    return [*item["sources"], *item.get("red_flag_sources", [])]


def _medication_sources(item: dict) -> list[str]:
    half_life = item.get("half_life_hours") or {}
    rows = [row["source"] for row in item["diazepam_equivalents"]]
    return [*rows, item.get("aliases_source"), half_life.get("source")]


def _cited(ids) -> dict[str, dict]:
    """Only the sources the entries cite (plus the scale's), by id."""
    every = catalog.sources()
    wanted = {*ids, catalog.severity_scale()["source"]} - {None}
    return {source_id: every[source_id] for source_id in sorted(wanted) if source_id in every}


class NotAcceptable(DomainError):
    status = 406
    title = "Not acceptable"
    type_slug = "not-acceptable"
    detail = "The catalogue is only available as application/json; send Accept: application/json (or none)."


def _answer(body: bytes) -> Response:
    accept = request.accept_mimetypes
    if accept and accept.best_match(["application/json"]) is None:
        raise NotAcceptable()
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


@blp.route("/symptoms", methods=["GET"])
@public
@operation("getSymptomCatalog")
@blp.response(200, SymptomCatalogSchema)
@blp.alt_response(304, description="Not modified: the copy named by If-None-Match is current")
@problem_responses(406)
def get_symptom_catalog():
    """The symptom catalogue (codes, labels, synonyms, red flags) with the 0-4 severity scale and sources.

    Each symptom's words are English; `translations` holds them in the other languages."""
    return _answer(_symptoms_body())


@blp.route("/medications", methods=["GET"])
@public
@operation("getMedicationCatalog")
@blp.response(200, MedicationCatalogSchema)
@blp.alt_response(304, description="Not modified: the copy named by If-None-Match is current")
@problem_responses(406)
def get_medication_catalog():
    """The medication catalogue (generic names with brand aliases, reference diazepam equivalents).

    Each medication's names are English; `translations` holds them in the other languages."""
    return _answer(_medications_body())
