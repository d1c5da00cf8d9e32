"""A person with something in every place the platform stores personal data, made through the real API."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.ingestion.accounts import service as accounts
from shared import dose_reminders, invitations, sign_in
from shared.mongo import mongo
from shared.runtime import runtime_of
from tests.factories import plans
from tests.support.push_keys import BrowserKeys

NOTES = {
    "symptom": "Ears ringing after lunch",
    "check_in": "Slept badly, calmer by evening",
    "dose": "Took it with food",
    "taper_step": "Holding for two weeks",
    "note": "Questions for my doctor: sleep?",
}
PUSH_ENDPOINT = "http://127.0.0.1:9/push/robin-phone"
INJECTION = '=HYPERLINK("http://evil.test","x")'


def plan(holds: list | None = None) -> dict:
    """A taper plan as a person enters it (saved twice by full_person: a change keeps the first)."""
    start_day = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    return plans.plan(plans.clonazepam_tablets(), start_day=start_day, holds=holds)


def events() -> list[dict]:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    at = yesterday + "T{hour}:00:00+01:00"
    return [
        {
            "event_id": "e-symptom",
            "type": "symptom",
            "occurred_at": at.format(hour="08"),
            "custom_label": INJECTION,
            "severity": 3,
            "note": NOTES["symptom"],
            "tags": ["+tag", "morning"],
        },
        {
            "event_id": "e-check-in",
            "type": "check_in",
            "occurred_at": at.format(hour="09"),
            "overall": 4,
            "sleep_hours": 5.5,
            "mood": 2,
            "note": NOTES["check_in"],
        },
        {
            "event_id": "e-dose",
            "type": "dose",
            "occurred_at": at.format(hour="10"),
            "custom_medication": "@compounded mix",
            "amount_mg": 2.5,
            "note": NOTES["dose"],
        },
        {
            "event_id": "e-taper",
            "type": "taper_step",
            "occurred_at": at.format(hour="11"),
            "kind": "hold",
            "custom_medication": "-liquid",
            "new_daily_dose_mg": 5,
            "note": NOTES["taper_step"],
        },
        {
            "event_id": "e-note",
            "type": "note",
            "occurred_at": at.format(hour="12"),
            "text": NOTES["note"],
            "tags": ["doctor"],
        },
        {
            "event_id": "e-deleted",
            "type": "note",
            "occurred_at": at.format(hour="13"),
            "text": "A note I took back",
        },
    ]


@dataclass
class Person:
    user_id: str
    email: str
    headers: dict


def full_person(client, settings) -> Person:
    """Invited, signed in on two devices (one by emailed code), with events of every type and a deletion."""
    email = f"Person.{uuid.uuid4().hex[:8]}@Example.org"
    _invitation, url = invitations.create_invitation(settings, email=email, name="Robin", created_by="test")
    accepted = client.post(
        f"/v1/invitations/{url.rsplit('/', 1)[1]}/accept",
        json={
            "display_name": "Robin",
            "time_zone": "Europe/Berlin",
            "health_data_consent": True,
            "consent_version": accounts.HEALTH_CONSENT_VERSION,
            "device_name": "Robin's phone",
            "platform": "ios",
        },
    )
    assert accepted.status_code == 201, accepted.json
    headers = {"Authorization": f"Bearer {accepted.json['token']}"}
    user_id = mongo.db.users.find_one({"email_key": email.lower()})["_id"]
    # What the notification worker runs for `POST /v1/auth/code` (tested in accounts/test_sign_in.py).
    assert sign_in.issue_code(runtime_of(client.application).celery, settings, email, "code-request")
    accounts.issue_device_token(user_id, "Robin's laptop", "web")
    client.patch("/v1/me", json={"preferences": {"reminders": {"enabled": True}}}, headers=headers)
    batch = client.post(
        "/v1/events/batch",
        json={"sent_at": datetime.now(UTC).isoformat(), "events": events()},
        headers=headers,
    )
    assert batch.json["accepted"] == len(events()), batch.json
    assert client.delete("/v1/events/e-deleted", headers=headers).status_code == 204
    for version in (plan(), plan(holds=[{"start": "2026-01-01", "until": "2026-01-15"}])):
        assert client.post("/v1/plan/versions", json=version, headers=headers).status_code == 201
    # A browser getting dose reminders (its endpoint on the tests' loopback push service).
    subscription = BrowserKeys().subscription(PUSH_ENDPOINT)
    assert client.put("/v1/push/subscriptions", json=subscription, headers=headers).status_code == 201
    # A dose reminder that went out (the scan creates these; its record is all that is kept).
    now = datetime.now(UTC)
    dose_reminders.create(user_id, "2026-01-05", "08:00", now, now=now, lease=timedelta(seconds=15))
    return Person(user_id, email, headers)


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def secrets_of(user_id: str) -> list[str]:
    """Every stored hash or fingerprint of the person: none may leave in an export."""
    db = mongo.db
    found = [d["token_hash"] for d in db.devices.find({"user_id": user_id})]
    found += [c["code_hash"] for c in db.sign_in_codes.find({"user_id": user_id})]
    found += [e["fingerprint"] for e in db.events.find({"user_id": user_id})]
    assert found
    return found


def wait_for_summaries(user_id: str, timeout: float = 20) -> None:
    """Let the workers finish recomputing the person's summaries (needs the `workers_worker` fixture)."""
    deadline = time.monotonic() + timeout
    while mongo.db.recompute_requests.count_documents({"_id": user_id}):
        if time.monotonic() > deadline:
            raise TimeoutError("summaries were not recomputed")
        time.sleep(0.05)
