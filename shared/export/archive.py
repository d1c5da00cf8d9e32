"""The export archive: one zip with a JSON file per registered place, a CSV per event type and a README.

Built from shared.userdata, so a place added to the registry reaches the export without a change here.
Events are streamed (a JSON array written item by item, then one CSV per type), so a large account
needs memory for one event at a time, not for all of them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from pymongo import ASCENDING

from shared import event_text, userdata
from shared.email import template_of

EVENTS = "events"
PROFILE = "profile"
EMAIL_HISTORY = "email-history"
# Spreadsheets run a cell starting with one of these as a formula; a leading quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EVENT_COLUMNS = (
    "event_id",
    "occurred_at",
    "occurred_at_device",
    "device_utc_offset_min",
    "local_day",
    "clock_corrected",
    "clock_skew_s",
    "sent_at",
    "received_at",
    "red_flag",
    "known_code",
    "device_id",
)
NOT_IN_CSV = {"type", "data", "deleted_at", "schema_version"}

README = """Your Track Your Healing export
=============================

This archive holds everything Track Your Healing stores about you, as of {generated_at} (UTC).
Times are in UTC unless a file says otherwise. Your notes are decrypted here so you can read them:
keep this file somewhere safe.

profile.json        Your account: name, email address, time zone, preferences, and the consent you
                    gave (with its version, time, and the network address and browser it came from).
devices.json        The phones and browsers signed in to your account, including signed-out ones.
events.json         Every entry you logged, with your notes. "occurred_at" is the corrected time we
                    use; "occurred_at_device" is the time exactly as your device sent it; "local_day"
                    is the day in your time zone. Entries you deleted appear only as their id and the
                    time you deleted them.
events-<type>.csv   The same entries, one spreadsheet per kind (symptom, check_in, dose, taper_step,
                    note), without deleted ones. Cells that a spreadsheet could mistake for a formula
                    start with a ' character.
invitations.json    The invitation you joined with.
email-history.json  The emails we sent you: which kind, when, and whether it was delivered. Their
                    contents are not kept after sending.
{extra}
Not included, because they are not information about you: secret sign-in codes and device keys
(we only ever kept scrambled forms of them) and internal bookkeeping.
"""


def filename(today: date) -> str:
    return f"track-your-healing-export-{today.isoformat()}.zip"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # ObjectId and other BSON scalars


def _plain(doc: dict) -> dict:
    """Documents as people read them: `id` rather than Mongo's `_id`."""
    return {("id" if key == "_id" else key): value for key, value in doc.items()}


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=2)


def _write_array(out: IO[str], docs: Iterable[dict]) -> None:
    out.write("[")
    for i, doc in enumerate(docs):
        out.write(",\n" if i else "\n")
        out.write(_dumps(_plain(doc)))
    out.write("\n]\n")


def safe_cell(value: Any) -> str:
    """A CSV cell: text that could run as a spreadsheet formula is neutralised with a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif not isinstance(value, str):
        return str(value)  # numbers: "-3" is a number to a spreadsheet, not a formula
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _events(user_id: str, keys: str, where: dict | None = None):
    row = userdata.place(EVENTS)
    for doc in userdata.documents(row, user_id, where, sort=[("occurred_at", ASCENDING)]):
        yield event_text.opened(doc, keys)


def _write_events_json(zf: zipfile.ZipFile, user_id: str, keys: str) -> dict[str, list[str]]:
    """Stream events.json; return the data fields seen per live event type (the CSV columns)."""
    fields: dict[str, dict[str, None]] = {}
    with zf.open("events.json", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:

        def seen(docs):
            for doc in docs:
                if doc.get("deleted_at") is None:
                    columns = fields.setdefault(doc["type"], {})
                    columns.update(dict.fromkeys(sorted(doc.get("data", {}))))
                yield doc

        _write_array(out, seen(_events(user_id, keys)))
    return {kind: list(columns) for kind, columns in fields.items()}


def _write_events_csv(zf: zipfile.ZipFile, user_id: str, keys: str, kind: str, fields: list[str]) -> None:
    data_columns = [f"data_{f}" if f in EVENT_COLUMNS else f for f in fields]
    with (
        zf.open(f"events-{kind}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow([*EVENT_COLUMNS, *data_columns])
        for doc in _events(user_id, keys, {"type": kind, "deleted_at": None}):
            data = doc.get("data", {})
            writer.writerow(
                [safe_cell(doc.get(c)) for c in EVENT_COLUMNS] + [safe_cell(data.get(f)) for f in fields]
            )


def write_archive(target: IO[bytes], user_id: str, keys: str, now: datetime) -> None:
    """Write the person's whole export as a zip into `target` (a file or BytesIO)."""
    known = {PROFILE, EVENTS, "devices", "invitations", EMAIL_HISTORY}
    extra: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, stored in userdata.export_documents(user_id):
            docs = stored
            if name == EMAIL_HISTORY:  # the person reads which emails they got; the record hides it
                docs = ({**doc, "template": template_of(keys, doc)} for doc in stored)
            if name == EVENTS:
                for kind, fields in sorted(_write_events_json(zf, user_id, keys).items()):
                    _write_events_csv(zf, user_id, keys, kind, fields)
            elif name == PROFILE:
                profile = next(iter(docs), {})
                zf.writestr(f"{name}.json", _dumps(_plain(profile)) + "\n")
            else:
                with zf.open(f"{name}.json", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
                    _write_array(out, docs)
                if name not in known:
                    extra.append(f"{name}.json".ljust(20) + "More of your records, as stored.")
        generated_at = now.strftime("%Y-%m-%d %H:%M")
        zf.writestr("README.txt", README.format(generated_at=generated_at, extra="\n".join(extra)))
