"""Where personal data lives: the one registry that export and erasure both walk.

Every collection holding something about a person has exactly one row in PLACES. A feature that stores
personal data adds one line there, for example:

    Place("episodes"),                                            # erased only (the default)
    Place("reports", export_as="reports", drop=("share_token_hash",)),  # also exported as reports.json
    Place("report_shares", user_field="owner_id"),                # the user id is in another field
    Place("report_files", gridfs=True),                           # a GridFS bucket, files by metadata.user_id

A row says which field holds the user id (`_id` when the document is the person's own), whether it goes
into the export and under which file name, and which fields must never leave (hashes, fingerprints and
other internals); `only` keeps just the listed fields. The erasure tests fail when a collection holding
the user id is missing here (tests/services/ingestion/privacy/test_erasure.py scans every collection), or
when anything naming the person is left after any way of erasing (tests/test_erasure_leaves_nothing.py).
Erasure walks the rows in order: devices first (every device is signed out, so nothing new arrives) and
the account last (while it exists the person can sign in again and repeat an interrupted erasure).
A row names a store owned in shared/ by its owner's constant (the owner alone opens it otherwise); a
service's own stores are named here as strings, since shared/ imports no service.

A row with `via` holds bookkeeping that points at another row's documents (a claim names the outbox record
it sends): it is found through them, so it is listed, and erased, before the rows it points to.

Two more lists name what is found by something other than the user id: BY_ADDRESS (the notification
service's records per email address, erased with an account and with a waitlist entry that never became
one) and BY_ENTRY (a waitlist entry and its open invitations). KEPT names what erasure keeps, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import (
    dose_reminders,
    events,
    files,
    invitations,
    outbox,
    push_subscriptions,
    recompute,
    report_shares,
    reports,
    sign_in,
    summaries,
    users,
)
from shared.export import store as exports
from shared.mongo import mongo
from shared.plans import store as plans


@dataclass(frozen=True)
class Place:
    """One collection (or GridFS bucket) holding personal data."""

    collection: str
    user_field: str = "user_id"
    export_as: str | None = None  # file name stem in the export; None = erased, never exported
    drop: tuple[str, ...] = ()  # fields left out of the export
    only: tuple[str, ...] | None = None  # if set, the only fields exported
    gridfs: bool = False  # a GridFS bucket; its files carry metadata.user_id
    via: str | None = None  # user_field holds the _id of one of the person's documents in this collection
    where: Mapping[str, Any] = field(default_factory=dict)  # only the documents also matching this


ACCOUNT = users.USERS
EVENTS = "events"

PLACES: tuple[Place, ...] = (
    # Devices first: deleting them signs every device out, so nothing new arrives while the rest goes.
    Place("devices", export_as="devices", drop=("user_id", "token_hash")),
    Place(sign_in.CODES),
    Place("sign_in_code_uses"),  # single uses of codes that earlier versions recorded: erased only
    # Schedules early: no reminder or weekly report starts while the rest is erased.
    Place("schedules"),
    # Browsers getting dose reminders: early, so none is sent to them while the rest is erased.
    Place(
        push_subscriptions.COLLECTION,
        export_as="push-subscriptions",
        only=("endpoint", "device_id", "created_at", "updated_at"),
    ),
    # Which dose reminders went out, and how (kept 14 days).
    Place(
        dose_reminders.COLLECTION,
        export_as="dose-reminders",
        only=("day", "time", "status", "outcome", "due_at"),
    ),
    Place(events.EVENTS, export_as="events", drop=("_id", "user_id", "fingerprint")),
    # Every version of the taper plan, the record of what was agreed and when.
    Place(plans.COLLECTION, export_as="taper-plans", drop=("_id", "user_id")),
    Place(recompute.COLLECTION, user_field="_id"),
    # Summaries are computed from the events (which are exported) and hold no more than they do.
    # The workers' packed copy of the day summaries before them: never a copy left without its days.
    Place(summaries.DAY_COPIES, user_field="_id"),
    Place(summaries.DAYS),
    Place(summaries.PERSONS, user_field="_id"),
    Place(invitations.COLLECTION, export_as="invitations", drop=("user_id", "email_key")),
    # Claims before the records they point to: their ids name the record (`safety:<user>:<day>#1`).
    Place("email_claims", user_field="outbox_id", via=outbox.OUTBOX),
    Place(outbox.OUTBOX, export_as="email-history", only=("template", "status", "created_at", "sent_at")),
    # Requests before their files: a build finishing meanwhile finds its request gone and drops its file.
    Place(exports.COLLECTION),
    Place(exports.BUCKET, gridfs=True),
    # Share links (with the clinician address a person named), exported so the person sees who got one.
    Place(report_shares.COLLECTION, user_field="owner_id", export_as="report-shares", drop=("_id",)),
    Place("report_share_opens", export_as="report-share-opens", drop=("_id", "user_id")),
    # Claims that builds before claims moved onto the report left behind: build bookkeeping, erased only.
    Place("report_claims"),
    # Reports before their files, as for exports.
    Place(reports.COLLECTION, export_as="reports", drop=("user_id", "files", "attempts", "in_flight_of")),
    Place(reports.FILES_BUCKET, gridfs=True),
    # The account last: while it exists the person can sign in again and repeat an interrupted erasure.
    Place(ACCOUNT, user_field="_id", export_as="profile", drop=("email_key",)),
)

# Found by the address key (shared.email.address_key): what the notification service keeps per address.
BY_ADDRESS: tuple[Place, ...] = (
    Place("email_claims", user_field="outbox_id", via=outbox.OUTBOX),
    Place(outbox.OUTBOX, user_field="to_key"),  # every email to the address, with what it was rendered with
    Place("email_preferences", user_field="_id"),  # unsubscribes
    Place("email_events", user_field="address"),  # bounces and complaints the provider reported
)

# Found by the waitlist entry id: the entry and its open invitations (an accepted one is the account's).
BY_ENTRY: tuple[Place, ...] = (
    Place(invitations.COLLECTION, user_field="waitlist_entry_id", where={"accepted_at": None}),
    # Last: while it exists, the person's leave link repeats an interrupted erasure.
    Place("waitlist_entries", user_field="_id"),
)

# What erasure keeps, by design: (store, what is kept and why). docs/privacy.md says the same.
KEPT: tuple[tuple[str, str], ...] = (
    ("email_suppressions", "an address that bounced or complained, by address, so it is never mailed again"),
    (outbox.OUTBOX, "the account erasure's confirmation (address and template), so it is sent once"),
    ("admin_audit", "the waitlist entry id an admin invited or erased, and when: never the address or name"),
    ("redis auth:erased:*", "90 days: a hash of each erased account's device token, to tell the device why"),
    ("redis rl:*", "until they expire (a day at most): rate-limit counters keyed by a hash of the address"),
)


def place(name: str) -> Place:
    """The row for an exported file name (e.g. "events")."""
    for row in PLACES:
        if row.export_as == name:
            return row
    raise KeyError(name)


def _query(row: Place, user_id: str) -> dict:
    return {"metadata.user_id" if row.gridfs else row.user_field: user_id, **row.where}


def _shaped(doc: dict, row: Place) -> dict:
    if row.only is not None:
        return {k: doc[k] for k in row.only if k in doc}
    return {k: v for k, v in doc.items() if k not in row.drop}


def documents(
    row: Place, user_id: str, where: dict | None = None, sort: list[tuple[str, int]] | None = None
) -> Iterator[dict]:
    """The person's documents in one place, shaped for the export, streamed from the cursor."""
    cursor = mongo.db[row.collection].find({**_query(row, user_id), **(where or {})})
    if sort:
        cursor = cursor.sort(sort)
    return (_shaped(doc, row) for doc in cursor)


