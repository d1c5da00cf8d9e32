"""How admin pages show stored values: times as people read them, audit details as labelled text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

# Audit detail keys as the audit page names them; others are shown with their key.
DETAIL_LABELS = {
    "email": "address",
    "invitation_id": "invitation",
    "filters": "filters",
    "name": "name",
    "ip": "IP address",
}
FILTER_LABELS = {
    "q": "search",
    "status": "status",
    "source": "source",
    "created_from": "joined from",
    "created_to": "joined until",
    "sort": "sort",
    "page": "page",
}


def when(value: datetime | date | str | None) -> str:
    """'5 Dec 2026, 23:01 UTC' for a time (stored in UTC), '5 Dec 2026' for a day, '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return f"{moment.astimezone(UTC):%-d %b %Y, %H:%M} UTC"
    return f"{value:%-d %b %Y}"


def details(values: dict[str, Any] | None) -> list[str]:
    """An audit entry's details as 'label: value' lines; nested filters as 'status confirmed, ...'."""
    lines = []
    for key, value in (values or {}).items():
        label = DETAIL_LABELS.get(key, key.replace("_", " "))
        if isinstance(value, dict):
            shown = ", ".join(f"{FILTER_LABELS.get(k, k)} {_plain(v)}" for k, v in value.items()) or "none"
        elif isinstance(value, list | tuple):
            shown = ", ".join(_plain(v) for v in value)
        else:
            shown = _plain(value)
        lines.append(f"{label}: {shown}")
    return lines


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return when(value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return when(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
