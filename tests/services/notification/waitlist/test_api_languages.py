"""`POST /v1/waitlist` in the client's language (Accept-Language), through the real app, worker, FerretDB and
Redis: its problems' words and its one neutral answer in Spanish when asked for, English otherwise, and
everything a program reads the same in both."""

from services.notification.app import TRANSLATIONS
from services.notification.waitlist import abuse, service
from services.notification.waitlist.schemas import DISPOSABLE, EMAIL_REQUIRED
from tests.services.notification.waitlist.helpers import join_json
from tests.support import catalogs

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def reasons(problem: dict) -> dict[str, str]:
    return {param["name"]: param["reason"] for param in problem["invalid_params"]}


def machine(problem: dict) -> dict:
    """What a program reads: all but the words."""
    out = {k: v for k, v in problem.items() if k not in {"title", "detail", "invalid_params"}}
    return out | {"names": sorted(p["name"] for p in problem["invalid_params"])}


def page_spanish(english: str) -> str:
    """The Spanish the waitlist's pages show for this English (the service's page catalog)."""
    catalog = catalogs.read(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po", "es")
    return catalog.get(english).string


class TestRefusals:
    def test_each_field_is_refused_in_spanish_under_the_same_name(self, client, db):
        body = {"email": "not-an-address", "name": "x" * 101, "consent_version": "1999-01", "language": "fr"}
        english = client.post("/v1/waitlist", json=body, headers=ENGLISH)
        spanish = client.post("/v1/waitlist", json=body, headers=SPANISH)
        assert english.status_code == spanish.status_code == 422
        assert machine(spanish.json) == machine(english.json)
        assert reasons(english.json) == {
            "email": "Please enter a full email address, like name@example.com.",
            "name": "Please keep your name to 100 characters or fewer.",
            "consent": "Please tick the box to say you'd like to join. We only email people who asked us to.",
            "consent_version": "This consent text version is not known.",
            "language": "Use one of the app's languages: en, es.",
        }
        assert reasons(spanish.json) == {
            "email": "Escribe una dirección de correo completa, como nombre@ejemplo.com.",
            "name": "Escribe tu nombre en 100 caracteres o menos.",
            "consent": (
                "Marca la casilla para decirnos que quieres unirte. Solo escribimos a quien nos lo ha pedido."
            ),
            "consent_version": "Esta versión del texto de consentimiento no existe.",
            "language": "Usa uno de los idiomas de la app: en, es.",
        }
        assert (spanish.json["title"], spanish.json["detail"]) == (
            "Datos no válidos",
            "Algunos campos no son válidos; mira invalid_params.",
        )
        assert spanish.headers["Content-Language"] == "es" and english.headers["Content-Language"] == "en"
        assert "Accept-Language" in spanish.headers["Vary"]
        assert db.waitlist_entries.count_documents({}) == 0

    def test_the_form_and_the_api_say_the_same_in_spanish(self, client, db):
        # A throw-away address and a missing one: the API's Spanish is the form's, word for word.
        throwaway = {"email": "x@mailinator.com", "consent": True}
        disposable = client.post("/v1/waitlist", json=throwaway, headers=SPANISH)
        missing = client.post("/v1/waitlist", json={"consent": True}, headers=SPANISH)
        assert reasons(disposable.json) == {"email": page_spanish(DISPOSABLE)}
        assert reasons(missing.json) == {"email": page_spanish(EMAIL_REQUIRED)}

    def test_a_rate_limited_sign_up_is_told_in_spanish(self, client):
        for i in range(abuse.JOIN_PER_IP[0].limit):
            assert join_json(client, f"s{i}@example.org", ip="192.0.2.70").status_code == 202
        limited = join_json(client, "una-mas@example.org", ip="192.0.2.70", headers=SPANISH)
        assert limited.status_code == 429 and limited.json["type"].endswith("/rate-limited")
        assert limited.json["title"] == "Demasiadas solicitudes"
        assert limited.json["detail"] == (
            "Demasiados intentos en poco tiempo. Espera un poco y vuelve a intentarlo."
        )
        assert limited.json["retry_after"] == int(limited.headers["Retry-After"])


class TestAnswer:
    def test_the_neutral_answer_is_spanish_when_asked_and_the_same_for_everyone(self, client, db):
        first = join_json(client, "ana@example.org", headers=SPANISH)
        again = join_json(client, "Ana@Example.org", ip="198.51.100.3", headers=SPANISH)
        assert first.status_code == again.status_code == 202
        assert first.get_data() == again.get_data()  # listed or new: nothing tells them apart
        assert first.json == {"status": "received", "message": page_spanish(service.JOINED_MESSAGE)}
        assert first.headers["Content-Language"] == "es" and "Accept-Language" in first.headers["Vary"]
        english = join_json(client, "ben@example.org", ip="198.51.100.4")
        assert english.json["message"] == service.JOINED_MESSAGE
        assert english.headers["Content-Language"] == "en"
