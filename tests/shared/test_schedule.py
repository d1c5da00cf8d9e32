"""The beat schedule: every job without a payload is scheduled (or on demand for a stated reason)."""

from __future__ import annotations

from celery.schedules import crontab

from shared.schedule import BEAT_SCHEDULE, ON_DEMAND
from shared.tasks import CLOSE_DAYS, CONTRACTS, SWEEP_RECOMPUTE, NoPayload, contract_for


def test_every_contract_without_a_payload_is_scheduled_or_on_demand_with_a_reason():
    scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    jobs = {c.name for c in CONTRACTS if c.schema is NoPayload}
    forgotten = jobs - scheduled - set(ON_DEMAND)
    assert not forgotten, f"defined but never started: {sorted(forgotten)}"
    assert all(reason.strip() for reason in ON_DEMAND.values())
    assert not set(ON_DEMAND) & scheduled, "a job is either scheduled or on demand"
    assert set(ON_DEMAND) <= jobs


def test_recompute_sweep_and_close_days_are_scheduled():
    scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {SWEEP_RECOMPUTE.name, CLOSE_DAYS.name} <= scheduled


def test_entries_go_to_their_contracts_queue_and_expire_before_the_next_run():
    for name, entry in BEAT_SCHEDULE.items():
        contract = contract_for(entry["task"])
        assert entry["options"]["queue"] == contract.queue, name
        schedule = entry["schedule"]
        interval = schedule if isinstance(schedule, float) else 15 * 60
        assert 0 < entry["options"]["expires"] < interval, name


def test_close_days_runs_within_minutes_of_every_zones_midnight():
    schedule = next(e["schedule"] for e in BEAT_SCHEDULE.values() if e["task"] == CLOSE_DAYS.name)
    assert isinstance(schedule, crontab)
    assert schedule.hour == set(range(24))
    # Offsets in use are whole quarter hours (Kathmandu +5:45, Chatham +12:45, Marquesas -9:30): a run
    # follows each quarter hour within two minutes, never before it.
    for quarter in (0, 15, 30, 45):
        assert any(0 < minute - quarter <= 2 for minute in schedule.minute), quarter
