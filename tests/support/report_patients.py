"""Synthetic patients for doctor reports: the summaries' generated taper plus everyday symptoms, one custom
symptom and a few notes, some tagged "questions for my doctor". Events come out in the API's shape."""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from shared import files, languages
from shared.reports import FILES_BUCKET, READY, weekly_id
from tests.support.synthetic import Patient, generate

SYMPTOMS = ("anxiety", "insomnia", "tremor", "muscle_twitches", "tinnitus", "dizziness_balance", "fatigue")
QUESTION = "questions for my doctor"
QUESTIONS = (
    "Is it normal that the tinnitus gets louder in the evening after a cut?",
    "Could we talk about holding at this dose for longer before the next step?",
    "My sleep is worse this week. Is there anything besides the taper we should look at?",
)


def _at(day: date, hour: int, tz: str) -> str:
    return datetime.combine(day, time(hour, 0), ZoneInfo(tz)).isoformat()


def generate_for_report(seed: int, *, days: int = 120, end: date | None = None, **kwargs) -> Patient:
    """A generated patient whose days also carry symptom ratings that follow their burden."""
    patient = generate(seed, days=days, end=end, **kwargs)
    rng = random.Random(seed + 1)
    tz = patient.time_zone
    burden = {
        datetime.fromisoformat(e["occurred_at"]).date(): e["overall"]
        for e in patient.events
        if e["type"] == "check_in"
    }
    for day, overall in burden.items():
        for code in rng.sample(SYMPTOMS, rng.randint(2, 4)):
            severity = min(4, max(0, round(overall / 2.5 + rng.gauss(0, 0.7))))
            patient.events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "symptom",
                    "code": code,
                    "severity": severity,
                    "occurred_at": _at(day, 18, tz),
                }
            )
        if rng.random() < 0.3:
            patient.events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "symptom",
                    "custom_label": "head pressure",
                    "severity": rng.randint(1, 3),
                    "occurred_at": _at(day, 19, tz),
                }
            )
        if rng.random() < 0.12:
            patient.events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "note",
                    "text": rng.choice(QUESTIONS),
                    "tags": [QUESTION],
                    "occurred_at": _at(day, 20, tz),
                }
            )
        elif rng.random() < 0.1:
            patient.events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "note",
                    "text": "A private note that stays out of reports.",
                    "tags": ["diary"],
                    "occurred_at": _at(day, 20, tz),
                }
            )
    return patient


def observations(patient: Patient, keys: str) -> list[dict]:
    """The patient's events as the summaries' pure computation reads them (custom labels encrypted)."""
    from shared import crypto
    from tests.services.workers.summaries.helpers import observation

    out = []
    for event in patient.events:
        obs = observation(event, patient.time_zone)
        if "_id" in event:
            obs["id"] = str(event["_id"])
        if event["type"] == "symptom" and event.get("custom_label"):
            label = event["custom_label"]
            obs |= {"key": f"custom:{label}", "label": None, "label_enc": crypto.encrypt(keys, label)}
        out.append(obs)
    return out


def summaries(patient: Patient, keys: str, today: str, params) -> tuple[list[dict], dict]:
    """(day summaries, person summary) as the workers would store them for this patient."""
    from services.workers.summaries import compute

    return compute.person_summary(compute.day_summaries(observations(patient, keys), params), today, params)


def store(database, user_id: str, patient: Patient, *, keys: str, today: str, params) -> None:
    """Write the patient's summaries, notes, symptoms and doses (free text sealed) as the services would."""
    from services.workers.summaries.service import person_document
    from shared.summaries import pack_days

    for event in patient.events:
        if event["type"] == "note":
            event.setdefault("_id", ObjectId())  # stored ids, which the day summaries list
    docs, person = summaries(patient, keys, today, params)
    if docs:
        database.day_summaries.insert_many(
            [{"_id": f"{user_id}:{d['day']}", "user_id": user_id} | d for d in docs]
        )
    stored = person_document(person, docs, today)
    database.person_summaries.insert_one(
        {"_id": user_id, **stored, "recent_days": pack_days(stored["recent_days"])}
    )
    events = stored_events(user_id, patient, keys, ("note", "symptom", "dose"))
    if events:
        database.events.insert_many(events)


def stored_events(user_id: str, patient: Patient, keys: str, types: tuple[str, ...]) -> list[dict]:
    """The patient's events of these types as the ingestion service stores them (free text sealed)."""
    from shared import event_text

    out = []
    for event in patient.events:
        if event["type"] not in types:
            continue
        at = datetime.fromisoformat(event["occurred_at"])
        fields = {k: v for k, v in event.items() if k not in {"_id", "event_id", "type", "occurred_at"}}
        out.append(
            {
                "_id": event.get("_id") or ObjectId(),
                "user_id": user_id,
                "event_id": event["event_id"],
                "type": event["type"],
                "occurred_at": at.astimezone(UTC),
                "local_day": at.astimezone(ZoneInfo(patient.time_zone)).date().isoformat(),
                "data": event_text.sealed(fields, keys),
            }
        )
    return out


def last_week(today: date) -> tuple[str, str]:
    """The seven local days ending yesterday."""
    return (today - timedelta(days=7)).isoformat(), (today - timedelta(days=1)).isoformat()


STAND_IN_PDF = b"%PDF-1.4\n% a stand-in for the builder's PDF\n"


def store_ready_report(
    db,
    user: dict,
    *,
    keys: str,
    deliver: dict,
    include_notes: bool = False,
    html: bytes | None = None,
    language: str | None = None,
) -> dict:
    """A weekly report (2026-W48) as the builder leaves it: ready, its PDF (and page, when given) stored,
    in `language` (by default the account's, as the builder chooses it)."""
    report_id = weekly_id(user["_id"], "2026-W48")
    stored = {"pdf": (STAND_IN_PDF, "report.pdf")} | ({"html": (html, "report.html")} if html else {})
    for kind, (content, name) in stored.items():
        files.put(
            FILES_BUCKET,
            f"{report_id}.{kind}",
            io.BytesIO(content),
            name,
            {"user_id": user["_id"]},
            keys=keys,
        )
    report = {
        "_id": report_id,
        "user_id": user["_id"],
        "kind": "weekly",
        "period_start": "2026-11-16",
        "period_end": "2026-11-22",
        "options": {"include_notes": include_notes, "paper": "A4"},
        "deliver": deliver,
        "status": READY,
        "language": language or languages.of(user),
        "files": {kind: f"{report_id}.{kind}" for kind in stored},
        "created_at": datetime.now(UTC),
    }
    db.reports.insert_one(report)
    return report
