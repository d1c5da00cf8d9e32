"""Pipeline probes: an operator's proof that a request reaches a worker through the queue and back.

The probe document is written before the task is sent (so a lost message shows as a probe stuck in
`queued`), and the worker's update is conditional, so a redelivered task changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.logs import request_id_var
from shared.mongo import mongo

COLLECTION = "pipeline_probes"


def create_probe(target: str) -> dict:
    doc = {
        "_id": uuid.uuid4().hex,
        "target": target,
        "status": "queued",
        "requested_at": datetime.now(UTC),
        "request_id": request_id_var.get(),
    }
    mongo.db[COLLECTION].insert_one(doc)
    return doc


def find_probe(probe_id: str) -> dict | None:
    return mongo.db[COLLECTION].find_one({"_id": probe_id})


def mark_processed(probe_id: str, worker: str) -> bool:
    """Record that a worker ran the probe; False when it was already recorded or does not exist."""
    now = datetime.now(UTC)
    result = mongo.db[COLLECTION].update_one(
        {"_id": probe_id, "status": "queued"},
        {
            "$set": {
                "status": "processed",
                "processed_at": now,
                "worker": worker,
                "task_request_id": request_id_var.get(),
            }
        },
    )
    return result.modified_count == 1
