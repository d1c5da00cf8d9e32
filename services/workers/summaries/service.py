"""Recomputing one person's summaries: read the affected days' events, compute, store what changed,
and queue a safety email for a recent red flag."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from celery import Celery

from services.workers.summaries import compute, repository, sources
from services.workers.summaries.params import Params
from shared import catalog, crypto, languages, summaries
from shared.email import request_email
from shared.settings import Settings

log = logging.getLogger(__name__)

# Fields a stored day document has beyond the day's own summary; they are recomputed every time.
DERIVED = ("rolling", "state")
RECENT_DAYS = 70  # a weekly report's period, the period before it and the 28-day spread, with room to spare
STORED_ONLY = ("_id", "user_id", "computed_at", "params")


def _custom_key(settings: Settings, kind: str, label: str) -> str:
    digest = hashlib.sha256(f"{settings.secret_key}:{kind}:{label.strip().lower()}".encode()).hexdigest()[:12]
    return f"custom:{digest}"


def observation(doc: dict, settings: Settings) -> dict:
    """A stored event in the shape the pure computation reads; custom labels stay encrypted, keyed by a
    keyed hash of their text so the same custom symptom groups across days."""
    data = doc.get("data", {})
    obs = {k: doc.get(k) for k in ("event_id", "type", "occurred_at", "local_day")}
    if "_id" in doc:
        obs["id"] = str(doc["_id"])
    obs["data"] = data
    obs["red_flag"] = bool(doc.get("red_flag"))
    if doc["type"] == "symptom":
        code, enc = data.get("code"), data.get("custom_label")
        entry = catalog.symptom(code) if code else None
        obs |= {
            "code": code,
            "known": entry is not None,
            "label_enc": enc,
            "label": entry["label"] if entry else None,
            "key": code
            if code
            else _custom_key(settings, "symptom", crypto.decrypt(settings.encryption_keys, enc)),
        }
    elif doc["type"] in {"dose", "taper_step"}:
        code, enc = data.get("medication"), data.get("custom_medication")
        entry = catalog.medication(code) if code else None
        obs |= {
            "code": code,
            "label_enc": enc,
            "label": entry["name"] if entry else None,
            "key": code
            if code
            else _custom_key(settings, "medication", crypto.decrypt(settings.encryption_keys, enc)),
        }
    return obs


def local_today(time_zone: str, now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(time_zone)).date().isoformat()


def _core(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in DERIVED and k not in STORED_ONLY}


def _comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in STORED_ONLY}


def person_document(person: dict, docs: list[dict], today: str) -> dict:
    """The person's stored summary, with the latest days riding along (shared/summaries.py)."""
    recent = [{k: v for k, v in doc.items() if k not in STORED_ONLY} for doc in docs[-RECENT_DAYS:]]
    first_day = docs[0]["day"] if docs else None
    return person | {"today": today, "first_day": first_day, "recent_days": recent}


def _since(from_day: str | None, stored: summaries.Stored, today: str, params: Params) -> str | None:
    """The first day to recompute from events: the day asked for, or the first day no day document holds
    (the last summary's `today`, or today), whichever is earlier. None (every day) stays None, and so is a
    summary built by another detector or other parameters: its stored days are not reused, so a change of
    either rebuilds each person at their next recompute."""
    if from_day is None or (stored.params is not None and stored.params != params.fingerprint):
        return None
    return min(from_day, stored.open_from or today, today)


