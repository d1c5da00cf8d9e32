"""The export archive: one zip with a JSON file per registered place, a CSV per event type, the report
PDFs and a README.

Built from shared.userdata, so a place added to the registry reaches the export without a change here.
Events are streamed (a JSON array written item by item, then one CSV per type), so a large account
needs memory for one event at a time, not for all of them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from pymongo import ASCENDING

from shared import catalog, event_text, reports, userdata
from shared.email import template_of

EVENTS = "events"
PROFILE = "profile"
EMAIL_HISTORY = "email-history"
REPORTS_FOLDER = "reports"
# Spreadsheets run a cell starting with one of these as a formula; a leading quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The CSVs are for reading: when it happened and what was logged. Bookkeeping (the device an entry came
# from, clock corrections, whether a code was in the catalogue) stays in events.json, where README.txt
# explains it.
EVENT_COLUMNS = ("event_id", "local_day", "occurred_at", "occurred_at_device")
TYPE_COLUMNS = {"symptom": ("red_flag",)}
# A catalogue code gets its readable name in the next column.
LABEL_COLUMNS = {
    "code": ("symptom", lambda code: (catalog.symptom(code) or {}).get("label")),
    "medication": ("medication_name", lambda code: (catalog.medication(code) or {}).get("name")),
    "to_medication": ("to_medication_name", lambda code: (catalog.medication(code) or {}).get("name")),
}

README_HEAD = """Your Track Your Healing export
=============================

This archive holds everything Track Your Healing stores about you, as of {generated_at} (UTC).
Times are in UTC unless a file says otherwise. Your notes are decrypted here so you can read them:
keep this file somewhere safe.
"""
# (file, what it holds): one paragraph each in README.txt.
README_FILES = (
    (
        "profile.json",
        "Your account: name, email address, time zone, preferences, and the consent you "
        "gave (with its version, time, and the network address and browser it came from).",
    ),
    ("devices.json", "The phones and browsers signed in to your account, including signed-out ones."),
    (
        "events.json",
        'Every entry you logged, with your notes. "occurred_at" is the corrected time we use; '
        '"occurred_at_device" is the time exactly as your device sent it; "local_day" is the day in your '
        'time zone, "time_zone" the zone it was counted in (your account\'s when you logged it). '
        "Entries you deleted appear only as their id and the time you deleted them. It also keeps "
        'our bookkeeping for each entry: "device_id" (which of your devices sent it, see devices.json), '
        '"device_utc_offset_min" (your device\'s offset from UTC), "sent_at" and "received_at" (when '
        'your device sent it and when we received it), "clock_skew_s" and "clock_corrected" (how far '
        'your device\'s clock was off, and whether we corrected the time for it), "known_code" (whether the '
        'symptom or medication code is one from our catalogue), "red_flag" (the symptom is one that calls '
        'for urgent care) and "schema_version".',
    ),
    (
        "events-<type>.csv",
        "The same entries, one spreadsheet per kind (symptom, check_in, dose, "
        "taper_step, note), without deleted ones and without the bookkeeping. Columns: event_id, local_day, "
        "occurred_at (UTC), occurred_at_device, red_flag (symptoms only), then what you logged. "
        "Catalogue codes have their name in the next column (code -> symptom, medication -> "
        "medication_name, to_medication -> to_medication_name). "
        "Scales: symptom severity 0 (not at all) to 4 (very much so); check-in overall 0 (none) to 10 "
        "(worst); sleep_quality 0 (very poor) to 4 (very good); mood 0 (very low) to 4 (very good). Cells "
        "that a spreadsheet could mistake for a formula start with a ' character.",
    ),
    (
        "taper-plans.json",
        "Every version of your taper plan as you entered it (medications, start doses, steps, intervals, "
        "holds, rounding, target and your dose times), with when each version was saved.",
    ),
    (
        "push-subscriptions.json",
        "The browsers you turned dose notifications on in: the push service address each "
        "one gave us, which of your devices turned it on (see devices.json), and when. The keys that "
        "encrypt what we send them are left out.",
    ),
    (
        "dose-reminders.json",
        "The dose reminders of the last 14 days: the day and time of each, when it was due, and "
        "how it went (pushed to a browser, emailed, or not sent because reminders were paused or there "
        "was nowhere to send it).",
    ),
    ("invitations.json", "The invitation you joined with."),
    (
        "email-history.json",
        "The emails we sent you: which kind, when, and whether it was delivered. "
        "Their contents are not kept after sending.",
    ),
    (
        "reports.json",
        "The doctor reports you asked for or scheduled: the period each covers, its options "
        "and whether it was built.",
    ),
    ("reports/", "The PDF of each report that was built, named by the period it covers."),
    (
        "report-shares.json",
        "The links you made to share a report: who you named, when each link was "
        "made, when it expires and whether you withdrew it.",
    ),
    (
        "report-share-opens.json",
        "Each time someone opened one of your share links: when, and whether "
        "they opened the page or the PDF (nothing about who opened it is kept).",
    ),
)
README_TAIL = """
Not included, because they are not information about you: secret sign-in codes and device keys
(we only ever kept scrambled forms of them) and internal bookkeeping.
"""


def readme(generated_at: str, extra: Iterable[str] = ()) -> str:
    """README.txt: each file's name on its own line, then what it holds, indented and wrapped."""
    entries = [*README_FILES, *((name, "More of your records, as stored.") for name in extra)]
    parts = [README_HEAD.format(generated_at=generated_at).rstrip("\n")]
    for name, text in entries:
        parts.append(name + "\n" + textwrap.fill(text, 100, initial_indent="    ", subsequent_indent="    "))
    return "\n\n".join(parts) + "\n" + README_TAIL


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


