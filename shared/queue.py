"""Sending tasks by name, after checking the payload against its contract."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import redis
from celery import Celery

from shared.tasks import TaskContract


class ContractError(ValueError):
    """A producer tried to send a payload its contract does not allow."""


def enqueue(
    celery_app: Celery, contract: TaskContract, *, countdown: float | None = None, **payload: Any
) -> str:
    """Validate `payload` and send it to the contract's queue (to run `countdown` seconds from now, if
    given); return the task id."""
    errors = contract.schema().validate(payload)
    if errors:
        raise ContractError(f"{contract.name}: {errors}")
    result = celery_app.send_task(contract.name, kwargs=payload, queue=contract.queue, countdown=countdown)
    return result.id


def queue_depths(broker: redis.Redis, queues: tuple[str, ...]) -> dict[str, tuple[int, float]]:
    """Per queue: messages waiting in the broker, and the age in seconds of the oldest (kombu's Redis
    transport pushes on the left and takes from the right, so the oldest is the last element). Messages
    carry their send time in the `sent_at` header (shared/celery_app.py)."""
    depths: dict[str, tuple[int, float]] = {}
    for queue in queues:
        length, oldest = broker.llen(queue), broker.lindex(queue, -1)
        age = 0.0
        if oldest:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                sent_at = json.loads(oldest)["headers"].get("sent_at")
                age = max(0.0, time.time() - float(sent_at)) if sent_at else 0.0
        depths[queue] = (length, age)
    return depths
