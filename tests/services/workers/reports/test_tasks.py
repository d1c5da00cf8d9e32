"""Building reports on the real worker: stored files, claims, and one report failing while another builds."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from services.ingestion.accounts import service as accounts
from services.workers.reports import service
from services.workers.summaries import params as summary_params
from shared import events, files, reports
from shared.reports import BUILDING, FAILED, FILES_BUCKET, READY, request_report
from shared.runtime import runtime_of
from shared.summaries import pack_days, unpack_days
from tests.factories.accounts import person
from tests.support.report_patients import generate_for_report, last_week, store

PARAMS = summary_params.load()


def wait_final(db, report_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        report = db.reports.find_one({"_id": report_id})
        if report["status"] in {READY, FAILED}:
            return report
        assert time.monotonic() < deadline, f"report still {report['status']}"
        time.sleep(0.1)


@pytest.fixture
def seeded(settings, db):
    """A person with 60 days of generated history ending yesterday, stored as the workers store it."""

    def make(seed: int) -> tuple[dict, tuple[str, str]]:
        user, _headers = person()
        today = datetime.now(UTC).date()
        patient = generate_for_report(seed, days=60, end=today - timedelta(days=1))
        store(db, user["_id"], patient, keys=settings.encryption_keys, today=today.isoformat(), params=PARAMS)
        return user, last_week(today)

    return make


def ask(app, user: dict, period: tuple[str, str]) -> str:
    report, created = request_report(
        runtime_of(app).celery, user_id=user["_id"], period_start=period[0], period_end=period[1]
    )
    assert created
    return report["_id"]


def test_a_built_report_has_its_html_and_pdf_in_gridfs(ingestion_app, workers_worker, seeded, db, settings):
    user, period = seeded(1)
    report = wait_final(db, ask(ingestion_app, user, period))
    assert report["status"] == READY and report["attempts"] == 1 and report["ready_at"]
    for kind in ("html", "pdf"):
        stored = files.open_file(FILES_BUCKET, report["files"][kind], settings.encryption_keys)
        assert stored.metadata["user_id"] == user["_id"]
        body = stored.read()
        assert body.startswith(b"%PDF") if kind == "pdf" else b"Taper report" in body
        # Sealed at rest: the database holds neither the page nor the PDF in the clear.
        chunks = db["reports.chunks"].find({"files_id": report["files"][kind]}).sort("n", 1)
        raw = b"".join(bytes(chunk["data"]) for chunk in chunks)
        assert stored.metadata["sealed"] and body[:64] not in raw and b"Taper report" not in raw


@pytest.mark.any_hour  # bounded retries, the same at any hour
def test_a_corrupt_stored_day_fails_its_report_after_bounded_retries_while_another_builds(
    ingestion_app, workers_worker, seeded, db
):
    broken_user, period = seeded(2)
    fine_user, _ = seeded(3)
    # A stored day whose burden is not a number: the renderer cannot draw it, however often it tries.
    person = db.person_summaries.find_one({"_id": broken_user["_id"]})
    recent = unpack_days(person["recent_days"])
    for day in recent:
        if day["day"] == period[0]:
            day["burden"] = "unreadable"
    db.person_summaries.update_one({"_id": broken_user["_id"]}, {"$set": {"recent_days": pack_days(recent)}})
    broken = ask(ingestion_app, broken_user, period)
    fine = ask(ingestion_app, fine_user, period)
    assert wait_final(db, fine)["status"] == READY
    failed = wait_final(db, broken)
    assert failed["status"] == FAILED
    assert failed["attempts"] == service.MAX_ATTEMPTS
    assert failed["reason"] == service.FAILED_REASON.format(error="ValueError")
    assert failed["files"] == {}


@pytest.mark.any_hour  # claims and takeovers, the same at any hour
class TestClaims:
    def test_an_attempt_is_claimed_once_however_many_workers_race_for_it(self, seeded, db):
        user, _period = seeded(4)
        db.reports.insert_one({"_id": "r-claim", "user_id": user["_id"], "status": "queued"})
        now = datetime.now(UTC)
        for attempt in (1, 2):
            with ThreadPoolExecutor(8) as pool:
                won = list(pool.map(reports.claim, ["r-claim"] * 8, [attempt] * 8, [now] * 8))
            assert won.count(True) == 1
            assert db.reports.find_one({"_id": "r-claim"})["attempts"] == attempt
        assert reports.claim("r-claim", 1, now) is False
        assert reports.claim("gone", 1, now) is False

    def test_a_fresh_build_elsewhere_is_left_alone_and_a_stale_one_is_taken_over(self, settings, seeded, db):
        user, (start, end) = seeded(5)
        now = datetime.now(UTC)
        db.reports.insert_one(
            {
                "_id": "r-busy",
                "user_id": user["_id"],
                "kind": "on_demand",
                "period_start": start,
                "period_end": end,
                "options": {"include_notes": False, "paper": "A4"},
                "status": BUILDING,
                "attempts": 1,
                "files": {},
                "updated_at": now,
            }
        )
        assert service.build("r-busy", settings, now) is None
        later = now + service.STALE_CLAIM + timedelta(seconds=1)
        ready = service.build("r-busy", settings, later)
        assert ready["status"] == READY and ready["attempts"] == 2
        assert service.build("r-busy", settings, later)["files"] == ready["files"]  # done is done

    def test_a_build_whose_process_died_is_taken_over_by_its_task_delivered_again(self, settings, seeded, db):
        user, (start, end) = seeded(5)
        now = datetime.now(UTC)
        db.reports.insert_one(
            {
                "_id": "r-died",
                "user_id": user["_id"],
                "kind": "on_demand",
                "period_start": start,
                "period_end": end,
                "options": {"include_notes": False, "paper": "A4"},
                "status": "queued",
                "attempts": 0,
                "files": {},
                "updated_at": now,
            }
        )
        # The first delivery claims attempt 1 and its process is killed before it stores anything.
        assert reports.claim("r-died", 1, now, builder="task-1")
        # Another task (a resend) leaves the fresh claim alone; the same task, delivered again, takes over.
        assert service.build("r-died", settings, now, task_id="task-2") is None
        ready = service.build("r-died", settings, now, task_id="task-1")
        assert ready["status"] == READY and ready["attempts"] == 2
        stored = {f["_id"] for f in db[f"{FILES_BUCKET}.files"].find({"metadata.report_id": "r-died"})}
        assert stored == set(ready["files"].values())


class TestLanguage:
    """The report is written in the account's language as it is built (or the one its request named), and
    keeps it for its emails."""

    @staticmethod
    def queued(db, report_id: str, user: dict, period: tuple[str, str], **extra) -> None:
        db.reports.insert_one(
            {
                "_id": report_id,
                "user_id": user["_id"],
                "kind": "on_demand",
                "period_start": period[0],
                "period_end": period[1],
                "options": {"include_notes": False, "paper": "A4"},
                "status": "queued",
                "attempts": 0,
                "files": {},
                "updated_at": datetime.now(UTC),
                **extra,
            }
        )

    @staticmethod
    def stored(settings, report: dict, kind: str) -> bytes:
        return files.open_file(FILES_BUCKET, report["files"][kind], settings.encryption_keys).read()

    def test_a_spanish_speakers_report_is_built_in_spanish(self, settings, seeded, db):
        user, period = seeded(6)
        accounts.update_profile(user["_id"], {"language": "es"})
        self.queued(db, "r-es", user, period)
        ready = service.build("r-es", settings, datetime.now(UTC))
        assert ready["status"] == READY and ready["language"] == "es"
        page = self.stored(settings, ready, "html").decode("utf-8")
        assert '<html lang="es">' in page and "Síntomas principales" in page and "Top symptoms" not in page
        first = PdfReader(io.BytesIO(self.stored(settings, ready, "pdf"))).pages[0].extract_text()
        assert "Informe de reducción" in first and "DOSIS DIARIA ACTUAL" in first

    def test_the_language_a_request_names_wins_and_an_english_account_stays_english(
        self, settings, seeded, db
    ):
        user, period = seeded(7)
        self.queued(db, "r-asked-es", user, period, language="es")
        self.queued(db, "r-en", user, period)
        asked = service.build("r-asked-es", settings, datetime.now(UTC))
        english = service.build("r-en", settings, datetime.now(UTC))
        assert (
            asked["language"] == "es" and '<html lang="es">' in self.stored(settings, asked, "html").decode()
        )
        assert english["language"] == "en" and b'<html lang="en">' in self.stored(settings, english, "html")


class TestNotes:
    """A report reads the period's live notes of its person (four weeks: some have notes)."""

    @staticmethod
    def month(period: tuple[str, str]) -> tuple[str, str]:
        end = datetime.fromisoformat(period[1]).date()
        return (end - timedelta(days=27)).isoformat(), period[1]

    def stored_notes(self, db, user: dict, period: tuple[str, str]) -> set:
        query = {"user_id": user["_id"], "type": "note", "local_day": {"$gte": period[0], "$lte": period[1]}}
        return {n["_id"] for n in db.events.find(query)}

    def test_the_periods_notes_are_read_and_a_deleted_one_or_someone_elses_left_out(self, seeded, db):
        user, period = seeded(12)
        other, _ = seeded(13)
        period = self.month(period)
        gone, *kept = sorted(self.stored_notes(db, user, period))
        assert kept, "the generated weeks have notes"
        assert self.stored_notes(db, other, period)
        db.events.update_one({"_id": gone}, {"$set": {"deleted_at": datetime.now(UTC)}})
        assert {
            n["_id"] for n in events.live_between(user["_id"], ["note"], *period, service.NOTE_FIELDS)
        } == set(kept)


