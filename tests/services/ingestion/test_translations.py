"""The ingestion service's pages (a dose reminder's link) cannot ship an untranslated
sentence: every message they mark has a translation, in the service's catalog or the shared one merged
under it (shared/web/pages.py)."""

import pytest

from services.ingestion.app import TRANSLATIONS
from shared import languages
from shared.web.pages import SHARED_TRANSLATIONS
from tests.support import catalogs

SERVICE = catalogs.ROOT / "services/ingestion"


def page_messages() -> set[str]:
    sources = [*SERVICE.glob("templates/**/*.html"), *SERVICE.glob("**/pages.py")]
    return catalogs.marked(sources)


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_message_of_the_pages_has_a_translation(language):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    shared = catalogs.read(SHARED_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    messages = page_messages()
    assert len(messages) > 10 and "Your dose" in messages  # the extraction found the pages' text
    assert catalogs.untranslated(messages, [own, shared]) == []
    assert catalogs.placeholder_errors(own) == []