def recompute(
    celery_app: Celery | None,
    settings: Settings,
    params: Params,
    user_id: str,
    *,
    from_day: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Recompute from source events on and after `from_day` (every day when None); days before it are
    taken from their stored summaries. Idempotent: running it twice stores the same thing."""
    return recompute_many(celery_app, settings, params, {user_id: from_day}, now=now)[user_id]


def recompute_many(
    celery_app: Celery | None,
    settings: Settings,
    params: Params,
    jobs: dict[str, str | None],
    *,
    now: datetime | None = None,
    full: frozenset[str] | set[str] = frozenset(),
) -> dict[str, dict[str, Any]]:
    """`recompute` for several people (person id -> from_day) with one query or bulk write per step for
    all of them: a busy worker takes everyone waiting at once and pays each step's round trip and commit
    once per batch, not once per person (tasks.py). Recent days' events come from the cache when it holds
    them (sources.py); people in `full` are read from MongoDB."""
    steps = _Steps()
    repository.ensure_indexes()
    users = steps.timed("users", repository.find_users, list(jobs))
    results: dict[str, dict[str, Any]] = {u: {"skipped": "no such person"} for u in jobs if u not in users}
    if not users:
        return results
    people = list(users)
    stored = steps.timed("stored_days", summaries.stored_days_of, people)
    todays = {u: local_today(user["time_zone"], now) for u, user in users.items()}
    since = {u: _since(jobs[u], stored[u], todays[u], params) for u in people}
    events = steps.timed("events", sources.events_for, todays, since, full)
    stamp = {"params": params.fingerprint, "computed_at": datetime.now(UTC)}
    writes, after, persons, fresh = {}, {}, {}, {}
    for user_id in users:
        from_day, today, known = since[user_id], todays[user_id], stored[user_id].days
        observed = [observation(e, settings) for e in events[user_id]]
        fresh[user_id] = compute.day_summaries(observed, params)
        with_data = {
            day: _core(doc) for day, doc in known.items() if doc["has_data"] and (from_day and day < from_day)
        }
        docs, person = compute.person_summary(with_data | fresh[user_id], today, params)
        # Only days that are over get a day document; the rest ride in the summary (shared/summaries.py).
        closed = [d for d in docs if d["day"] < today]
        changed = [
            d | stamp for d in closed if _comparable(known.get(d["day"], {})) != _comparable(d | stamp)
        ]
        keep = {d["day"] for d in closed}
        removed = [day for day in known if day not in keep]
        days_at = stored[user_id].copy_at
        if changed or removed or days_at is None:
            writes[user_id] = (changed, removed)
            updated = {d["day"]: d for d in changed}
            after[user_id] = [updated.get(d["day"], known.get(d["day"])) for d in closed]
            days_at = stamp["computed_at"]
        persons[user_id] = person_document(person, docs, today) | stamp | {"days_at": days_at}
        results[user_id] = {
            "days_written": len(changed),
            "days_removed": len(removed),
            "events": len(observed),
        }
    steps.lap("compute")
    steps.timed("write_days", summaries.write_days_of, writes, after, stamp["computed_at"])
    steps.timed("write_persons", summaries.write_persons, persons)
    still = steps.timed("recheck_users", repository.find_users, people)
    for user_id, user in users.items():
        if user_id not in still:
            # Erased while we computed: what we just wrote must not outlive the account.
            summaries.forget(user_id)
            results[user_id] = {"skipped": "erased meanwhile"}
        elif celery_app is not None:
            queue_safety_messages(celery_app, user, fresh[user_id], persons[user_id]["today"], params)
    steps.lap("safety")
    log.info("recomputed", extra={"people": len(users), "steps_ms": steps.ms})
    return results


class _Steps:
    """Wall time per step of a batch, for its log line: where a slow batch spent its time."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._at = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = round(self.ms.get(name, 0.0) + (now - self._at) * 1000, 1)
        self._at = now

    def timed(self, name: str, fn, *args):
        self.lap("other")
        result = fn(*args)
        self.lap(name)
        return result


def queue_safety_messages(
    celery_app: Celery, user: dict, fresh: dict[str, dict], today: str, params: Params
) -> int:
    """One safety email for the latest recent day with a red flag (recent as the status counts it,
    compute.recent_red_flag_horizon); its key holds that day to one email, and a sync bringing flags from
    several recent days sends one, not one per day. Older days are history: a red flag from weeks ago
    arriving late is shown in the status (`last_red_flag`), its day and the reports, not emailed."""
    oldest = compute.recent_red_flag_horizon(today, params)
    flagged = [day for day, doc in fresh.items() if doc["red_flags"] and day >= oldest]
    if not flagged:
        return 0
    return int(
        request_email(
            celery_app,
            template="safety_message",
            to=user["email"],
            idempotency_key=f"safety:{user['_id']}:{max(flagged)}",
            data={},
            user_id=user["_id"],
            language=languages.of(user),
        )
    )
