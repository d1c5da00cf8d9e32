"""The notification service's public JSON API (the waitlist sign-up, the provider's hook) cannot answer with
an untranslated word: every text its problems may carry, and the sign-up's answer, has a translation in the
service's problems catalog or the shared one merged under it (shared/web/problem_language.py). The admin's
problems stay English: they are for staff."""

import pytest

from services.notification.app import TRANSLATIONS
from services.notification.waitlist import exceptions, schemas, service
from shared import languages
from shared.web.problem_language import SHARED_TRANSLATIONS
from tests.support import catalogs

STAFF_ONLY = ("admin",)


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_word_of_the_api_problems_has_a_translation(language, notification_app):
    own = catalogs.read(TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    shared = catalogs.read(SHARED_TRANSLATIONS / language / "LC_MESSAGES" / "problems.po", language)
    words = catalogs.api_problem_words(notification_app, "notification", left_out=STAFF_ONLY)
    # The extraction found the sign-up's messages, its answer and the waitlist's problems, not the admin's.
    name = "Please keep your name to {max} characters or fewer."  # marked as its template
    assert {schemas.DISPOSABLE, name, service.JOINED_MESSAGE, exceptions.LinkExpired.detail} <= words
    assert "Cannot be sent again" not in words
    assert catalogs.untranslated(words, [own, shared]) == []
    assert catalogs.brace_placeholder_errors(own) == []
