"""The shared rate limiter against a real Redis: counts, windows, Retry-After, problem+json."""

import time

import pytest

from shared import ratelimit
from shared.ratelimit import Limit, RateLimited
from shared.redis_client import redis_client

THREE_PER_MINUTE = Limit("test-purpose", 3, 60)


@pytest.fixture
def client(settings, redis):
    redis_client.configure(settings)
    return redis


class TestHit:
    def test_allows_up_to_the_limit_then_refuses_with_retry_after(self, client):
        decisions = [ratelimit.hit(THREE_PER_MINUTE, "192.0.2.1") for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
        assert 0 < decisions[3].retry_after <= 60

    def test_subjects_and_purposes_are_counted_apart(self, client):
        for _ in range(3):
            ratelimit.hit(THREE_PER_MINUTE, "a")
        assert ratelimit.hit(THREE_PER_MINUTE, "b").allowed
        assert ratelimit.hit(Limit("other-purpose", 3, 60), "a").allowed
        assert not ratelimit.hit(THREE_PER_MINUTE, "a").allowed

    def test_window_ends_and_the_count_starts_again(self, client):
        short = Limit("test-short", 1, 1)
        assert ratelimit.hit(short, "x").allowed
        refused = ratelimit.hit(short, "x")
        assert (refused.allowed, refused.retry_after) == (False, 1)
        client.pexpire(ratelimit.subject_key(short, "x"), 1)  # the window running out, without a long sleep
        time.sleep(0.02)
        assert client.get(ratelimit.subject_key(short, "x")) is None
        assert ratelimit.hit(short, "x").allowed

    def test_subjects_are_not_stored_in_clear(self, client):
        ratelimit.hit(THREE_PER_MINUTE, "person@example.org")
        (key,) = client.keys("rl:*")
        assert "person" not in key
        assert client.ttl(key) > 0

    def test_several_limits_wait_for_the_longest(self, client):
        limits = (Limit("test-burst", 1, 10), Limit("test-day", 5, 86400))
        assert ratelimit.hit_all(limits, "s").allowed
        refused = ratelimit.hit_all(limits, "s")
        assert not refused.allowed
        assert refused.retry_after <= 10
        for _ in range(5):
            ratelimit.hit_all(limits, "s")
        assert ratelimit.hit_all(limits, "s").retry_after > 3600


class TestHitUnlessStamped:
    STAMP, EPOCH = ("test:stamp", 1000.25), ("test:epoch", "e1")

    def hit(self, limits=(THREE_PER_MINUTE,)):
        return ratelimit.hit_all_unless_stamped(limits, "s", self.STAMP, self.EPOCH)

    def test_counts_unless_the_stamp_is_at_or_after_since(self, client):
        client.set("test:epoch", "e1")
        assert self.hit().remaining == 2  # no stamp
        client.set("test:stamp", repr(1000.0))
        assert self.hit().remaining == 1  # an older stamp
        client.set("test:stamp", repr(1000.25))
        assert self.hit() is None
        client.set("test:stamp", repr(1001.0))
        assert self.hit() is None
        assert ratelimit.hit(THREE_PER_MINUTE, "s").remaining == 0  # the refused looks counted nothing

    def test_counts_nothing_unless_the_epoch_key_holds_its_token(self, client):
        assert self.hit() is None  # missing, as after a Redis restart
        client.set("test:epoch", "e2")
        assert self.hit() is None
        client.set("test:epoch", "e1")
        assert self.hit().remaining == 2  # the two refused looks counted nothing

    def test_decides_like_hit_all(self, client):
        client.set("test:epoch", "e1")
        limits = (Limit("test-burst", 1, 10), Limit("test-day", 5, 86400))
        assert self.hit(limits).allowed
        refused = self.hit(limits)
        assert (refused.allowed, refused.remaining) == (False, 0)
        assert 0 < refused.retry_after <= 10


class TestRateLimitedProblem:
    def test_enforce_raises_429_problem_with_retry_after(self, settings, db, client):
        from tests.support.runtimes import notification_app

        app = notification_app(settings)

        @app.post("/limited")
        def limited():
            ratelimit.enforce([Limit("test-endpoint", 1, 30)], "caller")
            return "ok"

        web = app.test_client()
        assert web.post("/limited").status_code == 200
        r = web.post("/limited")
        assert r.status_code == 429
        assert r.mimetype == "application/problem+json"
        assert r.json["type"].endswith("/rate-limited")
        assert 0 < int(r.headers["Retry-After"]) <= 30
        with pytest.raises(RateLimited):
            ratelimit.enforce([Limit("test-endpoint", 1, 30)], "caller")
