"""A short soak (benchmarks/soak.py; `make soak` runs it for ten minutes with more faults): every process
kind of deploy/Procfile (the two APIs, the summaries and reports workers, the notifier, beat) under mixed
traffic (events, offline batches, summary reads, sign-in codes, report requests, waitlist sign-ups and
their confirmations, admin browsing) while a gunicorn worker, the summaries pool, the notifier's pool (with
sign-in codes in flight) and the reports worker (mid-build) are SIGKILLed in turn, a report burst fills the
reports queue and the mail server goes away. Every acknowledged event is stored once, every summary equals
a rebuild, every report asked for is built once, every email that was due arrives once, no 5xx or reset
outside the faults, everything drains, no process's memory runs away. Speeds are printed, not asserted."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.soak import PROCESS_FAULTS, Servers, Soak, Stack, print_result, report_burst, smtp_away
from tests.support.mailbox import SmtpServer

BROKER_DB = 20  # the soak's own broker: no other worker may take its tasks
SECONDS = 60
FAULTS = (*PROCESS_FAULTS, smtp_away(15), report_burst(24))  # sign-ups go on while SMTP is away


@pytest.mark.usefixtures("redis")  # sign-in code and sign-up limits start afresh
def test_short_soak_under_faults_loses_nothing(settings, redis_server, db, tmp_path):
    smtp = SmtpServer().start()  # its own, as the soak takes it away
    # A shorter email lease than deployed (15 s) so the notifier fault heals inside the short run.
    own = dataclasses.replace(
        settings, broker_url=redis_server.url(BROKER_DB), outbox_lease_seconds=5, smtp_port=smtp.port
    )
    stack = Stack(own, tmp_path).start()
    try:
        soak = Soak(
            stack, smtp.mailbox, seconds=SECONDS, rate=8, people=6, faults=FAULTS, servers=Servers(smtp=smtp)
        )
        result = soak.run(db, own)
    finally:
        stack.stop()
        smtp.stop()
    print_result(result)
    assert result["violations"] == [], stack.tails()
    assert [f["fault"] for f in result["faults"]] == [f.name for f in FAULTS]
    # Each kind of traffic happened, and each invariant had something to hold for.
    assert result["events"]["acknowledged"] > 200
    assert result["emails"]["codes_requested"] >= 4
    assert result["reports"]["built"] >= 6
    assert result["emails"]["waitlist"]["places"]["due"] >= 2
    assert result["http"]["status_counts"].get("200", 0) > 100
    faults = {f["fault"]: f for f in result["faults"]}
    assert faults["reports worker killed mid-build"]["report_killed_mid_build"] is True
    assert result["report_burst"]["reports_to_build"] == 6
