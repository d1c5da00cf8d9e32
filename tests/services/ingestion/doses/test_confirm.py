"""Confirming a planned dose with its token, through the real app, FerretDB and Redis: recorded once as a
normal dose event under its deterministic id (twice, with both statuses, at once), refused clearly for a
token that is not ours, changed or too old, and the email link's page that records only on a button."""

import html
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from shared import tokens
from shared.plans import dose_tokens, doses, schedule
from tests.factories import plans
from tests.factories.accounts import person
from tests.factories.plans import clonazepam_tablets

ZONE = "Europe/Berlin"
TWICE = [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]


def today():
    return datetime.now(ZoneInfo(ZONE)).date()


@pytest.fixture
def planned(client, db):
    """(user, headers, today's doses) for someone with 2 mg clonazepam a day at 08:00 and 20:00."""
    user, headers = person(time_zone=ZONE)
    plan = plans.plan(
        clonazepam_tablets(), start_day=(today() - timedelta(days=2)).isoformat(), dose_times=TWICE
    )
    answer = client.post("/v1/plan/versions", json=plan, headers=headers)
    assert answer.status_code == 201, answer.json
    return user, headers, answer.json["progress"]["today_doses"]


def confirm(client, token, status):
    return client.post("/v1/doses/confirm", json={"token": token, "status": status})


