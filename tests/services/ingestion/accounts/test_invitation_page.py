"""The invitation link from the email, opened in a browser: GET shows a form, POST creates the account."""

import html
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from services.ingestion.accounts import service
from shared import invitations
from tests.factories.waitlist import entry_doc


def link_path(url: str) -> str:
    return "/invitations/" + url.rsplit("/", 1)[1]


def accept_form(**changes):
    form = {
        "display_name": "Robin",
        "time_zone": "Europe/Dublin",
        "health_data_consent": "yes",
        "consent_version": "health-data-2026-11",
    }
    return {k: v for k, v in (form | changes).items() if v is not None}


def test_get_shows_the_form_and_creates_nothing(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="robin@example.org", created_by="t")
    page = client.get(link_path(url))
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "robin@example.org" in text
    assert "explicitly consent" in text
    assert db.users.count_documents({}) == 0


def test_post_with_consent_creates_the_account_and_marks_the_waitlist_entry_active(
    client, settings, db, notification_worker
):
    entry = entry_doc(1, status="invited")
    db.waitlist_entries.insert_one(entry)
    _invitation, url = invitations.create_invitation(
        settings, email=entry["email"], waitlist_entry_id=entry["_id"], created_by="admin"
    )
    page = client.post(link_path(url), data=accept_form(), headers={"User-Agent": "Firefox/130"})
    assert page.status_code == 201
    welcome = html.unescape(page.get_data(as_text=True))
    assert "You're in, Robin" in welcome
    assert f'href="/app/signin?email={entry["email"].replace("@", "%40")}"' in welcome  # into the app
    user = db.users.find_one({"email_key": entry["email_key"]})
    assert user["time_zone"] == "Europe/Dublin"
    assert user["consents"]["health_data"]["user_agent"] == "Firefox/130"
    assert db.devices.count_documents({}) == 0  # the web page signs nobody in; the app does, with a code
    deadline = time.monotonic() + 10
    while db.waitlist_entries.find_one({"_id": entry["_id"]})["status"] != "active":
        assert time.monotonic() < deadline, "the waitlist entry never became active"
        time.sleep(0.05)
    again = client.post(link_path(url), data=accept_form())
    assert again.status_code == 404
    assert "can't be used" in html.unescape(again.get_data(as_text=True))


