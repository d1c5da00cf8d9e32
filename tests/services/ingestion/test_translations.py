"""The ingestion service's pages (a dose reminder's link, the invitation) cannot ship an untranslated
sentence: every message they mark has a translation, in the service's catalog or the shared one merged
under it (shared/web/pages.py). Nor can its API's problems: every word they may carry has one too."""

from http import HTTPStatus

import pytest
from werkzeug.exceptions import default_exceptions

from services.ingestion.accounts.service import HEALTH_CONSENT_TEXT
from services.ingestion.app import TRANSLATIONS
from shared import languages
from shared.web.pages import SHARED_TRANSLATIONS
from shared.web.problem_language import SHARED_TRANSLATIONS as PROBLEM_TRANSLATIONS
from shared.web.problems import DomainError
from tests.support import catalogs

SERVICE = catalogs.ROOT / "services/ingestion"
# The consent's wording is a constant the page translates (the API shows its English).
LOOKED_UP = {HEALTH_CONSENT_TEXT}


def page_messages() -> set[str]:
    sources = [*SERVICE.glob("templates/**/*.html"), *SERVICE.glob("**/pages.py")]
    return catalogs.marked(sources) | LOOKED_UP


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_message_of_the_pages_has_a_translation(language):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    shared = catalogs.read(SHARED_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    messages = page_messages()
    assert len(messages) > 40  # the extraction found the dose and invitation pages' text
    assert "This invitation can't be used" in messages and "Your dose" in messages
    assert catalogs.untranslated(messages, [own, shared]) == []
    assert catalogs.placeholder_errors(own) == []


# The API's problems (shared/web/problem_language.py): every word the ingestion service may answer with has
# a translation in its problems catalog or the shared one. Pages mark their text with the same `_`, in
# modules named pages.py, which the test above checks.
SHARED = catalogs.ROOT / "shared"
LEFT_OUT = ("catalog",)  # the medication and symptom catalogue's own texts are translated beside them
# A 404 or 405 from routing, a body too large or of the wrong type: werkzeug's, whatever the documents say.
ROUTING_STATUSES = {400, 404, 405, 413, 415, 500}
WEBARGS = {"Invalid JSON body."}  # a body that does not parse, under invalid_params' "json"


def marked_problem_words() -> set[str]:
    modules = [
        *(p for p in SHARED.rglob("*.py") if p.name != "pages.py" and not set(LEFT_OUT) & set(p.parts)),
        *(p for p in SERVICE.rglob("*.py") if p.name != "pages.py"),
    ]
    return catalogs.marked_in_code(modules)


def domain_errors() -> list[type[DomainError]]:
    """Every problem class the service, and what it shares, raises (imported with the app)."""

    def subclasses(cls):
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    return [c for c in subclasses(DomainError) if c.__module__.startswith(("services.ingestion.", "shared."))]


def domain_error_words() -> set[str]:
    """Their titles, and the detail of those whose detail is fixed."""
    return {text for c in domain_errors() for text in (c.title, c.detail)}


def status_words(ingestion_app) -> set[str]:
    """The title (HTTP's phrase) and werkzeug's description of each error status the API can answer."""
    document = ingestion_app.test_client().get("/openapi.json").json
    documented = {
        int(status)
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for status in operation.get("responses", {})
        if status.isdigit() and int(status) >= 400
    }
    statuses = documented | ROUTING_STATUSES | {c.status for c in domain_errors()}
    return {HTTPStatus(s).phrase for s in statuses} | {
        default_exceptions[s].description for s in statuses if s in default_exceptions and s < 500
    }


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_word_of_the_api_problems_has_a_translation(language, ingestion_app):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    shared = catalogs.read(PROBLEM_TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    marked = marked_problem_words()
    assert "A {method} plan needs step_mg." in marked and "Unknown field." in catalogs.marshmallow_messages()
    words = (
        marked
        | domain_error_words()
        | status_words(ingestion_app)
        | catalogs.marshmallow_messages()
        | WEBARGS
    )
    assert catalogs.untranslated(words, [own, shared]) == []
    assert catalogs.brace_placeholder_errors(own) == [] and catalogs.brace_placeholder_errors(shared) == []
