"""Push subscriptions through the real app and FerretDB: the key browsers subscribe with, one subscription
per browser and a bounded number per person, removal, and the SSRF guard on endpoints."""

import dataclasses

import pytest

from services.ingestion.accounts import service
from shared import push_keys, push_subscriptions
from shared.settings import Settings, SettingsError
from tests.factories.accounts import person
from tests.support.push_keys import BrowserKeys
from tests.support.runtimes import ingestion_app

FCM = "https://fcm.googleapis.com/fcm/send/"


def put(client, headers, body):
    return client.put("/v1/push/subscriptions", json=body, headers=headers)


def test_the_key_is_the_public_half_of_the_configured_private_key(client, settings):
    answer = client.get("/v1/push/key")
    assert answer.status_code == 200
    key = answer.json["public_key"]
    assert key == push_keys.application_server_key(settings.vapid_private_key)
    assert len(push_keys.b64url_decode(key)) == 65 and "=" not in key
    assert settings.vapid_private_key not in answer.get_data(as_text=True)


def test_without_a_key_push_is_not_offered(settings, db, redis):
    client = ingestion_app(dataclasses.replace(settings, vapid_private_key="")).test_client()
    answer = client.get("/v1/push/key")
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json"
    _user, headers = person()
    assert put(client, headers, BrowserKeys().subscription(FCM + "a")).status_code == 404


def test_a_browser_subscribes_once_and_again_replaces_its_own(client, db):
    user, headers = person()
    browser = BrowserKeys()
    first = put(client, headers, browser.subscription(FCM + "phone"))
    assert first.status_code == 201, first.json
    again = put(client, headers, BrowserKeys().subscription(FCM + "phone"))
    assert again.status_code == 200
    (stored,) = db.push_subscriptions.find({"user_id": user["_id"]})
    assert stored["endpoint"] == FCM + "phone" and stored["keys"]["p256dh"] != browser.p256dh


def test_a_person_keeps_their_newest_subscriptions_only(client, db):
    user, headers = person()
    for i in range(push_subscriptions.MAX_PER_PERSON + 3):
        assert put(client, headers, BrowserKeys().subscription(f"{FCM}{i}")).status_code == 201
    kept = {d["endpoint"] for d in db.push_subscriptions.find({"user_id": user["_id"]})}
    assert kept == {f"{FCM}{i}" for i in range(3, push_subscriptions.MAX_PER_PERSON + 3)}


def test_delete_removes_only_your_own_and_repeats_as_204(client, db):
    _user, headers = person()
    _other, other_headers = person()
    put(client, headers, BrowserKeys().subscription(FCM + "mine"))
    gone = client.delete("/v1/push/subscriptions", json={"endpoint": FCM + "mine"}, headers=other_headers)
    assert gone.status_code == 204 and db.push_subscriptions.count_documents({}) == 1
    for _ in range(2):
        assert (
            client.delete(
                "/v1/push/subscriptions", json={"endpoint": FCM + "mine"}, headers=headers
            ).status_code
            == 204
        )
    assert db.push_subscriptions.count_documents({}) == 0


def test_signing_a_device_out_stops_its_reminders_and_no_other_devices(client, db):
    # A lost phone signed out from the laptop: its lock screen must not keep showing dose reminders.
    user, laptop = person()
    token, _device = service.issue_device_token(user["_id"], "phone", "ios")
    phone = {"Authorization": f"Bearer {token}"}
    put(client, phone, BrowserKeys().subscription(FCM + "phone"))
    put(client, laptop, BrowserKeys().subscription(FCM + "laptop"))
    phone_id = next(d["id"] for d in client.get("/v1/me/devices", headers=phone).json if d["current"])
    assert client.delete(f"/v1/me/devices/{phone_id}", headers=laptop).status_code == 204
    assert [d["endpoint"] for d in db.push_subscriptions.find({"user_id": user["_id"]})] == [FCM + "laptop"]
    # Signing oneself out does the same, whatever the app did before it.
    assert client.delete("/v1/auth/session", headers=laptop).status_code == 204
    assert db.push_subscriptions.count_documents({"user_id": user["_id"]}) == 0


