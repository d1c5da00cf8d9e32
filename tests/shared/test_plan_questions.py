"""Questions for my doctor: each fact appears exactly when the plan and the logs say so, with its dates
and (for the guideline) its citation, and no sentence tells the person what to do with a dose."""

import re
from datetime import date, timedelta

from shared import taper_guideline
from shared.plans import questions, schedule
from tests.factories import plans

TODAY = date(2026, 3, 10)
# Words that would turn a fact into advice about a dose.
ADVICE = re.compile(r"\b(should|must|try|consider|reduce|increase|lower|raise|stop|skip|switch|slow)\b", re.I)


def built(step_percent=10, interval=14, start="2026-01-05", holds=None, **med):
    medication = plans.diazepam_tablets(**({"step_percent": step_percent, "interval_days": interval} | med))
    return schedule.build(plans.plan(medication, start_day=start, holds=holds))


def kinds(found):
    return [q["kind"] for q in found]


def assert_facts_only(found):
    for q in found:
        assert not ADVICE.search(q["text"]), q["text"]


class TestHighDailyDose:
    def test_a_daily_dose_above_50_mg_diazepam_equivalent_comes_first_with_its_day_and_source(self):
        found = questions.questions(built(start="2026-03-01", start_mg=60, step_percent=30), TODAY, [], [])
        assert kinds(found)[0] == questions.HIGH_DAILY_DOSE
        fact = found[0]
        assert (fact["dose_day"], fact["daily_mg"], fact["equivalent"]) == ("2026-03-10", 60.0, True)
        assert (
            "Tue 10 Mar 2026 is 60 mg diazepam-equivalent" in fact["text"] and "above 50 mg" in fact["text"]
        )
        assert fact["source"] == questions.HIGH_DOSE_SOURCE
        assert_facts_only(found)

    def test_another_medication_counts_in_diazepam_equivalents(self):
        plan = plans.plan(plans.clonazepam_tablets(start_mg=3), start_day="2026-03-01")
        (fact, *_rest) = questions.questions(schedule.build(plan), TODAY, [], [])
        assert (fact["kind"], fact["daily_mg"]) == (questions.HIGH_DAILY_DOSE, 60.0)

    def test_before_the_plan_starts_its_first_day_is_named(self):
        found = questions.questions(built(start="2026-04-01", start_mg=60), TODAY, [], [])
        assert found[0]["dose_day"] == "2026-04-01"

    def test_50_mg_or_less_and_a_dose_below_it_today_say_nothing(self):
        assert questions.HIGH_DAILY_DOSE not in kinds(questions.questions(built(start_mg=50), TODAY, [], []))
        # 60 mg at the start, cut 20% every 2 weeks since January: 25 mg today.
        cut = built(start_mg=60, step_percent=20)
        assert questions.HIGH_DAILY_DOSE not in kinds(questions.questions(cut, TODAY, [], []))


class TestNextCutInAWave:
    WAVE = {"kind": "wave", "start": "2026-03-04", "last_day": "2026-03-09", "ongoing": True}

    def test_a_cut_planned_while_a_wave_is_going_on_is_named_with_its_dates(self):
        found = questions.questions(built(), TODAY, [self.WAVE], [])
        (fact,) = [q for q in found if q["kind"] == questions.NEXT_CUT_IN_WAVE]
        assert fact["step_day"] == "2026-03-16"
        assert "Mon 16 Mar 2026" in fact["text"] and "Wed 4 Mar 2026" in fact["text"]
        assert "Diazepam, 13.5 mg to 12.5 mg" in fact["text"]
        # The numbers and days apart too, for a reader that says it in another language.
        assert (fact["medication"], fact["from_mg"], fact["to_mg"]) == ("diazepam", 13.5, 12.5)
        assert_facts_only(found)

    def test_an_ended_wave_or_a_window_says_nothing(self):
        ended = self.WAVE | {"ongoing": False}
        window = self.WAVE | {"kind": "window"}
        assert kinds(questions.questions(built(), TODAY, [ended, window], [])) == []


