"""Storing day summaries: what the database must take whatever it is (FerretDB 1.24 or MongoDB)."""

from services.workers.summaries import repository


def test_rewriting_more_than_a_hundred_stored_days_completes(db):
    """A rebuild after a parameter change rewrites every stored day; FerretDB 1.24 never answers one update
    command of 100 or more statements that match stored documents, so the writes are chunked."""
    days = [
        {"day": f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}", "has_data": True, "burden": 3.0}
        for i in range(150)
    ]
    repository.write_days_of({"person-1": (days, [])})

    repository.write_days_of({"person-1": ([d | {"burden": 4.0} for d in days], [])})

    stored = repository.stored_days_of(["person-1"])["person-1"]
    assert len(stored) == 150
    assert {d["burden"] for d in stored.values()} == {4.0}
