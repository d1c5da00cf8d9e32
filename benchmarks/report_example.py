"""Render a generated patient's weekly report to PDF and its first page to docs/report-example.png.

`python -m benchmarks.report_example` (needs pdftoppm from poppler-utils). No database: the summaries are
computed by the workers' pure functions, exactly as the worker would store them.
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.workers.reports import interdose, model, render
from services.workers.summaries import params
from shared.settings import Settings
from tests.support.report_patients import generate_for_report, stored_events, summaries

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "report-example.png"
TODAY = date(2026, 3, 16)  # fixed, so the example only changes when the report does
SEED = 3


def example_pdf() -> bytes:
    keys = Settings.from_env({}).encryption_keys
    patient = generate_for_report(SEED, days=120, end=TODAY - timedelta(days=1), red_flags=4)
    days, person = summaries(patient, keys, TODAY.isoformat(), params.load())
    start, end = "2026-03-09", "2026-03-15"
    notes = [
        {"local_day": e["occurred_at"][:10], "occurred_at": e["occurred_at"], "data": e}
        for e in patient.events
        if e["type"] == "note" and start <= e["occurred_at"][:10] <= end
    ]
    report = {
        "_id": "example",
        "kind": "weekly",
        "period_start": start,
        "period_end": end,
        "options": {"include_notes": True, "paper": "A4"},
    }
    content = model.assemble(
        report,
        user={"display_name": "Sam (example)", "time_zone": patient.time_zone},
        days=[d for d in days if model.lookback_start(start, end) <= d["day"] <= end],
        person=person,
        notes=notes,
        timed=[
            e
            for e in stored_events("example", patient, keys, tuple(interdose.TYPES))
            if interdose.first_day(start) <= e["local_day"] <= end
        ],
        keys=keys,
        generated_at=datetime(2026, 3, 16, 7, tzinfo=UTC),
    )
    return render.pdf(render.html(content))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(example_pdf())
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(OUTPUT.with_suffix("")),
            ],
            check=True,
        )
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
