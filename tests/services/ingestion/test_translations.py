"""The ingestion service's pages (a dose reminder's link, the invitation, a dead share link) cannot ship an
untranslated sentence: every message they mark has a translation, in the service's catalog or the shared
one merged under it (shared/web/pages.py). Nor can its API's problems: every word they may carry has one
too."""

import pytest

from services.ingestion.accounts.service import HEALTH_CONSENT_TEXT
from services.ingestion.app import TRANSLATIONS
from shared import languages
from shared.web.pages import SHARED_TRANSLATIONS
from shared.web.problem_language import SHARED_TRANSLATIONS as PROBLEM_TRANSLATIONS
from tests.support import catalogs

SERVICE = catalogs.ROOT / "services/ingestion"
# The consent's wording is a constant the page translates (the API shows its English).
LOOKED_UP = {HEALTH_CONSENT_TEXT}


def page_messages() -> set[str]:
    sources = [*SERVICE.glob("**/templates/**/*.html"), *SERVICE.glob("**/pages.py")]
    return catalogs.marked(sources) | LOOKED_UP


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_message_of_the_pages_has_a_translation(language):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    shared = catalogs.read(SHARED_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    messages = page_messages()
    assert len(messages) > 40  # the extraction found the dose and invitation pages' text
    assert "This invitation can't be used" in messages and "Your dose" in messages
    assert "This link is not available" in messages  # a dead share link's page (reports/templates/)
    assert catalogs.untranslated(messages, [own, shared]) == []
    assert catalogs.placeholder_errors(own) == []


# The API's problems (shared/web/problem_language.py): every word the ingestion service may answer with has
# a translation in its problems catalog or the shared one (tests/support/catalogs.api_problem_words).
@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_word_of_the_api_problems_has_a_translation(language, ingestion_app):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    shared = catalogs.read(PROBLEM_TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    words = catalogs.api_problem_words(ingestion_app, "ingestion")
    assert "A {method} plan needs step_mg." in words and "Unknown field." in words
    assert catalogs.untranslated(words, [own, shared]) == []
    assert catalogs.brace_placeholder_errors(own) == [] and catalogs.brace_placeholder_errors(shared) == []
