"""GET /v1/summaries through the real app and FerretDB, on summaries the workers' computation wrote for
generated patients: the baseline's states, and an answer small enough to chart a year on a phone."""

import gzip
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import brotli
import pytest

from services.workers.summaries.params import current
from tests.factories.accounts import person
from tests.support.report_patients import generate_for_report, store
from tests.support.synthetic import generate

YEAR_GZIPPED_MAX = 100 * 1000


def stored_for(db, settings, patient, time_zone="Europe/London"):
    user, headers = person(time_zone=time_zone)
    today = datetime.now(ZoneInfo(time_zone)).date().isoformat()
    store(db, user["_id"], patient, keys=settings.encryption_keys, today=today, params=current())
    return user, headers


def summaries(client, headers, **query):
    answer = client.get("/v1/summaries", headers=headers, query_string=query)
    assert answer.status_code == 200, answer.json
    return answer


class TestBaseline:
    def test_no_summary_yet_is_no_data(self, client, db):
        _user, headers = person()
        body = summaries(client, headers).json
        assert body["baseline"]["state"] == "no_data"
        assert body["baseline"]["logged_days"] == 0

    def test_six_logged_days_are_building_and_say_how_far(self, client, db, settings):
        _user, headers = stored_for(db, settings, generate(3, days=6, missing=0.0, red_flags=0))
        body = summaries(client, headers).json
        # The newest `baseline_skip_days` are not in the next day's baseline yet.
        counted = 6 - current()["episodes"]["baseline_skip_days"]
        assert body["baseline"] == {"state": "building", "logged_days": counted, "needed_days": 10}
        # Each day's state alone is null in both this case and "no data": the baseline tells them apart.
        assert {d["state"] for d in body["days"]} == {None}

    def test_enough_logged_days_are_ready(self, client, db, settings):
        _user, headers = stored_for(db, settings, generate(4, days=20, missing=0.0, red_flags=0))
        body = summaries(client, headers).json
        assert body["baseline"]["state"] == "ready"
        assert body["baseline"]["logged_days"] >= body["baseline"]["needed_days"] == 10

    def test_a_person_who_logged_only_doses_has_no_data_to_chart(self, client, db, settings):
        patient = generate(5, days=8, missing=0.0, red_flags=0)
        patient.events = [e for e in patient.events if e["type"] == "dose"]
        _user, headers = stored_for(db, settings, patient)
        assert summaries(client, headers).json["baseline"]["state"] == "no_data"


class TestChartShape:
    @pytest.fixture
    def year(self, client, db, settings):
        patient = generate_for_report(21, days=365)
        user, headers = stored_for(db, settings, patient)
        answer = summaries(client, headers, **{"from": patient.first_day.isoformat()})
        return user, answer, headers

    def test_a_year_of_days_reaches_a_phone_in_at_most_100_kb(self, client, year):
        """Compressed by the service for a client that takes it, the same answer the others get whole."""
        _user, answer, headers = year
        assert len(answer.json["days"]) == 365
        query = {"from": answer.json["from"]}
        sent = client.get("/v1/summaries", headers={**headers, "Accept-Encoding": "gzip"}, query_string=query)
        assert sent.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in sent.headers["Vary"]
        print(f"365 days: {len(answer.data)} bytes, {len(sent.data)} bytes gzipped")
        assert len(sent.data) <= YEAR_GZIPPED_MAX
        assert json.loads(gzip.decompress(sent.data)) == answer.json
        sent = client.get(
            "/v1/summaries", headers={**headers, "Accept-Encoding": "gzip, br"}, query_string=query
        )
        assert sent.headers["Content-Encoding"] == "br"
        assert json.loads(brotli.decompress(sent.data)) == answer.json
        assert "Content-Encoding" not in answer.headers

    def test_what_every_day_shares_is_said_once(self, year):
        user, answer, _headers = year
        body = answer.json
        assert user["_id"] not in answer.text
        (source,) = body["sources"].values()
        assert answer.text.count(source["url"]) == 1
        assert body["medications"]["diazepam"]["factor_source"] in body["sources"]
        day = next(d for d in body["days"] if d["doses"] and d["symptoms"])
        assert set(day["doses"]["diazepam"]) == {"total_mg", "taken", "skipped", "diazepam_eq_mg"}
        for key in day["symptoms"]:
            assert set(day["symptoms"][key]) == {"max", "mean", "count"}
            assert body["symptoms"][key]["label"]
        custom = next(s for s in body["symptoms"].values() if s["custom"])
        assert custom["label"] == "head pressure"  # decrypted for its owner, once
        assert not any("label" in s for d in body["days"] for s in d["symptoms"].values())


