"""Files an email carries, read from GridFS when it is sent (the outbox holds only where they are)."""

from __future__ import annotations

from dataclasses import dataclass

from shared import files

# Well under the 25 MB receivers accept once base64 has added its third.
MAX_TOTAL_BYTES = 10 * 1024 * 1024


class AttachmentUnavailable(ValueError):
    """A file the email should carry is gone (e.g. the report was deleted) or too large: a permanent
    failure, since sending without it would say something untrue ("attached")."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def load(specs: list[dict] | None, keys: str) -> list[Attachment]:
    """The files to attach, opened with the key ring they were sealed with (shared/files.py)."""
    loaded, total = [], 0
    for spec in specs or ():
        stream = files.open_file(spec["bucket"], spec["file_id"], keys)
        if stream is None:
            raise AttachmentUnavailable(f"attachment {spec['filename']} is no longer stored")
        content = stream.read()
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            raise AttachmentUnavailable(f"attachments exceed {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
        loaded.append(Attachment(spec["filename"], spec["content_type"], content))
    return loaded