def test_a_subscription_stored_before_devices_were_recorded_goes_with_any_device_signed_out(client, db):
    # Which device stored it is not known: the lost phone's lock screen comes first. The app stores its own
    # again, with its device, when next opened (tests/browser/test_app.py).
    user, laptop = person()
    token, _device = service.issue_device_token(user["_id"], "tablet", "android")
    put(client, laptop, BrowserKeys().subscription(FCM + "laptop"))
    put(client, laptop, BrowserKeys().subscription(FCM + "old"))
    db.push_subscriptions.update_one({"endpoint": FCM + "old"}, {"$unset": {"device_id": ""}})
    _other, elsewhere = person()
    put(client, elsewhere, BrowserKeys().subscription(FCM + "other"))
    db.push_subscriptions.update_one({"endpoint": FCM + "other"}, {"$unset": {"device_id": ""}})
    assert client.delete("/v1/auth/session", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert {d["endpoint"] for d in db.push_subscriptions.find()} == {FCM + "laptop", FCM + "other"}


def test_needs_a_session(client, db):
    assert put(client, {}, BrowserKeys().subscription(FCM + "x")).status_code == 401


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/x",  # plain http to a real push service
        "https://evil.example.org/push",  # not a push service
        "https://fcm.googleapis.com.evil.example.org/x",  # a look-alike host
        "https://fcm.googleapis.com:8443/x",  # another port
        "https://user:pw@fcm.googleapis.com/x",  # credentials in the URL
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://127.0.0.1/x",  # loopback over https is not on the list
        "http://localhost:6379/",  # only http://127.0.0.1 is allowed in tests
        "file:///etc/passwd",
        "https://" + "a" * 1100 + ".notify.windows.com/x",  # too long
    ],
)
def test_an_endpoint_that_is_not_a_push_service_is_refused(client, db, endpoint):
    _user, headers = person()
    answer = put(client, headers, BrowserKeys().subscription(endpoint))
    assert answer.status_code == 422, answer.json
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert any(p["name"] == "endpoint" for p in answer.json["invalid_params"])
    assert db.push_subscriptions.count_documents({}) == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://wns2-by3p.notify.windows.com/w/?token=abc",
        "https://web.push.apple.com/QGx",
        "http://127.0.0.1:8765/push/abc",  # the tests' loopback push service, allowed by the setting
    ],
)
def test_the_browsers_push_services_are_accepted(client, db, endpoint):
    _user, headers = person()
    assert put(client, headers, BrowserKeys().subscription(endpoint)).status_code == 201


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "not base64 !", "auth": "tBHItJI5svbpez7KI4CCXg"},
        {"p256dh": push_keys.b64url(b"\x04" + b"x" * 10), "auth": "tBHItJI5svbpez7KI4CCXg"},
        {"p256dh": BrowserKeys().p256dh, "auth": push_keys.b64url(b"short")},
        {"p256dh": BrowserKeys().p256dh},
    ],
)
def test_keys_that_are_not_a_browsers_are_refused(client, db, keys):
    _user, headers = person()
    answer = put(client, headers, {"endpoint": FCM + "k", "keys": keys})
    assert answer.status_code == 422 and db.push_subscriptions.count_documents({}) == 0


def test_production_refuses_a_plain_http_push_service(settings):
    with pytest.raises(SettingsError, match="PUSH_SERVICE_HOSTS"):
        Settings.from_env(
            {},
            environment="production",
            secret_key="k" * 32,
            ops_token="o" * 32,
            webhook_secret="w" * 32,
            encryption_keys="7R8mXgKq3zVQj0n1wYlB2c4d5e6f7g8h9i0j1k2l3m4=",
            public_base_url="https://example.org",
            app_base_url="https://example.org",
            push_service_hosts="fcm.googleapis.com,http://127.0.0.1",
        )
