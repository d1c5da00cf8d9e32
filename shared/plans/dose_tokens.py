"""The token that lets a tap on "Taken" or "Skipped" record one planned dose without a session: in the app,
in a push notification (the service worker has no cookie) or behind an email link.

It names the dose (person, medication, day, time and the amount planned) and is sealed (shared.tokens:
encrypted and authenticated), so a link says nothing about the person to whoever sees it, and it expires.
Single use is not the token's: the dose event's deterministic id makes a second tap change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared import tokens
from shared.plans.doses import Dose, event_id

PURPOSE = "dose-confirm"
VALID_FOR = timedelta(days=3)


@dataclass(frozen=True)
class DoseRef:
    """What a token names: enough to write the dose event as planned when the token was made."""

    user_id: str
    day: str
    time: str
    medication: str
    mg: float
    form: str
    concentration_mg_per_ml: float | None

    @property
    def event_id(self) -> str:
        return event_id(self.user_id, self.medication, self.day, self.time)


def mint(keys: str, user_id: str, dose: Dose, now: datetime) -> str:
    """A token for one of the person's planned doses, valid for VALID_FOR from `now`."""
    payload = {
        "u": user_id,
        "d": dose.day.isoformat(),
        "t": dose.time,
        "m": dose.medication,
        "mg": float(dose.mg),
        "f": dose.med.get("form"),
        "c": dose.med.get("concentration_mg_per_ml"),
        "x": int((now + VALID_FOR).timestamp()),
    }
    return tokens.seal(keys, PURPOSE, payload)


def read(keys: str, token: str, now: datetime) -> DoseRef:
    """The dose a token names; TokenInvalid when forged, altered or not ours, TokenExpired when too old."""
    payload = tokens.unseal(keys, PURPOSE, token)
    try:
        ref = DoseRef(
            user_id=str(payload["u"]),
            day=str(payload["d"]),
            time=str(payload["t"]),
            medication=str(payload["m"]),
            mg=float(payload["mg"]),
            form=str(payload["f"]),
            concentration_mg_per_ml=None if payload["c"] is None else float(payload["c"]),
        )
        expires = int(payload["x"])
    except (KeyError, TypeError, ValueError):
        raise tokens.TokenInvalid(PURPOSE) from None
    if now.timestamp() > expires:
        raise tokens.TokenExpired(PURPOSE)
    return ref
