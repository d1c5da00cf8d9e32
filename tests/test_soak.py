"""A short soak (benchmarks/soak.py, `make soak` runs it for ten minutes with more faults): the API, the
summaries workers, the notifier and beat as separate processes under mixed traffic while a gunicorn worker,
the summaries pool and the notifier's pool (with sign-in codes in flight) are SIGKILLed in turn. Every
acknowledged event is stored once, every summary equals a rebuild, every code arrives once within 30 s,
no 5xx or reset outside the faults, the queues drain, no process's memory runs away."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.soak import PROCESS_FAULTS, Soak, Stack, print_result

BROKER_DB = 20  # the soak's own broker: no other worker may take its tasks


@pytest.mark.usefixtures("redis")  # sign-in code limits start afresh
def test_short_soak_under_process_kills_loses_nothing(settings, redis_server, db, mailbox, tmp_path):
    # A shorter email lease than deployed (15 s) so the notifier fault heals inside the short run.
    own = dataclasses.replace(settings, broker_url=redis_server.url(BROKER_DB), outbox_lease_seconds=5)
    stack = Stack(own, tmp_path).start()
    try:
        soak = Soak(stack, mailbox, seconds=8, rate=8, people=5, faults=PROCESS_FAULTS)
        result = soak.run(db, own)
    finally:
        stack.stop()
    print_result(result)
    assert result["violations"] == [], stack.tails()
    assert result["events"]["acknowledged"] > 40
    assert result["emails"]["codes_requested"] >= 4
    assert [f["fault"] for f in result["faults"]] == [f.name for f in PROCESS_FAULTS]
