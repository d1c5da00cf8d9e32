"""The per-person lock against real Redis: held past its TTL while its holder lives (a holder killed
mid-recompute: tests/services/workers/summaries/test_tasks.py)."""

import time

import pytest

from services.workers.summaries.lock import person_lock
from shared.redis_client import redis_client


@pytest.mark.any_hour
@pytest.mark.usefixtures("redis")
def test_a_live_holder_keeps_its_lock_past_the_ttl_and_frees_it_when_done(settings):
    redis_client.configure(settings)
    key = "summaries:lock:live"
    with person_lock("live", ttl_s=0.6) as mine:
        assert mine
        time.sleep(1.5)  # well past the TTL: only the renewals keep it
        assert redis_client.client.exists(key)
        with person_lock("live", ttl_s=0.6) as theirs:
            assert not theirs
    assert not redis_client.client.exists(key)
