"""Storing day summaries: what the database must take whatever it is (FerretDB 1.24 or MongoDB), and the
packed per-person copy the recompute reads instead of the day documents."""

from datetime import UTC, datetime

from shared import summaries


def days_from(start: int, count: int, **fields) -> list[dict]:
    return [
        {"day": f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}", "has_data": True, "burden": 3.0} | fields
        for i in range(start, start + count)
    ]


def write(user_id: str, changed: list[dict], stale: list[str], after: list[dict]) -> datetime:
    """As a recompute writes: the days with their packed copy, then the summary document naming it."""
    at = datetime.now(UTC)
    summaries.write_days_of({user_id: (changed, stale)}, {user_id: after}, at)
    summaries.write_persons({user_id: {"computed_at": at, "days_at": at, "today": "2026-01-01"}})
    return at


def days_of(user_id: str) -> dict[str, dict]:
    return summaries.stored_days_of([user_id])[user_id].days


def test_rewriting_more_than_a_hundred_stored_days_replaces_each(db):
    """A rebuild after a parameter change rewrites every stored day, in several bulk writes."""
    days = days_from(0, 150)
    write("person-1", days, [], days)
    changed = [d | {"burden": 4.0} for d in days]
    write("person-1", changed, [d["day"] for d in days], changed)

    stored = days_of("person-1")
    assert len(stored) == 150
    assert {d["burden"] for d in stored.values()} == {4.0}
    assert db.day_summaries.count_documents({"user_id": "person-1", "burden": 4.0}) == 150


def test_days_are_replaced_and_removed_as_listed(db):
    first, second, third = days_from(0, 3)
    write("p", [first, second], [], [first, second])
    # The 2nd changes, the 1st is gone, the 3rd is new (not stored before: nothing of it to delete).
    write(
        "p",
        [second | {"burden": 5.0}, third],
        [second["day"], first["day"]],
        [second | {"burden": 5.0}, third],
    )
    expected = {second["day"]: 5.0, third["day"]: 3.0}
    stored = days_of("p")
    assert {d: doc["burden"] for d, doc in stored.items()} == expected
    assert {d["day"]: d["burden"] for d in db.day_summaries.find({"user_id": "p"})} == expected


class TestPackedCopy:
    def test_the_copy_reads_exactly_as_the_day_documents(self, db):
        days = days_from(0, 40)
        write("p", days, [], days)
        from_copy = days_of("p")
        db.day_summaries_packed.delete_many({})
        from_days = days_of("p")
        assert from_copy == from_days
        assert len(from_copy) == 40 and from_copy[days[0]["day"]]["_id"] == f"p:{days[0]['day']}"

    def test_readers_get_the_same_days_from_the_copy_as_from_the_day_documents(self, db):
        days = days_from(0, 100)
        write("p", days, [], days)
        first, last = days[0]["day"], days[-1]["day"]
        from_copy = summaries.summary_days("p", first, last)
        db.day_summaries_packed.delete_many({})  # as after a crash between the days and the copy
        from_days = summaries.summary_days("p", first, last)
        assert from_copy == from_days
        assert [d["day"] for d in from_days] == [d["day"] for d in days]
        assert summaries.summary_days("p", days[10]["day"], days[12]["day"]) == from_days[10:13]

    def test_people_without_a_copy_are_read_from_the_day_documents(self, db):
        """As after a crash between the days and the copy (the copy goes first, comes back last), or for
        days stored before copies existed."""
        mine, theirs = days_from(0, 3), days_from(3, 2)
        write("with-copy", mine, [], mine)
        db.day_summaries.insert_many([{"_id": f"old:{d['day']}", "user_id": "old"} | d for d in theirs])
        stored = summaries.stored_days_of(["with-copy", "old", "nobody"])
        assert {u: sorted(s.days) for u, s in stored.items()} == {
            "with-copy": [d["day"] for d in mine],
            "old": [d["day"] for d in theirs],
            "nobody": [],
        }

    def test_a_copy_the_summary_document_does_not_name_is_not_trusted(self, db):
        """A crash between the two writes, or a worker of a version that kept no copies, changing a day."""
        days = days_from(0, 3)
        at = write("p", days, [], days)
        db.day_summaries.update_one({"_id": f"p:{days[0]['day']}"}, {"$set": {"burden": 9.0}})
        assert days_of("p")[days[0]["day"]]["burden"] == 3.0  # the copy, trusted
        # A later summary that changed no day still names the copy.
        summaries.write_persons({"p": {"computed_at": datetime.now(UTC), "days_at": at}})
        assert summaries.stored_days_of(["p"])["p"].copy_at is not None
        # The other writer's summary, which names another write (or, from before `days_at`, none).
        for other in ({"days_at": datetime.now(UTC)}, {}):
            summaries.write_persons({"p": {"computed_at": datetime.now(UTC)} | other})
            assert days_of("p")[days[0]["day"]]["burden"] == 9.0  # the days, read
            assert summaries.stored_days_of(["p"])["p"].copy_at is None

    def test_the_first_day_only_the_summary_holds_is_its_today(self, db):
        days = days_from(0, 2)
        write("p", days, [], days)
        write("lost", days, [], days)
        db.person_summaries.delete_one({"_id": "lost"})  # a crash before their first summary document
        stored = summaries.stored_days_of(["p", "lost", "nobody"])
        assert {u: s.open_from for u, s in stored.items()} == {
            "p": "2026-01-01",  # the summary document's today
            "lost": "2025-01-03",  # the day after the last day document
            "nobody": None,
        }

    def test_each_write_replaces_the_copy_and_forget_removes_it(self, db):
        days = days_from(0, 5)
        write("p", days, [], days)
        write("p", [], [days[0]["day"]], days[1:])
        assert sorted(days_of("p")) == [d["day"] for d in days[1:]]
        assert db.day_summaries_packed.count_documents({"_id": "p"}) == 1
        summaries.forget("p")
        assert db.day_summaries_packed.count_documents({}) == 0
        assert db.day_summaries.count_documents({}) == 0
