"""GET /v1/me/export and background exports: every file, notes readable, no secrets, no formulas."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from services.ingestion.privacy import service
from services.workers.exports import service as workers_exports
from shared.export import store
from shared.mongo import mongo
from tests.factories.accounts import person
from tests.services.ingestion.privacy.helpers import (
    INJECTION,
    NOTES,
    PUSH_ENDPOINT,
    full_person,
    secrets_of,
    unzip,
)

FILES = {
    "README.txt",
    "profile.json",
    "devices.json",
    "events.json",
    "events-symptom.csv",
    "events-check_in.csv",
    "events-dose.csv",
    "events-taper_step.csv",
    "events-note.csv",
    "taper-plans.json",
    "push-subscriptions.json",
    "dose-reminders.json",
    "invitations.json",
    "email-history.json",
    "reports.json",
    "report-shares.json",
    "report-share-opens.json",
}


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_complete_export(files: dict[str, str], who) -> None:
    assert set(files) == FILES
    profile = json.loads(files["profile.json"])
    assert profile["id"] == who.user_id
    assert profile["email"] == who.email
    assert profile["consents"]["health_data"]["version"]
    assert profile["preferences"] == {"reminders": {"enabled": True}}
    assert {d["name"] for d in json.loads(files["devices.json"])} == {"Robin's phone", "Robin's laptop"}

    events = {e["event_id"]: e for e in json.loads(files["events.json"])}
    assert len(events) == 6
    for kind, note in NOTES.items():
        assert note in files["events.json"]
        assert note in files[f"events-{kind}.csv"]
    symptom = events["e-symptom"]
    assert symptom["data"]["tags"] == ["+tag", "morning"]
    assert symptom["occurred_at_device"].endswith("+01:00")  # raw time kept beside the corrected one
    assert symptom["occurred_at"].endswith("+00:00")
    assert events["e-deleted"]["deleted_at"]
    assert "A note I took back" not in json.dumps(files)

    plans = json.loads(files["taper-plans.json"])
    assert [(p["version"], p["holds"]) for p in sorted(plans, key=lambda p: p["version"])] == [
        (1, []),
        (2, [{"start": "2026-01-01", "until": "2026-01-15"}]),
    ]
    assert plans[0]["medications"][0]["medication"] == "clonazepam"
    assert "user_id" not in plans[0] and "taper-plans.json" in files["README.txt"]

    (subscription,) = json.loads(files["push-subscriptions.json"])
    assert subscription["endpoint"] == PUSH_ENDPOINT and "keys" not in subscription
    phone = next(d for d in json.loads(files["devices.json"]) if d["name"] == "Robin's phone")
    assert subscription["device_id"] == phone["id"]
    (reminder,) = json.loads(files["dose-reminders.json"])
    assert (reminder["day"], reminder["time"], reminder["status"]) == ("2026-01-05", "08:00", "queued")
    assert "user_id" not in reminder

    assert json.loads(files["invitations.json"])[0]["email"] == who.email
    history = json.loads(files["email-history.json"])
    assert [h["template"] for h in history] == ["sign_in_code"]
    assert set(history[0]) <= {"template", "status", "created_at", "sent_at"}
    assert "events-<type>.csv" in files["README.txt"]

    everything = "".join(files.values())
    assert "fernet:" not in everything
    for name in ("token_hash", "code_hash", "fingerprint", "email_key"):
        assert name not in everything
    for secret in secrets_of(who.user_id):
        assert secret not in everything


class TestSmallAccount:
    def test_answers_a_zip_with_everything_decrypted_and_no_secrets(self, client, settings):
        who = full_person(client, settings)
        r = client.get("/v1/me/export", headers=who.headers)
        assert r.status_code == 200
        assert r.mimetype == "application/zip"
        assert re.fullmatch(
            r'attachment; filename="track-your-healing-export-\d{4}-\d{2}-\d{2}\.zip"',
            r.headers["Content-Disposition"],
        )
        assert r.headers["Cache-Control"] == "no-store"
        assert_complete_export(unzip(r.data), who)
        for secret in secrets_of(who.user_id):
            assert secret.encode() not in r.data

    def test_csv_cells_cannot_run_as_formulas(self, client, settings):
        who = full_person(client, settings)
        files = unzip(client.get("/v1/me/export", headers=who.headers).data)
        (symptom,) = rows(files["events-symptom.csv"])
        assert symptom["custom_label"] == "'" + INJECTION
        assert symptom["tags"] == "'+tag; morning"
        assert symptom["severity"] == "3"
        assert rows(files["events-dose.csv"])[0]["custom_medication"] == "'@compounded mix"
        assert rows(files["events-taper_step.csv"])[0]["custom_medication"] == "'-liquid"
        assert len(rows(files["events-note.csv"])) == 1  # the deleted note is not a row
        for name, text in files.items():
            if name.endswith(".csv"):
                for cell in (cell for row in csv.reader(io.StringIO(text)) for cell in row):
                    assert not cell.startswith(("=", "+", "@")), cell
                    assert not cell.startswith("-") or is_number(cell), cell

    def test_an_empty_account_exports_its_profile(self, client):
        _user, headers = person()
        client.patch("/v1/me", json={"language": "es"}, headers=headers)
        files = unzip(client.get("/v1/me/export", headers=headers).data)
        assert {"README.txt", "profile.json", "events.json", "devices.json"} <= set(files)
        assert json.loads(files["events.json"]) == []
        assert json.loads(files["profile.json"])["language"] == "es"

    def test_needs_a_token(self, client):
        assert client.get("/v1/me/export").status_code == 401


def wait_until_ready(client, status_url: str, headers: dict, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(status_url, headers=headers).json
        if status["status"] == store.READY:
            return status
        assert status["status"] in store.IN_PROGRESS, status
        time.sleep(0.1)
    raise TimeoutError(status)


class TestLargeAccount:
    @pytest.fixture
    def large(self, monkeypatch):
        monkeypatch.setattr(service, "SYNC_EXPORT_MAX_EVENTS", -1)  # every account counts as large

    def test_is_built_by_the_workers_and_downloaded(self, client, settings, large, workers_worker):
        who = full_person(client, settings)
        r = client.get("/v1/me/export", headers=who.headers)
        assert r.status_code == 202
        assert r.headers["Location"] == r.json["status_url"]
        assert "download_url" not in r.json
        ready = wait_until_ready(client, r.json["status_url"], who.headers)
        assert ready["size_bytes"] > 0
        assert ready["expires_at"]
        download = client.get(ready["download_url"], headers=who.headers)
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        assert "track-your-healing-export-" in download.headers["Content-Disposition"]
        assert download.content_length == len(download.data) == ready["size_bytes"]
        assert_complete_export(unzip(download.data), who)
        # At rest the zip is sealed with the key ring; only the download opens it.
        export_id = ready["status_url"].rsplit("/", 1)[1]
        chunks = mongo.db["exports.chunks"].find({"files_id": export_id}).sort("n", 1)
        raw = b"".join(bytes(chunk["data"]) for chunk in chunks)
        assert raw and not raw.startswith(b"PK") and download.data[:64] not in raw

    def test_asking_again_while_it_is_being_prepared_reuses_the_request(self, client, large):
        # Made in the store, not queued: a running worker could otherwise finish it before the asking again.
        user, headers = person()
        pending = store.create(user["_id"], datetime.now(UTC))
        first = client.post("/v1/me/exports", headers=headers)
        second = client.get("/v1/me/export", headers=headers)
        assert first.status_code == second.status_code == 202
        assert first.json["id"] == second.json["id"] == pending["_id"]

    def test_someone_elses_export_is_not_found(self, client):
        _user, mine = person()
        _other, theirs = person()
        export_id = client.post("/v1/me/exports", headers=theirs).json["id"]
        assert client.get(f"/v1/me/exports/{export_id}", headers=mine).status_code == 404
        assert client.get(f"/v1/me/exports/{export_id}/download", headers=mine).status_code == 404
        assert client.get("/v1/me/exports/nonexistent", headers=mine).status_code == 404

    def test_download_before_it_is_ready_is_a_calm_409(self, client):
        # Made in the store, not queued: a running worker could otherwise finish it before the download.
        user, headers = person()
        export = store.create(user["_id"], datetime.now(UTC))
        r = client.get(f"/v1/me/exports/{export['_id']}/download", headers=headers)
        assert r.status_code == 409
        assert r.mimetype == "application/problem+json"
        assert "still being prepared" in r.json["detail"]


class TestExpiry:
    def test_purge_removes_exports_after_seven_days_with_their_files(self, client, db, settings):
        user, headers = person()
        export = store.create(user["_id"], datetime.now(UTC))
        assert workers_exports.build(export["_id"], "task-1", settings) == store.READY
        assert db["exports.files"].count_documents({"metadata.user_id": user["_id"]}) == 1

        assert workers_exports.purge(datetime.now(UTC) + timedelta(days=6)) == 0
        assert workers_exports.purge(datetime.now(UTC) + store.KEEP_FOR + timedelta(minutes=1)) == 1
        assert db.exports.count_documents({}) == 0
        assert db["exports.files"].count_documents({}) == 0
        assert db["exports.chunks"].count_documents({}) == 0
        assert client.get(f"/v1/me/exports/{export['_id']}", headers=headers).status_code == 404

    def test_an_expired_export_not_yet_purged_is_gone(self, client, db, settings):
        user, headers = person()
        export = store.create(user["_id"], datetime.now(UTC))
        workers_exports.build(export["_id"], "task-1", settings)
        db.exports.update_one({"_id": export["_id"]}, {"$set": {"expires_at": datetime.now(UTC)}})
        assert client.get(f"/v1/me/exports/{export['_id']}/download", headers=headers).status_code == 410

    def test_a_build_runs_once_and_a_stale_claim_is_taken_over(self, db, settings):
        user, _headers = person()
        export = store.create(user["_id"], datetime.now(UTC))
        assert workers_exports.build(export["_id"], "task-1", settings) == store.READY
        assert workers_exports.build(export["_id"], "task-2", settings) == "skipped"
        assert db["exports.files"].count_documents({}) == 1

        lost = store.create(user["_id"], datetime.now(UTC))
        store.claim(lost["_id"], "task-3", datetime.now(UTC))
        assert workers_exports.build(lost["_id"], "task-4", settings) == "skipped"  # task-3 holds it
        stale = datetime.now(UTC) - store.STALE_BUILD - timedelta(minutes=1)
        db.exports.update_one({"_id": lost["_id"]}, {"$set": {"claimed_at": stale}})
        assert workers_exports.build(lost["_id"], "task-4", settings) == store.READY

    def test_a_file_whose_request_was_erased_meanwhile_is_dropped(self, db, settings):
        user, _headers = person()
        export = store.create(user["_id"], datetime.now(UTC))
        store.claim(export["_id"], "task-1", datetime.now(UTC))
        store.store_archive(export, io.BytesIO(b"zip"), "x.zip", settings.encryption_keys)
        store.remove(export["_id"])  # erasure ran while the build was writing
        assert not store.mark_ready(export["_id"], "task-1", datetime.now(UTC), "x.zip", 3)


class TestReadableArchive:
    def test_csvs_name_catalogue_codes_and_keep_bookkeeping_to_events_json(self, client):
        _user, headers = person()
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        logged = [
            {"event_id": "s1", "type": "symptom", "occurred_at": f"{yesterday}T08:00:00+00:00",
             "code": "insomnia", "severity": 2},
            {"event_id": "d1", "type": "dose", "occurred_at": f"{yesterday}T09:00:00+00:00",
             "medication": "diazepam", "amount_mg": 5},
            {"event_id": "t1", "type": "taper_step", "occurred_at": f"{yesterday}T10:00:00+00:00",
             "kind": "crossover", "medication": "alprazolam", "to_medication": "diazepam",
             "new_daily_dose_mg": 10},
        ]  # fmt: skip
        batch = {"sent_at": datetime.now(UTC).isoformat(), "events": logged}
        assert client.post("/v1/events/batch", json=batch, headers=headers).json["accepted"] == 3
        files = unzip(client.get("/v1/me/export", headers=headers).data)

        (symptom,) = rows(files["events-symptom.csv"])
        assert (symptom["code"], symptom["symptom"]) == ("insomnia", "Trouble falling or staying asleep")
        header = next(csv.reader(io.StringIO(files["events-symptom.csv"])))
        assert header.index("symptom") == header.index("code") + 1  # the name beside its code
        (dose,) = rows(files["events-dose.csv"])
        assert (dose["medication"], dose["medication_name"]) == ("diazepam", "Diazepam")
        (step,) = rows(files["events-taper_step.csv"])
        assert (step["medication_name"], step["to_medication_name"]) == ("Alprazolam", "Diazepam")

        internal = {"clock_skew_s", "device_id", "known_code", "clock_corrected", "schema_version"}
        for name, text in files.items():
            if name.endswith(".csv"):
                assert not internal & set(next(csv.reader(io.StringIO(text)))), name
        stored = json.loads(files["events.json"])[0]
        for column in internal & set(stored):
            assert f'"{column}"' in files["README.txt"]  # kept in events.json, and explained

    def test_readme_names_every_file_on_its_own_line(self, client, settings):
        who = full_person(client, settings)
        files = unzip(client.get("/v1/me/export", headers=who.headers).data)
        lines = files["README.txt"].splitlines()
        for name in {n for n in files if "/" not in n} - {"README.txt"}:
            described = "events-<type>.csv" if name.startswith("events-") else name
            assert described in lines, name
        assert "reports/" in lines
        assert "report-share-opens.jsonMore" not in files["README.txt"]


class TestReportPdfs:
    def test_the_export_holds_each_ready_report_pdf(self, client, settings, workers_worker):
        who = full_person(client, settings)
        asked = client.post("/v1/reports", json={}, headers=who.headers)
        assert asked.status_code == 202, asked.json
        deadline = time.monotonic() + 60
        while (report := client.get(asked.json["status_url"], headers=who.headers).json)["status"] != "ready":
            assert report["status"] in {"queued", "building"} and time.monotonic() < deadline, report
            time.sleep(0.1)
        pdf = client.get(report["pdf_url"], headers=who.headers).data

        with zipfile.ZipFile(io.BytesIO(client.get("/v1/me/export", headers=who.headers).data)) as zf:
            name = f"reports/taper-report-{report['period_start']}-to-{report['period_end']}.pdf"
            assert [n for n in zf.namelist() if n.startswith("reports/")] == [name]
            assert zf.read(name) == pdf
        assert pdf.startswith(b"%PDF")
