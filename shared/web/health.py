"""Liveness (`/healthz`, touches nothing) and readiness (`/readyz`, MongoDB and Redis reachable)."""

from __future__ import annotations

import pymongo
from flask import Blueprint, jsonify

from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.web.problems import problem

READY_CHECK_TIMEOUT_S = 1.5

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    """The process is alive and serving; dependencies are not consulted (that is readiness)."""
    return jsonify(status="pass")


def _check_mongo() -> None:
    with pymongo.timeout(READY_CHECK_TIMEOUT_S):
        mongo.ping()


def _check_redis() -> None:
    redis_client.ping()


CHECKS = {"mongodb": ("MongoDB", _check_mongo), "redis": ("Redis", _check_redis)}


@health.get("/readyz")
def readyz():
    """Ready when every dependency answers; otherwise 503 naming what is down."""
    checks, down = {}, []
    for key, (label, check) in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason is reported
            reason = str(exc).split(" (configured timeouts")[0].split(", Timeout:")[0]
            checks[key] = {"status": "fail", "output": f"{type(exc).__name__}: {reason}"[:300]}
            down.append(label)
        else:
            checks[key] = {"status": "pass"}
    if down:
        return problem(
            503,
            "Not ready",
            f"{' and '.join(down)} {'is' if len(down) == 1 else 'are'} unreachable.",
            type_slug="not-ready",
            headers={"Retry-After": "5"},
            checks=checks,
        )
    return jsonify(status="pass", checks=checks)
