"""DELETE /v1/me: every registered place emptied, nothing left anywhere, confirmed by email, repeatable."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from bson import json_util

from services.ingestion.accounts import service as accounts
from services.ingestion.events import service as events_service
from services.ingestion.privacy import service
from shared import userdata, users
from shared.email import address_key, template_of
from shared.export import store
from shared.runtime import runtime_of
from tests.factories.accounts import person
from tests.factories.waitlist import entry
from tests.services.ingestion.privacy.helpers import full_person, wait_for_summaries
from tests.support.runtimes import celery_for, ingestion_app
from tests.support.servers import wait_for

CONFIRM = {"confirm": "erase my account"}
ERASED_SUBJECT = "Your Track Your Healing account has been erased"


def registered_collections() -> set[str]:
    names = set()
    for row in userdata.PLACES:
        names |= {f"{row.collection}.files", f"{row.collection}.chunks"} if row.gridfs else {row.collection}
    return names


def collections_mentioning(db, needle: str) -> dict[str, int]:
    """Every collection in the database with documents containing `needle` anywhere (ids, fields, values)."""
    found = {}
    for name in db.list_collection_names():
        hits = sum(needle.lower() in json_util.dumps(doc).lower() for doc in db[name].find())
        if hits:
            found[name] = hits
    return found


def remaining(db, user_id: str) -> dict[str, int]:
    counts = {}
    for row in userdata.PLACES:
        collection = f"{row.collection}.files" if row.gridfs else row.collection
        field = "metadata.user_id" if row.gridfs else row.user_field
        counts[collection] = db[collection].count_documents({field: user_id})
    return {name: n for name, n in counts.items() if n}


@pytest.fixture
def live(client, notification_worker, workers_worker, mailbox):
    """The client with real workers: emails are delivered and summaries computed, as in production."""
    return client


def erased_messages(mailbox) -> list:
    return [m for m in mailbox.messages if m["Subject"] == ERASED_SUBJECT]


def wait_for_confirmation(mailbox, timeout: float = 15) -> list:
    deadline = datetime.now(UTC).timestamp() + timeout
    while not erased_messages(mailbox):
        mailbox.wait_for(
            len(mailbox.messages) + 1, timeout=max(0.1, deadline - datetime.now(UTC).timestamp())
        )
    return erased_messages(mailbox)


def with_an_export_file(user_id: str, keys: str) -> None:
    export = store.create(user_id, datetime.now(UTC))
    store.store_archive(export, io.BytesIO(b"PK zip bytes"), "export.zip", keys)


class TestConfirmation:
    def test_without_the_phrase_nothing_is_erased(self, client, db):
        _user, headers = person()
        for body in (None, {}, {"confirm": "yes"}):
            r = client.delete("/v1/me", headers=headers, **({} if body is None else {"json": body}))
            assert r.status_code == 422, r.data
            assert r.mimetype == "application/problem+json"
            assert [p["name"] for p in r.json["invalid_params"]] == ["confirm"]
        assert client.get("/v1/me", headers=headers).status_code == 200

    def test_needs_a_token(self, client):
        assert client.delete("/v1/me", json=CONFIRM).status_code == 401


class TestErasure:
    @pytest.mark.any_hour  # a race with the erasure, the same at any hour
    def test_what_a_request_under_way_stores_after_the_erasure_is_erased_soon_after(
        self, settings, db, redis, workers_worker
    ):
        """A request that signed in before the devices went stores its event once the erasure is done (the
        event, its cached day and its recompute request); the sweep the erasure sends later erases them."""
        app = ingestion_app(settings)  # its sweep comes 1 s after, not 2 min (tests/conftest.py)
        user, headers = person()
        signed_in = users.find(user["_id"])  # what the request under way read as it signed in
        assert app.test_client().delete("/v1/me", json=CONFIRM, headers=headers).status_code == 202
        assert remaining(db, user["_id"]) == {}

        late = {
            "event_id": "late",
            "type": "check_in",
            "occurred_at": datetime.now(UTC).isoformat(),
            "overall": 4,
        }
        stored = events_service.ingest(
            celery_for("ingestion", settings), settings, signed_in, [late], sent_at=None
        )
        assert stored.outcomes[0].status == events_service.ACCEPTED, stored.outcomes[0].problem
        assert remaining(db, user["_id"])["events"] == 1
        wait_for(lambda: remaining(db, user["_id"]) == {}, 60, "the leftovers to be erased")
        wait_for(lambda: not [k for k in redis.scan_iter() if user["_id"] in k], 5, "nothing in Redis")
        assert collections_mentioning(db, user["_id"]) == {}

    def test_every_collection_holding_the_person_is_registered(self, live, settings, db):
        who = full_person(live, settings)
        wait_for_summaries(who.user_id)
        with_an_export_file(who.user_id, settings.encryption_keys)
        written = set(collections_mentioning(db, who.user_id))
        assert {"users", "devices", "events", "sign_in_codes", "invitations", "email_outbox"} <= written
        assert written <= registered_collections(), written - registered_collections()

    def test_the_confirmation_comes_in_the_erased_accounts_language(self, live, mailbox, db):
        _user, headers = person("borrar@example.org")
        assert live.patch("/v1/me", json={"language": "es"}, headers=headers).status_code == 200
        assert live.delete("/v1/me", json=CONFIRM, headers=headers).status_code == 202
        (message,) = mailbox.wait_for(1)
        assert message["Subject"] == "Tu cuenta de Track Your Healing se ha borrado"
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "Como pediste, hemos borrado tu cuenta de Track Your Healing" in text

    def test_erases_everything_and_confirms_by_email(self, live, settings, db, mailbox, redis):
        who = full_person(live, settings)
        mailbox.wait_for(1)  # the sign-in code, delivered before the erasure
        wait_for_summaries(who.user_id)
        assert db.day_summaries.count_documents({"user_id": who.user_id})
        entry(email=who.email, email_key=who.email.lower())
        with_an_export_file(who.user_id, settings.encryption_keys)
        other, other_headers = person()

        r = live.delete("/v1/me", json=CONFIRM, headers=who.headers)
        assert r.status_code == 202
        assert r.json["status"] == "erased"
        assert "confirmation" in r.json["detail"]

        (message,) = wait_for_confirmation(mailbox)
        assert message["To"] == who.email
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "erased" in text
        assert "Unsubscribe" not in text

        assert remaining(db, who.user_id) == {}
        assert collections_mentioning(db, who.user_id) == {}
        # The address survives only in the confirmation's own outbox record (and a suppression, if any).
        assert collections_mentioning(db, address_key(who.email)) == {"email_outbox": 1}
        confirmation = db.email_outbox.find_one({"to_key": address_key(who.email)})
        assert template_of(settings.encryption_keys, confirmation) == "account_erased"
        assert db.waitlist_entries.count_documents({}) == 0

        assert live.get("/v1/me", headers=who.headers).status_code == 401
        assert live.delete("/v1/me", json=CONFIRM, headers=who.headers).status_code == 401
        assert not [k for k in redis.scan_iter() if who.user_id in k]  # no cache stamp names the person
        assert live.get("/v1/me", headers=other_headers).status_code == 200  # nobody else is touched
        assert db.users.count_documents({"_id": other["_id"]}) == 1

    @pytest.mark.any_hour  # a repeated erasure, the same at any hour
    def test_an_interrupted_erasure_can_be_repeated_and_confirms_once(self, live, settings, db, mailbox):
        who = full_person(live, settings)
        mailbox.wait_for(1)
        wait_for_summaries(who.user_id)
        db.email_suppressions.insert_one(
            {"_id": address_key(who.email), "scope": "non_transactional", "reason": "complaint"}
        )
        # A first attempt died after the data was gone but before the account and its devices were.
        userdata.erase(who.user_id, keep={"devices", userdata.ACCOUNT})
        assert live.get("/v1/me", headers=who.headers).status_code == 200

        assert live.delete("/v1/me", json=CONFIRM, headers=who.headers).status_code == 202
        wait_for_confirmation(mailbox)
        # Repeating the whole erasure (a redelivered request, a second click) changes nothing and mails once.
        user = {"_id": who.user_id, "email": who.email}
        with live.application.app_context():
            service.erase_account(runtime_of(live.application).celery, settings, user)
        with pytest.raises(TimeoutError):
            mailbox.wait_for(len(mailbox.messages) + 1, timeout=2)
        assert remaining(db, who.user_id) == {}
        assert collections_mentioning(db, who.user_id) == {}
        assert db.email_suppressions.count_documents({"_id": address_key(who.email)}) == 1
        assert len(erased_messages(mailbox)) == 1


class TestAfterErasure:
    def test_a_device_still_signed_in_is_told_the_account_no_longer_exists(self, client, redis):
        user, headers = person()
        other_token, _device = accounts.issue_device_token(user["_id"], "laptop", "web")
        assert client.get("/v1/me", headers=headers).status_code == 200  # now in this process's cache
        assert client.delete("/v1/me", json=CONFIRM, headers=headers).status_code == 202

        for device in (headers, {"Authorization": f"Bearer {other_token}"}):
            for answer in (
                client.get("/v1/me", headers=device),
                client.get("/v1/me/devices", headers=device),
            ):
                assert answer.status_code == 401
                assert answer.mimetype == "application/problem+json"
                assert answer.json["type"].endswith("/account-erased")
                assert "no longer exists" in answer.json["detail"]
                assert "Sign in again" not in answer.json["detail"]
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")

    def test_any_other_unknown_token_is_asked_to_sign_in_again(self, client, redis):
        answer = client.get("/v1/me", headers={"Authorization": "Bearer tyh_not-a-token"})
        assert answer.status_code == 401
        assert answer.json["detail"].startswith("Sign in again")
