"""The pure computation against known truth: burden rules, rolling means, windows and waves, taper
steps, red flags; arrival order never matters."""

import random
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.workers.summaries import episodes
from services.workers.summaries import params as summary_params
from services.workers.summaries.days import summarize_day
from tests.services.workers.summaries.helpers import observation, run
from tests.support import episode_family as family
from tests.support.synthetic import generate, match

PARAMS = summary_params.load()
TZ = "Europe/London"


def at(day: date, hour: int = 12) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+00:00"


def symptom(day, code, severity, hour=12):
    return {
        "event_id": uuid.uuid4().hex,
        "type": "symptom",
        "code": code,
        "severity": severity,
        "occurred_at": at(day, hour),
    }


def check_in(day, overall, hour=21):
    return {
        "event_id": uuid.uuid4().hex,
        "type": "check_in",
        "overall": overall,
        "occurred_at": at(day, hour),
    }


def summarize(events):
    return summarize_day("2026-03-02", [observation(e, TZ) for e in events], PARAMS)


D = date(2026, 3, 2)


class TestDay:
    def test_check_in_is_the_burden_when_present(self):
        doc = summarize([symptom(D, "insomnia", 4), check_in(D, 3, 20), check_in(D, 5, 22)])
        assert (doc["burden"], doc["burden_source"]) == (5.0, "check_in")  # the latest check-in
        assert doc["symptoms"]["insomnia"] == doc["symptoms"]["insomnia"] | {
            "max": 4,
            "mean": 4.0,
            "count": 1,
        }

    def test_without_a_check_in_burden_comes_from_the_top_symptoms(self):
        events = [
            symptom(D, "insomnia", 4),
            symptom(D, "insomnia", 2, 15),
            symptom(D, "headache", 3),
            symptom(D, "tremor", 2),
            symptom(D, "tinnitus", 0),
        ]
        doc = summarize(events)
        # Top three daily maxima are 4, 3, 2: mean 3 on the 0-4 scale is 7.5 on 0-10.
        assert (doc["burden"], doc["burden_source"]) == (7.5, "symptoms")
        assert doc["symptoms"]["insomnia"]["mean"] == 3.0
        # Logging one more mild symptom does not make the day look better.
        assert summarize([*events, symptom(D, "nausea", 1)])["burden"] == 7.5

    def test_a_day_with_nothing_logged_has_no_burden(self):
        doc = summarize([])
        assert doc["burden"] is None
        assert doc["has_data"] is False

    def test_doses_in_diazepam_equivalents_with_their_source(self):
        doses = [
            {
                "event_id": "d1",
                "type": "dose",
                "medication": "lorazepam",
                "amount_mg": 0.5,
                "occurred_at": at(D, 8),
            },
            {
                "event_id": "d2",
                "type": "dose",
                "medication": "lorazepam",
                "amount_mg": 0.5,
                "occurred_at": at(D, 20),
            },
            {
                "event_id": "d3",
                "type": "dose",
                "medication": "lorazepam",
                "amount_mg": 0.5,
                "status": "skipped",
                "occurred_at": at(D, 14),
            },
        ]
        lorazepam = summarize(doses)["doses"]["lorazepam"]
        assert (lorazepam["total_mg"], lorazepam["taken"], lorazepam["skipped"]) == (1.0, 2, 1)
        assert lorazepam["diazepam_eq_mg"] == 10.0
        assert lorazepam["factor_source"]["url"].startswith("https://")

    def test_unknown_codes_from_older_apps_are_kept_as_custom(self):
        doc = summarize([symptom(D, "some_future_symptom", 2)])
        entry = doc["symptoms"]["some_future_symptom"]
        assert entry["custom"] is True
        assert doc["burden"] == 5.0


