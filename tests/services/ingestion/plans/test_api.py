"""The taper plan API through the real app, FerretDB and Redis: versions that keep the old ones, refusals
that store nothing, each person seeing only their own plan, the schedule with planned versus logged doses,
and the questions for the prescriber."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.summaries import PERSONS
from tests.factories import plans
from tests.factories.accounts import person
from tests.factories.plans import diazepam_tablets

ZONE = "Europe/Berlin"


def today():
    return datetime.now(ZoneInfo(ZONE)).date()


def a_plan(start=None, **kw) -> dict:
    start = start or (today() - timedelta(days=20))
    return plans.plan(diazepam_tablets(), start_day=start.isoformat(), **kw)


def save(client, headers, plan, status=201):
    answer = client.post("/v1/plan/versions", json=plan, headers=headers)
    assert answer.status_code == status, answer.json
    return answer.json


class TestVersions:
    def test_a_saved_plan_answers_with_its_next_step_and_finish(self, client, db):
        _user, headers = person(time_zone=ZONE)
        body = save(client, headers, a_plan())
        assert body["version"] == 1
        progress = body["progress"]
        assert progress["today"] == today().isoformat()
        # Started 20 days ago: the first cut (to 18 mg) was on day 14, the next (to 16.5 mg) is on day 28.
        assert progress["next_step"]["day"] == (today() + timedelta(days=8)).isoformat()
        assert progress["next_step"]["to_mg"] == 16.5
        assert progress["today_planned"]["medications"]["diazepam"] == {"mg": 18.0, "tablets": 9.0}
        assert progress["ends"] == {"diazepam": "stalled"} and progress["finish"] is None
        assert client.get("/v1/plan", headers=headers).json == body

    def test_a_change_is_a_new_version_and_the_old_one_is_kept(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        held = a_plan(holds=[{"start": today().isoformat(), "until": None}], based_on_version=1)
        second = save(client, headers, held)
        assert second["version"] == 2
        assert second["progress"]["next_step"] is None
        assert second["progress"]["ends"] == {"diazepam": "open_hold"}
        versions = client.get("/v1/plan/versions", headers=headers).json["versions"]
        assert [v["version"] for v in versions] == [2, 1]
        assert versions[1]["holds"] == [] and versions[0]["holds"] == [
            {"start": today().isoformat(), "until": None}
        ]

    def test_a_change_from_an_older_version_is_refused_and_stores_nothing(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        save(client, headers, a_plan(based_on_version=1))
        stale = client.post("/v1/plan/versions", json=a_plan(based_on_version=1), headers=headers)
        assert stale.status_code == 409
        assert stale.headers["Content-Type"] == "application/problem+json"
        assert stale.json["current_version"] == 2
        assert db.taper_plans.count_documents({}) == 2

    def test_of_changes_made_at_once_from_the_same_version_exactly_one_is_saved(self, ingestion_app, db):
        _user, headers = person(time_zone=ZONE)
        save(ingestion_app.test_client(), headers, a_plan())
        barrier, statuses = threading.Barrier(6), []

        def change():
            client = ingestion_app.test_client()
            barrier.wait()
            statuses.append(
                client.post("/v1/plan/versions", json=a_plan(based_on_version=1), headers=headers).status_code
            )

        threads = [threading.Thread(target=change) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
        assert sorted(d["version"] for d in db.taper_plans.find()) == [1, 2]

    def test_each_person_sees_only_their_own_plan(self, client, db):
        owner, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        _other, other_headers = person(time_zone=ZONE)
        assert client.get("/v1/plan", headers=other_headers).status_code == 404
        assert client.get("/v1/plan/versions", headers=other_headers).json == {"versions": []}
        assert client.get("/v1/plan/schedule", headers=other_headers).status_code == 404
        assert client.get("/v1/plan/questions", headers=other_headers).status_code == 404
        # Saving a plan of one's own never touches another's versions.
        save(client, other_headers, a_plan())
        assert db.taper_plans.count_documents({"user_id": owner["_id"]}) == 1

    def test_needs_a_token(self, client, db):
        assert client.get("/v1/plan").status_code == 401
        assert client.post("/v1/plan/versions", json=a_plan()).status_code == 401


class TestEndAndDelete:
    def test_ending_keeps_every_version_and_plans_nothing_after_the_last_day(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        last = today() + timedelta(days=3)
        ended = client.post(
            "/v1/plan/end", json={"day": last.isoformat(), "based_on_version": 1}, headers=headers
        )
        assert ended.status_code == 201, ended.json
        assert (ended.json["version"], ended.json["ended_on"]) == (2, last.isoformat())
        # The next cut (day 28, eight days from now) falls after the end: no step, no finish.
        assert ended.json["progress"]["next_step"] is None
        assert ended.json["progress"]["ends"] == {"diazepam": "ended"}
        assert (
            ended.json["medications"]
            == client.get("/v1/plan/versions", headers=headers).json["versions"][1]["medications"]
        )
        days = client.get(
            "/v1/plan/schedule",
            query_string={"from": last.isoformat(), "to": (last + timedelta(days=1)).isoformat()},
            headers=headers,
        ).json["days"]
        assert days[0]["medications"]["diazepam"]["mg"] == 18.0 and days[1]["medications"] == {}
        assert [v["version"] for v in client.get("/v1/plan/versions", headers=headers).json["versions"]] == [
            2,
            1,
        ]
        # Ending an older version than the newest is refused, like any change.
        stale = client.post(
            "/v1/plan/end", json={"day": last.isoformat(), "based_on_version": 1}, headers=headers
        )
        assert stale.status_code == 409 and db.taper_plans.count_documents({}) == 2

    def test_an_end_before_the_start_is_refused_and_stores_nothing(self, client, db):
        _user, headers = person(time_zone=ZONE)
        plan = save(client, headers, a_plan())
        early = (today() - timedelta(days=30)).isoformat()
        answer = client.post("/v1/plan/end", json={"day": early}, headers=headers)
        assert answer.status_code == 422
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert plan["start_day"] in answer.json["detail"]
        assert [p["name"] for p in answer.json["invalid_params"]] == ["day"]
        assert db.taper_plans.count_documents({}) == 1

    def test_ending_without_a_plan_is_404(self, client, db):
        _user, headers = person(time_zone=ZONE)
        assert (
            client.post("/v1/plan/end", json={"day": today().isoformat()}, headers=headers).status_code == 404
        )

    def test_deleting_erases_every_version_of_that_person_only(self, client, db):
        owner, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        save(client, headers, a_plan(based_on_version=1))
        other, other_headers = person(time_zone=ZONE)
        save(client, other_headers, a_plan())
        assert client.delete("/v1/plan", headers=headers).status_code == 204
        assert db.taper_plans.count_documents({"user_id": owner["_id"]}) == 0
        assert db.taper_plans.count_documents({"user_id": other["_id"]}) == 1
        assert client.get("/v1/plan", headers=headers).status_code == 404
        assert client.delete("/v1/plan", headers=headers).status_code == 204  # a repeat: still gone
        # A new plan starts again from version 1.
        assert save(client, headers, a_plan(based_on_version=0))["version"] == 1


class TestRefusals:
    def refused(self, client, db, plan) -> dict:
        _user, headers = person(time_zone=ZONE)
        answer = client.post("/v1/plan/versions", json=plan, headers=headers)
        assert answer.status_code == 422, answer.json
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert db.taper_plans.count_documents({}) == 0
        return {p["name"]: p["reason"] for p in answer.json["invalid_params"]}

    def test_a_medication_outside_the_catalogue(self, client, db):
        reasons = self.refused(client, db, a_plan(medications=[diazepam_tablets(medication="unknownazepam")]))
        assert any("catalogue" in r for name, r in reasons.items() if name.endswith("medication"))

    def test_a_start_dose_that_cannot_be_measured(self, client, db):
        reasons = self.refused(client, db, a_plan(medications=[diazepam_tablets(start_mg=20.3)]))
        (name,) = [n for n in reasons if n.endswith("start_mg")]
        assert "0.5 mg" in reasons[name]

    def test_a_percent_step_without_its_size_and_a_liquid_without_its_concentration(self, client, db):
        med = diazepam_tablets(form="liquid", tablet_strength_mg=None)
        del med["step_percent"], med["tablet_strength_mg"]
        reasons = self.refused(client, db, a_plan(medications=[med]))
        assert {n.rsplit(".", 1)[-1] for n in reasons} >= {"step_percent", "concentration_mg_per_ml"}

    def test_overlapping_holds(self, client, db):
        day = today()
        holds = [
            {"start": day.isoformat(), "until": (day + timedelta(days=10)).isoformat()},
            {"start": (day + timedelta(days=5)).isoformat(), "until": None},
        ]
        assert "holds" in self.refused(client, db, a_plan(holds=holds))

    def test_a_day_far_outside_any_plan(self, client, db):
        assert "start_day" in self.refused(client, db, a_plan() | {"start_day": "9999-12-31"})


class TestSchedule:
    def test_days_steps_and_planned_versus_logged(self, client, db):
        _user, headers = person(time_zone=ZONE)
        start = today() - timedelta(days=15)
        save(client, headers, a_plan(start=start))
        yesterday = today() - timedelta(days=1)
        noon = datetime.combine(yesterday, datetime.min.time(), ZoneInfo(ZONE)).replace(hour=12)
        logged = client.post(
            "/v1/events",
            json={
                "event_id": "dose-1",
                "type": "dose",
                "occurred_at": noon.isoformat(),
                "medication": "diazepam",
                "amount_mg": 20,
            },
            headers=headers,
        )
        assert logged.status_code in (200, 201, 202), logged.json
        answer = client.get(
            "/v1/plan/schedule",
            query_string={"from": start.isoformat(), "to": (start + timedelta(days=42)).isoformat()},
            headers=headers,
        )
        assert answer.status_code == 200, answer.json
        body = answer.json
        assert len(body["days"]) == 43
        assert [(s["to_mg"], s["percent"]) for s in body["steps"]] == [
            (18.0, -10.0),
            (16.5, -8.3),
            (15.0, -9.1),
        ]
        assert body["days"][0]["medications"]["diazepam"] == {"mg": 20.0, "tablets": 10.0}
        assert body["days"][14]["step"] is True
        by_day = {r["day"]: r for r in body["adherence"]}
        assert len(by_day) == 16  # from the start day to today
        assert by_day[yesterday.isoformat()] == {
            "day": yesterday.isoformat(),
            "medication": "diazepam",
            "planned_mg": 18.0,
            "logged_mg": 20.0,
            "state": "above_plan",
        }
        assert by_day[today().isoformat()]["state"] == "not_logged"
        assert body["factors"]["factors"]["diazepam"][0]["source"]["url"].startswith("https://")

    def test_a_range_too_long_is_refused(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(client, headers, a_plan())
        answer = client.get(
            "/v1/plan/schedule", query_string={"from": "2026-01-01", "to": "2027-06-01"}, headers=headers
        )
        assert answer.status_code == 422


class TestQuestions:
    def test_a_pace_above_the_guideline_is_a_cited_fact(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(
            client,
            headers,
            a_plan(start=today(), medications=[diazepam_tablets(step_percent=20, interval_days=7)]),
        )
        body = client.get("/v1/plan/questions", headers=headers).json
        kinds = {q["kind"]: q for q in body["questions"]}
        assert set(kinds) == {"first_cut_above_guideline", "pace_above_guideline"}
        assert kinds["pace_above_guideline"]["source"]["url"].startswith(
            "https://eguideline.guidelinecentral.com"
        )
        assert "not advice" in body["note"]

    def test_a_cut_planned_inside_an_ongoing_wave_names_both_dates(self, client, db):
        user, headers = person(time_zone=ZONE)
        # Started 10 days ago: the next cut is in 4 days, while the wave the summaries found goes on.
        save(client, headers, a_plan(start=today() - timedelta(days=10)))
        wave = {
            "kind": "wave",
            "start": (today() - timedelta(days=5)).isoformat(),
            "end": None,
            "last_day": today().isoformat(),
            "ongoing": True,
        }
        db[PERSONS].insert_one({"_id": user["_id"], "episodes": [wave]})
        (fact,) = client.get("/v1/plan/questions", headers=headers).json["questions"]
        assert fact["kind"] == "next_cut_in_wave"
        assert fact["step_day"] == (today() + timedelta(days=4)).isoformat()
        assert fact["wave_start"] == wave["start"] and fact["source"] is None

    def test_a_gentle_plan_with_no_logs_has_none(self, client, db):
        _user, headers = person(time_zone=ZONE)
        save(client, headers, a_plan(start=today()))
        assert client.get("/v1/plan/questions", headers=headers).json["questions"] == []
