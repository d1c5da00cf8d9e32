"""The one Celery app factory: JSON only, late acks, no results, retries with backoff and jitter."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

import redis
from celery import Celery, Task, signals
from celery.exceptions import Retry
from kombu import Exchange, Queue
from pymongo.errors import ConnectionFailure

from shared import metrics
from shared.logs import request_id_var
from shared.settings import Settings
from shared.tasks import CONTRACTS, log_repr

if TYPE_CHECKING:
    from shared.runtime import Runtime

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "request_id"
SENT_AT_HEADER = "sent_at"
# Redelivery after a lost worker happens once this passes; every retry countdown stays far below it.
VISIBILITY_TIMEOUT_S = 3600
RETRY_BACKOFF_MAX_S = 300
BROKER_TIMEOUT_S = 5


class TransientError(Exception):
    """A failure worth retrying later (a dependency is briefly unavailable)."""


class BaseTask(Task):
    """Defaults for every task; a task states only what differs (usually its own exceptions)."""

    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    autoretry_for = (TransientError, ConnectionFailure, redis.ConnectionError, redis.TimeoutError)
    retry_backoff = 2
    retry_backoff_max = RETRY_BACKOFF_MAX_S
    retry_jitter = True
    max_retries = 8

    @property
    def runtime(self) -> Runtime:
        """What this process was started with (shared.runtime): its settings, this app, its senders."""
        return self.app.runtime

    def __call__(self, *args, **kwargs):
        token = request_id_var.set(getattr(self.request, REQUEST_ID_HEADER, None) or self.request.id)
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = super().__call__(*args, **kwargs)
            outcome = "done"
            return result
        except Retry:
            outcome = "retried"  # the task asked to run again later; nothing went wrong
            raise
        finally:
            metrics.observe_task(self.name, outcome, time.perf_counter() - started)
            # One line per run, inside the request-id context, so HTTP and task logs join up.
            log.info(
                "task %s",
                outcome,
                extra={
                    "task": self.name,
                    "task_id": self.request.id,
                    "retries": self.request.retries,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)


class ServiceCelery(Celery):
    """A Celery app that carries its process's runtime, set once by shared.runtime."""

    runtime: Runtime | None = None


def create_celery(service: str, settings: Settings, queues: tuple[str, ...] = ()) -> ServiceCelery:
    """A Celery app for `service` consuming `queues` (none for a producer or beat); shared.runtime makes
    the process's one."""
    app = ServiceCelery(service, task_cls=BaseTask)
    # A producer (an HTTP request, beat) waits for the broker as long as for any Redis call; a worker's
    # consumer keeps a longer timeout, as its connection carries the whole pool's acknowledgements.
    broker_timeout_s = settings.redis_timeout_ms / 1000 if not queues else BROKER_TIMEOUT_S
    app.conf.update(
        broker_url=settings.broker_url,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        event_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT_S,
            "socket_connect_timeout": min(2, broker_timeout_s),
            "socket_timeout": broker_timeout_s,
        },
        # A producer (an HTTP request) must not hang on a dead broker: fail fast, callers have a fallback.
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        task_routes={c.name: {"queue": c.queue} for c in CONTRACTS},
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in queues],
        task_default_queue=queues[0] if queues else "celery",
        task_soft_time_limit=300,
        task_time_limit=360,
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
        # Workers report each task's life (received, started, succeeded, failed, retried) so Flower can show
        # it; those events carry the arguments as `_redact_arguments` left them. Producers send no
        # `task-sent` event: Celery fills it with the arguments before any hook can redact them.
        worker_send_task_events=True,
        task_send_sent_event=False,
    )
    return app


@signals.setup_logging.connect
def _logging_is_set_up(**_kwargs) -> None:
    """Logging is set up by the process's start (shared.runtime.start), and under pytest by the test
    runner: a receiver here is what keeps Celery from setting up its own."""


@signals.worker_init.connect
def _serve_metrics(sender=None, **_kwargs) -> None:
    """A worker's exposition port, in its main process: it sums what every pool process recorded."""
    runtime = getattr(sender.app, "runtime", None) if sender is not None else None
    if runtime is not None:
        metrics.serve(runtime.settings.metrics_port, runtime.settings.metrics_host)


@signals.worker_process_shutdown.connect
def _pool_process_gone(pid=None, **_kwargs) -> None:
    metrics.mark_process_dead(pid or os.getpid())


@signals.before_task_publish.connect
def _stamp_sent_at(headers=None, **_kwargs) -> None:
    """When the message was sent: the queue's oldest-message age reads it (shared/queue.py)."""
    if headers is not None:
        headers.setdefault(SENT_AT_HEADER, time.time())


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **_kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers[REQUEST_ID_HEADER] = request_id


@signals.before_task_publish.connect
def _redact_arguments(sender=None, body=None, headers=None, **_kwargs) -> None:
    """Celery logs a task's `argsrepr`/`kwargsrepr` when it is received, succeeds, fails or retries.
    Every publish (enqueue, retry, sweeper, beat) passes here, so each is set from the task's contract."""
    if headers is None or not isinstance(body, tuple | list) or len(body) < 2:
        return
    args, kwargs = body[0], body[1]
    headers["argsrepr"] = repr(["<hidden>"] * len(args or ()))
    headers["kwargsrepr"] = log_repr(sender, kwargs or {})
