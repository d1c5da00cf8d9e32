"""Every Prometheus series the platform exports, and how each process serves them.

Labels are closed sets only: route patterns (never a path), task names, statuses, outcomes, queue names.
Nothing that names a person, an address, a token or a client goes into a label: a path may carry a share
or unsubscribe token, and an unbounded label value is also a way to exhaust the server's memory.

Every process writes its samples to files in PROMETHEUS_MULTIPROC_DIR, shared with the processes it forks
(gunicorn workers, Celery pool processes); `exposition_registry()` sums them, and the group's exposition
port (`serve`, on METRICS_HOST:METRICS_PORT, loopback unless set) answers for the whole group.
Deployments give each process group a directory of its own (an emptyDir).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable

# Before prometheus_client is imported (it picks its storage then): a process its launcher gave no
# directory makes a private one, so the processes it forks still add up; it goes when the process exits.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_dir, _owner = tempfile.mkdtemp(prefix="tyh-metrics-"), os.getpid()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_dir
    atexit.register(lambda: os.getpid() == _owner and shutil.rmtree(_own_dir, ignore_errors=True))

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
FRESHNESS_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)

HTTP_REQUESTS = Counter(
    "tyh_http_requests_total",
    "HTTP requests by route pattern and status",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "tyh_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
TASK_RUNS = Counter(
    "tyh_task_runs_total", "Task runs by task name and outcome (done, retried, failed)", ["task", "outcome"]
)
TASK_DURATION = Histogram(
    "tyh_task_duration_seconds", "Time one task run took, by task name", ["task"], buckets=TASK_BUCKETS
)
EMAILS = Counter(
    "tyh_emails_total",
    "Email outcomes: sent, deferred (a transient failure, retried), failed, suppressed, bounced, complained",
    ["outcome"],
)
REPORT_BUILD = Histogram("tyh_report_build_seconds", "Time to build one report PDF", buckets=TASK_BUCKETS)
FRESHNESS = Histogram(
    "tyh_summary_freshness_seconds",
    "From a write's recompute request to its summaries being stored",
    buckets=FRESHNESS_BUCKETS,
)
BEAT_SENDS = Counter("tyh_beat_sends_total", "Periodic jobs beat sent, by task name", ["task"])


def http_method(method: str) -> str:
    """A client may send any method name; the label takes the standard ones only."""
    return method if method in HTTP_METHODS else "OTHER"


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    method = http_method(method)
    HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
    HTTP_LATENCY.labels(service, method, route).observe(seconds)


def observe_task(task: str, outcome: str, seconds: float) -> None:
    TASK_RUNS.labels(task, outcome).inc()
    TASK_DURATION.labels(task).observe(seconds)


def exposition_registry(*collectors: Collector) -> CollectorRegistry:
    """What a /metrics answer shows: the samples of every process of this group, and any collectors of
    current state (queue depths) this process serves."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in collectors:
        registry.register(collector)
    return registry


def clear_directory() -> None:
    """At a process group's start (gunicorn's master): files left by an earlier run would be summed in."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def serve(port: int, host: str, *collectors: Collector) -> None:
    """A process group's exposition port, apart from any public routes (a thread in the process that calls
    it: gunicorn's master, a Celery worker's main process, beat). A port already taken costs the metrics,
    never the process."""
    if not port:
        return
    try:
        start_http_server(port, addr=host, registry=exposition_registry(*collectors))
    except OSError as exc:
        log.warning("metrics not served", extra={"port": port, "reason": str(exc)[:200]})


def mark_process_dead(pid: int) -> None:
    """A gunicorn worker or pool process has exited: its live gauges stop counting (its counters stay)."""
    multiprocess.mark_process_dead(pid)


class StateCollector(Collector):
    """Gauges read at scrape time from where the state lives (Redis queues, MongoDB collections).

    `readers` maps a metric name to (help, label name or None, a function returning {label value: number}
    or a number); a reader that fails (a store is down) leaves its metric out of that scrape, and
    `tyh_state_read_errors` says so."""

    def __init__(self, readers: dict[str, tuple[str, str | None, Callable[[], dict[str, float] | float]]]):
        self.readers = readers

    def collect(self) -> Iterable[GaugeMetricFamily]:
        errors = GaugeMetricFamily("tyh_state_read_errors", "State gauges that could not be read this scrape")
        failed = 0
        for name, (help_text, label, read) in self.readers.items():
            try:
                value = read()
            except Exception:  # noqa: BLE001 - a store being down must not break the whole scrape
                failed += 1
                continue
            family = GaugeMetricFamily(name, help_text, labels=[label] if label else None)
            if label:
                for key, number in sorted(value.items()):
                    family.add_metric([key], number)
            else:
                family.add_metric([], value)
            yield family
        errors.add_metric([], failed)
        yield errors
