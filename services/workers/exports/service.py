"""Building a requested export in the background, and purging expired ones."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime

from shared.crypto import DecryptionError
from shared.export import archive, store
from shared.settings import Settings

log = logging.getLogger(__name__)

# The archive is written to a temporary file that spills to disk past this size, then streamed to GridFS.
SPOOL_BYTES = 16 * 1024 * 1024


def build(export_id: str, task_id: str, settings: Settings) -> str:
    """Build and store one export once; returns its final status (or "skipped" if not ours to build)."""
    now = datetime.now(UTC)
    export = store.claim(export_id, task_id, now)
    if export is None:
        return "skipped"  # done already, erased, or another worker holds a fresh claim
    name = archive.filename(now.date())
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        try:
            archive.write_archive(spool, export["user_id"], settings.encryption_keys, now)
        except DecryptionError as exc:
            # Permanent: retrying cannot help until the missing key is configured again.
            log.error("export failed", extra={"export_id": export_id, "reason": str(exc)})
            store.mark_failed(export_id, task_id, "decryption failed")
            return store.FAILED
        size = spool.seek(0, os.SEEK_END)
        spool.seek(0)
        store.store_archive(export, spool, name, settings.encryption_keys)
    if not store.mark_ready(export_id, task_id, datetime.now(UTC), name, size):
        store.drop_archive(export_id)  # the request was erased or purged while we built it
        return "skipped"
    return store.READY


def purge(now: datetime | None = None) -> int:
    """Delete exports past their 7 days, with their files."""
    return store.purge_expired(now or datetime.now(UTC))
