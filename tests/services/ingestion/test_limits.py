"""The per-person write limit on POST /v1/events, counted with the cached sign-in's Redis check: each write
once, malformed requests and refused sign-ins never."""

import time
import uuid
from datetime import UTC, datetime, timedelta

from services.ingestion.accounts import auth_cache
from services.ingestion.accounts import repository as accounts_repository
from services.ingestion.limits import WRITES_PER_PERSON
from shared import users
from shared.ratelimit import subject_key
from tests.factories.accounts import person


def check_in(**changes):
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    return {"event_id": uuid.uuid4().hex, "type": "check_in", "occurred_at": at, "overall": 3} | changes


def writes(redis, user) -> int:
    return int(redis.get(subject_key(WRITES_PER_PERSON, user["_id"])) or 0)


class TestWriteLimit:
    def test_each_write_is_counted_once(self, client, redis):
        user, headers = person()
        for expected in (1, 2, 3):  # the first signs in from the database, the others from the cache
            assert client.post("/v1/events", json=check_in(), headers=headers).status_code == 202
            assert writes(redis, user) == expected

    def test_requests_refused_before_the_limit_are_not_counted(self, client, redis):
        user, headers = person()
        client.post("/v1/events", json=check_in(), headers=headers)  # signed in, now cached
        refused = [
            client.post("/v1/events", data="x", headers=headers | {"Content-Type": "text/plain"}),
            client.post("/v1/events", data="{nope", headers=headers | {"Content-Type": "application/json"}),
            client.post("/v1/events", json={"type": "check_in"}, headers=headers),
            client.post("/v1/events", json=check_in(sent_at="yesterday"), headers=headers),
        ]
        assert [r.status_code for r in refused] == [415, 400, 422, 422]
        assert writes(redis, user) == 1
        # An event that fails its own rules reaches the limit, as it always has.
        assert client.post("/v1/events", json=check_in(overall=11), headers=headers).status_code == 422
        assert writes(redis, user) == 2

    def test_over_the_limit_is_429_and_nothing_is_stored(self, client, redis, db):
        user, headers = person()
        client.post("/v1/events", json=check_in(), headers=headers)
        redis.set(subject_key(WRITES_PER_PERSON, user["_id"]), WRITES_PER_PERSON.limit, ex=30)
        r = client.post("/v1/events", json=check_in(event_id="late"), headers=headers)
        assert r.status_code == 429
        assert 0 < int(r.headers["Retry-After"]) <= 30
        assert db.events.count_documents({"event_id": "late"}) == 0

    def test_an_account_changed_elsewhere_is_read_again_and_counted_once(self, client, redis, db):
        user, headers = person(time_zone="Europe/London")
        client.post("/v1/events", json=check_in(), headers=headers)  # signed in, now cached here
        # Another process changes the time zone (UTC+14) and stamps the change; this one's cache is stale.
        users.update(user["_id"], {"time_zone": "Pacific/Kiritimati"})
        redis.set(f"auth:changed:{user['_id']}", repr(time.time()), ex=60)
        at = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
        if at > datetime.now(UTC):
            at -= timedelta(days=1)
        event = check_in(event_id="tz", occurred_at=at.isoformat(timespec="seconds"))
        assert client.post("/v1/events", json=event, headers=headers).status_code == 202
        assert writes(redis, user) == 2
        assert (
            db.events.find_one({"event_id": "tz"})["local_day"]
            == (at + timedelta(hours=14)).date().isoformat()
        )

    def test_a_device_revoked_elsewhere_is_refused_and_not_counted(self, client, redis):
        user, headers = person()
        client.post("/v1/events", json=check_in(), headers=headers)  # signed in, now cached here
        (device,) = accounts_repository.list_devices(user["_id"])
        accounts_repository.revoke_device(user["_id"], device["_id"], datetime.now(UTC))
        redis.set(f"auth:changed:{user['_id']}", repr(time.time()), ex=60)  # as revoke_device does
        assert client.post("/v1/events", json=check_in(), headers=headers).status_code == 401
        assert writes(redis, user) == 1


class TestCachedSignIn:
    def test_a_redis_that_lost_its_keys_makes_every_cached_sign_in_stale(self, client, redis, db):
        user, headers = person(time_zone="Europe/London")
        client.post("/v1/events", json=check_in(), headers=headers)  # signed in, now cached here
        # The time zone changes and its stamp is lost with every other key, as when Redis restarts empty.
        users.update(user["_id"], {"time_zone": "Pacific/Kiritimati"})
        redis.flushdb()
        at = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
        if at > datetime.now(UTC):
            at -= timedelta(days=1)
        event = check_in(event_id="tz", occurred_at=at.isoformat(timespec="seconds"))
        assert client.post("/v1/events", json=event, headers=headers).status_code == 202
        assert writes(redis, user) == 1  # counted once, after the sign-in was read again
        assert (
            db.events.find_one({"event_id": "tz"})["local_day"]
            == (at + timedelta(hours=14)).date().isoformat()
        )

    def test_a_change_stamped_while_the_database_is_read_is_not_missed(self, ingestion_app, redis):
        user, _headers = person()
        device = {"_id": "d1", "user_id": user["_id"]}
        read = auth_cache.reading()  # as authenticate takes it, before its database reads
        auth_cache.account_changed(user["_id"])  # the change lands during those reads
        auth_cache.put("token-hash", user, device, read)
        assert auth_cache.get("token-hash") is None
        auth_cache.put("token-hash", user, device, auth_cache.reading())
        assert auth_cache.get("token-hash") == (user, device, None)