class TestGuidelinePace:
    def test_a_first_cut_above_ten_percent_cites_recommendation_6(self):
        found = questions.questions(built(step_percent=20), TODAY, [], [])
        first = next(q for q in found if q["kind"] == questions.FIRST_CUT_ABOVE_GUIDELINE)
        assert first["percent"] == 20.0
        assert (first["from_mg"], first["to_mg"]) == (20.0, 16.0)
        assert "5-10%" in first["text"]
        assert first["source"] == taper_guideline.SOURCE
        assert_facts_only(found)

    def test_more_than_a_quarter_in_two_weeks_is_named_with_the_stretch(self):
        # 10% every 3 days: five cuts within 14 days take about 40% off.
        found = questions.questions(built(interval=3, start="2026-03-01"), TODAY, [], [])
        pace = next(q for q in found if q["kind"] == questions.PACE_ABOVE_GUIDELINE)
        assert pace["percent"] > 25
        assert pace["source"] == taper_guideline.SOURCE
        assert date.fromisoformat(pace["step_day"]) >= TODAY
        assert "25% every 2 weeks" in pace["text"]
        assert_facts_only(found)

    def test_ten_percent_every_two_weeks_raises_no_question(self):
        assert kinds(questions.questions(built(), TODAY, [], [])) == []


class TestLoggedDoses:
    def rows(self, plan, logged):
        days = [TODAY - timedelta(days=d) for d in range(14, 0, -1)]
        return schedule.adherence(plan, logged, days)

    def test_days_that_differ_from_the_plan_are_counted_over_the_last_14(self):
        plan = built()
        level = {
            (TODAY - timedelta(days=d)).isoformat(): float(plan.total_mg(TODAY - timedelta(days=d)))
            for d in range(1, 15)
        }
        logged = {day: {"diazepam": mg} for day, mg in level.items()}
        for d in (2, 5, 9):
            logged[(TODAY - timedelta(days=d)).isoformat()] = {"diazepam": 20.0}
        del logged[(TODAY - timedelta(days=1)).isoformat()]
        found = questions.questions(plan, TODAY, [], self.rows(plan, logged))
        (fact,) = found
        assert fact["kind"] == questions.LOGGED_DIFFERS
        assert len(fact["days"]) == 3
        assert fact["unlogged_days"] == 1
        assert fact["text"].startswith("On 3 of the last 14 days")
        assert_facts_only(found)

    def test_logs_that_match_raise_no_question(self):
        plan = built()
        logged = {
            (TODAY - timedelta(days=d)).isoformat(): {
                "diazepam": float(plan.total_mg(TODAY - timedelta(days=d)))
            }
            for d in range(1, 15)
        }
        assert questions.questions(plan, TODAY, [], self.rows(plan, logged)) == []


class TestHolds:
    def test_a_hold_longer_than_the_recent_ones_is_named(self):
        holds = [
            {"start": "2026-01-20", "until": "2026-01-27"},
            {"start": "2026-02-01", "until": "2026-02-11"},
            {"start": "2026-02-20", "until": None},
        ]
        found = questions.questions(built(holds=holds), TODAY, [], [])
        (fact,) = [q for q in found if q["kind"] == questions.HOLD_LONGER]
        assert fact["lasted_days"] == 19 and fact["earlier_days"] == [7, 10]
        assert "last 2 holds lasted 7, 10 days" in fact["text"]
        assert_facts_only(found)

    def test_a_hold_no_longer_than_before_raises_no_question(self):
        holds = [{"start": "2026-01-20", "until": "2026-02-20"}, {"start": "2026-03-05", "until": None}]
        assert questions.HOLD_LONGER not in kinds(questions.questions(built(holds=holds), TODAY, [], []))