class TestRolling:
    def test_missing_days_are_missing_not_zero(self):
        start = date(2026, 1, 1)
        events = [check_in(start + timedelta(days=i), 6) for i in range(0, 10, 3)]  # every third day
        docs, _ = run(events, TZ, (start + timedelta(days=9)).isoformat(), PARAMS)
        last = docs[-1]["rolling"]
        assert last["burden_7d"] == 6.0  # not dragged towards zero by unlogged days
        assert last["days_logged_7d"] == 3  # days 3, 6 and 9 of the last seven
        assert docs[1]["burden"] is None
        assert docs[1]["state"] is None

    def test_trend_is_a_slope_per_week(self):
        start = date(2026, 1, 1)
        events = [
            check_in(start + timedelta(days=i), 8 - i // 7) for i in range(28)
        ]  # one point less each week
        docs, _ = run(events, TZ, (start + timedelta(days=27)).isoformat(), PARAMS)
        assert docs[-1]["rolling"]["trend_per_week"] == pytest.approx(-1.0, abs=0.15)


class TestWindowsAndWaves:
    SEEDS = range(200, 212)

    def test_planted_episodes_are_found_with_precision_and_recall_at_least_0_9(self):
        detected_total = detected_matched = planted_total = planted_matched = 0
        for seed in self.SEEDS:
            patient = generate(seed, noise_sd=1.0, missing=0.2)
            _docs, person = run(
                patient.events,
                patient.time_zone,
                max(d.isoformat() for d in [patient.first_day + timedelta(days=patient.days - 1)]),
                PARAMS,
            )
            detected = [
                (date.fromisoformat(e["start"]), date.fromisoformat(e["last_day"]))
                for e in person["episodes"]
                if e["length_days"] >= 3
            ]
            # A planted episode the person did not log on at least 3 of its days cannot be seen by anyone.
            observable = [
                p
                for p in patient.planted
                if sum((p.start + timedelta(days=i)) not in patient.missing_days for i in range(p.length))
                >= 3
            ]
            precision, _ = match(detected, patient.planted)
            _, recall = match(detected, observable)
            detected_total += len(detected)
            detected_matched += round(precision * len(detected))
            planted_total += len(observable)
            planted_matched += round(recall * len(observable))
        assert detected_matched / detected_total >= 0.9
        assert planted_matched / planted_total >= 0.9

    def test_episodes_carry_kind_dates_length_and_intensity(self):
        patient = generate(7, noise_sd=0.3, missing=0.0, episodes=4)
        today = (patient.first_day + timedelta(days=patient.days - 1)).isoformat()
        _docs, person = run(patient.events, patient.time_zone, today, PARAMS)
        for episode in person["episodes"]:
            assert episode["kind"] in {"window", "wave"}
            assert episode["length_days"] >= PARAMS["episodes"]["min_days"]
            assert (episode["mean_deviation"] > 0) == (episode["kind"] == "wave")
        assert "no clinical definition" in person["episodes_note"]
        assert "not a diagnosis" in person["episodes_note"]

    def test_one_odd_day_is_not_an_episode(self):
        start = date(2026, 1, 1)
        events = [check_in(start + timedelta(days=i), 5) for i in range(60)]
        events.append(check_in(start + timedelta(days=40), 10, 23))  # a single terrible day
        _docs, person = run(events, TZ, (start + timedelta(days=59)).isoformat(), PARAMS)
        assert person["episodes"] == []


class TestRedFlags:
    def test_planted_red_flags_always_appear_verbatim(self):
        for seed in range(5):
            patient = generate(seed, red_flags=4)
            today = (patient.first_day + timedelta(days=patient.days - 1)).isoformat()
            docs, _ = run(patient.events, patient.time_zone, today, PARAMS)
            flagged = {d["day"] for d in docs if d["red_flags"]}
            assert flagged == {d.isoformat() for d in patient.red_flag_days}
            for doc in docs:
                for flag in doc["red_flags"]:
                    assert (flag["code"], flag["severity"]) == ("chest_pain", 3)

    def test_a_recent_red_flag_is_in_the_current_status(self):
        events = [check_in(D - timedelta(days=i), 4) for i in range(10)] + [
            symptom(D - timedelta(days=2), "seizure", 4)
        ]
        _docs, person = run(events, TZ, D.isoformat(), PARAMS)
        assert person["status"]["has_recent_red_flag"] is True
        assert person["status"]["red_flags_recent"][0]["code"] == "seizure"

    def test_an_old_red_flag_synced_late_is_never_silent(self):
        """Too old for the safety email and the recent list, it still shows as the latest red flag."""
        events = [check_in(D - timedelta(days=i), 4) for i in range(40)] + [
            symptom(D - timedelta(days=30), "seizure", 4)
        ]
        _docs, person = run(events, TZ, D.isoformat(), PARAMS)
        assert person["status"]["has_recent_red_flag"] is False
        last = person["status"]["last_red_flag"]
        assert last["day"] == (D - timedelta(days=30)).isoformat()
        assert [f["code"] for f in last["red_flags"]] == ["seizure"]


class TestTaper:
    def test_cut_and_hold_steps_with_percentages_and_hold_times(self):
        patient = generate(3, days=120, red_flags=0)
        today = (patient.first_day + timedelta(days=patient.days - 1)).isoformat()
        _docs, person = run(patient.events, patient.time_zone, today, PARAMS)
        steps = person["taper"]["steps"]
        assert person["taper"]["unit"] == "mg diazepam-equivalent"
        assert person["taper"]["start_dose"] == 10.0
        assert len(steps) == len(patient.step_days)
        for step, planned in zip(steps, patient.step_days, strict=True):
            assert abs((date.fromisoformat(step["day"]) - planned).days) <= 2
            assert step["percent_change"] == pytest.approx(-10.0, abs=0.6)
        assert steps[1]["cumulative_percent"] == pytest.approx(-19.0, abs=0.6)
        assert steps[0]["held_days"] == pytest.approx(14, abs=2)
        assert all(s["pace_note"] is None for s in steps)  # 10% every 14 days is within the guideline figures
        after = next(s["symptoms_after"] for s in steps if s["symptoms_after"])
        assert after["label"] == "association, not cause"

    def test_a_fast_cut_gets_a_neutral_note_citing_the_guideline(self):
        start = date(2026, 1, 1)
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "type": "dose",
                "medication": "diazepam",
                "amount_mg": 10 if i < 20 else 6,
                "occurred_at": at(start + timedelta(days=i), 8),
            }
            for i in range(40)
        ]
        _docs, person = run(events, TZ, (start + timedelta(days=39)).isoformat(), PARAMS)
        (step,) = person["taper"]["steps"]
        assert step["percent_change"] == -40.0
        assert "guideline" in step["pace_note"] and "not advice" in step["pace_note"]
        # Its numbers kept apart, so a report can say the same note in another language.
        assert step["pace"] == {"kind": "first_cut", "percent": 40}
        assert step["pace_note"].startswith("This first reduction was 40%.")
        assert person["taper"]["guideline"]["url"].startswith("https://")


