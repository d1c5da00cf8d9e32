"""Group commit: the inserts that one process's request threads make at the same moment share one write.

Most of a single insert's cost is the database's per-write work (a transaction, a journal flush, the one
SQLite write lock on FerretDB), not the document. A thread that finds a write in flight queues its document
and waits; when that write returns, the first one waiting writes everything queued meanwhile in one call,
and each thread learns its own document's outcome before it goes on. An idle process writes at once (no
timer, no added latency); under load the batches grow by themselves, up to the number of request threads.
Used for stored events (shared/events.py) and recompute requests (shared/recompute.py: an upsert each).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable


class _Slot:
    __slots__ = ("doc", "error", "leads", "woken")

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.woken = threading.Event()
        self.leads = False  # woken to write the queue rather than with its outcome
        self.error: BaseException | None = None


class GroupCommit:
    """`write(docs)` stores what it can and returns the failures by position; `insert(doc)` raises its own
    document's failure, or returns once the document is stored."""

    def __init__(self, write: Callable[[list[dict]], dict[int, BaseException]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._writing = False

    def insert(self, doc: dict) -> None:
        slot = _Slot(doc)
        with self._lock:
            self._queue.append(slot)
            leads = not self._writing
            self._writing = True
        if not leads:
            slot.woken.wait()
            leads = slot.leads
        if leads:
            self._lead()
        if slot.error is not None:
            raise _own(slot.error)

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        errors: list[BaseException | None] = [_INTERRUPTED] * len(batch)
        try:
            try:
                failures = self._write([s.doc for s in batch])
                errors = [failures.get(position) for position in range(len(batch))]
            except BaseException as exc:  # noqa: BLE001 - every request of the batch answers it
                errors = [exc] * len(batch)
        finally:
            # Whatever happened above, the queue gets a leader and every waiting thread wakes: one left
            # waiting would hold its request thread for good.
            for slot, error in zip(batch, errors, strict=True):
                slot.error = error
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._writing = successor is not None
            if successor is not None:
                successor.leads = True
                successor.woken.set()
            for other in batch:
                other.woken.set()


_INTERRUPTED = RuntimeError("the write was interrupted; whether it was stored is unknown")


def _own(error: BaseException) -> BaseException:
    """A copy for one thread to raise: one exception object raised in several threads at once would collect
    all of their tracebacks."""
    try:
        return copy.copy(error)
    except Exception:  # noqa: BLE001 - an exception that cannot be copied is raised as it is
        return error