def export_documents(user_id: str) -> Iterator[tuple[str, Iterable[dict]]]:
    """(file name stem, documents) for every exported place, in registry order."""
    for row in PLACES:
        if row.export_as:
            yield row.export_as, documents(row, user_id)


def count(user_id: str, name: str) -> int:
    """How many documents the person has in the place exported as `name`."""
    row = place(name)
    return mongo.db[row.collection].count_documents(_query(row, user_id))


def erase(user_id: str, *, keep: Iterable[str] = ()) -> dict[str, int]:
    """Delete the person's documents in every registered place (except the collections in `keep`);
    returns counts per place. Safe to repeat: what is already gone counts zero."""
    return _erase(PLACES, user_id, keep=keep)


def erase_address(key: str, *, sparing: Iterable[str] = ()) -> dict[str, int]:
    """Delete what is kept for an address key (BY_ADDRESS), except the documents whose _id is in `sparing`
    (and what points at them); returns counts per place. Safe to repeat."""
    return _erase(BY_ADDRESS, key, sparing=sparing)


def erase_entry(entry_id: str) -> dict[str, int]:
    """Delete a waitlist entry and its open invitations (BY_ENTRY); counts per place. Safe to repeat."""
    return _erase(BY_ENTRY, entry_id)


def _erase(
    rows: tuple[Place, ...], owner: str, *, keep: Iterable[str] = (), sparing: Iterable[str] = ()
) -> dict[str, int]:
    keep, sparing = set(keep), list(sparing)

    def owned(row: Place) -> dict:
        query = _query(row, owner)
        return {"$and": [query, {"_id": {"$nin": sparing}}]} if sparing else query

    counts: dict[str, int] = {}
    for row in rows:
        if row.gridfs:
            counts[f"{row.collection}.files"] = files.delete_where(row.collection, _query(row, owner))
        elif row.collection in keep:
            continue
        elif row.via:
            target = next(r for r in rows if r.collection == row.via and not r.gridfs)
            ids = [doc["_id"] for doc in mongo.db[target.collection].find(owned(target), {"_id": 1})]
            query = {row.user_field: {"$in": ids}, **row.where}
            counts[row.collection] = mongo.db[row.collection].delete_many(query).deleted_count if ids else 0
        else:
            counts[row.collection] = mongo.db[row.collection].delete_many(owned(row)).deleted_count
    return counts
