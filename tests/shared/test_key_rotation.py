"""Retiring an encryption key: data stored under key A, the ring turned to "B,A", the job run; then
everything opens with B alone, the workers and the API read it back with B alone, a second run writes
nothing, a run stopped midway is finished by the next, and a document changed while the job ran keeps its
change."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from cryptography.fernet import Fernet

from services.workers import rotate_keys
from services.workers.summaries import params, service
from shared import crypto, events, files, outbox, rekey, reports, summaries
from shared.email import new_outbox_record
from shared.export import store as exports
from shared.runtime import build
from tests.factories.accounts import person
from tests.services.ingestion.privacy.helpers import unzip
from tests.support.runtimes import ingestion_app

A, B, C = (Fernet.generate_key().decode() for _ in range(3))
NOTE, LABEL, MEDICATION, TAG = "Ringing ears since Tuesday", "Jaw clenching", "Valium (compounded)", "night"
REPORT = os.urandom(files.SEGMENT * 2 + 1000)  # three sealed pieces, across several GridFS chunks
PACKED = {summaries.DAY_COPIES: "days", summaries.PERSONS: "recent_days"}


@pytest.fixture
def own(settings, redis_server, db):
    """Redis databases of its own, so the session's in-process worker (with the session's key ring) never
    takes the recompute this test's events ask for."""
    mine = dataclasses.replace(settings, redis_url=redis_server.url(12), broker_url=redis_server.url(13))
    redis_lib.Redis.from_url(mine.redis_url).flushdb()
    return mine


def ring(own, keys: str):
    return dataclasses.replace(own, encryption_keys=keys)


def stored_under_a(own) -> dict:
    """A person's events (a note with tags, a custom symptom, a custom medication), their summaries, an
    account email and a waitlist email in the outbox, a report file and an export archive, all under A."""
    under_a = ring(own, A)
    web = ingestion_app(under_a).test_client()
    user, headers = person()
    at = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
    logged = [
        {"type": "note", "text": NOTE, "tags": [TAG]},
        {"type": "symptom", "custom_label": LABEL, "severity": 3},
        {"type": "dose", "custom_medication": MEDICATION, "amount_mg": 5},
    ]
    for event in logged:
        event |= {"event_id": uuid.uuid4().hex, "occurred_at": at}
        assert web.post("/v1/events", json=event, headers=headers).status_code == 202
    service.recompute(None, under_a, params.current(), user["_id"], from_day=None)
    emails = (
        {"template": "weekly_report", "to": "sam@example.org", "data": {"name": "Sam"}},
        {"template": "waitlist_confirm", "to": "kim@example.org", "data": {"link": "x"}},  # name in clear
    )
    outbox.insert_new([new_outbox_record(under_a, e | {"idempotency_key": e["template"]}) for e in emails])
    report = reports.store_file({"_id": "r1", "user_id": user["_id"]}, 1, "pdf", REPORT, "r.pdf", keys=A)
    exports.store_archive({"_id": "e1", "user_id": user["_id"]}, io.BytesIO(b"zip"), "x.zip", A)
    return {"user": user, "headers": headers, "report": report}


def run(own, keys: str, capsys) -> tuple[int, dict[str, str]]:
    status = rotate_keys.main(["--batch", "2"], runtime=build("workers", ring(own, keys)))
    lines = capsys.readouterr().out.splitlines()
    return status, dict(line.split(": ", 1) for line in lines)


def sealed_strings(value):
    """Every string `crypto.encrypt` made, anywhere inside a value (lists and packed summaries included)."""
    if isinstance(value, str) and value.startswith(crypto.PREFIX):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from sealed_strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from sealed_strings(inner)


def every_sealed_value(db):
    """Every value sealed with the ring anywhere in the database."""
    for name in db.list_collection_names():
        for doc in db[name].find():
            yield from sealed_strings(doc)
            if name in PACKED and doc.get(PACKED[name]):
                yield from sealed_strings(summaries.unpack_days(doc[PACKED[name]]))


def every_sealed_file(db, keys: str):
    """(bucket, id, content opened with `keys`) for every sealed file in every GridFS bucket."""
    for name in db.list_collection_names():
        if name.endswith(".files"):
            bucket = name.removesuffix(".files")
            for doc in db[name].find({"metadata.sealed": {"$exists": True}}):
                yield bucket, doc["_id"], files.open_file(bucket, doc["_id"], keys).read()