def _signature(docs, person):
    days = [
        {k: d[k] for k in ("day", "burden", "rolling", "state", "symptoms", "doses", "red_flags")}
        for d in docs
    ]
    return days, person


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000), st.randoms(use_true_random=False))
def test_arrival_order_never_changes_the_result(seed, shuffler):
    patient = generate(seed, days=90, episodes=3)
    today = (patient.first_day + timedelta(days=patient.days - 1)).isoformat()
    shuffled = list(patient.events)
    shuffler.shuffle(shuffled)
    assert _signature(*run(patient.events, patient.time_zone, today, PARAMS)) == _signature(
        *run(shuffled, patient.time_zone, today, PARAMS)
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10))
@example(413, 1)  # a baseline leaving out the rule's own running decisions carried this one months ahead
def test_a_day_far_in_the_past_changes_only_what_it_should(seed, overall):
    patient = generate(seed, days=200, episodes=4, missing=0.0)
    today = (patient.first_day + timedelta(days=patient.days - 1)).isoformat()
    before, _ = run(patient.events, patient.time_zone, today, PARAMS)
    old_day = patient.first_day - timedelta(days=random.Random(seed).randint(1, 20))
    after, _ = run([*patient.events, check_in(old_day, overall)], patient.time_zone, today, PARAMS)
    # Its influence reaches at most the longest look-back (baseline, noise or rolling window), and the
    # episodes' second pass as far again: the margin below covers that.
    ep = PARAMS["episodes"]
    reach = max(
        ep["baseline_days"] + ep["baseline_skip_days"], ep["noise_days"], PARAMS["rolling"]["long_days"]
    )
    horizon = (old_day + timedelta(days=reach + 60)).isoformat()
    unchanged_before = {d["day"]: d for d in before if d["day"] > horizon}
    unchanged_after = {d["day"]: d for d in after if d["day"] > horizon}
    assert unchanged_before == unchanged_after
    assert after[0]["day"] == old_day.isoformat()
    assert after[0]["burden"] == float(overall)


class TestBroaderFamily:
    """A fixed subset of the evaluation family (tests/support/episode_family.py; the whole family, 200
    people per condition, runs in `python -m benchmarks episodes`), on people the rule was not tuned on."""

    SEEDS = range(1000, 1030)

    def detect(self, days, burdens):
        return episodes.detect(days, burdens, PARAMS["episodes"])[0]

    def condition(self, name):
        return next(c for c in family.CONDITIONS if c.name == name)

    def test_noise_sd_1_and_a_fifth_of_days_missing(self):
        score = family.evaluate(self.detect, self.condition("sd 1.0 · 20% missing"), self.SEEDS)
        # The goal is 0.9 on the whole family (docs/windows-and-waves.md: 0.93 / 0.94); on these 30 people
        # 0.88 / 0.94, and the one-sided baseline before reached 0.85 / 0.89.
        assert score.precision >= 0.85
        assert score.recall >= 0.92

    def test_noise_sd_1_5_and_a_third_of_days_missing(self):
        score = family.evaluate(self.detect, self.condition("sd 1.5 · 35% missing"), self.SEEDS)
        # The goal is 0.8 (whole family: 0.91 / 0.82); the one-sided baseline reached 0.81 / 0.75 here.
        assert score.precision >= 0.85
        assert score.recall >= 0.8

    def test_a_noisy_rater_without_episodes_is_not_shown_false_waves(self):
        """Thresholds in the person's own noise: the old fixed +2 points found about 5 a person-year here."""
        score = family.evaluate(self.detect, self.condition("no episodes · sd 1.5 · 35% missing"), self.SEEDS)
        assert score.false_per_year <= 1.0  # the goal; the one-sided baseline found 1.47 here

    def test_people_without_episodes_see_few_false_ones(self):
        score = family.evaluate(self.detect, self.condition("no episodes · sd 1.0 · 20% missing"), self.SEEDS)
        assert score.false_per_year <= 1.0  # the goal; the one-sided baseline found 1.20 here
