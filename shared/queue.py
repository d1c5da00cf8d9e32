"""Sending tasks by name, after checking the payload against its contract."""

from __future__ import annotations

from typing import Any

from celery import Celery

from shared.tasks import TaskContract


class ContractError(ValueError):
    """A producer tried to send a payload its contract does not allow."""


def enqueue(celery_app: Celery, contract: TaskContract, **payload: Any) -> str:
    """Validate `payload` and send it to the contract's queue; return the task id."""
    errors = contract.schema().validate(payload)
    if errors:
        raise ContractError(f"{contract.name}: {errors}")
    result = celery_app.send_task(contract.name, kwargs=payload, queue=contract.queue)
    return result.id
