"""Each summary carries the fingerprint of the detector and its parameters; a summary built with another is
rebuilt from every day at the person's next recompute, however recent the change that triggers it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from services.workers.summaries import episodes, params, service
from shared.mongo import mongo
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import observation
from tests.support.synthetic import generate


def test_the_fingerprint_covers_the_parameters_and_the_detector_code():
    current = params.load()
    changed = params.Params(current | {"episodes": current["episodes"] | {"enter_noise": 9.0}})
    assert changed.fingerprint != current.fingerprint


def test_a_change_of_the_detector_code_changes_the_fingerprint(monkeypatch):
    before = params.load().fingerprint
    monkeypatch.setattr(episodes, "CODE_FINGERPRINT", "another-rule")  # as an edit of episodes.py would
    assert params.load().fingerprint != before


def test_a_summary_built_with_other_parameters_is_rebuilt_from_every_day(settings, db):
    user, _headers = person()
    today = datetime.now(ZoneInfo(user["time_zone"])).date()
    patient = generate(5, days=90, end=today)
    mongo.db.events.insert_many(
        [observation(e, user["time_zone"]) | {"user_id": user["_id"]} for e in patient.events]
    )
    old = params.load()
    old = params.Params(old | {"episodes": old["episodes"] | {"enter_noise": 5.0, "enter": 5.0}})
    service.recompute(None, settings, old, user["_id"], from_day=None)
    assert {d["params"] for d in db.day_summaries.find({"user_id": user["_id"]})} == {old.fingerprint}

    before = {d["day"]: d["state"] for d in db.day_summaries.find({"user_id": user["_id"]})}

    # A new event today asks only for today; the stored summary's fingerprint differs, so every day is redone.
    current = params.load()
    service.recompute(None, settings, current, user["_id"], from_day=today.isoformat())
    after = {d["day"]: d["state"] for d in db.day_summaries.find({"user_id": user["_id"]})}
    assert db.person_summaries.find_one({"_id": user["_id"]})["params"] == current.fingerprint
    assert after != before  # the earlier days' states changed with the rule
    # ... to exactly what a full rebuild with the current parameters stores.
    rebuilt = service.recompute(None, settings, current, user["_id"], from_day=None)
    assert rebuilt["days_written"] == 0
    assert after == {d["day"]: d["state"] for d in db.day_summaries.find({"user_id": user["_id"]})}
