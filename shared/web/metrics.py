"""`/metrics` on each HTTP service: the Prometheus samples of every gunicorn worker of this service.

Operators' scrapers reach it inside the deployment; the public proxy does not route it (deploy/k8s)."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.metrics import exposition_registry

metrics_bp = Blueprint("metrics", __name__)


@metrics_bp.get("/metrics")
def metrics():
    return Response(generate_latest(exposition_registry()), mimetype=CONTENT_TYPE_LATEST)
