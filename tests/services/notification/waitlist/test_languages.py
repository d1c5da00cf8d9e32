"""The waitlist in the language a person reads: the join form by `?lang=` or the browser, the entry keeping
it, its emails and the pages its links open; English when nothing asks otherwise."""

from __future__ import annotations

import html
import re

from services.notification.email import pages as email_pages
from services.notification.waitlist import abuse, exceptions, schemas, service
from services.notification.waitlist.service import CONFIRM_PURPOSE, CONSENT_TEXTS
from shared import languages
from shared.runtime import runtime_of
from tests.factories import waitlist
from tests.services.notification.waitlist.helpers import join_form, join_json, links_in
from tests.support import catalogs

ROOT = catalogs.ROOT
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
# The English consent sentence every entry stored before languages agreed to: it must never change.
ENGLISH_2025_01 = (
    "I want to join the Track Your Healing waitlist. I agree to receive emails about my place on it. "
    "I can leave at any time, and my details are then erased."
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True)).group(1)


def hidden_language(response) -> str:
    return re.search(r'name="lang" value="([^"]*)"', response.get_data(as_text=True)).group(1)


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


class TestJoinInSpanish:
    def test_lang_es_carries_through_form_entry_emails_and_pages(self, client, db, mailbox, base_url):
        form = client.get("/waitlist?lang=es&ref=abcdefgh&source=foro")
        assert form.status_code == 200
        assert html_lang(form) == "es"
        page = text_of(form)
        assert "Únete a la lista de espera" in page and "Join the waitlist" not in page
        assert CONSENT_TEXTS[service.CONSENT_VERSION]["es"] in page
        assert hidden_language(form) == "es"
        # A visible way back to English, keeping what the landing link carried.
        switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', page).group(1)
        assert "lang=en" in switch and "ref=abcdefgh" in switch and "source=foro" in switch

        joined = join_form(client, "lucia@example.org", name="Lucía", lang="es")
        assert joined.status_code == 303
        thanks = client.get(joined.headers["Location"])
        assert html_lang(thanks) == "es" and "Mira tu bandeja de entrada" in text_of(thanks)

        entry = db.waitlist_entries.find_one({"email": "lucia@example.org"})
        assert entry["language"] == "es"
        # The proof names the exact text shown: its version and its language.
        assert entry["consent"]["text_version"] == service.CONSENT_VERSION
        assert entry["consent"]["language"] == "es"
        assert service.consent_text(entry["consent"]) == CONSENT_TEXTS[service.CONSENT_VERSION]["es"]

        (message,) = mailbox.wait_for(1)
        assert message["Subject"] == "Confirma tu lugar en la lista de espera"
        assert "Lucía" not in message["Subject"]
        text = body_of(message)
        assert "Hola, Lucía:" in text and "Confirmar mi lugar" in text and "72 horas" in text
        links = links_in(message, base_url)
        assert links["confirm"].endswith("?lang=es") and links["leave"].endswith("?lang=es")

        shown = client.get(links["confirm"])
        assert html_lang(shown) == "es" and "Pulsa el botón para confirmar tu lugar" in text_of(shown)
        confirmed = client.post(links["confirm"])
        assert confirmed.status_code == 303
        position = client.get(confirmed.headers["Location"])
        body = text_of(position)
        assert html_lang(position) == "es"
        assert "Ya estás en la lista, Lucía" in body
        assert "Tu lugar en la lista: <strong>1</strong>" in body
        assert "te adelanta 1 día en la lista (hasta 5 días)" in body
        assert "Todavía nadie se ha unido con tu enlace." in body
        assert 'data-copied="Copiado. Puedes pegarlo en un mensaje."' in body
        assert "Puedes <a href=" in body and "salir de la lista de espera</a> cuando quieras." in body

        placed = mailbox.wait_for(2)[1]
        assert placed["Subject"] == "Tu lugar en la lista de espera"
        assert "Ver mi lugar en la lista" in body_of(placed)
        assert links_in(placed, base_url)["you"].endswith("?lang=es")

    def test_the_browsers_language_chooses_spanish_when_the_link_does_not(self, client, db, mailbox):
        form = client.get("/", headers=SPANISH)
        assert html_lang(form) == "es" and hidden_language(form) == "es"
        assert "Accept-Language" in form.headers["Vary"]  # no cache hands it to an English reader
        assert "Correo electrónico" in text_of(form)
        assert '<a href="/waitlist?lang=en" lang="en" hreflang="en">English</a>' in text_of(form)

        # The form posts the language it was shown in, whatever the browser says by then.
        joined = join_form(client, "mateo@example.org", lang=hidden_language(form))
        assert joined.headers["Location"].endswith("?lang=es")
        assert db.waitlist_entries.find_one({"email": "mateo@example.org"})["language"] == "es"
        assert mailbox.wait_for(1)[0]["Subject"] == "Confirma tu lugar en la lista de espera"

        # A link's own lang outranks the browser.
        english = client.get("/waitlist?lang=en", headers=SPANISH)
        assert html_lang(english) == "en" and "Join the waitlist" in text_of(english)

    def test_field_errors_are_shown_in_spanish_and_the_form_stays_spanish(self, client, db):
        answer = client.post(
            "/waitlist", data={"email": "not-an-address", "name": "Ana\nLópez", "lang": "es"}
        )
        assert answer.status_code == 422
        page = text_of(answer)
        assert html_lang(answer) == "es" and hidden_language(answer) == "es"
        assert "Revisa los campos marcados abajo." in page
        assert "Escribe una dirección de correo completa, como nombre@ejemplo.com." in page
        assert "Usa una sola línea de texto, sin saltos de línea" in page
        assert "Marca la casilla para decirnos que quieres unirte." in page
        assert CONSENT_TEXTS[service.CONSENT_VERSION]["es"] in page
        assert "Please" not in page  # no English message left among them
        assert 'value="not-an-address"' in answer.get_data(as_text=True)  # what was typed stays

        disposable = client.post("/waitlist", data={"email": "x@yopmail.com", "consent": "yes", "lang": "es"})
        assert "Parece una dirección de correo temporal." in text_of(disposable)
        assert "Revisa el campo marcado abajo." in text_of(disposable)
        assert db.waitlist_entries.count_documents({}) == 0

    def test_a_pause_after_too_many_sign_ups_is_spanish(self, client):
        ip = {"REMOTE_ADDR": "192.0.2.80"}
        for _ in range(abuse.JOIN_PER_IP[0].limit):  # refused forms count too: no worker needed
            assert client.post("/waitlist", data={"lang": "es"}, environ_base=ip).status_code == 422
        paused = client.post(
            "/waitlist", data={"email": "a@example.org", "consent": "yes", "lang": "es"}, environ_base=ip
        )
        assert paused.status_code == 429 and int(paused.headers["Retry-After"]) > 0
        assert html_lang(paused) == "es"
        assert "Hagamos una pequeña pausa" in text_of(paused)
        assert "Vuelve a intentarlo en" in text_of(paused)

    def test_leaving_and_the_links_after_it_are_spanish(self, client, db, mailbox, base_url):
        join_form(client, "sofia@example.org", lang="es")
        leave = links_in(mailbox.wait_for(1)[0], base_url)["leave"]
        shown = client.get(leave)
        assert html_lang(shown) == "es" and "Salir y borrar mis datos" in text_of(shown)
        left = client.post(leave)
        assert left.status_code == 200 and "Has salido de la lista de espera" in text_of(left)
        assert db.waitlist_entries.count_documents({}) == 0
        # The entry is gone; the link's own lang still says which language to speak.
        gone = client.get(leave)
        assert gone.status_code == 404 and html_lang(gone) == "es"
        assert "Esta dirección no está en la lista de espera" in text_of(gone)
        assert "Has salido de la lista de espera" in text_of(client.post(leave))

    def test_a_broken_link_speaks_its_lang_and_offers_the_spanish_form(self, client):
        broken = client.get("/waitlist/confirm/not-a-token?lang=es")
        assert broken.status_code == 400 and html_lang(broken) == "es"
        assert "Este enlace no funciona" in text_of(broken)
        assert 'href="/waitlist?lang=es">Ir al formulario de registro</a>' in text_of(broken)

    def test_the_json_api_takes_a_language_and_names_an_unknown_one(self, client, db, mailbox):
        assert join_json(client, "api@example.org", language="es").status_code == 202
        assert db.waitlist_entries.find_one()["language"] == "es"
        assert mailbox.wait_for(1)[0]["Subject"] == "Confirma tu lugar en la lista de espera"
        refused = client.post(
            "/v1/waitlist", json={"email": "b@example.org", "consent": True, "language": "fr"}
        )
        assert refused.status_code == 422
        assert refused.json["invalid_params"] == [{"name": "language", "reason": languages.UNKNOWN}]

    def test_a_consent_version_never_shown_in_the_language_is_refused_and_nothing_stored(
        self, client, db, monkeypatch
    ):
        # A later version may be worded in English first: a Spanish sign-up cannot claim to have read it.
        monkeypatch.delitem(CONSENT_TEXTS[service.CONSENT_VERSION], "es")
        body = {"consent_version": service.CONSENT_VERSION, "language": "es"}
        refused = join_json(client, "nueva@example.org", **body)
        assert refused.status_code == 422
        assert refused.json["invalid_params"] == [
            {"name": "consent_version", "reason": schemas.CONSENT_NOT_SHOWN}
        ]
        assert db.waitlist_entries.count_documents({}) == 0


