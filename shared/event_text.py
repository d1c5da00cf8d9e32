"""Free text inside events: which fields are encrypted at rest, and opening them for their owner.

The ingestion service seals these fields as it stores an event; the export (built by the ingestion
service or by the workers) opens them. Lists (tags) are sealed as JSON text.
"""

from __future__ import annotations

import json

from shared import crypto

PRIVATE_FIELDS = ("note", "text", "tags", "custom_label", "custom_medication")
LIST_FIELDS = ("tags",)


def sealed(data: dict, keys: str) -> dict:
    """An event's data with its free text encrypted, as it is stored."""
    out = dict(data)
    for name in PRIVATE_FIELDS:
        if out.get(name) is not None:
            value = out[name]
            out[name] = crypto.encrypt(
                keys, json.dumps(value, ensure_ascii=False) if name in LIST_FIELDS else value
            )
    return out


def opened(doc: dict, keys: str) -> dict:
    """An event document with its free text decrypted (the document itself is not changed)."""
    data = dict(doc.get("data") or {})
    for name in PRIVATE_FIELDS:
        if data.get(name) is not None:
            plain = crypto.decrypt(keys, data[name])
            data[name] = json.loads(plain) if name in LIST_FIELDS else plain
    return {**doc, "data": data}
