"""Response bodies as every HTTP service writes them (shared/web/service.py IsoJSONProvider, orjson): as the
standard library writes them compact with sorted keys, except that text is UTF-8, not \\u escapes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from flask import Flask

from shared.web.service import IsoJSONProvider

ANSWER = {
    "z": 1,
    "a": {"y": [1.5, None, True], "b": "héllo ✓"},
    "computed_at": datetime(2026, 12, 6, 7, 28, 9, 948000, tzinfo=UTC),
    "whole_second": datetime(2026, 12, 6, 7, 28, 9, tzinfo=timezone(timedelta(hours=1))),
    "naive": datetime(2026, 12, 6, 7, 28),
    "day": date(2026, 12, 6),
    "amount": Decimal("2.5"),
}


def body_of(answer: dict) -> bytes:
    app = Flask(__name__)
    app.json = IsoJSONProvider(app)
    app.add_url_rule("/", "answer", lambda: answer)
    return app.test_client().get("/").data


def test_bodies_are_compact_sorted_utf8_with_iso_dates():
    expected = json.dumps(
        ANSWER,
        default=IsoJSONProvider.default,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert body_of(ANSWER) == f"{expected}\n".encode()
    assert b'"computed_at":"2026-12-06T07:28:09.948000+00:00"' in body_of(ANSWER)
    assert b'"whole_second":"2026-12-06T07:28:09+01:00"' in body_of(ANSWER)
    assert b'"amount":"2.5"' in body_of(ANSWER)  # Flask's own rule for decimals