class TestEnglishStaysTheDefault:
    def test_no_choice_is_english_and_an_unknown_lang_is_no_error(self, client, db, mailbox, base_url):
        plain = client.get("/waitlist")
        assert plain.status_code == 200 and html_lang(plain) == "en"
        assert ENGLISH_2025_01 in text_of(plain)
        assert '<a href="/waitlist?lang=es" lang="es" hreflang="es">Español</a>' in text_of(plain)
        unknown = client.get("/waitlist?lang=fr", headers={"Accept-Language": "fr-FR, de;q=0.5"})
        assert unknown.status_code == 200 and html_lang(unknown) == "en"
        assert html_lang(client.get("/waitlist?lang=<b>", headers=SPANISH)) == "es"  # then the browser

        # A forged language in the form is only not chosen.
        joined = join_form(client, "emma@example.org", lang="xx")
        assert joined.status_code == 303 and joined.headers["Location"].endswith("?lang=en")
        entry = db.waitlist_entries.find_one()
        assert entry["language"] == "en" and entry["consent"]["language"] == "en"
        (message,) = mailbox.wait_for(1)
        assert message["Subject"] == "Please confirm your place on the waitlist"
        assert "Confirm my place" in body_of(message)
        assert links_in(message, base_url)["confirm"].endswith("?lang=en")

    def test_an_entry_stored_before_languages_is_english(self, client, mailbox, base_url):
        old = waitlist.entry(1, status="pending")  # no language field, as stored before
        assert "language" not in old
        assert service.consent_text(old["consent"]) == ENGLISH_2025_01
        # Its pages and emails stay English, whatever the browser says.
        confirm = client.post(token_path(client, CONFIRM_PURPOSE, old), headers=SPANISH)
        assert confirm.status_code == 303
        position = client.get(confirm.headers["Location"], headers=SPANISH)
        assert html_lang(position) == "en" and "You're on the list" in text_of(position)
        (placed,) = mailbox.wait_for(1)
        assert placed["Subject"] == "Your place on the waitlist"
        assert links_in(placed, base_url)["you"].endswith("?lang=en")

    def test_the_english_consent_text_of_2025_01_is_unchanged(self):
        # Stored entries point at it by version: rewording it would falsify their proof.
        assert CONSENT_TEXTS["2025-01"]["en"] == ENGLISH_2025_01
        assert set(CONSENT_TEXTS[service.CONSENT_VERSION]) == set(languages.LANGUAGES)