def test_after_the_job_everything_opens_with_the_new_key_alone(own, db, capsys):
    stored = stored_under_a(own)
    before = list(every_sealed_value(db))
    assert len(before) > 8 and all(crypto.decrypt(A, v) for v in before)

    status, printed = run(own, f"{B},{A}", capsys)

    assert status == 0
    assert printed == {
        "events": "4 re-sealed, 0 unreadable, 0 changed meanwhile",  # text, tags, label, medication
        "day_summaries": "2 re-sealed, 0 unreadable, 0 changed meanwhile",  # the custom symptom and dose
        "day_summaries_packed": "2 re-sealed, 0 unreadable, 0 changed meanwhile",
        "person_summaries": "2 re-sealed, 0 unreadable, 0 changed meanwhile",
        "email_outbox": "3 re-sealed, 0 unreadable, 0 changed meanwhile",  # one template name, two data
        "reports.files": "1 re-sealed, 0 unreadable, 0 changed meanwhile",
        "exports.files": "1 re-sealed, 0 unreadable, 0 changed meanwhile",
        # The days the recompute cached (today, two before, one after), read again from MongoDB.
        "redis day cache": "4 cached days to be read again from MongoDB",
    }
    after = list(every_sealed_value(db))
    assert len(after) == len(before)
    for value in after:
        crypto.decrypt(B, value)  # raises if anything is left under A
    assert sorted(every_sealed_file(db, B)) == [
        ("exports", "e1", b"zip"),
        (reports.FILES_BUCKET, stored["report"], REPORT),
    ]

    # The workers, with A removed from their ring, recompute the days their Redis cache held.
    day = db[events.EVENTS].find_one({"type": "symptom"})["local_day"]
    service.recompute(None, ring(own, B), params.current(), stored["user"]["_id"], from_day=day)

    # The API, with A removed from its ring, reads the person's data back as it was written.
    web = ingestion_app(ring(own, B)).test_client()
    logged = web.get("/v1/events", headers=stored["headers"]).json["events"]
    assert {e["type"]: e["data"] for e in logged}["note"] == {"text": NOTE, "tags": [TAG]}
    chart = web.get("/v1/summaries", headers=stored["headers"]).json
    assert [s["label"] for s in chart["symptoms"].values()] == [LABEL]
    assert [m["label"] for m in chart["medications"].values()] == [MEDICATION]
    export = unzip(web.get("/v1/me/export", headers=stored["headers"]).data)
    assert NOTE in export["events.json"] and LABEL in export["events.json"]

    before_again = list(every_sealed_value(db))
    again, printed = run(own, f"{B},{A}", capsys)
    assert again == 0
    assert printed.pop("redis day cache")
    assert set(printed.values()) == {"0 re-sealed, 0 unreadable, 0 changed meanwhile"}
    assert list(every_sealed_value(db)) == before_again  # nothing written


def test_a_document_changed_between_read_and_write_keeps_its_change(own, db):
    stored_under_a(own)
    read = list(db[events.EVENTS].find())  # the job's page, read before the edit
    tally = rekey.Tally()
    rewrites = [rekey.rewrite(f"{B},{A}", doc, tally) for doc in read]
    note = next(doc for doc in read if doc["type"] == "note")
    edited = crypto.encrypt(B, "an edit made while the job ran")
    db[events.EVENTS].update_one({"_id": note["_id"]}, {"$set": {"data.text": edited}})

    assert rekey.write_unchanged(db[events.EVENTS], rewrites, tally) == 2  # the symptom and the dose

    assert (tally.resealed, tally.moved) == (2, 1)
    assert db[events.EVENTS].find_one({"_id": note["_id"]})["data"]["text"] == edited
    # A rerun takes the note as it is now: its edit is under B already, its tags are re-sealed.
    assert events.reseal(f"{B},{A}")[events.EVENTS] == rekey.Tally(resealed=1)
    assert db[events.EVENTS].find_one({"_id": note["_id"]})["data"]["text"] == edited


def test_values_no_listed_key_opens_are_counted_and_left_and_nothing_is_printed(own, db, capsys):
    stored = stored_under_a(own)
    lost = crypto.encrypt(C, NOTE)
    db[events.EVENTS].update_one({"type": "note"}, {"$set": {"data.text": lost}})

    status, printed = run(own, f"{B},{A}", capsys)

    assert status == 1  # the old key must stay until this is resolved
    assert printed["events"] == "3 re-sealed, 1 unreadable, 0 changed meanwhile"
    assert db[events.EVENTS].find_one({"type": "note"})["data"]["text"] == lost
    shown = json.dumps(printed)
    secrets = (NOTE, LABEL, MEDICATION, crypto.PREFIX, stored["user"]["_id"])
    assert not any(secret in shown for secret in secrets)


def test_a_run_stopped_midway_is_finished_by_the_next(own, db, capsys):
    stored_under_a(own)
    first = next(rekey.pages(db[events.EVENTS], {}, None, batch=2))  # the job stopped after one page
    rewrites = [rekey.rewrite(f"{B},{A}", doc, rekey.Tally()) for doc in first]
    rekey.write_unchanged(db[events.EVENTS], rewrites, rekey.Tally())

    status, printed = run(own, f"{B},{A}", capsys)

    assert status == 0
    assert printed["events"] == "1 re-sealed, 0 unreadable, 0 changed meanwhile"  # the third event's
    for value in every_sealed_value(db):
        crypto.decrypt(B, value)


class TestRotate:
    def test_a_value_is_resealed_under_the_first_key_with_its_plaintext(self):
        old = crypto.encrypt(A, NOTE)
        new = crypto.rotate(f"{B},{A}", old)
        assert crypto.decrypt(B, new) == NOTE

    def test_a_value_under_the_first_key_or_not_sealed_is_left_alone(self):
        assert crypto.rotate(f"{B},{A}", crypto.encrypt(B, NOTE)) is None
        assert crypto.rotate(f"{B},{A}", "waitlist_confirm") is None

    def test_a_value_no_listed_key_opens_is_an_error(self):
        with pytest.raises(crypto.DecryptionError):
            crypto.rotate(f"{B},{A}", crypto.encrypt(C, NOTE))
