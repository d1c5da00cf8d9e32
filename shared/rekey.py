"""Re-sealing stored values under the first key of ENCRYPTION_KEYS, a page of documents at a time.

Each store's owner runs these on its own collection, handed in (shared/key_rotation.py lists the owners).
A document is read, each value in it that `crypto.encrypt` stored is re-sealed (`crypto.rotate`), and the
document is written back by one conditional update naming the values as they were read: a document changed
meanwhile (an edited or deleted event, an email sent and its data removed) keeps its change and is counted
as `moved`, for a later run. Pages go by `_id` (all of one type in each of our stores: `$gt` does not
cross types), so a run stopped anywhere is finished by running it again, and a value already under the
first key is left alone, so a second run writes nothing. The updates of a page go in bulk writes of
WRITE_CHUNK, each one commit on FerretDB (docs/benchmarks.md, "Key rotation").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.collection import Collection

from shared import crypto

BATCH = 500  # documents read per page
WRITE_CHUNK = 50  # conditional updates per bulk write (shared/summaries.py says why 50)


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


@dataclass(frozen=True)
class Rewrite:
    """One document's conditional update: fields as they were read, the same fields re-sealed, and how many
    sealed values that is."""

    doc_id: Any
    read: dict[str, Any] = field(repr=False)  # ciphertext stays out of reprs, tracebacks and logs
    written: dict[str, Any] = field(repr=False)
    values: int = 0


def rewrite(keys: str, doc: Mapping, tally: Tally) -> Rewrite | None:
    """The update re-sealing a document as it was read (`doc`), or None when it has nothing to re-seal."""
    changes = rotated(keys, doc, tally)
    if not changes:
        return None
    read = {path: old for path, (old, _) in changes.items()}
    return Rewrite(doc["_id"], read, {path: new for path, (_, new) in changes.items()}, len(changes))


def write_unchanged(collection: Collection, rewrites: list[Rewrite], tally: Tally) -> int:
    """Apply each rewrite to its document only if the document still holds what was read, WRITE_CHUNK per
    bulk write (one commit each on FerretDB, which holds its one writer that long); a document changed
    meanwhile keeps its change and is counted as moved. How many documents took their rewrite."""
    took = 0
    for start in range(0, len(rewrites), WRITE_CHUNK):
        chunk = rewrites[start : start + WRITE_CHUNK]
        updates = [UpdateOne({"_id": r.doc_id, **r.read}, {"$set": r.written}) for r in chunk]
        if collection.bulk_write(updates, ordered=False).matched_count < len(chunk):
            # Not all of them: a re-sealed value is new (Fernet's IV is random), so the documents now
            # holding the values written are the ones that took it.
            now = {d["_id"]: d for d in collection.find({"_id": {"$in": [r.doc_id for r in chunk]}})}
            chunk = [r for r in chunk if all(_get(now.get(r.doc_id), k) == v for k, v in r.written.items())]
        tally.moved += len(updates) - len(chunk)
        tally.resealed += sum(r.values for r in chunk)
        took += len(chunk)
    return took


def reseal_documents(collection: Collection, keys: str, projection: dict | None, batch: int = BATCH) -> Tally:
    """Re-seal every sealed value in the collection's documents (in the fields `projection` reads; None:
    all of them)."""
    tally = Tally()
    for page in pages(collection, {}, projection, batch):
        rewrites = [r for doc in page if (r := rewrite(keys, doc, tally))]
        write_unchanged(collection, rewrites, tally)
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
        rewrites = []
        for doc in page:
            inner, count = unpack(doc[field]), 0
            for item in inner:
                changes = rotated(keys, item, tally)
                for path, (_, new) in changes.items():
                    _put(item, path, new)
                count += len(changes)
            if count:
                rewrites.append(Rewrite(doc["_id"], {field: doc[field]}, {field: pack(inner)}, count))
        write_unchanged(collection, rewrites, tally)
    return tally


def _get(doc: Mapping | None, path: str) -> Any:
    for name in path.split("."):
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(name)
    return doc


def _put(doc: dict, path: str, value: str) -> None:
    *parents, name = path.split(".")
    for parent in parents:
        doc = doc[parent]
    doc[name] = value
