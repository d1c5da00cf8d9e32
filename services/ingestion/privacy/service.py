"""Export and erasure rules: small accounts export at once, large ones in the background; erasure walks
every registered place, can be repeated after a crash, and is confirmed by email."""

from __future__ import annotations

import hashlib
import hmac
import io
from datetime import UTC, datetime

from celery import Celery

from services.ingestion.accounts import auth_cache, repository, tombstones
from services.ingestion.accounts.exceptions import NotFound
from services.ingestion.privacy.exceptions import ExportExpired, ExportNotReady
from shared import languages, recompute, userdata
from shared.export import archive, store
from shared.files import StoredFile
from shared.queue import enqueue
from shared.settings import Settings
from shared.tasks import BUILD_EXPORT, ERASE_ADDRESS, ERASE_LEFTOVERS

# Up to this many events the zip is built inside the request (a second or two); above, by the workers.
SYNC_EXPORT_MAX_EVENTS = 5000


def needs_background(user_id: str) -> bool:
    return userdata.count(user_id, userdata.EVENTS) > SYNC_EXPORT_MAX_EVENTS


def build_now(settings: Settings, user_id: str) -> tuple[bytes, str]:
    """(zip bytes, file name) for a small account."""
    now = datetime.now(UTC)
    buffer = io.BytesIO()
    archive.write_archive(buffer, user_id, settings.encryption_keys, now)
    return buffer.getvalue(), archive.filename(now.date())


def request_export(celery_app: Celery, user_id: str) -> dict:
    """Ask the workers for an export; one already on its way is returned instead of starting another."""
    export = store.find_in_progress(user_id)
    if export is not None:
        return export
    export = store.create(user_id, datetime.now(UTC))
    try:
        enqueue(celery_app, BUILD_EXPORT, export_id=export["_id"])
    except Exception:
        store.remove(export["_id"])  # nothing half-made: the person can simply ask again
        raise
    return export


def find_export(user_id: str, export_id: str) -> dict:
    export = store.find(user_id, export_id)
    if export is None:
        raise NotFound()
    if export["expires_at"] <= datetime.now(UTC):
        raise ExportExpired()
    return export


def open_download(settings: Settings, user_id: str, export_id: str) -> tuple[StoredFile, str]:
    """The ready archive's stream (decrypted as it is read) and file name."""
    export = find_export(user_id, export_id)
    if export["status"] != store.READY:
        raise ExportNotReady()
    stream = store.open_archive(export_id, settings.encryption_keys)
    if stream is None:
        raise ExportExpired()
    return stream, export["filename"]


def confirmation_key(settings: Settings, user_id: str) -> str:
    """The confirmation email's idempotency key: the same on a repeated erasure, yet it does not carry
    the erased id (the outbox record outlives the account)."""
    digest = hmac.new(settings.secret_key.encode(), f"account-erased:{user_id}".encode(), hashlib.sha256)
    return f"account-erased:{digest.hexdigest()[:32]}"


def erase_account(celery_app: Celery, settings: Settings, user: dict) -> None:
    """Erase everything about the person, in an order that can be repeated after a crash at any point."""
    user_id = user["_id"]
    # Devices and the account stay until the end, so a failure before then leaves a working token for
    # the person to repeat the request (every step below is idempotent).
    userdata.erase(user_id, keep={"devices", userdata.ACCOUNT})
    recompute.forget(user_id)
    enqueue(
        celery_app,
        ERASE_ADDRESS,
        to=user["email"],
        idempotency_key=confirmation_key(settings, user_id),
        language=languages.of(user),
    )
    # A device still signed in will be told its account was erased (not to sign in again).
    tombstones.bury(repository.token_hashes(user_id))
    # Devices first (nothing new can arrive), then whatever arrived meanwhile, the account last.
    userdata.erase(user_id)
    auth_cache.account_erased(user_id)
    # A request signed in before the devices went, or a task that had read the person, may still write:
    # their places are emptied once more when all of those are over.
    enqueue(celery_app, ERASE_LEFTOVERS, countdown=settings.erasure_sweep_after_seconds, user_id=user_id)