def token_path(client, purpose: str, entry: dict) -> str:
    """A link's path as the emails carry it, for an entry inserted directly (no email was sent)."""
    with client.application.app_context():
        return service.LINK_PATHS[purpose].format(
            token=service.token_for(runtime_of().settings, purpose, entry["_id"])
        )


def page_messages() -> set[str]:
    """Every message the service's pages translate (the waitlist's and the unsubscribe pages): the
    templates' and the views' `_()` and ngettext (singular msgids), and the texts views hand over from
    schemas, errors and rules."""
    sources = [*(ROOT / "services/notification/templates/waitlist").glob("*.html")]
    sources += [*(ROOT / "services/notification/templates/email").glob("*.html")]
    sources += [
        ROOT / "shared/web/templates/pages/base.html",
        ROOT / "services/notification/waitlist/pages.py",
    ]
    errors = [exceptions.LinkInvalid, exceptions.LinkExpired, exceptions.NotOnList]
    handed = {*schemas.FORM_MESSAGES, service.JOINED_TITLE, service.JOINED_MESSAGE, *email_pages.BROKEN_LINK}
    return (
        catalogs.marked(sources) | handed | {text for error in errors for text in (error.title, error.detail)}
    )


def test_every_message_of_the_services_pages_has_a_spanish_translation():
    # A new English sentence on a waitlist or unsubscribe page cannot ship untranslated: it fails here until
    # the service's catalog (or, for the layout, the shared one it is merged over) has it.
    own = catalogs.read(ROOT / "services/notification/translations/es/LC_MESSAGES/messages.po", "es")
    shared = catalogs.read(ROOT / "shared/web/translations/es/LC_MESSAGES/messages.po", "es")
    messages = page_messages()
    assert len(messages) > 60  # the extraction found the pages' text
    assert catalogs.untranslated(messages, [own, shared]) == []
    assert catalogs.placeholder_errors(own) == []
