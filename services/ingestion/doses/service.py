"""Recording a confirmed dose: the token names the dose, and the dose event is written through the event
rules under the dose's deterministic id, so a second tap, a tap on another device or a resend after a lost
answer finds the first and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from celery import Celery

from services.ingestion.doses.exceptions import DoseDeleted, DoseRefused, TokenExpired, TokenUnusable
from services.ingestion.events import service as events_service
from shared import events, tokens, users
from shared.plans import dose_tokens
from shared.settings import Settings

# A plan's form, as the dose event names it (a weighed or compounded form is "other" in both).
EVENT_FORM = {"tablet": "tablet", "liquid": "liquid"}


def read(settings: Settings, token: str) -> tuple[dose_tokens.DoseRef, dict]:
    """The dose a token names and its person; TokenUnusable or TokenExpired otherwise."""
    try:
        ref = dose_tokens.read(settings.encryption_keys, token, datetime.now(UTC))
    except tokens.TokenExpired:
        raise TokenExpired() from None
    except tokens.TokenInvalid:
        raise TokenUnusable() from None
    user = users.find(ref.user_id, {"time_zone": 1, "language": 1})
    if user is None:
        raise TokenUnusable()
    return ref, user


def _occurred_at(ref: dose_tokens.DoseRef, time_zone: str, now: datetime) -> datetime:
    """The dose's planned moment, or now for a dose confirmed ahead of its time: either way on its day."""
    tz = ZoneInfo(time_zone)
    hours, minutes = ref.time.split(":")
    planned = datetime.fromisoformat(ref.day).replace(hour=int(hours), minute=int(minutes), tzinfo=tz)
    return min(planned, now.astimezone(tz))


def _event(ref: dose_tokens.DoseRef, status: str, time_zone: str) -> dict:
    event = {
        "event_id": ref.event_id,
        "type": "dose",
        "occurred_at": _occurred_at(ref, time_zone, datetime.now(UTC)).isoformat(),
        "medication": ref.medication,
        "amount_mg": ref.mg,
        "form": EVENT_FORM.get(ref.form, "other"),
        "status": status,
    }
    if event["form"] == "liquid":
        event["concentration_mg_per_ml"] = ref.concentration_mg_per_ml
    return event


def _answer(ref: dose_tokens.DoseRef, status: str) -> dict:
    return {
        "event_id": ref.event_id,
        "status": status,
        "day": ref.day,
        "time": ref.time,
        "medication": ref.medication,
        "mg": ref.mg,
    }


def confirm(
    celery_app: Celery, settings: Settings, ref: dose_tokens.DoseRef, user: dict, status: str
) -> tuple[dict, bool]:
    """Record the dose (from `read`) as taken or skipped; (answer, True) when recorded now, (answer with
    the stored status, False) when it was recorded before, whatever status this tap sent."""
    outcome = events_service.ingest(
        celery_app, settings, user, [_event(ref, status, user["time_zone"])], sent_at=None
    )
    (result,) = outcome.outcomes
    if result.status == events_service.ACCEPTED:
        return _answer(ref, status), True
    recorded = events.dose_statuses(user["_id"], [ref.event_id]).get(ref.event_id)
    if recorded is not None:
        return _answer(ref, recorded), False
    if events.find_by_ids(user["_id"], [ref.event_id]):
        raise DoseDeleted()
    raise DoseRefused((result.problem or {}).get("detail"))
