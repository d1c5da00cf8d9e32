"""Hostile bodies and parameters each get a 400 or 422 problem, never a 500; in a batch, an event that is
bad on its own is rejected alone."""

import base64
import json
from datetime import UTC, datetime

import pytest

from shared import single_line
from shared.web import json_body
from tests.factories.accounts import person
from tests.services.ingestion.events.test_events import PROBLEM, iso, symptom

JSON = {"Content-Type": "application/json"}


def post_raw(client, path, text, headers):
    return client.post(path, data=text, headers=headers | JSON)


def batch(*events) -> dict:
    return {"sent_at": iso(datetime.now(UTC)), "events": list(events)}


def reasons(response) -> list[tuple[str, str]]:
    return [(p["name"], p["reason"]) for p in response.json["invalid_params"]]


@pytest.mark.parametrize("kind", [{"name": "symptom"}, ["symptom"]])
class TestTypeNotAString:
    def test_one_event_is_422_naming_type(self, client, db, kind):
        _user, headers = person()
        r = client.post("/v1/events", json=symptom(type=kind), headers=headers)
        assert (r.status_code, r.mimetype) == (422, PROBLEM)
        assert [name for name, _ in reasons(r)] == ["type"]
        assert db.events.count_documents({}) == 0

    def test_in_a_batch_only_that_event_is_rejected(self, client, db, kind):
        _user, headers = person()
        r = client.post(
            "/v1/events/batch", json=batch(symptom(), symptom(type=kind), symptom()), headers=headers
        )
        assert r.status_code == 200
        assert [res["status"] for res in r.json["results"]] == ["accepted", "rejected", "accepted"]
        problem = r.json["results"][1]["problem"]
        assert problem["status"] == 422
        assert [p["name"] for p in problem["invalid_params"]] == ["type"]
        assert db.events.count_documents({}) == 2


class TestLoneSurrogate:
    def test_in_a_note_is_400_naming_the_field(self, client, db):
        _user, headers = person()
        text = json.dumps(symptom(note="worse \ud83d after lunch"))  # half an emoji, as \ud83d
        r = post_raw(client, "/v1/events", text, headers)
        assert (r.status_code, r.mimetype) == (400, PROBLEM)
        assert reasons(r) == [("note", json_body.NOT_TEXT)]
        assert db.events.count_documents({}) == 0

    def test_in_a_batch_names_the_event(self, client, db):
        _user, headers = person()
        r = post_raw(
            client, "/v1/events/batch", json.dumps(batch(symptom(), symptom(note="\udc00"))), headers
        )
        assert r.status_code == 400
        assert reasons(r) == [("events.1.note", json_body.NOT_TEXT)]

    def test_a_paired_surrogate_escape_is_ordinary_text(self, client, db):
        _user, headers = person()
        r = post_raw(client, "/v1/events", json.dumps(symptom(note="better \U0001f600")), headers)
        assert r.status_code == 202


class TestHugeNumbers:
    def test_an_integer_of_5000_digits_is_400(self, client, db):
        _user, headers = person()
        text = json.dumps(symptom()).replace('"severity": 3', '"severity": ' + "9" * 5000)
        r = post_raw(client, "/v1/events", text, headers)
        assert (r.status_code, r.mimetype) == (400, PROBLEM)
        assert reasons(r) == [("body", json_body.BIG_NUMBER)]
        text = json.dumps(batch(symptom())).replace('"severity": 3', '"severity": ' + "9" * 5000)
        r = post_raw(client, "/v1/events/batch", text, headers)
        assert r.status_code == 400
        assert db.events.count_documents({}) == 0

    @pytest.mark.parametrize("number", [str(2**63), "1e400", "NaN", "-Infinity"])
    def test_numbers_no_store_can_keep_are_400(self, client, db, number):
        _user, headers = person()
        text = json.dumps(symptom(severity=-1)).replace("-1", number)
        r = post_raw(client, "/v1/events", text, headers)
        assert (r.status_code, r.mimetype) == (400, PROBLEM)


class TestNesting:
    def test_100k_deep_is_400(self, client, db):
        _user, headers = person()
        for path in ("/v1/events", "/v1/events/batch"):
            r = post_raw(client, path, "[" * 100_000 + "]" * 100_000, headers)
            assert (r.status_code, r.mimetype) == (400, PROBLEM), path
            assert reasons(r) == [("body", json_body.TOO_DEEP)]

    def test_deep_enough_to_parse_but_past_the_limit_is_400_naming_where(self, client, db):
        _user, headers = person()
        deep = symptom(tags=["a"])
        deep["tags"] = [json.loads("[" * 500 + "]" * 500)]
        r = client.post("/v1/events", json=deep, headers=headers)
        assert r.status_code == 400
        assert reasons(r)[0][0].startswith("tags.0.0.0")


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|not-an-object-id").decode(),
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|" + b"z" * 24).decode(),
        "%%%",
    ],
)
def test_a_cursor_with_a_bad_object_id_is_422(client, db, cursor):
    _user, headers = person()
    r = client.get("/v1/events", query_string={"cursor": cursor}, headers=headers)
    assert (r.status_code, r.mimetype) == (422, PROBLEM)
    assert [name for name, _ in reasons(r)] == ["cursor"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": None, "custom_label": "pins\r\nand needles"}, "custom_label"),
        ({"tags": ["ok", "after\nlunch"]}, "tags.1"),
    ],
)
def test_one_line_fields_refuse_line_breaks(client, db, changes, field):
    _user, headers = person()
    event = {k: v for k, v in symptom(**changes).items() if v is not None}
    r = client.post("/v1/events", json=event, headers=headers)
    assert (r.status_code, r.mimetype) == (422, PROBLEM)
    assert reasons(r) == [(field, single_line.MESSAGE)]
    note = symptom(note="worse after lunch\nbetter by evening")  # a note may have many lines
    assert client.post("/v1/events", json=note, headers=headers).status_code == 202
