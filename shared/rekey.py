"""Re-sealing stored values under the first key of ENCRYPTION_KEYS, a page of documents at a time.

Each store's owner runs these on its own collection, handed in (shared/key_rotation.py lists the owners).
A document is read, each value in it that `crypto.encrypt` stored is re-sealed (`crypto.rotate`), and the
document is written back by one conditional update naming the values as they were read: a document changed
meanwhile (an edited or deleted event, an email sent and its data removed) keeps its change and is counted
as `moved`, for a later run. Pages go by `_id`, so a run stopped anywhere is finished by running it again,
and a value already under the first key is left alone, so a second run writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection

from shared import crypto

BATCH = 500  # documents read per page


@dataclass
class Tally:
    """What a run did to one store; counts only, never a value."""

    resealed: int = 0  # values (or files) now under the first key
    unreadable: int = 0  # values no listed key opens: sealed with a key no longer listed, or damaged
    moved: int = 0  # documents changed between the read and the write: left as they are, a rerun takes them

    def __iadd__(self, other: Tally) -> Tally:
        self.resealed += other.resealed
        self.unreadable += other.unreadable
        self.moved += other.moved
        return self


def pages(
    collection: Collection, query: dict, projection: dict | None, batch: int = BATCH
) -> Iterator[list[dict]]:
    """The matching documents in `_id` order, `batch` at a time, each page read after the last one's `_id`."""
    after: Any = None
    while True:
        bound = {} if after is None else {"_id": {"$gt": after}}
        page = list(collection.find(query | bound, projection).sort("_id", ASCENDING).limit(batch))
        if not page:
            return
        yield page
        after = page[-1]["_id"]


def sealed_values(doc: Mapping, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, value) for each value `crypto.encrypt` stored in a document, nested ones included (no
    store of ours keeps one in a list, or under a name a path cannot spell)."""
    for name, value in doc.items():
        if not isinstance(name, str) or "." in name or name.startswith("$"):
            continue
        if isinstance(value, str) and value.startswith(crypto.PREFIX):
            yield path + name, value
        elif isinstance(value, Mapping):
            yield from sealed_values(value, f"{path}{name}.")


def rotated(keys: str, doc: Mapping, tally: Tally) -> dict[str, tuple[str, str]]:
    """{path: (as read, re-sealed)} for the document's values not yet under the first key; the values no
    listed key opens are counted in `tally` and left as they are."""
    changes = {}
    for path, value in sealed_values(doc):
        try:
            new = crypto.rotate(keys, value)
        except crypto.DecryptionError:
            tally.unreadable += 1
            continue
        if new is not None:
            changes[path] = (value, new)
    return changes


def write_if_unchanged(
    collection: Collection, doc_id: Any, read: dict[str, Any], written: dict[str, Any], tally: Tally
) -> bool:
    """Set `written` on the document only if its fields still hold `read`; False (counted as moved) if not."""
    if collection.update_one({"_id": doc_id, **read}, {"$set": written}).matched_count:
        return True
    tally.moved += 1
    return False


def reseal_document(collection: Collection, keys: str, doc: Mapping, tally: Tally) -> None:
    """Re-seal one document as it was read (`doc`), unless it changed since."""
    changes = rotated(keys, doc, tally)
    if not changes:
        return
    read = {path: old for path, (old, _) in changes.items()}
    written = {path: new for path, (_, new) in changes.items()}
    if write_if_unchanged(collection, doc["_id"], read, written, tally):
        tally.resealed += len(changes)


def reseal_documents(collection: Collection, keys: str, projection: dict | None, batch: int = BATCH) -> Tally:
    """Re-seal every sealed value in the collection's documents (in the fields `projection` reads; None:
    all of them)."""
    tally = Tally()
    for page in pages(collection, {}, projection, batch):
        for doc in page:
            reseal_document(collection, keys, doc, tally)
    return tally


def reseal_packed(
    collection: Collection,
    field: str,
    keys: str,
    *,
    unpack: Callable[[Any], list[dict]],
    pack: Callable[[list[dict]], Any],
    batch: int = BATCH,
) -> Tally:
    """Re-seal the values inside documents packed into one field (a list of documents `pack` made): each
    is unpacked, re-sealed and packed again, and written only if the field still holds what was read."""
    tally = Tally()
    for page in pages(collection, {field: {"$exists": True}}, {field: 1}, batch):
        for doc in page:
            packed, count = doc[field], 0
            inner = unpack(packed)
            for item in inner:
                changes = rotated(keys, item, tally)
                for path, (_, new) in changes.items():
                    _put(item, path, new)
                count += len(changes)
            if not count:
                continue
            if write_if_unchanged(collection, doc["_id"], {field: packed}, {field: pack(inner)}, tally):
                tally.resealed += count
    return tally


def _put(doc: dict, path: str, value: str) -> None:
    *parents, name = path.split(".")
    for parent in parents:
        doc = doc[parent]
    doc[name] = value
