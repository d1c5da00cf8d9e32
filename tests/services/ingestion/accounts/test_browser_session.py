"""Browser sign-in: the device token as an HttpOnly, SameSite=Strict cookie, and the CSRF rule (same Origin
plus the app's header) for every write that rides on it. Bearer tokens work as before."""

import dataclasses
import re

import pytest
from flask import Response

from services.ingestion.accounts import browser, service
from tests.factories.accounts import person

SITE = "http://localhost"  # the Flask test client's origin
APP = {"Origin": SITE, browser.CSRF_HEADER: "TrackYourHealing"}
PROBLEM = "application/problem+json"


@pytest.fixture
def live(client, notification_worker, mailbox):
    return client


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.get_body(preferencelist=("plain",)).get_content()).group(1)


def sign_in(client, mailbox, email: str):
    client.post("/v1/auth/code", json={"email": email})
    message = mailbox.wait_for_one_to(email)  # not a late email an earlier test's worker sent
    return client.post("/v1/auth/session", json={"email": email, "code": code_from(message)}, headers=APP)


def cookie_signed_in(client) -> dict:
    """A person whose device token sits in the client's cookie jar, as the browser would keep it."""
    user, _ = person()
    token, _device = service.issue_device_token(user["_id"], "Chrome", "web")
    client.set_cookie(browser.PLAIN_COOKIE, token, domain="localhost")
    return user


class TestSignIn:
    def test_code_sets_an_http_only_strict_cookie_and_never_shows_the_token(self, live, mailbox, db):
        person("web@example.org")
        r = sign_in(live, mailbox, "web@example.org")
        assert r.status_code == 201, r.json
        assert "token" not in r.json
        assert r.json["device"]["platform"] == "web"
        set_cookie = r.headers["Set-Cookie"]
        assert set_cookie.startswith(f"{browser.PLAIN_COOKIE}=tyh_")
        assert "HttpOnly" in set_cookie
        assert "SameSite=Strict" in set_cookie
        assert "Path=/" in set_cookie
        me = live.get("/v1/me")  # the cookie alone signs reads in
        assert me.status_code == 200
        assert me.json["email"] == "web@example.org"

    def test_sign_in_from_another_site_is_refused_and_sets_nothing(self, client, db):
        person("target@example.org")
        r = client.post(
            "/v1/auth/session",
            json={"email": "target@example.org", "code": "123456"},
            headers={"Origin": "https://evil.example", browser.CSRF_HEADER: "x"},
        )
        assert r.status_code == 403
        assert r.mimetype == PROBLEM
        assert "Set-Cookie" not in r.headers

    def test_wrong_code_is_401_and_sets_no_cookie(self, client, db):
        person("wrong@example.org")
        r = client.post(
            "/v1/auth/session", json={"email": "wrong@example.org", "code": "000000"}, headers=APP
        )
        assert r.status_code == 401
        assert "Set-Cookie" not in r.headers

    def test_production_cookie_is_secure_and_pinned_to_the_host(self, settings):
        production = dataclasses.replace(settings, environment="production")
        response = Response()
        browser.set_device_cookie(response, production, "tyh_x")
        set_cookie = response.headers["Set-Cookie"]
        assert set_cookie.startswith("__Host-tyh_device=tyh_x;")
        assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= {
            p.strip() for p in set_cookie.split(";")
        }
        assert "Domain" not in set_cookie


class TestCsrf:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {browser.CSRF_HEADER: "TrackYourHealing"},
            {"Origin": SITE},
            {"Origin": "https://evil.example", browser.CSRF_HEADER: "TrackYourHealing"},
            {"Origin": "null", browser.CSRF_HEADER: "TrackYourHealing"},
        ],
        ids=["nothing", "header-only", "origin-only", "other-origin", "opaque-origin"],
    )
    def test_cookie_writes_without_same_origin_and_header_are_refused(self, client, db, headers):
        user = cookie_signed_in(client)
        r = client.patch("/v1/me", json={"display_name": "Mallory"}, headers=headers)
        assert r.status_code == 403
        assert r.mimetype == PROBLEM
        assert r.json["type"].endswith("/cross-site-request")
        assert db.users.find_one({"_id": user["_id"]})["display_name"] == "Sam"
        event = {
            "event_id": "e1",
            "type": "check_in",
            "occurred_at": "2026-12-01T09:00:00+00:00",
            "overall": 3,
        }
        assert client.post("/v1/events", json=event, headers=headers).status_code == 403
        assert db.events.count_documents({}) == 0

    def test_cookie_writes_from_the_app_pass(self, client, db):
        cookie_signed_in(client)
        r = client.patch("/v1/me", json={"display_name": "Robin"}, headers=APP)
        assert r.status_code == 200
        assert r.json["display_name"] == "Robin"

    def test_the_configured_app_origin_is_accepted_too(self, client, settings, db):
        cookie_signed_in(client)
        origin = settings.app_base_url.rstrip("/")
        r = client.patch(
            "/v1/me", json={"display_name": "Robin"}, headers={"Origin": origin, browser.CSRF_HEADER: "1"}
        )
        assert r.status_code == 200

    def test_cookie_reads_need_no_header(self, client, db):
        cookie_signed_in(client)
        assert client.get("/v1/me").status_code == 200

    def test_bearer_writes_need_neither_origin_nor_header(self, client, db):
        _user, headers = person()
        assert client.patch("/v1/me", json={"display_name": "Robin"}, headers=headers).status_code == 200


class TestSignOut:
    def test_sign_out_revokes_the_device_and_clears_the_cookie(self, client, db):
        user = cookie_signed_in(client)
        devices = client.get("/v1/me/devices").json
        assert [d["name"] for d in devices if d["current"]] == ["Chrome"]
        r = client.delete("/v1/auth/session", headers=APP)
        assert r.status_code == 204
        assert re.match(rf"{browser.PLAIN_COOKIE}=;", r.headers["Set-Cookie"])
        assert db.devices.find_one({"user_id": user["_id"], "name": "Chrome"})["revoked_at"] is not None
        assert db.devices.find_one({"user_id": user["_id"], "name": "test phone"})["revoked_at"] is None
        assert client.get("/v1/me").status_code == 401

    def test_sign_out_from_another_site_is_refused(self, client, db):
        cookie_signed_in(client)
        assert (
            client.delete("/v1/auth/session", headers={"Origin": "https://evil.example"}).status_code == 403
        )
        assert client.get("/v1/me").status_code == 200

    def test_devices_list_marks_the_one_asking(self, client, db):
        user, headers = person()
        service.issue_device_token(user["_id"], "tablet", "android")
        listed = {d["name"]: d["current"] for d in client.get("/v1/me/devices", headers=headers).json}
        assert listed == {"test phone": True, "tablet": False}
