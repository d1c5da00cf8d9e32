"""The personal-data registry: every place erased completely and repeatably, exported without secrets."""

from __future__ import annotations

import io
import uuid

import pytest

from shared import event_text, files, userdata
from shared.export.archive import safe_cell
from shared.mongo import mongo


def settings_keys() -> str:
    from shared.settings import Settings

    return Settings.from_env({}).encryption_keys


KEYS = settings_keys()


def fill(user_id: str, rows: tuple[userdata.Place, ...] = userdata.PLACES) -> None:
    """One document in every place of `rows` for `user_id` (a claim points at the person's outbox record)."""
    for row in rows:
        if row.gridfs:
            files.put(
                row.collection, uuid.uuid4().hex, io.BytesIO(b"data"), "f", {"user_id": user_id}, keys=KEYS
            )
        elif row.via:
            continue
        elif row.user_field == "_id":
            mongo.db[row.collection].insert_one({"_id": user_id, "email_key": uuid.uuid4().hex})
        else:
            mongo.db[row.collection].insert_one(
                {
                    "_id": uuid.uuid4().hex,
                    row.user_field: user_id,
                    "token_hash": uuid.uuid4().hex,
                    "fingerprint": "f",
                }
                | {"data": {"note": "n"}, "template": "t", "to": "someone@example.org"}
                | dict(row.where)
            )
    for row in rows:
        if row.via:
            target = next(r for r in rows if r.collection == row.via)
            pointed = mongo.db[row.via].find_one({target.user_field: user_id})["_id"]
            mongo.db[row.collection].insert_one({"_id": f"{pointed}#1", row.user_field: pointed})


def remaining(db, user_id: str, rows: tuple[userdata.Place, ...]) -> dict[str, int]:
    """How many of the person's documents each place of `rows` still holds."""
    counts = {}
    for row in rows:
        collection = f"{row.collection}.files" if row.gridfs else row.collection
        field = "metadata.user_id" if row.gridfs else row.user_field
        owner = user_id
        if row.via:
            target = next(r for r in rows if r.collection == row.via)
            owner = {"$in": [d["_id"] for d in db[row.via].find({target.user_field: user_id})]}
        counts[collection] = counts.get(collection, 0) + db[collection].count_documents({field: owner})
    return counts


def test_free_text_is_sealed_and_opened_by_one_list():
    data = {"note": "n", "tags": ["a", "b"], "severity": 3}
    stored = event_text.sealed(data, settings_keys())
    assert stored["note"].startswith("fernet:") and stored["tags"].startswith("fernet:")
    assert stored["severity"] == 3
    assert event_text.opened({"data": stored}, settings_keys())["data"] == data


def test_each_place_is_listed_once_with_devices_first_and_the_account_last():
    keys = [(row.collection, row.gridfs) for row in userdata.PLACES]
    assert len(keys) == len(set(keys))
    exported = [row.export_as for row in userdata.PLACES if row.export_as]
    assert len(exported) == len(set(exported))
    assert userdata.PLACES[0].collection == "devices"
    assert userdata.PLACES[-1].collection == userdata.ACCOUNT


def test_secrets_never_reach_the_export():
    assert "token_hash" in userdata.place("devices").drop
    assert "fingerprint" in userdata.place("events").drop
    assert userdata.place("email-history").only == ("template", "status", "created_at", "sent_at")
    for row in userdata.PLACES:
        if row.collection in {"sign_in_codes", "recompute_requests", "exports"}:
            assert row.export_as is None


class TestErase:
    def test_empties_every_place_for_that_person_only(self, db):
        mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
        fill(mine)
        fill(theirs)
        counts = userdata.erase(mine)
        assert set(counts.values()) == {1}
        assert db["exports.chunks"].count_documents({}) == 1  # only theirs is left
        again = userdata.erase(mine)
        assert set(again.values()) == {0}
        assert set(remaining(db, mine, userdata.PLACES).values()) == {0}
        assert set(remaining(db, theirs, userdata.PLACES).values()) == {1}

    def test_claims_go_before_the_records_they_point_to(self, db):
        claims = [row.collection for row in userdata.PLACES].index("email_claims")
        assert claims < [row.collection for row in userdata.PLACES].index("email_outbox")
        user_id = uuid.uuid4().hex
        fill(user_id)
        userdata.erase(user_id)
        assert db.email_claims.count_documents({}) == 0

    def test_keep_leaves_the_named_places(self, db):
        user_id = uuid.uuid4().hex
        fill(user_id)
        userdata.erase(user_id, keep={"devices", userdata.ACCOUNT})
        assert db.devices.count_documents({"user_id": user_id}) == 1
        assert db.users.count_documents({"_id": user_id}) == 1
        assert db.events.count_documents({"user_id": user_id}) == 0


class TestEraseAddress:
    def test_empties_every_place_for_that_address_but_the_spared_record(self, db):
        mine, theirs = "me@example.org", "them@example.org"
        fill(mine, userdata.BY_ADDRESS)
        fill(theirs, userdata.BY_ADDRESS)
        confirmation = {"_id": "account-erased:abc", "to_key": mine, "template": "account_erased"}
        db.email_outbox.insert_one(confirmation)
        db.email_claims.insert_one({"_id": "account-erased:abc#1", "outbox_id": "account-erased:abc"})
        db.email_suppressions.insert_one({"_id": mine, "scope": "all", "reason": "hard bounce"})

        counts = userdata.erase_address(mine, sparing=[confirmation["_id"]])
        assert set(counts.values()) == {1}
        assert set(userdata.erase_address(mine, sparing=[confirmation["_id"]]).values()) == {0}
        assert [d["_id"] for d in db.email_outbox.find({"to_key": mine})] == [confirmation["_id"]]
        assert db.email_claims.count_documents({"outbox_id": confirmation["_id"]}) == 1
        assert db.email_suppressions.count_documents({"_id": mine}) == 1  # kept: it protects the address
        assert set(remaining(db, theirs, userdata.BY_ADDRESS).values()) == {1}


class TestEraseEntry:
    def test_takes_the_open_invitations_and_leaves_an_accepted_one_to_its_account(self, db):
        entry_id = uuid.uuid4().hex
        fill(entry_id, userdata.BY_ENTRY)
        accepted = {"_id": "accepted", "waitlist_entry_id": entry_id, "accepted_at": "yesterday"}
        db.invitations.insert_one(accepted)
        assert userdata.erase_entry(entry_id) == {"invitations": 1, "waitlist_entries": 1}
        assert [d["_id"] for d in db.invitations.find({"waitlist_entry_id": entry_id})] == ["accepted"]
        assert userdata.BY_ENTRY[-1].collection == "waitlist_entries"  # last: a repeat still finds it


def test_export_documents_leave_out_dropped_fields(db):
    user_id = uuid.uuid4().hex
    fill(user_id)
    exported = {name: list(docs) for name, docs in userdata.export_documents(user_id)}
    assert set(exported) == {row.export_as for row in userdata.PLACES if row.export_as}
    assert "token_hash" not in exported["devices"][0]
    assert "fingerprint" not in exported["events"][0]
    assert exported["events"][0]["data"] == {"note": "n"}
    assert "email_key" not in exported["profile"][0]
    assert exported["email-history"] == [{"template": "t"}]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("calm day", "calm day"),
        (-3.5, "-3.5"),
        (None, ""),
        (True, "true"),
        (["=a", "b"], "'=a; b"),
    ],
)
def test_csv_cells_are_never_formulas(value, cell):
    assert safe_cell(value) == cell
