"""Where values sealed with ENCRYPTION_KEYS are stored: the one list the key-rotation job walks.

Each entry is a store owner's `reseal(keys, batch)`, which re-seals that owner's own documents under the
first key and reports, per store, what it did (shared/rekey.py). A feature that stores a value sealed with
the ring (`crypto.encrypt`, or a file through shared/files.py) adds its owner here; a test stores one of
each and checks that the job leaves nothing the first key alone cannot open
(tests/shared/test_key_rotation.py).

Not stored by us, so nothing can re-seal them, and they stop opening once their key is removed:

- dose links (`shared.plans.dose_tokens`, in the app, push notifications and reminder emails): sealed,
  valid for `dose_tokens.VALID_FOR` (3 days) from when they were made;
- unsubscribe links in emails (`services/notification/email/service.py::unsubscribe_token`): sealed and
  never expiring; once their key is gone, an old email's link shows the broken-link page, and newer
  emails (sealed with the new key) and the app's settings still unsubscribe.

The Redis day cache (`shared/day_cache.py`) holds copies of recent events, sealed fields and all, and cannot
be re-sealed in place safely while ingestion writes to it: `distrust_cached_copies` makes the workers read
each cached day from MongoDB again (after the events there were re-sealed) before they trust it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from shared import day_cache, events, outbox, reports, summaries
from shared.export import store as exports
from shared.rekey import BATCH, Tally

OWNERS: tuple[Callable[[str, int], dict[str, Tally]], ...] = (
    events.reseal,  # notes, tags, custom symptom and medication names
    summaries.reseal,  # the custom names the summaries copy from the events
    outbox.reseal,  # account mail's template names, and every unsent email's data
    reports.reseal,  # report pages and PDFs (GridFS)
    exports.reseal,  # export archives (GridFS)
)


def reseal_all(keys: str, batch: int = BATCH) -> Iterator[tuple[str, Tally]]:
    """(store, what was done) for every store holding sealed values, each re-sealed under the first key."""
    for reseal in OWNERS:
        yield from reseal(keys, batch).items()


def distrust_cached_copies() -> int:
    """After `reseal_all`: how many cached days the workers will read from MongoDB again before using."""
    return day_cache.distrust_all()