def test_the_hours_after_a_dose_come_from_the_persons_own_live_entries(settings, seeded, db):
    user, period = seeded(14)
    other, _ = seeded(15)
    in_period = {"type": "symptom", "deleted_at": None, "local_day": {"$gte": period[0], "$lte": period[1]}}
    symptoms = db.events.count_documents({"user_id": user["_id"], **in_period})

    def built(report_id: str, whose: dict) -> str:
        TestLanguage.queued(db, report_id, whose, period)
        return TestLanguage.stored(
            settings, service.build(report_id, settings, datetime.now(UTC)), "html"
        ).decode()

    page = built("r-hours", user)
    table = re.search(r'<table id="interdose">.*?</table>', page, re.S).group(0)
    cells = re.findall(r'<td class="n">([^<]*)</td>', table)  # 0-4, 4-8, 8-12, 12-24 and 24-48 h
    counts = [int(cell.split(" · ")[0]) if cell[0].isdigit() else 0 for cell in cells]  # a dash: none
    unplaced = re.search(r"(\d+) symptom entr(?:y|ies) had no dose", page)
    # Every symptom entry of the period is counted once, and the generated person's doses (08:00) come
    # 10-11 h before their symptoms (18:00-19:00).
    assert sum(counts) + (int(unplaced.group(1)) if unplaced else 0) == symptoms > 0
    assert len(counts) == 5 and counts[2] == max(counts)
    # Without any dose taken, the person's report has no such table: another's doses never count.
    db.events.update_many(
        {"user_id": user["_id"], "type": "dose"}, {"$set": {"deleted_at": datetime.now(UTC)}}
    )
    assert 'id="interdose"' not in built("r-hours-none", user)
    assert 'id="interdose"' in built("r-hours-other", other)
