"""Events through the real app, FerretDB and Redis: exactly once, the right day, nothing half-stored."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shared import crypto
from tests.factories.accounts import person

PROBLEM = "application/problem+json"


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def symptom(**changes):
    event = {
        "event_id": uuid.uuid4().hex,
        "type": "symptom",
        "occurred_at": iso(datetime.now(UTC) - timedelta(hours=1)),
        "code": "insomnia",
        "severity": 3,
    }
    return event | changes


class TestSingle:
    def test_accepted_then_duplicate_then_conflict(self, client, db):
        _user, headers = person()
        event = symptom(note="worse after lunch")
        r = client.post("/v1/events", json=event, headers=headers)
        assert r.status_code == 202, r.json
        assert r.json["status"] == "accepted"
        again = client.post("/v1/events", json=event, headers=headers)
        assert (again.status_code, again.json["status"]) == (200, "duplicate")
        changed = client.post("/v1/events", json=event | {"severity": 1}, headers=headers)
        assert changed.status_code == 409
        assert changed.mimetype == PROBLEM
        assert changed.json["event_id"] == event["event_id"]
        assert db.events.count_documents({}) == 1
        assert db.events.find_one()["data"]["severity"] == 3

    def test_validation_names_each_field(self, client, db):
        _user, headers = person()
        r = client.post("/v1/events", json=symptom(severity=9, code=None, custom_label=None), headers=headers)
        assert r.status_code == 422
        names = {p["name"] for p in r.json["invalid_params"]}
        assert "severity" in names
        assert db.events.count_documents({}) == 0

    def test_each_type_is_accepted(self, client, db):
        _user, headers = person()
        now = iso(datetime.now(UTC))
        events = [
            {"type": "check_in", "overall": 6, "sleep_hours": 5.5, "sleep_quality": 1, "mood": 2},
            {"type": "dose", "medication": "diazepam", "amount_mg": 4.5},
            {
                "type": "dose",
                "medication": "diazepam",
                "amount_mg": 1,
                "form": "liquid",
                "concentration_mg_per_ml": 1,
            },
            {"type": "taper_step", "kind": "cut", "medication": "diazepam", "new_daily_dose_mg": 9},
            {
                "type": "taper_step",
                "kind": "crossover",
                "medication": "lorazepam",
                "new_daily_dose_mg": 1,
                "to_medication": "diazepam",
            },
            {"type": "note", "text": "Ask about sleep", "tags": ["questions for my doctor"]},
        ]
        for event in events:
            r = client.post(
                "/v1/events", json=event | {"event_id": uuid.uuid4().hex, "occurred_at": now}, headers=headers
            )
            assert r.status_code == 202, (event, r.json)
        bad_liquid = {"type": "dose", "medication": "diazepam", "amount_mg": 1, "form": "liquid"}
        r = client.post(
            "/v1/events", json=bad_liquid | {"event_id": "x1", "occurred_at": now}, headers=headers
        )
        assert r.json["invalid_params"][0]["name"] == "concentration_mg_per_ml"

    def test_red_flags_marked(self, client, db):
        _user, headers = person()
        client.post("/v1/events", json=symptom(event_id="rf", code="seizure", severity=4), headers=headers)
        client.post("/v1/events", json=symptom(event_id="ok", code="tremor"), headers=headers)
        assert db.events.find_one({"event_id": "rf"})["red_flag"] is True
        known = db.events.find_one({"event_id": "ok"})
        assert (known["red_flag"], known["known_code"]) == (False, True)

    def test_free_text_is_encrypted_at_rest(self, client, db, settings):
        _user, headers = person()
        client.post(
            "/v1/events", json=symptom(event_id="n1", note="private words", tags=["mine"]), headers=headers
        )
        stored = db.events.find_one({"event_id": "n1"})["data"]
        assert stored["note"].startswith("fernet:")
        assert "private words" not in str(stored)
        assert crypto.decrypt(settings.encryption_keys, stored["note"]) == "private words"
        listed = client.get("/v1/events", headers=headers).json["events"][0]
        assert listed["data"]["note"] == "private words"
        assert listed["data"]["tags"] == ["mine"]


class TestCatalogue:
    def test_a_brand_name_is_refused_with_its_generic_suggested(self, client, db):
        _user, headers = person()
        dose = {"type": "dose", "medication": "valium", "amount_mg": 5}
        r = client.post(
            "/v1/events",
            json=dose | {"event_id": "v1", "occurred_at": iso(datetime.now(UTC))},
            headers=headers,
        )
        assert (r.status_code, r.mimetype) == (422, PROBLEM)
        assert r.json["type"].endswith("/unknown-catalogue-entry")
        assert r.json["suggestions"]["medication"][0] == {"code": "diazepam", "label": "Diazepam"}
        (param,) = r.json["invalid_params"]
        assert param["name"] == "medication" and "custom_medication" in param["reason"]
        assert db.events.count_documents({}) == 0

    def test_a_name_typed_as_written_gets_the_closest_entries_too(self, client, db):
        _user, headers = person()
        now = iso(datetime.now(UTC))
        dose = {"event_id": "v2", "type": "dose", "medication": "Valium", "amount_mg": 5, "occurred_at": now}
        r = client.post("/v1/events", json=dose, headers=headers)
        assert r.status_code == 422 and r.json["invalid_params"][0]["name"] == "medication"
        assert r.json["suggestions"]["medication"][0]["code"] == "diazepam"
        typed = client.post("/v1/events", json=symptom(code="Muscle twitches"), headers=headers)
        assert typed.json["suggestions"]["code"][0]["code"] == "muscle_twitches"
        assert db.events.count_documents({}) == 0

    def test_a_misspelt_symptom_is_refused_with_the_closest_entries(self, client, db):
        _user, headers = person()
        r = client.post("/v1/events", json=symptom(code="tremors"), headers=headers)
        assert r.status_code == 422
        assert r.json["suggestions"]["code"][0]["code"] == "tremor"
        assert "custom_label" in r.json["invalid_params"][0]["reason"]
        nothing_close = client.post("/v1/events", json=symptom(code="zzqx"), headers=headers)
        assert nothing_close.status_code == 422 and nothing_close.json["suggestions"] == {"code": []}
        assert db.events.count_documents({}) == 0

    def test_a_crossover_to_an_unknown_medication_is_refused(self, client, db):
        _user, headers = person()
        step = {"type": "taper_step", "kind": "crossover", "medication": "lorazepam", "new_daily_dose_mg": 1}
        now = iso(datetime.now(UTC))
        r = client.post(
            "/v1/events",
            json=step | {"event_id": "c1", "occurred_at": now, "to_medication": "ativan_xr"},
            headers=headers,
        )
        assert r.status_code == 422 and set(r.json["suggestions"]) == {"to_medication"}

    def test_in_a_batch_each_unknown_entry_is_refused_alone(self, client, db):
        _user, headers = person()
        now = iso(datetime.now(UTC))
        events = [
            {"event_id": "d1", "type": "dose", "medication": "valium", "amount_mg": 5, "occurred_at": now},
            {"event_id": "d2", "type": "dose", "medication": "diazepam", "amount_mg": 5, "occurred_at": now},
            {
                "event_id": "d3",
                "type": "dose",
                "custom_medication": "Valium (compounded)",
                "amount_mg": 5,
                "occurred_at": now,
            },
            symptom(event_id="s1", code="insomnya"),
            {k: v for k, v in symptom(event_id="s2", custom_label="insomnya").items() if k != "code"},
        ]
        r = client.post("/v1/events/batch", json={"sent_at": now, "events": events}, headers=headers)
        statuses = {o["event_id"]: o["status"] for o in r.json["results"]}
        assert statuses == {
            "d1": "rejected",
            "d2": "accepted",
            "d3": "accepted",
            "s1": "rejected",
            "s2": "accepted",
        }
        refused = {o["event_id"]: o["problem"] for o in r.json["results"] if o["status"] == "rejected"}
        assert refused["d1"]["suggestions"]["medication"][0]["code"] == "diazepam"
        assert refused["s1"]["suggestions"]["code"][0]["code"] == "insomnia"
        assert sorted(d["event_id"] for d in db.events.find()) == ["d2", "d3", "s2"]


class TestTime:
    def test_offline_batch_with_a_skewed_clock_lands_on_the_right_local_days(self, client, db):
        _user, headers = person(time_zone="America/New_York")
        now = datetime.now(UTC)
        skew = timedelta(hours=-3, minutes=-7)  # the phone's clock runs 3h07 behind
        true_times = [now - timedelta(days=3, hours=2), now - timedelta(days=1, hours=5)]
        events = [symptom(event_id=f"off{i}", occurred_at=iso(t + skew)) for i, t in enumerate(true_times)]
        r = client.post(
            "/v1/events/batch", json={"sent_at": iso(now + skew), "events": events}, headers=headers
        )
        assert r.json["accepted"] == 2
        from zoneinfo import ZoneInfo

        for i, true in enumerate(true_times):
            doc = db.events.find_one({"event_id": f"off{i}"})
            assert abs((doc["occurred_at"] - true).total_seconds()) < 5
            assert doc["local_day"] == true.astimezone(ZoneInfo("America/New_York")).date().isoformat()
            assert doc["clock_corrected"] is True
            assert doc["occurred_at_device"] == events[i]["occurred_at"]  # raw value kept

    def test_small_differences_are_not_corrected(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC)
        event = symptom(event_id="ok", occurred_at=iso(now - timedelta(minutes=30)))
        client.post(
            "/v1/events/batch",
            json={"sent_at": iso(now - timedelta(seconds=20)), "events": [event]},
            headers=headers,
        )
        assert db.events.find_one({"event_id": "ok"})["clock_corrected"] is False

    def test_future_and_ancient_times_are_rejected_with_a_reason(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC)
        events = [
            symptom(event_id="f", occurred_at=iso(now + timedelta(days=2))),
            symptom(event_id="a", occurred_at=iso(now - timedelta(days=6 * 366))),
        ]
        r = client.post("/v1/events/batch", json={"sent_at": iso(now), "events": events}, headers=headers)
        assert r.json["rejected"] == 2
        reasons = [res["problem"]["invalid_params"][0]["reason"] for res in r.json["results"]]
        assert "after it was sent" in reasons[0]
        assert "five years" in reasons[1]
        # Without sent_at nothing can be corrected, and a future time is refused as such.
        r = client.post(
            "/v1/events", json=symptom(occurred_at=iso(now + timedelta(hours=2))), headers=headers
        )
        assert r.status_code == 422
        assert "in the future" in r.json["invalid_params"][0]["reason"]
        assert db.events.count_documents({}) == 0

    def test_a_clock_running_days_ahead_is_corrected_not_rejected(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC)
        ahead = timedelta(days=3)
        event = symptom(event_id="ahead", occurred_at=iso(now - timedelta(days=1) + ahead))
        r = client.post(
            "/v1/events/batch", json={"sent_at": iso(now + ahead), "events": [event]}, headers=headers
        )
        assert r.json["accepted"] == 1
        doc = db.events.find_one({"event_id": "ahead"})
        assert abs((doc["occurred_at"] - (now - timedelta(days=1))).total_seconds()) < 5

    def test_an_entry_keeps_the_zone_its_day_was_counted_in_after_the_person_moves(self, client, db):
        """History shows each time in the zone its day was counted in, and an edit made after a move keeps
        the entry on its day (before, 23:30 in New York edited from Madrid moved to the next day)."""
        _user, headers = person(time_zone="America/New_York")
        new_york = ZoneInfo("America/New_York")
        day = datetime.now(new_york).date() - timedelta(days=2)
        late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=new_york)
        first = symptom(event_id="late", occurred_at=iso(late))
        assert client.post("/v1/events", json=first, headers=headers).json["local_day"] == str(day)
        (listed,) = client.get("/v1/events", headers=headers).json["events"]
        assert (listed["local_day"], listed["time_zone"]) == (str(day), "America/New_York")

        assert client.patch("/v1/me", json={"time_zone": "Europe/Madrid"}, headers=headers).status_code == 200
        edit = symptom(
            event_id="edit", occurred_at=listed["occurred_at_device"], time_zone=listed["time_zone"]
        )
        assert client.post("/v1/events", json=edit, headers=headers).json["local_day"] == str(day)
        moved = symptom(event_id="new", occurred_at=iso(late))  # a new entry counts in the account's zone now
        assert client.post("/v1/events", json=moved, headers=headers).json["local_day"] == str(
            day + timedelta(days=1)
        )
        stored = {e["event_id"]: e for e in client.get("/v1/events", headers=headers).json["events"]}
        assert stored["edit"]["time_zone"] == "America/New_York" and "time_zone" not in stored["edit"]["data"]
        assert stored["new"]["time_zone"] == "Europe/Madrid"
        # Stored before events kept their zone: the account's zone now.
        db.events.update_one({"event_id": "late"}, {"$unset": {"time_zone": ""}})
        stored = {e["event_id"]: e for e in client.get("/v1/events", headers=headers).json["events"]}
        assert stored["late"]["time_zone"] == "Europe/Madrid"

        r = client.post("/v1/events", json=symptom(time_zone="Mars/Olympus_Mons"), headers=headers)
        assert r.status_code == 422 and r.json["invalid_params"][0]["name"] == "time_zone"


class TestBatch:
    def test_resend_of_a_whole_batch_is_all_duplicate(self, client, db):
        _user, headers = person()
        body = {"sent_at": iso(datetime.now(UTC)), "events": [symptom() for _ in range(50)]}
        first = client.post("/v1/events/batch", json=body, headers=headers).json
        assert (first["accepted"], first["duplicate"], first["rejected"]) == (50, 0, 0)
        second = client.post("/v1/events/batch", json=body, headers=headers).json
        assert (second["accepted"], second["duplicate"], second["rejected"]) == (0, 50, 0)
        assert db.events.count_documents({}) == 50

    def test_one_bad_event_never_sinks_the_others(self, client, db):
        _user, headers = person()
        good = [symptom(), symptom()]
        body = {
            "sent_at": iso(datetime.now(UTC)),
            "events": [good[0], {"type": "symptom", "event_id": "bad", "severity": 2}, "nonsense", good[1]],
        }
        r = client.post("/v1/events/batch", json=body, headers=headers)
        assert r.status_code == 200
        assert [res["status"] for res in r.json["results"]] == [
            "accepted",
            "rejected",
            "rejected",
            "accepted",
        ]
        assert r.json["results"][1]["problem"]["status"] == 422
        assert {p["name"] for p in r.json["results"][1]["problem"]["invalid_params"]} >= {"occurred_at"}
        assert db.events.count_documents({}) == 2

    def test_same_id_twice_in_one_batch(self, client, db):
        _user, headers = person()
        event = symptom()
        body = {"sent_at": iso(datetime.now(UTC)), "events": [event, event, event | {"severity": 0}]}
        r = client.post("/v1/events/batch", json=body, headers=headers).json
        assert [res["status"] for res in r["results"]] == ["accepted", "duplicate", "rejected"]
        assert r["results"][2]["problem"]["status"] == 409

    def test_envelope_errors_fail_the_whole_request(self, client, db, settings):
        _user, headers = person()
        now = iso(datetime.now(UTC))
        r = client.post(
            "/v1/events/batch", data="{not json", content_type="application/json", headers=headers
        )
        assert (r.status_code, r.mimetype) == (400, PROBLEM)
        r = client.post("/v1/events/batch", data="x", content_type="text/plain", headers=headers)
        assert r.status_code == 415
        r = client.post(
            "/v1/events/batch",
            json={"sent_at": now, "events": [symptom() for _ in range(501)]},
            headers=headers,
        )
        assert (r.status_code, r.mimetype) == (413, PROBLEM)
        huge = {"sent_at": now, "events": [symptom(note="x" * 1900) for _ in range(300)]}
        r = client.post("/v1/events/batch", json=huge, headers=headers)
        assert r.status_code == 413
        r = client.post("/v1/events/batch", json={"events": [symptom()]}, headers=headers)
        assert r.status_code == 422
        assert r.json["invalid_params"][0]["name"] == "sent_at"
        assert db.events.count_documents({}) == 0

    def test_an_oversized_event_is_rejected_alone(self, client, db):
        _user, headers = person()
        big = {
            "type": "note",
            "event_id": "big",
            "occurred_at": iso(datetime.now(UTC)),
            "text": "y" * 5000,
            "tags": ["t" * 40] * 20,
            "padding": "z" * 40000,
        }
        r = client.post(
            "/v1/events/batch",
            json={"sent_at": iso(datetime.now(UTC)), "events": [big, symptom()]},
            headers=headers,
        )
        assert [res["status"] for res in r.json["results"]] == ["rejected", "accepted"]
        assert r.json["results"][0]["problem"]["status"] == 413


class TestOwnership:
    def test_two_people_never_see_or_change_each_others_events(self, client, db):
        _ann, ann = person()
        _bob, bob = person()
        client.post("/v1/events", json=symptom(event_id="shared-id", note="ann's"), headers=ann)
        client.post(
            "/v1/events", json=symptom(event_id="shared-id", note="bob's"), headers=bob
        )  # same id, other user
        assert [e["data"]["note"] for e in client.get("/v1/events", headers=ann).json["events"]] == ["ann's"]
        assert [e["data"]["note"] for e in client.get("/v1/events", headers=bob).json["events"]] == ["bob's"]
        client.post("/v1/events", json=symptom(event_id="only-ann"), headers=ann)
        assert client.delete("/v1/events/only-ann", headers=bob).status_code == 404
        assert client.get("/v1/me", headers=bob).json["id"] != client.get("/v1/me", headers=ann).json["id"]
        assert db.events.count_documents({"event_id": "only-ann"}) == 1

    def test_delete_removes_content_and_a_resend_cannot_revive_it(self, client, db):
        _user, headers = person()
        event = symptom(event_id="gone", note="secret")
        client.post("/v1/events", json=event, headers=headers)
        assert client.delete("/v1/events/gone", headers=headers).status_code == 204
        stored = db.events.find_one({"event_id": "gone"})
        assert "data" not in stored and stored["deleted_at"]
        assert client.post("/v1/events", json=event, headers=headers).json["status"] == "duplicate"
        assert client.get("/v1/events", headers=headers).json["events"] == []
        assert client.delete("/v1/events/gone", headers=headers).status_code == 404


class TestListing:
    def test_filter_by_type_and_time_with_cursor_pages(self, client, db):
        _user, headers = person()
        now = datetime.now(UTC)
        events = [symptom(event_id=f"s{i}", occurred_at=iso(now - timedelta(hours=i))) for i in range(7)]
        events.append({"type": "note", "event_id": "n", "occurred_at": iso(now), "text": "hi"})
        client.post("/v1/events/batch", json={"sent_at": iso(now), "events": events}, headers=headers)
        seen, cursor = [], None
        while True:
            query = {"type": "symptom", "limit": 3} | ({"cursor": cursor} if cursor else {})
            page = client.get("/v1/events", query_string=query, headers=headers).json
            seen += [e["event_id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == [f"s{i}" for i in range(7)]
        window = client.get(
            "/v1/events",
            headers=headers,
            query_string={
                "from": iso(now - timedelta(hours=3, minutes=30)),
                "to": iso(now - timedelta(minutes=30)),
            },
        ).json
        assert [e["event_id"] for e in window["events"]] == ["s1", "s2", "s3"]
        bad = client.get("/v1/events", headers=headers, query_string={"cursor": "garbage"})
        assert bad.status_code == 422
