"""The API's problems in the client's language (Accept-Language), through the real app, FerretDB and Redis:
the words (title, detail, each invalid_params reason) in Spanish when asked for, exactly as before in English,
and everything a program reads (type, status, names, extension members) the same in both."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.factories import plans
from tests.factories.accounts import person

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _reasons(problem: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for param in problem["invalid_params"]:
        out.setdefault(param["name"], []).append(param["reason"])
    return out


def _machine(problem: dict) -> dict:
    """What a program reads: all but the words."""
    out = {k: v for k, v in problem.items() if k not in {"title", "detail", "invalid_params"}}
    return out | {"names": sorted(p["name"] for p in problem.get("invalid_params", []))}


def a_bad_plan() -> dict:
    medication = plans.diazepam_tablets(
        form="capsule",  # not one of the forms
        start_mg=-1,  # below the range
        interval_days=400,  # above it
        colour="blue",  # no such field
    )
    del medication["method"]  # required
    return plans.plan(medication, start_day="2101-01-01")  # after the last day a plan may name


class TestPlanForm:
    def test_each_field_is_refused_in_spanish_under_the_same_name(self, client, db):
        _user, headers = person()
        english = client.post("/v1/plan/versions", json=a_bad_plan(), headers=headers | ENGLISH)
        spanish = client.post("/v1/plan/versions", json=a_bad_plan(), headers=headers | SPANISH)
        assert english.status_code == spanish.status_code == 422
        assert _machine(spanish.json) == _machine(english.json)
        assert _reasons(english.json) == {
            "start_day": ["Use a day from 2000-01-01 to 2099-12-31."],
            "medications.0.form": ["Must be one of: tablet, liquid, other."],
            "medications.0.start_mg": ["Must be greater than or equal to 0 and less than or equal to 2000."],
            "medications.0.interval_days": [
                "Must be greater than or equal to 1 and less than or equal to 365."
            ],
            "medications.0.method": ["Missing data for required field."],
            "medications.0.colour": ["Unknown field."],
        }
        assert english.json["detail"] == "Some fields are not valid; see invalid_params."
        assert _reasons(spanish.json) == {
            "start_day": ["Usa un día entre 2000-01-01 y 2099-12-31."],
            "medications.0.form": ["Usa uno de estos valores: tablet, liquid, other."],
            "medications.0.start_mg": ["Tiene que estar entre 0 y 2000, ambos incluidos."],
            "medications.0.interval_days": ["Tiene que estar entre 1 y 365, ambos incluidos."],
            "medications.0.method": ["Falta este dato obligatorio."],
            "medications.0.colour": ["Este campo no existe aquí; quítalo o revisa cómo está escrito."],
        }
        assert spanish.json["title"] == "Datos no válidos"
        assert spanish.json["detail"] == "Algunos campos no son válidos; mira invalid_params."
        assert spanish.headers["Content-Language"] == "es" and english.headers["Content-Language"] == "en"
        assert "Accept-Language" in spanish.headers["Vary"] and "Accept-Language" in english.headers["Vary"]
        assert db.taper_plans.count_documents({}) == 0

    def test_a_rule_with_a_value_keeps_the_value(self, client, db):
        _user, headers = person()
        medication = plans.diazepam_tablets(method="micro", step_mg=0.5, interval_days=9)
        body = plans.plan(medication, start_day="2026-01-05")
        spanish = client.post("/v1/plan/versions", json=body, headers=headers | SPANISH)
        micro = ["Los micropasos van cada 1 a 7 días."]
        assert _reasons(spanish.json) == {"medications.0.interval_days": micro}

    def test_ending_before_the_start_and_with_no_plan(self, client, db):
        _user, headers = person()
        assert (
            client.post(
                "/v1/plan/versions",
                json=plans.plan(plans.diazepam_tablets(), start_day="2026-01-05"),
                headers=headers,
            ).status_code
            == 201
        )
        early = client.post("/v1/plan/end", json={"day": "2026-01-01"}, headers=headers | SPANISH)
        assert early.status_code == 422 and early.json["type"].endswith("/plan-end")
        assert early.json["detail"] == (
            "Un plan termina el día en que empieza (2026-01-05) o después. Elige ese día o uno posterior."
        )
        assert early.json["invalid_params"] == [
            {"name": "day", "reason": "Usa 2026-01-05 o un día posterior."}
        ]
        assert client.delete("/v1/plan", headers=headers).status_code == 204
        none = client.post("/v1/plan/end", json={"day": "2026-01-06"}, headers=headers | SPANISH)
        assert (none.status_code, none.json["title"]) == (404, "No encontrado")
        assert none.json["detail"].startswith("Todavía no tienes un plan de reducción.")

    def test_without_accept_language_the_answer_is_english(self, client, db):
        _user, headers = person()
        r = client.post("/v1/plan/versions", json=a_bad_plan(), headers=headers)
        assert r.json["title"] == "Unprocessable Entity"
        assert _reasons(r.json)["medications.0.method"] == ["Missing data for required field."]
        assert r.headers["Content-Language"] == "en"

    def test_a_language_we_do_not_speak_gets_english_and_the_first_we_speak_wins(self, client, db):
        _user, headers = person()
        french = {"Accept-Language": "fr"}
        answer = client.post("/v1/plan/versions", json=a_bad_plan(), headers=headers | french)
        assert answer.json["title"] == "Unprocessable Entity"
        spanish_second = {"Accept-Language": "fr-FR, es;q=0.8, en;q=0.5"}
        answer = client.post("/v1/plan/versions", json=a_bad_plan(), headers=headers | spanish_second)
        assert answer.json["title"] == "Datos no válidos"


class TestPreferences:
    def test_mail_settings_are_refused_in_spanish(self, client, db):
        _user, headers = person()
        body = {
            "preferences": {
                "reminders": {"local_time": "7pm", "days": ["lunes"]},
                "weekly_report": {"clinician_email": "dr@"},
            }
        }
        english = client.patch("/v1/me", json=body, headers=headers)
        spanish = client.patch("/v1/me", json=body, headers=headers | SPANISH)
        assert spanish.status_code == english.status_code == 422
        assert _machine(spanish.json) == _machine(english.json)
        assert _reasons(english.json) == {
            "preferences.reminders.local_time": ["Use 24-hour HH:MM, e.g. 09:00."],
            "preferences.reminders.days.0": [
                "Must be one of: monday, tuesday, wednesday, thursday, friday, saturday, sunday."
            ],
            "preferences.weekly_report.clinician_email": ["Not a valid email address."],
        }
        assert _reasons(spanish.json) == {
            "preferences.reminders.local_time": ["Usa el formato de 24 horas HH:MM, por ejemplo 09:00."],
            "preferences.reminders.days.0": [
                "Usa uno de estos valores: monday, tuesday, wednesday, thursday, friday, saturday, sunday."
            ],
            "preferences.weekly_report.clinician_email": [
                "Esa dirección de correo no es válida; revisa que esté bien escrita."
            ],
        }

    def test_a_clinician_address_we_could_never_mail_is_refused_saying_why(self, client, db):
        # Accepted, every weekly report's link to the clinician would fail to send, unseen by the person.
        user, headers = person()
        body = {"preferences": {"weekly_report": {"clinician_email": "médico@example.org"}}}
        english = client.patch("/v1/me", json=body, headers=headers)
        spanish = client.patch("/v1/me", json=body, headers=headers | SPANISH)
        assert spanish.status_code == english.status_code == 422
        assert _reasons(english.json) == {
            "preferences.weekly_report.clinician_email": [
                "We can't send email to an address with accents or other special letters before the @. "
                "Please use another address."
            ]
        }
        assert _reasons(spanish.json) == {
            "preferences.weekly_report.clinician_email": [
                "No podemos enviar correos a una dirección con tildes u otras letras especiales antes de "
                "la @. Usa otra dirección, por favor."
            ]
        }
        assert "médico@example.org" not in str(db.users.find_one({"_id": user["_id"]}))


class TestReports:
    def test_a_period_too_long_is_refused_in_spanish(self, client, db):
        _user, headers = person()
        body = {"period_start": "2026-01-01", "period_end": "2026-12-01"}
        r = client.post("/v1/reports", json=body, headers=headers | SPANISH)
        assert r.status_code == 422
        assert r.json["invalid_params"] == [
            {"name": "period_start", "reason": "Un informe abarca como mucho 93 días."}
        ]


def _event(**changes) -> dict:
    occurred = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    event = {"event_id": uuid.uuid4().hex, "type": "symptom", "occurred_at": occurred, "code": "insomnia"}
    return event | {"severity": 2} | changes


class TestEvents:
    def test_a_refused_event_in_a_batch_is_told_in_spanish(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        good, bad, unknown = _event(), _event(severity=9), _event(code="tremors")
        body = {"sent_at": now, "events": [good, bad, unknown]}
        r = client.post("/v1/events/batch", json=body, headers=headers | SPANISH)
        assert r.status_code == 200 and r.json["accepted"] == 1 and r.json["rejected"] == 2
        assert r.headers["Content-Language"] == "es" and "Accept-Language" in r.headers["Vary"]
        refused, not_listed = r.json["results"][1]["problem"], r.json["results"][2]["problem"]
        assert refused["type"] == "https://trackyourhealing.org/problems/invalid-event"
        assert refused["title"] == "Evento no válido"
        assert refused["invalid_params"] == [
            {"name": "severity", "reason": "Tiene que estar entre 0 y 4, ambos incluidos."}
        ]
        # Three sentences, each its own message, translated one by one; codes stay as sent.
        assert not_listed["invalid_params"] == [
            {
                "name": "code",
                "reason": "'tremors' no está en el catálogo de síntomas. ¿Querías decir tremor? "
                "Para registrar algo que el catálogo no incluye, envíalo como custom_label.",
            }
        ]
        assert not_listed["suggestions"]["code"][0]["code"] == "tremor"
        assert db.events.count_documents({}) == 1

    def test_a_refused_event_in_english_is_as_it_was(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        body = {"sent_at": now, "events": [_event(code="tremors")]}
        r = client.post("/v1/events/batch", json=body, headers=headers)
        (param,) = r.json["results"][0]["problem"]["invalid_params"]
        assert param["reason"] == (
            "'tremors' is not in the symptom catalogue. Did you mean tremor? To log something the catalogue "
            "does not list, send it as custom_label."
        )

    def test_a_single_refused_event_and_a_time_from_the_future(self, client, db):
        _user, headers = person()
        later = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="seconds")
        r = client.post("/v1/events", json=_event(occurred_at=later), headers=headers | SPANISH)
        assert r.status_code == 422 and r.headers["Content-Language"] == "es"
        assert r.json["invalid_params"] == [
            {
                "name": "occurred_at",
                "reason": "occurred_at está en el futuro. Revisa la fecha y la hora del dispositivo.",
            }
        ]

    def test_a_message_inside_another_is_translated_too(self, client, db):
        _user, headers = person()
        body = b'{"event_id": "x", "severity": NaN}'
        r = client.post(
            "/v1/events", data=body, headers=headers | SPANISH | {"Content-Type": "application/json"}
        )
        assert r.status_code == 400
        assert r.json["type"] == "https://trackyourhealing.org/problems/malformed-json"
        assert r.json["detail"] == "No se puede aceptar el cuerpo de la solicitud: NaN no es un valor JSON."


class TestRouting:
    def test_not_found_not_allowed_and_unauthenticated_in_spanish(self, client, db):
        missing = client.get("/v1/nothing-here", headers=SPANISH)
        assert (missing.status_code, missing.json["title"]) == (404, "No encontrado")
        assert missing.json["detail"].startswith("Esta dirección no existe en el servidor.")
        assert missing.json["type"] == "about:blank" and missing.json["instance"] == "/v1/nothing-here"
        not_allowed = client.put("/v1/events/batch", json={}, headers=SPANISH)
        assert (not_allowed.status_code, not_allowed.json["title"]) == (405, "Método no permitido")
        assert not_allowed.headers["Allow"]  # headers for programs are as they were
        anonymous = client.get("/v1/me", headers=SPANISH)
        assert (anonymous.status_code, anonymous.json["title"]) == (401, "Hace falta iniciar sesión")
        assert anonymous.json["detail"].startswith("Vuelve a iniciar sesión")
        for answer in (missing, not_allowed, anonymous):
            assert answer.headers["Content-Language"] == "es"
            assert "Accept-Language" in answer.headers["Vary"]

    def test_in_english_they_are_as_they_were(self, client, db):
        missing = client.get("/v1/nothing-here", headers=ENGLISH)
        assert missing.json["title"] == "Not Found"
        assert missing.json["detail"].startswith("The requested URL was not found on the server.")
        assert client.put("/v1/events/batch", json={}).json["title"] == "Method Not Allowed"
        assert client.get("/v1/me").json["title"] == "Authentication required"

    def test_an_answer_that_is_no_problem_does_not_vary(self, client, db):
        _user, headers = person()
        r = client.get("/v1/me", headers=headers | SPANISH)
        assert r.status_code == 200 and "Content-Language" not in r.headers
