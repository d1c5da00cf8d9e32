"""The pages every public page links to (about, privacy, contact) and the layout, from shared/web/pages.py:
in Spanish when the link says so (?lang=es) or the browser prefers it, through both real services, with
links that keep the language; and a catalog that cannot fall behind the English."""

from __future__ import annotations

import dataclasses
import html

import pytest

from shared import languages
from shared.web.pages import SHARED_TRANSLATIONS
from tests.support import catalogs, runtimes

SPANISH = {
    "/about": "un espacio gratuito y privado para personas que están dejando las benzodiacepinas",
    "/privacy": "Tus notas están cifradas en nuestra base de datos.",
    "/contact": "contacta ahora con tu médico o con los servicios de emergencia",
}
ENGLISH = {
    "/about": "free, private place for people tapering off benzodiazepines",
    "/privacy": "Your notes are encrypted",
    "/contact": "emergency services",
}


@pytest.fixture(params=["ingestion", "notification"])
def client(request, redis):
    """Each service serves these pages from the shared catalog, whatever catalog of its own it has."""
    return request.getfixturevalue(f"{request.param}_app").test_client()


def text_of(answer) -> str:
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))


def test_a_link_with_lang_es_shows_the_page_in_spanish_and_its_links_keep_it(client):
    for path, spanish in SPANISH.items():
        page = text_of(client.get(f"{path}?lang=es"))
        assert '<html lang="es">' in page
        assert spanish in page and ENGLISH[path] not in page
        assert "Este servicio solo ofrece información, no consejo médico." in page  # the layout's footer
        for other in ("/about", "/privacy", "/contact"):
            assert f'href="{other}?lang=es"' in page


# (lang parameter, Accept-Language, the page's language): the link's choice, else the browser's first that
# we speak by quality (es-MX at full weight beats an exact en at half), else English; never an error.
CHOICES = [
    (None, "en;q=0.5, es-MX", "es"),
    (None, "es", "es"),
    ("fr", "es", "es"),
    ("ES-mx", None, "es"),
    ("en", "es", "en"),
    ("fr", "de, fr;q=0.8", "en"),
    ("x" * 300, None, "en"),
    (None, None, "en"),
]


def test_the_language_is_the_links_else_the_browsers_else_english(client):
    for path in SPANISH:
        for lang, accept, language in CHOICES:
            asked = {"query_string": {"lang": lang}} if lang else {}
            answer = client.get(path, headers={"Accept-Language": accept} if accept else {}, **asked)
            page = text_of(answer)
            # Where the browser's header decided, a cache must not hand this answer to another language.
            by_link = lang is not None and languages.from_tag(lang) is not None
            assert ("Accept-Language" in answer.headers.get("Vary", "")) is not by_link
            assert f'<html lang="{language}">' in page, (path, lang, accept)
            assert (SPANISH if language == "es" else ENGLISH)[path] in page
            # A language the link chose stays on the page's links; English by default needs no parameter.
            kept = f'href="/about?lang={language}"'
            assert (kept if language == "es" or by_link else 'href="/about"') in page, (path, lang, accept)


def test_the_spanish_about_page_sends_a_reader_to_the_spanish_waitlist(client, settings):
    page = text_of(client.get("/about?lang=es"))
    assert f'<a href="{settings.public_base_url.rstrip("/")}/waitlist?lang=es">lista de espera</a>' in page


def test_the_spanish_contact_page_gives_the_address_our_emails_come_from(client):
    page = text_of(client.get("/contact", headers={"Accept-Language": "es"}))
    assert '<a href="mailto:hello@localhost">hello@localhost</a>' in page and "Escríbenos a" in page


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_message_of_the_shared_pages_has_a_translation(language):
    """A new English sentence in the layout, about, privacy or contact cannot ship untranslated."""
    sources = [
        *(catalogs.ROOT / "shared/web/templates").glob("**/*.html"),
        catalogs.ROOT / "shared/web/pages.py",
    ]
    messages = catalogs.marked(sources)
    assert len(messages) > 20 and "Your privacy" in messages  # the extraction found the pages' text
    catalog = catalogs.read(SHARED_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    assert catalogs.untranslated(messages, [catalog]) == []
    assert catalogs.placeholder_errors(catalog) == []


def test_a_message_page_follows_the_browser_only_where_all_its_text_is_translated(
    ingestion_app, settings, redis, tmp_path
):
    """A link that names nobody (a dose link gone bad) answers a Spanish browser in Spanish; a message with
    no Spanish (the operator's "not built yet") stays English whole, never half in each language."""
    spanish = {"Accept-Language": "es"}
    lost = ingestion_app.test_client().get("/doses/not-a-token", headers=spanish)
    assert lost.status_code == 404
    page = html.unescape(lost.get_data(as_text=True))
    assert '<html lang="es">' in page and "Este enlace no se puede usar" in page
    assert "Abrir Track Your Healing" in page and "Estrictamente privado" in page
    unbuilt = runtimes.ingestion_app(dataclasses.replace(settings, web_dist_dir=str(tmp_path / "none")))
    answer = unbuilt.test_client().get("/app/", headers=spanish)
    assert answer.status_code == 503
    page = html.unescape(answer.get_data(as_text=True))
    assert '<html lang="en">' in page and "The app is not built yet" in page
    assert "Strictly private" in page and "Estrictamente" not in page