def test_missing_consent_or_bad_time_zone_shows_the_form_again(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="sam@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(health_data_consent=None, time_zone="Mars/Base"))
    assert page.status_code == 422
    text = html.unescape(page.get_data(as_text=True))
    assert "explicit consent" in text
    assert "We couldn\u2019t find a time zone for \u201cMars/Base\u201d".replace("\u2019", "'") in text
    assert db.users.count_documents({}) == 0


def test_the_time_zone_is_a_searchable_list_with_city_names(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="kim@example.org", created_by="t")
    text = client.get(link_path(url)).get_data(as_text=True)
    assert '<input type="text" id="time_zone" name="time_zone" list="zones"' in text
    assert '<option value="Europe/London">London (Europe)</option>' in text
    assert '<option value="America/Argentina/Buenos_Aires">Buenos Aires (America/Argentina)</option>' in text
    # The browser's own zone is filled in by a static script: no inline script for the CSP to allow.
    assert '<script src="/assets/time-zone.js" defer></script>' in text
    assert "<script>" not in text
    with client.get("/assets/time-zone.js") as script:
        assert script.status_code == 200
        assert "resolvedOptions().timeZone" in script.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("London", "Europe/London"), ("new york", "America/New_York"), ("europe/berlin", "Europe/Berlin"),
     ("São Paulo", "America/Sao_Paulo"), ("Asia/Tokyo", "Asia/Tokyo"), ("Nueva York", "America/New_York"),
     ("Londres", "Europe/London")],
)  # fmt: skip
def test_a_typed_city_or_zone_in_any_case_becomes_its_zone(client, settings, db, typed, stored):
    _invitation, url = invitations.create_invitation(settings, email="lee@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(time_zone=typed))
    assert page.status_code == 201, html.unescape(page.get_data(as_text=True))
    assert db.users.find_one({"email_key": "lee@example.org"})["time_zone"] == stored


@pytest.mark.parametrize("typed", ["Atlantis", "GMT+25", "x" * 500])
def test_text_that_is_no_zone_gets_a_clear_error_tied_to_the_field(client, settings, db, typed):
    _invitation, url = invitations.create_invitation(settings, email="ash@example.org", created_by="t")
    page = client.post(link_path(url), data=accept_form(time_zone=typed))
    assert page.status_code == 422
    text = html.unescape(page.get_data(as_text=True))
    assert f"We couldn't find a time zone for \u201c{typed[:80]}\u201d" in text
    assert 'aria-describedby="time_zone-hint time_zone-error"' in text
    assert 'aria-invalid="true"' in text
    assert db.users.count_documents({}) == 0


def test_a_forged_link_gives_a_calm_page(client, db):
    page = client.get("/invitations/not-a-real-token")
    assert page.status_code == 404
    assert "can't be used" in html.unescape(page.get_data(as_text=True))


def test_the_page_links_to_about_privacy_and_contact_which_this_service_serves_too(client, settings, db):
    _invitation, url = invitations.create_invitation(settings, email="ida@example.org", created_by="t")
    body = client.get(link_path(url)).get_data(as_text=True)
    for path in ("/about", "/privacy", "/contact"):
        assert f'href="{path}"' in body
        assert client.get(path).status_code == 200


def hidden_fields(page: str) -> dict[str, str]:
    """The form's hidden inputs, as a browser sends them back."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def me(client, user_id: str) -> dict:
    token, _device = service.issue_device_token(user_id, "test phone", "ios")
    answer = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    return answer.json


class TestInSpanish:
    """The invitation email's link names the waitlist entry's language (?lang=es); a browser that prefers
    Spanish gets it too. The form keeps it through its errors, and the account keeps it for its emails and
    the app."""

    def test_a_spanish_link_gives_a_spanish_form_errors_and_account(self, client, settings, db):
        _invitation, url = invitations.create_invitation(
            settings, email="lucia@example.org", name="Lucía", created_by="t"
        )
        page = html.unescape(client.get(link_path(url) + "?lang=es").get_data(as_text=True))
        assert '<html lang="es">' in page and "Te damos la bienvenida, Lucía" in page
        assert "Doy mi consentimiento explícito para que Track Your Healing trate" in page
        assert ">Crear mi cuenta</button>" in page and "explicitly consent" not in page
        assert 'href="/privacy?lang=es"' in page  # the footer's links stay in Spanish
        hidden = hidden_fields(page)
        assert hidden["lang"] == "es"
        # The POST carries the language only in the form, as the browser sends it: its errors are Spanish.
        refused = client.post(
            link_path(url),
            data=accept_form(health_data_consent=None, time_zone="Marte", display_name="") | hidden,
        )
        assert refused.status_code == 422
        errors = html.unescape(refused.get_data(as_text=True))
        assert '<html lang="es">' in errors and "Revisa los campos marcados, por favor:" in errors
        assert "Solo podemos guardar información de salud con tu consentimiento explícito." in errors
        assert "No hemos encontrado una zona horaria para «Marte»." in errors
        assert "Dinos cómo quieres que te llamemos, por favor." in errors
        assert hidden_fields(errors)["lang"] == "es"  # and the next try keeps it
        # The time-zone list names cities and regions in Spanish, and a city typed in Spanish is understood.
        assert '<option value="Europe/London">Londres (Europa)</option>' in errors
        assert '<option value="America/Mexico_City">Ciudad de México (América)</option>' in errors
        assert db.users.count_documents({}) == 0
        created = client.post(link_path(url), data=accept_form(time_zone="ciudad de mexico") | hidden)
        assert created.status_code == 201
        welcome = html.unescape(created.get_data(as_text=True))
        assert '<html lang="es">' in welcome and "Ya estás dentro, Robin" in welcome
        assert 'href="/app/signin?email=lucia%40example.org&lang=es">Abrir Track Your Healing</a>' in welcome
        user = db.users.find_one({"email_key": "lucia@example.org"})
        assert user["language"] == "es" and user["time_zone"] == "America/Mexico_City"
        assert user["consents"]["health_data"]["language"] == "es"  # the wording it was given in
        assert me(client, user["_id"])["language"] == "es"  # so the app and the emails start in Spanish
        # The link once used: the calm refusal, in Spanish too.
        again = client.post(link_path(url), data=accept_form() | hidden)
        assert again.status_code == 404
        used = html.unescape(again.get_data(as_text=True))
        assert "Esta invitación no se puede usar" in used and "No se ha cambiado nada." in used

    def test_a_browser_that_prefers_spanish_gets_spanish_through_to_the_account(self, client, settings, db):
        _invitation, url = invitations.create_invitation(settings, email="mateo@example.org", created_by="t")
        browser = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
        page = html.unescape(client.get(link_path(url), headers=browser).get_data(as_text=True))
        assert '<html lang="es">' in page and "¿Cómo quieres que te llamemos?" in page
        created = client.post(link_path(url), data=accept_form() | hidden_fields(page))
        assert created.status_code == 201 and "Ya estás dentro" in html.unescape(
            created.get_data(as_text=True)
        )
        assert db.users.find_one({"email_key": "mateo@example.org"})["language"] == "es"

    def test_an_expired_or_forged_link_says_so_in_spanish(self, client, settings, db):
        invitation, url = invitations.create_invitation(settings, email="ana@example.org", created_by="t")
        db[invitations.COLLECTION].update_one(
            {"_id": invitation["_id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}}
        )
        for answer in (
            client.get(link_path(url) + "?lang=es"),
            client.post(link_path(url), data=accept_form(lang="es")),
            client.get("/invitations/not-a-real-token", headers={"Accept-Language": "es"}),
        ):
            assert answer.status_code == 404
            page = html.unescape(answer.get_data(as_text=True))
            assert '<html lang="es">' in page and "Esta invitación no se puede usar" in page
            assert (
                "Si ya tienes una cuenta, inicia sesión desde la app" in page and "can't be used" not in page
            )

    def test_an_unknown_language_falls_back_to_the_browser_then_to_english(self, client, settings, db):
        _invitation, url = invitations.create_invitation(settings, email="noor@example.org", created_by="t")
        spanish = client.get(link_path(url) + "?lang=fr", headers={"Accept-Language": "es"})
        assert '<html lang="es">' in spanish.get_data(as_text=True)
        for asked in ("", "?lang=fr", "?lang=" + "x" * 300):
            answer = client.get(link_path(url) + asked, headers={"Accept-Language": "de"})
            assert answer.status_code == 200
            page = html.unescape(answer.get_data(as_text=True))
            assert '<html lang="en">' in page and "explicitly consent" in page
            assert "lang" not in hidden_fields(page)
        created = client.post(link_path(url), data=accept_form(lang="fr"))
        assert created.status_code == 201 and "You're in, Robin" in html.unescape(
            created.get_data(as_text=True)
        )
        # Nothing chose a language: the account takes the app's at its first sign-in, as before.
        user = db.users.find_one({"email_key": "noor@example.org"})
        assert "language" not in user and me(client, user["_id"])["language"] == "en"
