"""The admin list, read through its API and page: every filter, search, sort and page agrees with the same
rules computed here in Python; ties page stably; a place in line is the entry's place in the "line" sort."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.notification.waitlist import repository
from services.notification.waitlist.normalize import email_key
from tests.factories import waitlist

SOURCES = ("forum", "Reddit", "reddit", "Friend", None)
STATUSES = ("pending", "confirmed", "confirmed", "invited", "active")


@pytest.fixture
def population(db):
    """A few hundred entries, varied in status, source (in any case), names and times."""
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
    repository.insert_entries(docs)
    return docs


def _found(doc, q: str) -> bool:
    """The search as docs/admin.md describes it."""
    q = q.strip()
    if "@" in q:
        return doc["email_key"].startswith(email_key(q))
    return q.lower() in doc["email_key"] or q.lower() in (doc["name"] or "").lower()


def _expected(docs, *, status="", source="", q="", sort="newest", created_from=None, created_to=None):
    if sort == "line":
        status = status or "confirmed"
    rows = [
        d
        for d in docs
        if (not status or d["status"] == status)
        and (not source or (d["source"] or "").casefold() == source.casefold())
        and (created_from is None or d["created_at"] >= created_from)
        and (created_to is None or d["created_at"] < created_to)
        and (not q or _found(d, q))
    ]
    if sort == "line":
        return [d["_id"] for d in sorted(rows, key=lambda d: (d["line_at"], d["_id"]))]
    if sort == "email":
        return [d["_id"] for d in sorted(rows, key=lambda d: d["email_key"])]
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
    {"status": "pending", "source": "REDDIT"},
    {"sort": "line"},
    {"sort": "line", "status": "invited"},
    {"sort": "email"},
    {"sort": "email", "status": "confirmed", "source": "forum"},
    {"q": "robin"},
    {"q": "ash"},  # any part of a name
    {"q": "person.1"},  # the start of an address, without its "@"
    {"q": "ERSON.1"},  # any part of an address, in any case
    {"q": "Person.2@exa", "sort": "email"},
    {"q": "ALEX 2", "sort": "oldest", "status": "active"},
    {"created_from": "2025-03-05", "created_to": "2025-03-09"},
    {"created_from": "2025-03-05", "sort": "line", "source": "friend"},
]


@pytest.mark.parametrize("params", CASES, ids=[str(c) for c in CASES])
def test_filters_search_sort_and_pages_match_the_rules(client, api_headers, population, params):
    bounds = {
        k: datetime.fromisoformat(params[k]).replace(tzinfo=UTC) + timedelta(days=k == "created_to")
        for k in ("created_from", "created_to")
        if k in params
    }
    expected = _expected(population, **{**params, **bounds})
    assert expected  # each case lists someone
    assert _all_pages(client, api_headers, **params) == expected


def test_pages_through_ties_list_every_entry_once_in_the_documented_order(client, api_headers, db):
    """And the export and "Invite next" follow the same order."""
    # Entries joined (and confirmed) at three moments only, so every page boundary falls inside a tie.
    moments = [waitlist.BASE + timedelta(hours=h) for h in range(3)]
    docs = [
        waitlist.entry_doc(n, "invited" if n % 5 == 0 else "confirmed", created_at=moments[n % 3],
                           source="Reddit" if n % 2 else "forum")
        for n in range(260)
    ]  # fmt: skip
    repository.insert_entries(docs)
    for params in ({"sort": "newest"}, {"sort": "oldest"}, {"sort": "line"}, {"sort": "email"}):
        listed = _all_pages(client, api_headers, source="reddit", **params)
        assert len(listed) > 2 * 50 and len(set(listed)) == len(listed)
        assert listed == _expected(docs, source="reddit", **params)
        exported = client.get("/admin/export.csv", query_string={"source": "reddit", **params})
        assert [row["id"] for row in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))] == listed
    # "Invite next" names the first in line in the same order.
    page = client.get("/admin/invitations/next?next=120").get_data(as_text=True)
    named = re.findall(r'name="entry_ids" value="([0-9a-f]{32})"', page)
    assert named == _expected(docs, sort="line")[:120]


def test_a_search_for_an_address_finds_it_as_its_duplicate_key_is_kept(client, api_headers, db):
    kept = waitlist.entry(1, email="John.Smith+news@Gmail.com", email_key="johnsmith@gmail.com")
    waitlist.entry(2)
    for typed in ("john.smith@gmail.com", "JohnSmith+other@googlemail.com", "johnsmith@gm", "JOHNS"):
        assert _all_pages(client, api_headers, q=typed) == [kept["_id"]], typed


def test_list_items_carry_the_list_fields_only(client, api_headers, db):
    entry = waitlist.entry(1)
    [item] = client.get("/admin/api/entries", headers=api_headers).get_json()["items"]
    assert set(item) == {"_id", *repository.LIST_FIELDS}  # no consent proof, IP or referral code
    assert item["email"] == entry["email"] and item["created_at"] == entry["created_at"].isoformat()


def test_a_place_in_line_is_the_entrys_place_in_the_line_sort(client, api_headers, population):
    first = min((d for d in population if d["status"] == "confirmed"), key=lambda d: d["line_at"])
    # Two more confirmed at the same moment as the first in line: ties go by id, in the list as in the count.
    at = {"line_at": first["line_at"], "confirmed_at": first["confirmed_at"]}
    tied = [waitlist.entry(400 + n, **at) for n in range(2)]
    line = _all_pages(client, api_headers, sort="line")
    sample = random.Random(5).sample(line[3:], 5)
    for entry_id in [first["_id"], *(t["_id"] for t in tied), *sample]:
        body = client.get(f"/admin/api/entries/{entry_id}", headers=api_headers).get_json()
        assert body["position"] == line.index(entry_id) + 1
    invited = next(d for d in population if d["status"] == "invited")
    body = client.get(f"/admin/api/entries/{invited['_id']}", headers=api_headers).get_json()
    assert body["position"] is None


def _emails(html: str) -> list[str]:
    return re.findall(r'href="/admin/entries/[0-9a-f]+">([^<]+)</a>', html)


def test_the_source_filter_finds_entries_stored_before_source_keys_in_any_case(client, db):
    older = [waitlist.entry_doc(n, source=source) for n, source in enumerate(("Reddit", "forum", None))]
    db.waitlist_entries.insert_many(older)  # as an earlier version stored them: no source_key,
    db.waitlist_counts.delete_one({"_id": repository.SOURCE_KEYED})  # and no marker of the backfill
    assert _emails(client.get("/admin/?source=reddit").get_data(as_text=True)) == []
    repository.ensure_source_keys()  # at start
    repository.ensure_source_keys()  # a second process starting
    newer = waitlist.entry(3, source="REDDIT")
    html = client.get("/admin/?source=rEDDIT").get_data(as_text=True)
    assert _emails(html) == [newer["email"], older[0]["email"]]
    assert db.waitlist_entries.count_documents({"source_key": {"$exists": False}}) == 0


def test_the_former_redis_copy_of_the_list_is_deleted_at_start(settings, db, redis):
    """A former version kept every entry's address and name in Redis (`waitlist:index:`), and erasure no
    longer looks there: the app deletes that copy when it starts, and nothing else."""
    from tests.support.runtimes import notification_app

    redis.hset("waitlist:index:e:abc", mapping={"email": "robin@example.org", "name": "Robin"})
    redis.zadd("waitlist:index:created", {"abc": 1.0})
    redis.set("waitlist:index:ready:3", "2026-12-01")
    redis.set("rl:kept", 1)

    notification_app(settings)

    assert list(redis.scan_iter(match="waitlist:index:*")) == []
    assert redis.get("rl:kept") == "1"
