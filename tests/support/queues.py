"""Waiting for the Celery queues to go quiet: every task sent so far has run, and whatever it sent too."""

from __future__ import annotations

import time

import redis
from celery.worker import state

from shared.settings import Settings
from shared.tasks import ALL_QUEUES

# kombu's Redis transport keeps a message here from delivery until its (late) ack, after the task ran.
UNACKED = "unacked"
# A worker takes a message off its list a moment before it records it as unacked: quiet must last.
QUIET_FOR_S = 0.2


def _busy(broker: redis.Redis) -> bool:
    queued = any(broker.llen(queue) for queue in ALL_QUEUES) or broker.hlen(UNACKED)
    return bool(queued or state.active_requests or state.reserved_requests)


def wait_until_idle(settings: Settings, timeout: float = 15) -> None:
    """Until no task is queued or running (in the broker, or in this process's test worker)."""
    broker = redis.Redis.from_url(settings.broker_url)
    deadline = time.monotonic() + timeout
    quiet_since = None
    while True:
        now = time.monotonic()
        if _busy(broker):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= QUIET_FOR_S:
            return
        if now > deadline:
            raise TimeoutError(f"tasks still queued or running after {timeout}s")
        time.sleep(0.02)
