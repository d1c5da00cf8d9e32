"""`/internal/pipeline-probe`: send a probe through the queue to this service's workers and watch it land."""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from shared import probes
from shared.queue import enqueue
from shared.runtime import runtime_of
from shared.tasks import TaskContract
from shared.web.auth import operator_required
from shared.web.problems import DomainError


class ProbeNotFound(DomainError):
    status = 404
    title = "Not found"
    detail = "There is no pipeline probe with this id."


def _public(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["probe_id"] = doc["_id"]
    for key in ("requested_at", "processed_at"):
        if out.get(key):
            out[key] = out[key].isoformat()
    if doc.get("processed_at"):
        out["latency_ms"] = round((doc["processed_at"] - doc["requested_at"]).total_seconds() * 1000, 1)
    return out


def make_probe_blueprint(contract: TaskContract) -> Blueprint:
    bp = Blueprint("pipeline_probe", __name__, url_prefix="/internal/pipeline-probe")

    @bp.post("")
    @operator_required
    def start():
        doc = probes.create_probe(contract.name)  # durable before the task exists
        enqueue(runtime_of().celery, contract, probe_id=doc["_id"])
        location = url_for("pipeline_probe.status", probe_id=doc["_id"])
        response = jsonify(_public(doc) | {"status_url": location})
        return response, 202, {"Location": location}

    @bp.get("/<probe_id>")
    @operator_required
    def status(probe_id: str):
        doc = probes.find_probe(probe_id)
        if doc is None:
            raise ProbeNotFound()
        return jsonify(_public(doc))

    return bp
