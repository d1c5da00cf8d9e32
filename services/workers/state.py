"""Beat's exposition port: the jobs it sent, and the platform's state read at each scrape (queue depths
and ages, the email outbox, the recompute backlog, the waitlist's sign-up inbox). Beat runs exactly once
per deployment, so each state gauge is exported once."""

from __future__ import annotations

import redis
from celery import signals

from shared import metrics, outbox, recompute, waitlist_inbox
from shared.queue import queue_depths
from shared.settings import Settings
from shared.tasks import ALL_QUEUES

STATE_TIMEOUT_S = 2  # a scrape must answer even while a store is away


def collector(settings: Settings) -> metrics.StateCollector:
    broker = redis.Redis.from_url(
        settings.broker_url, socket_timeout=STATE_TIMEOUT_S, socket_connect_timeout=STATE_TIMEOUT_S
    )

    def depth() -> dict[str, float]:
        return {queue: n for queue, (n, _) in queue_depths(broker, ALL_QUEUES).items()}

    def age() -> dict[str, float]:
        return {queue: a for queue, (_, a) in queue_depths(broker, ALL_QUEUES).items()}

    return metrics.StateCollector(
        {
            "tyh_queue_depth": ("Messages waiting in each queue", "queue", depth),
            "tyh_queue_oldest_age_seconds": ("Age of the oldest message waiting in each queue", "queue", age),
            "tyh_outbox_depth": (
                "Emails not yet finished, by state",
                "status",
                lambda: outbox.backlog()[0],
            ),
            "tyh_outbox_oldest_age_seconds": (
                "Age of the oldest unfinished email",
                None,
                lambda: outbox.backlog()[1],
            ),
            "tyh_recompute_backlog": ("People waiting for a recompute", None, lambda: recompute.backlog()[0]),
            "tyh_recompute_oldest_age_seconds": (
                "Age of the oldest waiting recompute request",
                None,
                lambda: recompute.backlog()[1],
            ),
            "tyh_waitlist_inbox_depth": (
                "Waitlist sign-ups accepted and not stored yet, by state (waiting, taken by a storing run)",
                "state",
                lambda: waitlist_inbox.backlog()[0],
            ),
            "tyh_waitlist_inbox_oldest_age_seconds": (
                "Age of the oldest waitlist sign-up not stored yet, at most, by state",
                "state",
                lambda: waitlist_inbox.backlog()[1],
            ),
        }
    )


def observe_beat(settings: Settings) -> None:
    """Serve beat's port when it starts, and count every job it sends."""

    @signals.beat_init.connect(weak=False)
    def _serve(**_kwargs) -> None:
        metrics.serve(settings.metrics_port, settings.metrics_host, collector(settings))

    @signals.before_task_publish.connect(weak=False)
    def _count(sender=None, **_kwargs) -> None:
        if sender:
            metrics.BEAT_SENDS.labels(sender).inc()
