"""Plan rules for their owner: a change is a new version (the old ones stay), and the schedule, planned
versus logged doses and the questions for the prescriber are computed from the newest version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.ingestion.plans.exceptions import EndBeforeStart, NoPlan, PlanChanged
from shared import events, summaries, users
from shared.plans import dose_tokens, doses, store
from shared.plans import questions as facts
from shared.plans import schedule as arithmetic
from shared.settings import Settings

DEFAULT_DAYS = 28
QUESTIONS_NOTE = (
    "Facts from your plan and your own logs, to bring to your prescriber if you wish. They are not advice: "
    "any change to your plan is a decision for you and your prescriber."
)


def _stored(body: dict) -> dict[str, Any]:
    """The plan as stored: days as YYYY-MM-DD text, nothing the request carried only for the check."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    plan = {k: v for k, v in body.items() if k != "based_on_version" and not (k == "ended_on" and v is None)}
    plan["holds"] = sorted(plan["holds"], key=lambda h: h["start"])
    return plain(plan)


def _newest(user_id: str) -> dict:
    plan = store.current(user_id)
    if plan is None:
        raise NoPlan()
    return plan


def save(settings: Settings, user: dict, body: dict) -> dict:
    """Store a new version of the person's plan. With `based_on_version`, only if that is still the newest
    (409 otherwise); two changes at once can never both become the same version."""
    current = store.current(user["_id"])
    return _add(settings, user, current["version"] if current else 0, body)


def _add(settings: Settings, user: dict, newest: int, body: dict) -> dict:
    based_on = body.get("based_on_version")
    if based_on is not None and based_on != newest:
        raise PlanChanged(newest)
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # what MongoDB keeps, answered alike
    try:
        doc = store.add_version(user["_id"], newest + 1, _stored(body), now)
    except store.VersionTaken:
        raise PlanChanged(store.current(user["_id"])["version"]) from None
    return described(settings, user, doc)


def end(settings: Settings, user: dict, body: dict) -> dict:
    """End the plan on a day: a new version, the newest with `ended_on`, so the history stays."""
    current = _newest(user["_id"])
    if body["day"] < date.fromisoformat(current["start_day"]):
        raise EndBeforeStart(current["start_day"])
    kept = {k: v for k, v in current.items() if k not in ("_id", "user_id", "version", "created_at")}
    change = kept | {"ended_on": body["day"]}
    if "based_on_version" in body:
        change["based_on_version"] = body["based_on_version"]
    return _add(settings, user, current["version"], change)


def erase(user: dict) -> None:
    """Every version of the plan, gone: the person asked to delete it (done once, repeatable)."""
    store.erase(user["_id"])


def _step(step: arithmetic.Step) -> dict:
    return {
        "day": step.day.isoformat(),
        "medication": step.medication,
        "from_mg": arithmetic.as_float(step.from_mg),
        "to_mg": arithmetic.as_float(step.to_mg),
        "percent": step.percent,
    }


def today_doses(settings: Settings, user: dict, schedule: arithmetic.Schedule, today: date) -> list[dict]:
    """Today's doses at the person's times, each with its event id, whether it is recorded, and the token
    that records it (minted now: the app always holds one that is valid)."""
    planned = doses.doses_on(schedule, today)
    ids = [d.event_id(user["_id"]) for d in planned]
    recorded = events.dose_statuses(user["_id"], ids)
    keys, now = settings.encryption_keys, datetime.now(UTC)
    return [
        d.as_dict()
        | {"event_id": i, "token": dose_tokens.mint(keys, user["_id"], d, now), "status": recorded.get(i)}
        for d, i in zip(planned, ids, strict=True)
    ]


def described(settings: Settings, user: dict, doc: dict) -> dict:
    """A stored version with where it stands today: next step, finish and today's planned doses."""
    today = users.local_today(user)
    schedule = arithmetic.build(doc)
    step = schedule.next_step(today)
    finish = schedule.finish
    return {
        **doc,
        "progress": {
            "today": today.isoformat(),
            "next_step": _step(step) if step else None,
            "finish": finish.isoformat() if finish else None,
            "ends": schedule.ends(),
            "today_planned": schedule.day(today),
            "today_doses": today_doses(settings, user, schedule, today),
        },
    }


def newest(settings: Settings, user: dict) -> dict:
    return described(settings, user, _newest(user["_id"]))


def versions(user: dict) -> list[dict]:
    return store.versions(user["_id"])


def _adherence(user: dict, schedule: arithmetic.Schedule, first: date, last: date) -> list[dict]:
    if first > last:
        return []
    logged = events.taken_by_day(user["_id"], first.isoformat(), last.isoformat())
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return arithmetic.adherence(schedule, logged, days)


def _with_doses(user: dict, schedule: arithmetic.Schedule, days: list[dict], today: date) -> list[dict]:
    """Each day with its doses at the person's times, when the plan has dose_times, each with its event id
    and, up to today, whether it is recorded: a day's doses missed then can be answered later."""
    if not schedule.plan.get("dose_times"):
        return days
    planned = {d["day"]: doses.doses_on(schedule, date.fromisoformat(d["day"])) for d in days}
    ids = {d["day"]: [x.event_id(user["_id"]) for x in planned[d["day"]]] for d in days}
    past = [i for day, found in ids.items() if date.fromisoformat(day) <= today for i in found]
    recorded = events.dose_statuses(user["_id"], past)
    return [
        d
        | {
            "doses": [
                x.as_dict() | {"event_id": i, "status": recorded.get(i)}
                for x, i in zip(planned[d["day"]], ids[d["day"]], strict=True)
            ]
        }
        for d in days
    ]


def schedule_between(user: dict, first: date | None, last: date | None) -> dict:
    """Each day's planned doses in the range, its steps, and planned versus logged up to today."""
    doc = _newest(user["_id"])
    today = users.local_today(user)
    first = first or today
    last = last or first + timedelta(days=DEFAULT_DAYS - 1)
    schedule = arithmetic.build(doc)
    return {
        "version": doc["version"],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": _with_doses(user, schedule, schedule.days(first, last), today),
        "steps": [_step(s) for s in schedule.steps if first <= s.day <= last],
        "adherence": _adherence(user, schedule, first, min(last, today)),
        "factors": arithmetic.factors([m.code for m in schedule.medications]),
    }


def questions(user: dict) -> dict:
    """The facts for the prescriber that apply today."""
    doc = _newest(user["_id"])
    today = users.local_today(user)
    schedule = arithmetic.build(doc)
    first = today - timedelta(days=facts.ADHERENCE_DAYS)
    recent = _adherence(user, schedule, first, today - timedelta(days=1))
    episodes = (summaries.find_person(user["_id"], {"episodes": 1}) or {}).get("episodes", [])
    return {
        "version": doc["version"],
        "today": today.isoformat(),
        "questions": facts.questions(schedule, today, episodes, recent),
        "note": QUESTIONS_NOTE,
    }
