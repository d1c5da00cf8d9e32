"""Invitation acceptance, emailed sign-in codes and device tokens, through the real app and mail."""

import dataclasses
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from services.ingestion.accounts import service
from shared import invitations, languages, sign_in, single_line
from shared.address import TOO_LONG
from shared.runtime import runtime_of
from tests.factories.accounts import person
from tests.services.notification.email.helpers import parts
from tests.support.operations import recording
from tests.support.runtimes import ingestion_app

PROBLEM = "application/problem+json"


@pytest.fixture
def live(client, notification_worker, mailbox):
    """The client, with a real notification worker delivering to the test SMTP server."""
    return client


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.get_body(preferencelist=("plain",)).get_content()).group(1)


class TestInvitation:
    def accept_body(self, **changes):
        body = {
            "display_name": "Robin",
            "time_zone": "America/New_York",
            "health_data_consent": True,
            "consent_version": service.HEALTH_CONSENT_VERSION,
            "device_name": "Robin's phone",
            "platform": "ios",
        }
        return body | changes

    def test_accepting_creates_the_account_records_consent_and_signs_in(self, client, settings, db):
        invitation, url = invitations.create_invitation(settings, email="Robin@Example.org", created_by="t")
        token = url.rsplit("/", 1)[1]
        shown = client.get(f"/v1/invitations/{token}")
        assert shown.status_code == 200
        assert shown.json["email"] == "Robin@Example.org"
        assert shown.json["consent_version"] == service.HEALTH_CONSENT_VERSION

        r = client.post(
            f"/v1/invitations/{token}/accept", json=self.accept_body(), headers={"User-Agent": "TYH-iOS/1.0"}
        )
        assert r.status_code == 201, r.json
        assert r.json["token"].startswith("tyh_")
        assert r.json["me"]["time_zone"] == "America/New_York"
        user = db.users.find_one({"email_key": "robin@example.org"})
        consent = user["consents"]["health_data"]
        assert consent["version"] == service.HEALTH_CONSENT_VERSION
        assert consent["user_agent"] == "TYH-iOS/1.0"
        assert consent["given_at"]
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {r.json['token']}"})
        assert me.json["display_name"] == "Robin"
        # Single use: the same link cannot make a second account.
        again = client.post(f"/v1/invitations/{token}/accept", json=self.accept_body())
        assert again.status_code == 410
        assert again.mimetype == PROBLEM
        assert db.invitations.find_one({"_id": invitation["_id"]})["user_id"] == user["_id"]

    def test_consent_is_required_and_separate(self, client, settings, db):
        _inv, url = invitations.create_invitation(settings, email="x@example.org", created_by="t")
        token = url.rsplit("/", 1)[1]
        r = client.post(f"/v1/invitations/{token}/accept", json=self.accept_body(health_data_consent=False))
        assert r.status_code == 422
        assert [p["name"] for p in r.json["invalid_params"]] == ["health_data_consent"]
        r = client.post(f"/v1/invitations/{token}/accept", json=self.accept_body(time_zone="Mars/Olympus"))
        assert r.status_code == 422
        assert db.users.count_documents({}) == 0
        assert db.invitations.find_one({})["accepted_at"] is None  # still usable

    def test_forged_link_is_refused(self, client, db):
        assert client.get("/v1/invitations/forged.token.here").status_code == 410


