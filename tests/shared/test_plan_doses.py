"""A plan's doses at the person's own times: the split of each day's dose, rounded to what can be measured,
the amount in words, and the one id each dose is recorded under."""

from datetime import date
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shared.plans import doses, schedule
from tests.factories import plans
from tests.factories.plans import clonazepam_tablets, diazepam_liquid


def build(*meds, times, start="2026-03-02"):
    return schedule.build(plans.plan(*meds, start_day=start, dose_times=times))


class TestSplit:
    def test_halves_of_a_tablet_dose_are_measurable_and_add_up(self):
        plan = build(
            clonazepam_tablets(start_mg=1.5),
            times=[{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}],
        )
        found = doses.doses_on(plan, date(2026, 3, 2))
        # 0.75 mg each would be 1½ tablets of 0.5 mg: measurable in halves.
        assert [(d.time, d.mg, d.amount) for d in found] == [
            ("08:00", Fraction(3, 4), "1½ tablets"),
            ("20:00", Fraction(3, 4), "1½ tablets"),
        ]

    def test_a_part_that_cannot_be_measured_rounds_and_the_last_time_takes_the_rest(self):
        plan = build(
            clonazepam_tablets(start_mg=0.75),
            times=[{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}],
        )
        found = doses.doses_on(plan, date(2026, 3, 2))
        # Half of 0.75 mg is 0.375, between a half (0.25) and a whole tablet: a half rounds down.
        assert [(d.time, d.mg, d.amount) for d in found] == [
            ("08:00", Fraction(1, 4), "½ tablet"),
            ("20:00", Fraction(1, 2), "1 tablet"),
        ]

    def test_a_part_rounding_to_nothing_is_not_listed(self):
        plan = build(
            clonazepam_tablets(start_mg=0.25),
            times=[{"time": "08:00", "share": 0.4}, {"time": "20:00", "share": 0.6}],
        )
        found = doses.doses_on(plan, date(2026, 3, 2))
        assert [(d.time, d.amount) for d in found] == [("20:00", "½ tablet")]

    def test_a_liquid_in_millilitres(self):
        liquid = diazepam_liquid()
        plan = build(liquid, times=[{"time": "07:30", "share": 0.3}, {"time": "19:30", "share": 0.7}])
        found = doses.doses_on(plan, date(2026, 3, 2))
        assert [d.amount for d in found] == ["1.5 mL", "3.5 mL"]
        # The same measure as a number, for the app to write in the person's language.
        assert [doses.measure(d.med, d.mg) for d in found] == [("ml", Fraction(3, 2)), ("ml", Fraction(7, 2))]
        assert doses.measure({"form": "other"}, Fraction(5)) is None

    def test_without_dose_times_there_are_no_doses(self):
        plan = schedule.build(plans.plan(clonazepam_tablets(), start_day="2026-03-02"))
        assert doses.doses_on(plan, date(2026, 3, 2)) == []

    @given(
        units=st.integers(0, 400),
        shares=st.lists(st.integers(1, 100), min_size=1, max_size=doses.MAX_DOSE_TIMES),
    )
    def test_the_parts_add_up_to_the_day_and_are_each_measurable(self, units, shares):
        unit = Fraction(1, 4)
        total = sum(shares)
        parts = doses.split(units * unit, [Fraction(s, total) for s in shares], unit)
        assert sum(parts) == units * unit
        assert all(p >= 0 and (p / unit).denominator == 1 for p in parts)


class TestEventId:
    def test_the_same_dose_has_the_same_id_and_another_dose_another(self):
        first = doses.event_id("u1", "clonazepam", "2026-03-02", "08:00")
        assert first == doses.event_id("u1", "clonazepam", "2026-03-02", "08:00")
        others = {
            doses.event_id("u2", "clonazepam", "2026-03-02", "08:00"),
            doses.event_id("u1", "diazepam", "2026-03-02", "08:00"),
            doses.event_id("u1", "clonazepam", "2026-03-03", "08:00"),
            doses.event_id("u1", "clonazepam", "2026-03-02", "20:00"),
        }
        assert first not in others and len(others) == 4


def test_tablet_amounts_in_words():
    assert doses.tablets_text(Fraction(1, 2)) == "½ tablet"
    assert doses.tablets_text(Fraction(1)) == "1 tablet"
    assert doses.tablets_text(Fraction(9, 4)) == "2¼ tablets"
    assert doses.tablets_text(Fraction(3)) == "3 tablets"