class TestScales:
    def test_the_answer_names_both_ends_of_each_scale(self, client, db):
        _user, headers = person()
        found = summaries(client, headers).json["scales"]
        assert (found["overall"]["min_label"], found["overall"]["max_label"]) == ("none", "worst")
        assert (found["mood"]["min"], found["mood"]["max_label"], found["mood"]["higher_is"]) == (
            0,
            "very good",
            "better",
        )
        assert found["sleep_quality"]["higher_is"] == "better" and found["burden"]["higher_is"] == "worse"

    def test_the_openapi_document_labels_both_ends(self, client):
        document = client.get("/openapi.json").json
        days = document["components"]["schemas"]["Summary"]["properties"]["days"]["description"]
        for ends in ("0 none … 10 worst", "0 very low … 4 very good", "0 very poor … 4 very good"):
            assert ends in days
        scale = document["components"]["schemas"]["Scale"]["properties"]["higher_is"]
        assert scale["enum"] == ["worse", "better"]
        baseline = document["components"]["schemas"]["Baseline"]["properties"]["state"]
        assert baseline["enum"] == ["no_data", "building", "ready"]


def test_a_summary_stored_before_the_baseline_existed_says_so_until_recomputed(client, db, settings):
    user, headers = stored_for(db, settings, generate(6, days=12, missing=0.0, red_flags=0))
    db.person_summaries.update_one({"_id": user["_id"]}, {"$unset": {"baseline": ""}})
    assert summaries(client, headers).json["baseline"] is None  # not "no data": there is data


def test_a_custom_symptom_rated_only_before_the_range_is_labelled_for_its_rolling_means(client, db, settings):
    patient = generate(7, days=10, missing=0.0, red_flags=0)
    for offset in (0, 1):
        day = (patient.first_day + timedelta(days=offset)).isoformat()
        patient.events.append(
            {
                "event_id": f"c{offset}",
                "type": "symptom",
                "custom_label": "head pressure",
                "severity": 2,
                "occurred_at": f"{day}T18:00:00+00:00",
            }
        )
    _user, headers = stored_for(db, settings, patient)
    start = (patient.first_day + timedelta(days=3)).isoformat()
    body = summaries(client, headers, **{"from": start}).json
    (key,) = [k for k, s in body["symptoms"].items() if s["custom"]]
    assert key in body["days"][0]["rolling"]["symptoms"] and key not in body["days"][0]["symptoms"]
    assert body["symptoms"][key]["label"] == "head pressure"


class TestFirstDay:
    def test_is_the_first_live_entry_whatever_the_range_and_null_before_any(self, client, db):
        _user, headers = person(time_zone="UTC")
        assert summaries(client, headers).json["first_day"] is None
        today = datetime.now(ZoneInfo("UTC")).date()
        days = [today - timedelta(days=n) for n in (400, 90, 3)]
        for n, day in enumerate(days):
            event = {
                "event_id": f"e{n}",
                "type": "check_in",
                "occurred_at": f"{day}T12:00:00+00:00",
                "overall": 4,
            }
            assert client.post("/v1/events", json=event, headers=headers).status_code == 202
        # A deleted entry is not where the person's history starts.
        assert client.delete("/v1/events/e0", headers=headers).status_code == 204
        body = summaries(client, headers, **{"from": str(today - timedelta(days=6))}).json
        assert body["first_day"] == str(days[1])
        assert body["from"] == str(today - timedelta(days=6))
