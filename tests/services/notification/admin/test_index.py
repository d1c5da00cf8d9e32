"""The admin list's Redis index: the list reads it, every waitlist write updates it, erasure empties it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notification.admin.cli import admin_cli
from services.notification.waitlist import index, repository, service
from services.notification.waitlist import tasks as waitlist_tasks
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.runtime import runtime_of
from tests.factories import waitlist

SOURCES = ("forum", "reddit", "friend", None)
STATUSES = ("pending", "confirmed", "confirmed", "invited", "active")


def _keys_mentioning(*needles: str) -> list[str]:
    """Index keys whose name, hash values or set members contain any needle (case-insensitive)."""
    client = redis_client.client
    found = []
    for key in client.scan_iter(match=index.PREFIX + "*"):
        kind = client.type(key)
        if kind == "hash":
            text = " ".join(client.hgetall(key).values())
        elif kind == "zset":
            text = " ".join(client.zrange(key, 0, -1))
        elif kind == "set":
            text = " ".join(client.smembers(key))
        else:
            text = client.get(key) or ""
        if any(n.lower() in (key + " " + text).lower() for n in needles):
            found.append(key)
    return found


@pytest.fixture
def population():
    """A few hundred entries in MongoDB and the index, varied in status, source, names and times."""
    rng = random.Random(3)
    docs = []
    for n in range(300):
        status = rng.choice(STATUSES)
        created = waitlist.BASE + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        confirmed = created + timedelta(minutes=5) if status != "pending" else None
        docs.append(
            waitlist.entry_doc(
                n, status, created_at=created, source=rng.choice(SOURCES),
                name=rng.choice(["Robin Ash", "Sam Oak", None, f"Alex {n}"]),
                line_at=confirmed - timedelta(days=rng.randrange(0, 3)) if confirmed else None,
                confirmed_at=confirmed,
            )
        )  # fmt: skip
    mongo.db.waitlist_entries.insert_many(docs)
    assert index.rebuild() == 300
    return docs


def _expected(docs, *, status="", source="", q="", sort="newest", created_from=None, created_to=None):
    q = q.lower()
    rows = [
        d
        for d in docs
        if (not status or d["status"] == status)
        and (not source or d["source"] == source)
        and (created_from is None or d["created_at"] >= created_from)
        and (created_to is None or d["created_at"] < created_to)
        and (
            not q
            or d["email"].lower().startswith(q)
            or any(t.startswith(q) for t in [(d["name"] or "").lower(), *(d["name"] or "").lower().split()])
        )
    ]
    if sort == "line":
        rows = [d for d in rows if d["line_at"] and (status or d["status"] == "confirmed")]
        return [d["_id"] for d in sorted(rows, key=lambda d: (d["line_at"], d["_id"]))]
    if sort == "email":
        return [d["_id"] for d in sorted(rows, key=lambda d: (d["email_key"], d["_id"]))]
    ordered = sorted(rows, key=lambda d: (d["created_at"], d["_id"]), reverse=sort == "newest")
    return [d["_id"] for d in ordered]


def _all_pages(client, api_headers, **params):
    ids, page = [], 1
    while True:
        query = {k: v for k, v in params.items() if v} | {"page": page}
        body = client.get("/admin/api/entries", query_string=query, headers=api_headers).get_json()
        ids += [item["_id"] for item in body["items"]]
        if not body["has_next"]:
            return ids
        page += 1


CASES = [
    {},
    {"sort": "oldest"},
    {"status": "confirmed"},
    {"status": "pending", "source": "reddit"},
    {"sort": "line"},
    {"sort": "line", "status": "invited"},
    {"sort": "email"},
    {"sort": "email", "status": "confirmed", "source": "forum"},
    {"q": "robin"},
    {"q": "person.1"},
    {"q": "ALEX 2", "sort": "oldest", "status": "active"},
    {"created_from": "2025-03-05", "created_to": "2025-03-09"},
    {"created_from": "2025-03-05", "sort": "line", "source": "friend"},
]


@pytest.mark.parametrize("params", CASES, ids=[str(c) for c in CASES])
def test_filters_search_sort_and_pages_match_the_database(client, api_headers, population, params):
    bounds = {
        k: datetime.fromisoformat(params[k]).replace(tzinfo=UTC) + timedelta(days=k == "created_to")
        for k in ("created_from", "created_to")
        if k in params
    }
    expected = _expected(population, **{**params, **bounds})
    assert _all_pages(client, api_headers, **params) == expected


def test_the_list_reads_the_index_not_the_database(client, api_headers, population):
    mongo.db.waitlist_entries.delete_many({})  # behind the index's back: the list still shows the cache
    body = client.get("/admin/api/entries", headers=api_headers).get_json()
    assert len(body["items"]) == 50
    first = max(population, key=lambda d: d["created_at"])
    item = body["items"][0]
    assert item["_id"] == first["_id"] and item["email"] == first["email"]
    assert item["created_at"] == first["created_at"].isoformat()
    assert set(item) == {"_id", *index.FIELDS}


def test_a_missing_index_is_rebuilt_on_first_use(client, api_headers):
    waitlist.entries(3)
    redis_client.client.flushdb()
    assert not redis_client.client.exists(index.READY)
    body = client.get("/admin/api/entries", headers=api_headers).get_json()
    assert len(body["items"]) == 3
    assert redis_client.client.exists(index.READY)


def test_a_long_rebuild_says_so_instead_of_hanging(client, api_headers):
    redis_client.client.delete(index.READY)
    redis_client.client.set(index.LOCK, "another process", ex=30)  # someone else is rebuilding
    html = client.get("/admin/").get_data(as_text=True)
    assert "being rebuilt" in html
    response = client.get("/admin/api/entries", headers=api_headers)
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_reindex_command_rebuilds_an_emptied_redis(app):
    docs = waitlist.entries(5)
    redis_client.client.flushdb()
    result = app.test_cli_runner().invoke(admin_cli, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 5 entries" in result.output
    rows = index.rows([d["_id"] for d in docs])
    assert [r["email"] for r in rows] == [d["email"] for d in docs]


def _row(entry_id):
    return (index.rows([entry_id]) or [None])[0]


def _page_ids(**filters):
    rows, _ = index.page({"page": 1, **filters}, 500)
    return [r["_id"] for r in rows]


def test_every_waitlist_write_updates_the_index(client, notification_app):
    with notification_app.test_request_context():
        runtime = runtime_of(notification_app)
        celery, settings = runtime.celery, runtime.settings
        signup = {"email": "Ref.Errer@example.org", "name": "Ref Errer", "source": "forum"}
        service.store_signups(celery, settings, [{"signup": signup, "ip": "1.2.3.4", "user_agent": "ua"}])
        referrer = mongo.db.waitlist_entries.find_one({"email_key": "ref.errer@example.org"})
        assert _row(referrer["_id"])["status"] == "pending"
        assert _page_ids(status="pending") == [referrer["_id"]]
        assert _page_ids(q="ref errer") == [referrer["_id"]]

        service.confirm(
            runtime_of(notification_app),
            service.token_for(settings, service.CONFIRM_PURPOSE, referrer["_id"]),
        )
        row = _row(referrer["_id"])
        assert row["status"] == "confirmed" and row["line_at"] is not None
        assert _page_ids(sort="line") == [referrer["_id"]] and _page_ids(status="pending") == []

        data = {"email": "friend@example.org", "name": "Fri End", "referral_code": referrer["referral_code"]}
        service.store_signups(celery, settings, [{"signup": data, "ip": "1.2.3.4", "user_agent": "ua"}])
        friend = mongo.db.waitlist_entries.find_one({"email_key": "friend@example.org"})
        service.confirm(
            runtime_of(notification_app), service.token_for(settings, service.CONFIRM_PURPOSE, friend["_id"])
        )
        credited = _row(referrer["_id"])
        assert credited["referral_credits"] == 1
        assert credited["line_at"] == row["line_at"] - service.REFERRAL_BOOST

        at = datetime.now(UTC).replace(microsecond=0)
        assert service.mark_invited(friend["_id"], "inv1", at)
        assert _row(friend["_id"])["status"] == "invited" and _row(friend["_id"])["invited_at"] == at
        assert _page_ids(status="invited") == [friend["_id"]]

        assert waitlist_tasks.invitation_accepted("inv1", friend["_id"])
        assert _row(friend["_id"])["status"] == "active"
        assert _page_ids(status="invited") == [] and _page_ids(status="active") == [friend["_id"]]

        index.sync(friend["_id"])  # idempotent: a repeat changes nothing
        assert _page_ids(status="active") == [friend["_id"]] and len(_page_ids()) == 2


def test_erasure_removes_every_trace_from_redis(client, notification_app):
    kept = waitlist.entry(1)
    gone = waitlist.entry(2, name="Robin Ash", source="reddit")
    response = client.post(
        f"/admin/entries/{gone['_id']}/erase", data={"csrf_token": client.csrf, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert _keys_mentioning(gone["_id"], gone["email"], gone["email_key"], "robin") == []
    assert _keys_mentioning(kept["_id"])  # the others stay

    settings = runtime_of(notification_app).settings
    with notification_app.test_request_context():  # and the person's own leave link
        assert service.leave(settings, service.token_for(settings, service.LEAVE_PURPOSE, kept["_id"]))
    assert _keys_mentioning(kept["_id"], kept["email"]) == []


def test_an_entry_erased_before_it_is_indexed_stays_out(db):
    # A new sign-up is indexed as inserted, with no read first; an erasure of its address landing between
    # the insert and the indexing must still win.
    doc = waitlist.entry_doc(7, "pending", name="Robin Ash", source="reddit")
    index.remove(doc["_id"])  # the erasure (its entry already gone from MongoDB)
    index.add_new([doc])
    assert _keys_mentioning(doc["_id"], doc["email"], doc["email_key"], "robin") == []
    kept = waitlist.entry_doc(8, "pending")
    mongo.db.waitlist_entries.insert_one(kept)
    index.add_new([kept])
    assert _page_ids(status="pending") == [kept["_id"]]
    index.remove(kept["_id"])  # and an erasure after indexing removes it all
    assert _keys_mentioning(kept["_id"], kept["email"], kept["email_key"]) == []


def test_a_place_in_line_is_a_rank_in_the_index_and_matches_the_count(db, population):
    confirmed = [d for d in population if d["status"] == "confirmed"]
    # Two more confirmed at the same moment as the first: ties go by id, in the index as in the count.
    tied = [
        waitlist.entry(400 + n, line_at=confirmed[0]["line_at"], confirmed_at=confirmed[0]["confirmed_at"])
        for n in range(2)
    ]
    # The count reads every confirmed entry on FerretDB: compare a sample, the ties among them.
    for entry in [confirmed[0], *random.Random(5).sample(confirmed[1:], 8), *tied]:
        counted = repository.count_confirmed_ahead(entry["line_at"], entry["_id"]) + 1
        assert index.place_in_line(entry["_id"]) == counted == service.position_of(entry)
    others = [d for d in population if d["status"] != "confirmed"]
    assert all(index.place_in_line(d["_id"]) is None for d in others)

    assert service.mark_invited(tied[0]["_id"], "inv1", datetime.now(UTC))  # invited: out of the line
    assert index.place_in_line(tied[0]["_id"]) is None
    redis_client.client.delete(index.READY)  # a read model being rebuilt: the count answers
    assert index.place_in_line(tied[1]["_id"]) is None
    assert (
        service.position_of(tied[1])
        == repository.count_confirmed_ahead(tied[1]["line_at"], tied[1]["_id"]) + 1
    )