def _csv_columns(kind: str, fields: list[str]) -> tuple[list[str], list[tuple[str, Any]]]:
    """(header, how to fill each cell): the base columns, then each data field with its label beside it."""
    base = [*EVENT_COLUMNS, *TYPE_COLUMNS.get(kind, ())]
    header, cells = list(base), [(column, None) for column in base]
    for field in fields:
        header.append(f"data_{field}" if field in base else field)
        cells.append((field, "data"))
        if field in LABEL_COLUMNS:
            label, name_of = LABEL_COLUMNS[field]
            header.append(label if label not in fields else f"{label}_name")
            cells.append((field, name_of))
    return header, cells


def _write_events_csv(zf: zipfile.ZipFile, user_id: str, keys: str, kind: str, fields: list[str]) -> None:
    header, cells = _csv_columns(kind, fields)
    with (
        zf.open(f"events-{kind}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(header)
        for doc in _events(user_id, keys, {"type": kind, "deleted_at": None}):
            data = doc.get("data", {})
            row = []
            for field, source in cells:
                if source is None:
                    value = doc.get(field)
                elif source == "data":
                    value = data.get(field)
                else:
                    value = source(data[field]) if data.get(field) else None
                row.append(safe_cell(value))
            writer.writerow(row)


def _write_report_pdfs(zf: zipfile.ZipFile, user_id: str, keys: str) -> None:
    """Each ready report's PDF under reports/, copied piece by piece; a repeated period gets a number."""
    used: set[str] = set()
    for report, stream in reports.ready_pdfs(user_id, keys):
        stem = f"taper-report-{report['period_start']}-to-{report['period_end']}"
        name, n = f"{stem}.pdf", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.pdf"
        used.add(name)
        try:
            with zf.open(f"{REPORTS_FOLDER}/{name}", "w") as out:
                shutil.copyfileobj(stream, out)
        finally:
            stream.close()


def write_archive(target: IO[bytes], user_id: str, keys: str, now: datetime) -> None:
    """Write the person's whole export as a zip into `target` (a file or BytesIO)."""
    described = {name.removesuffix(".json") for name, _text in README_FILES}
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
                if name not in described:
                    extra.append(f"{name}.json")
        _write_report_pdfs(zf, user_id, keys)
        zf.writestr("README.txt", readme(now.strftime("%Y-%m-%d %H:%M"), extra))