class TestConfirm:
    def test_a_confirmed_dose_is_a_normal_dose_event_under_its_id(self, client, db, planned):
        user, headers, (morning, evening) = planned
        answer = confirm(client, morning["token"], "taken")
        assert answer.status_code == 201, answer.json
        assert answer.json == {
            "event_id": morning["event_id"],
            "status": "taken",
            "day": today().isoformat(),
            "time": "08:00",
            "medication": "clonazepam",
            "mg": 1.0,
        }
        stored = db.events.find_one({"user_id": user["_id"], "event_id": morning["event_id"]})
        assert stored["type"] == "dose" and stored["local_day"] == today().isoformat()
        assert stored["data"]["status"] == "taken"
        assert stored["data"]["amount_mg"] == 1.0 and stored["data"]["medication"] == "clonazepam"
        # The app, the adherence view and the summaries read it like any other dose entry.
        doses_now = client.get("/v1/plan", headers=headers).json["progress"]["today_doses"]
        assert [d["status"] for d in doses_now] == ["taken", None]
        adherence = client.get("/v1/plan/schedule", headers=headers).json["adherence"]
        assert [a["logged_mg"] for a in adherence if a["day"] == today().isoformat()] == [1.0]
        listed = client.get("/v1/events?type=dose", headers=headers).json["events"]
        assert [e["event_id"] for e in listed] == [morning["event_id"]]
        assert confirm(client, evening["token"], "skipped").status_code == 201

    def test_a_second_tap_with_either_status_answers_what_was_recorded_first(self, client, db, planned):
        _user, _headers, (morning, _evening) = planned
        assert confirm(client, morning["token"], "skipped").status_code == 201
        for status in ("skipped", "taken"):
            again = confirm(client, morning["token"], status)
            assert again.status_code == 200
            assert again.json["status"] == "skipped" and again.json["event_id"] == morning["event_id"]
        assert db.events.count_documents({"event_id": morning["event_id"]}) == 1
        assert db.events.find_one({"event_id": morning["event_id"]})["data"]["status"] == "skipped"

    def test_taps_at_once_record_the_dose_once(self, ingestion_app, db, planned):
        _user, _headers, (morning, _evening) = planned
        barrier, answers = threading.Barrier(6), []

        def tap(status):
            client = ingestion_app.test_client()
            barrier.wait()
            answers.append(confirm(client, morning["token"], status))

        threads = [threading.Thread(target=tap, args=(s,)) for s in ["taken", "skipped"] * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
        (first,) = [a.json["status"] for a in answers if a.status_code == 201]
        assert {a.json["status"] for a in answers} == {first}
        assert db.events.count_documents({"event_id": morning["event_id"]}) == 1

    def test_the_same_dose_confirmed_from_a_token_minted_later_is_the_same_dose(
        self, client, db, planned, settings
    ):
        user, _headers, (morning, _evening) = planned
        assert confirm(client, morning["token"], "taken").status_code == 201
        plan = schedule.build(db.taper_plans.find_one({"user_id": user["_id"]}))
        (dose, _) = doses.doses_on(plan, today())
        later = dose_tokens.mint(settings.encryption_keys, user["_id"], dose, datetime.now(UTC))
        assert later != morning["token"]
        assert confirm(client, later, "skipped").json == confirm(client, morning["token"], "taken").json


class TestRefusals:
    def refused(self, client, db, token, status_code, slug):
        answer = confirm(client, token, "taken")
        assert answer.status_code == status_code, answer.json
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json["type"].endswith(slug)
        assert db.events.count_documents({}) == 0

    def test_a_token_that_is_not_ours(self, client, db, planned):
        self.refused(client, db, "not-a-token", 400, "dose-token-invalid")

    def test_a_changed_token(self, client, db, planned):
        token = planned[2][0]["token"]
        changed = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
        self.refused(client, db, changed, 400, "dose-token-invalid")

    def test_a_token_sealed_for_another_purpose(self, client, db, planned, settings):
        other = tokens.seal(settings.encryption_keys, "export-link", {"u": planned[0]["_id"]})
        self.refused(client, db, other, 400, "dose-token-invalid")

    def test_an_expired_token(self, client, db, planned, settings):
        user = planned[0]
        plan = schedule.build(db.taper_plans.find_one({"user_id": user["_id"]}))
        (dose, _) = doses.doses_on(plan, today())
        old = datetime.now(UTC) - dose_tokens.VALID_FOR - timedelta(minutes=1)
        self.refused(
            client,
            db,
            dose_tokens.mint(settings.encryption_keys, user["_id"], dose, old),
            410,
            "dose-token-expired",
        )

    def test_a_token_of_an_erased_account(self, client, db, planned):
        db.users.delete_one({"_id": planned[0]["_id"]})
        self.refused(client, db, planned[2][0]["token"], 400, "dose-token-invalid")

    @pytest.mark.parametrize("body", [{"token": "x"}, {"status": "taken"}, {"token": "x", "status": "maybe"}])
    def test_a_body_without_a_token_or_a_status(self, client, db, body):
        answer = client.post("/v1/doses/confirm", json=body)
        assert answer.status_code == 422
        assert answer.headers["Content-Type"] == "application/problem+json"


class TestEmailPage:
    def test_opening_the_link_records_nothing_and_a_button_records_once(self, client, db, planned):
        _user, _headers, (morning, _evening) = planned
        path = f"/doses/{morning['token']}"
        page = client.get(path)
        assert page.status_code == 200
        text = html.unescape(page.get_data(as_text=True))
        assert "Your 08:00 dose" in text and "1 mg clonazepam" in text
        assert 'value="taken"' in text and 'value="skipped"' in text
        assert page.headers["Cache-Control"] == "no-store"
        assert db.events.count_documents({}) == 0
        pressed = client.post(path, data={"status": "taken"})
        assert pressed.status_code == 201
        assert "Recorded as taken" in pressed.get_data(as_text=True)
        again = client.post(path, data={"status": "skipped"})
        assert again.status_code == 200 and "Recorded as taken" in again.get_data(as_text=True)
        assert db.events.count_documents({"event_id": morning["event_id"]}) == 1

    def test_a_link_that_cannot_be_used_says_so_calmly(self, client, db, planned):
        page = client.get("/doses/not-a-token")
        assert page.status_code == 404
        assert "Nothing has been recorded" in html.unescape(page.get_data(as_text=True))
        assert client.post("/doses/not-a-token", data={"status": "taken"}).status_code == 404
        assert db.events.count_documents({}) == 0

    def test_the_page_speaks_the_persons_language_as_their_email_did(self, client, db, planned):
        """A Spanish speaker's Tomada link opens a Spanish page (its date, words and buttons); a link that
        names nobody follows the browser; an English person's page is as it always was."""
        _user, headers, (morning, _evening) = planned
        assert client.patch("/v1/me", json={"language": "es"}, headers=headers).status_code == 200
        path = f"/doses/{morning['token']}"
        page = html.unescape(client.get(path).get_data(as_text=True))
        day = format_date(today(), "EEEE d 'de' MMMM", locale="es")
        assert '<html lang="es">' in page and "Tu dosis de las 8:00" in page
        assert f"En tu plan para el {day}: 1 mg de clonazepam." in page
        assert ">Tomada</button>" in page and ">Omitida</button>" in page and "Either" not in page
        pressed = html.unescape(client.post(path, data={"status": "skipped"}).get_data(as_text=True))
        assert "Registrada como omitida. Gracias." in pressed and "Estrictamente privado" in pressed
        lost = client.get("/doses/not-a-token", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
        assert "No se ha registrado nada." in html.unescape(lost.get_data(as_text=True))
        english = html.unescape(client.get("/doses/not-a-token").get_data(as_text=True))
        assert '<html lang="en">' in english and "Nothing has been recorded." in english

    def test_a_deleted_or_refused_dose_is_explained_in_the_persons_language(
        self, client, db, planned, settings
    ):
        """Pressing a button for a dose whose entry was deleted since, or that the rules refuse (here a
        medication the catalogue no longer has), answers a Spanish speaker in Spanish."""
        user, headers, (morning, _evening) = planned
        assert client.patch("/v1/me", json={"language": "es"}, headers=headers).status_code == 200
        path = f"/doses/{morning['token']}"
        assert client.post(path, data={"status": "taken"}).status_code == 201
        assert client.delete(f"/v1/events/{morning['event_id']}", headers=headers).status_code == 204
        deleted = client.post(path, data={"status": "taken"})
        assert deleted.status_code == 409
        page = html.unescape(deleted.get_data(as_text=True))
        assert '<html lang="es">' in page and "Esta dosis se registró y después se borró" in page
        assert "Puedes volver a registrar la dosis en la app." in page and "deleted" not in page
        assert ">Abrir Track Your Healing</a>" in page
        payload = {
            "u": user["_id"],
            "d": today().isoformat(),
            "t": "20:00",
            "m": "no-such-medicine",
            "mg": 1.0,
        }
        token = tokens.seal(
            settings.encryption_keys,
            dose_tokens.PURPOSE,
            payload
            | {"f": "tablet", "c": None, "x": int((datetime.now(UTC) + timedelta(days=1)).timestamp())},
        )
        refused = client.post(f"/doses/{token}", data={"status": "taken"})
        assert refused.status_code == 422
        page = html.unescape(refused.get_data(as_text=True))
        assert '<html lang="es">' in page and "No se ha podido registrar esta dosis" in page
        assert "No se ha registrado nada." in page and "catalogue" not in page
        assert db.events.count_documents({"event_id": {"$ne": morning["event_id"]}}) == 0