class TestSignInCode:
    def test_signing_in_gives_the_app_language_to_an_account_that_has_chosen_none(self, live, mailbox, db):
        """A person who never opens Settings still gets their emails (a safety message among them) in the
        language they use the app in; a language chosen once is not changed by signing in elsewhere."""
        new, _ = person("nueva@example.org")
        chose, headers = person("chose@example.org")
        assert live.patch("/v1/me", json={"language": "en"}, headers=headers).status_code == 200
        for email in ("nueva@example.org", "chose@example.org"):
            mailbox.clear()
            assert live.post("/v1/auth/code", json={"email": email, "language": "es"}).status_code == 202
            (message,) = mailbox.wait_for(1)
            body = {"email": email, "code": code_from(message), "language": "es"}
            assert live.post("/v1/auth/token", json=body).status_code == 201
        assert [db.users.find_one({"_id": u["_id"]})["language"] for u in (new, chose)] == ["es", "en"]
        wrong = live.post(
            "/v1/auth/token", json={"email": "x@example.org", "code": "123456", "language": "fr"}
        )
        assert wrong.status_code == 422
        assert wrong.json["invalid_params"] == [{"name": "language", "reason": languages.UNKNOWN}]

    def test_code_by_email_exchanged_for_a_device_token(self, live, mailbox, db):
        _user, _ = person("lee@example.org")
        r = live.post("/v1/auth/code", json={"email": "LEE@example.org"})
        assert r.status_code == 202
        (message,) = mailbox.wait_for(1)
        assert message["Subject"] == "Your sign-in code"
        code = code_from(message)
        assert code not in message["Subject"]
        r = live.post(
            "/v1/auth/token",
            json={"email": "lee@example.org", "code": code, "device_name": "Pixel", "platform": "android"},
        )
        assert r.status_code == 201
        token = r.json["token"]
        assert db.devices.find_one({"token_hash": {"$exists": True}, "name": "Pixel"})["token_hash"] != token
        # Single use.
        again = live.post("/v1/auth/token", json={"email": "lee@example.org", "code": code})
        assert again.status_code == 401

    def test_the_code_comes_in_the_apps_language_else_the_accounts(self, live, mailbox, db):
        _ana, headers = person("ana@example.org")
        assert live.patch("/v1/me", headers=headers, json={"language": "es"}).json["language"] == "es"
        person("lee@example.org")  # never chose: English
        for body in (
            {"email": "ana@example.org"},  # the account's language
            {"email": "lee@example.org"},
            {"email": "lee@example.org", "language": "es"},  # the app showed Spanish when Lee asked
        ):
            assert live.post("/v1/auth/code", json=body).status_code == 202
        mail = mailbox.wait_for(3)
        ana, lee_spanish, lee_english = sorted(mail, key=lambda m: (str(m["To"]), m["Subject"]))
        assert [str(m["To"]) for m in (ana, lee_spanish, lee_english)] == [
            "ana@example.org",
            "lee@example.org",
            "lee@example.org",
        ]
        for message in (ana, lee_spanish):
            text, html = parts(message)
            assert message["Subject"] == "Tu código para iniciar sesión"
            assert "Escribe este código en la app para iniciar sesión" in text
            assert "durante los próximos 10 minutos" in html and 'lang="es"' in html
            assert code_from(message) in text and "Enter this code" not in text + html
        text, html = parts(lee_english)
        assert lee_english["Subject"] == "Your sign-in code"
        assert "Enter this code in the app to sign in" in text and 'lang="en"' in html
        assert "Escribe" not in text + html

    def test_one_code_exchanged_at_once_from_several_devices_signs_in_one(self, client, settings, db):
        user, _ = person("race@example.org")
        sign_in.issue_code(runtime_of(client.application).celery, settings, "race@example.org", "t-1")
        record = db.sign_in_codes.find_one({"user_id": user["_id"]})
        start = threading.Barrier(8)

        def use() -> bool:
            start.wait()
            return sign_in.use_code(record["_id"], user["_id"], datetime.now(UTC))

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: use(), range(8)))
        assert results.count(True) == 1
        assert db.sign_in_codes.find_one({"_id": record["_id"]})["used_at"] is not None

    def test_a_request_run_twice_sends_one_code_and_another_request_a_new_one(
        self, live, settings, mailbox, db
    ):
        # A code task run again after its worker died keeps its Celery id: it must not send a second,
        # different code (seen in the soak), and a separate request must not reuse the first one's code.
        user, _ = person("twice@example.org")
        celery = runtime_of(live.application).celery
        for _ in range(2):
            assert sign_in.issue_code(celery, settings, "twice@example.org", "task-1")
        assert db.sign_in_codes.count_documents({"user_id": user["_id"]}) == 1
        assert db.email_outbox.count_documents({"user_id": user["_id"]}) == 1
        # By address: the code an earlier test asked for, unread, may arrive after this test began.
        first = mailbox.wait_for_one_to("twice@example.org")
        r = live.post("/v1/auth/token", json={"email": "twice@example.org", "code": code_from(first)})
        assert r.status_code == 201
        assert sign_in.issue_code(celery, settings, "twice@example.org", "task-2")
        second = mailbox.wait_for_to("twice@example.org", 2)[1]
        assert code_from(second) != code_from(first)

    def test_unknown_address_gets_the_same_answer_and_no_email(self, live, mailbox, db):
        person("known@example.org")
        known = live.post("/v1/auth/code", json={"email": "known@example.org"})
        unknown = live.post("/v1/auth/code", json={"email": "nobody@example.org"})
        assert (known.status_code, known.json) == (unknown.status_code, unknown.json)
        mailbox.wait_for(1)
        time.sleep(0.5)
        assert [m["To"] for m in mailbox.messages] == ["known@example.org"]

    def test_wrong_codes_run_out(self, client, settings, db):
        user, _ = person("try@example.org")
        sign_in.issue_code(runtime_of(client.application).celery, settings, "try@example.org", "t-1")
        for _ in range(sign_in.CODE_MAX_ATTEMPTS):
            assert (
                client.post("/v1/auth/token", json={"email": "try@example.org", "code": "000000"}).status_code
                == 401
            )
        record = db.sign_in_codes.find_one({"user_id": user["_id"]})
        assert record["attempts"] == sign_in.CODE_MAX_ATTEMPTS

    def test_expired_code_is_refused(self, live, mailbox, db):
        user, _ = person("late@example.org")
        assert live.post("/v1/auth/code", json={"email": "late@example.org"}).status_code == 202
        code = code_from(mailbox.wait_for_one_to("late@example.org"))  # not a late code for someone else
        db.sign_in_codes.update_one(
            {"user_id": user["_id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
        )
        # Even the right code fails once expired.
        assert (
            live.post("/v1/auth/token", json={"email": "late@example.org", "code": code}).status_code == 401
        )

    @pytest.mark.parametrize(
        ("path", "extra"), [("/v1/auth/code", {}), ("/v1/auth/token", {"code": "123456"})]
    )
    def test_overlong_address_is_refused_alone(self, client, db, path, extra):
        r = client.post(path, json={"email": "a@" + "a." * 60000 + "!"} | extra)
        assert r.status_code == 422
        assert r.json["invalid_params"] == [{"name": "email", "reason": TOO_LONG}]

    def test_code_requests_are_rate_limited(self, client, db):
        person("busy@example.org")
        statuses = [
            client.post("/v1/auth/code", json={"email": "busy@example.org"}).status_code for _ in range(7)
        ]
        assert statuses[:5] == [202] * 5
        r = client.post("/v1/auth/code", json={"email": "busy@example.org"})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        assert r.mimetype == PROBLEM


class TestDevices:
    def test_list_and_revoke(self, client, db):
        user, headers = person()
        _token2, _second = service.issue_device_token(user["_id"], "tablet", "android")
        listed = client.get("/v1/me/devices", headers=headers).json
        assert {d["name"] for d in listed} == {"test phone", "tablet"}
        assert "token_hash" not in listed[0]
        assert client.delete(f"/v1/me/devices/{listed[0]['id']}", headers=headers).status_code == 204
        assert client.get("/v1/me", headers=headers).status_code == 401  # that device's token is dead

    def test_missing_or_bad_token_is_401_problem(self, client, db):
        for headers in ({}, {"Authorization": "Bearer tyh_nope"}, {"Authorization": "Basic abc"}):
            r = client.get("/v1/me", headers=headers)
            assert r.status_code == 401
            assert r.mimetype == PROBLEM
            assert r.headers["WWW-Authenticate"].startswith("Bearer")


class TestProfile:
    def test_display_name_is_one_line(self, client, db):
        _user, headers = person()
        r = client.patch("/v1/me", headers=headers, json={"display_name": "Sam\r\nBcc: x@example.org"})
        assert r.status_code == 422
        assert r.json["invalid_params"] == [{"name": "display_name", "reason": single_line.MESSAGE}]
        assert client.get("/v1/me", headers=headers).json["display_name"] == "Sam"

    def test_patch_changes_only_what_is_sent(self, client, db):
        _user, headers = person(time_zone="Europe/London")
        r = client.patch(
            "/v1/me",
            headers=headers,
            json={"time_zone": "Asia/Kolkata", "preferences": {"reminders": {"local_time": "20:30"}}},
        )
        assert r.status_code == 200
        assert r.json["time_zone"] == "Asia/Kolkata"
        assert r.json["display_name"] == "Sam"
        assert r.json["preferences"]["reminders"]["local_time"] == "20:30"
        bad = client.patch(
            "/v1/me", headers=headers, json={"preferences": {"reminders": {"local_time": "25:00"}}}
        )
        assert bad.status_code == 422
        assert bad.json["invalid_params"][0]["name"] == "preferences.reminders.local_time"

    def test_the_weekly_reports_paper_is_none_until_chosen_then_kept_and_a4_or_letter(self, client, db):
        _user, headers = person()

        def paper():
            return client.get("/v1/me", headers=headers).json["preferences"]["weekly_report"]["paper"]

        def send(weekly):
            return client.patch("/v1/me", headers=headers, json={"preferences": {"weekly_report": weekly}})

        assert paper() is None
        assert send({"enabled": True, "paper": "Letter"}).status_code == 200
        assert paper() == "Letter"
        bad = send({"paper": "A5"})
        assert bad.status_code == 422
        assert bad.mimetype == PROBLEM
        assert bad.json["invalid_params"] == [
            {"name": "preferences.weekly_report.paper", "reason": "Must be one of: A4, Letter."}
        ]
        assert paper() == "Letter"

    def test_the_language_of_the_emails_is_the_apps_and_only_the_apps(self, client, db):
        _user, headers = person()
        assert client.get("/v1/me", headers=headers).json["language"] == "en"  # until chosen
        r = client.patch("/v1/me", headers=headers, json={"language": "es"})
        assert r.status_code == 200
        assert r.json["language"] == "es"
        bad = client.patch("/v1/me", headers=headers, json={"language": "fr", "display_name": "Ana"})
        assert bad.status_code == 422
        assert bad.mimetype == PROBLEM
        assert bad.json["invalid_params"] == [{"name": "language", "reason": languages.UNKNOWN}]
        me = client.get("/v1/me", headers=headers).json
        assert (me["language"], me["display_name"]) == ("es", "Sam")  # nothing of the bad request stored
        code = client.post("/v1/auth/code", json={"email": "x@example.org", "language": "fr"})
        assert code.status_code == 422
        assert code.json["invalid_params"] == [{"name": "language", "reason": languages.UNKNOWN}]


QUIET_BROKER_DB = 12  # nothing consumes it: the tasks a request sends just wait there


class TestSameWorkWhateverTheAddress:
    def test_asking_for_a_code_costs_a_member_what_it_costs_a_stranger(
        self, settings, redis_server, db, redis
    ):
        person("member@example.org")
        quiet = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
        client = ingestion_app(quiet).test_client()

        def ask(email):
            with recording(settings.redis_url, {0, QUIET_BROKER_DB}) as work:
                assert client.post("/v1/auth/code", json={"email": email}).status_code == 202
            return work

        ask("warm-up@example.org")  # the first request ensures indexes and loads the rate-limit script
        # Each address asks for the first time: its rate-limit counters start alike.
        member, stranger = ask("member@example.org"), ask("stranger@example.org")
        assert member.mongo == stranger.mongo == []
        assert member.redis == stranger.redis
        assert "LPUSH" in member.redis  # the work is seen: one task for the worker, for either address
        assert db.sign_in_codes.count_documents({}) == 0  # all of it waits behind the queue
