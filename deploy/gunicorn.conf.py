"""gunicorn settings shared by both HTTP services (see platform.md §5: gthread, recycled workers)."""

import os

from shared import metrics  # first: it settles where every worker's samples go
from shared.logs import JsonFormatter
from shared.settings import load_or_exit

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads mostly wait on MongoDB; more of them let the group commit (shared/group_commit.py) gather more
# writes into each while the database is busy: with 8 the API took the 200 events/s offered while the
# summaries workers ran, with 4 only 110-140 (docs/benchmarks.md).
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound; rarely, though: a restart costs
# the new worker ~0.6 s of CPU to build the app, and the old one's kept-alive clients all reconnect to the
# workers still up, which then carry them alone (at 5,000 a worker restarted every ~25 s under load).
max_requests = 50_000
max_requests_jitter = 5_000
# A listening socket per worker (SO_REUSEPORT): the kernel spreads new connections over the workers. On one
# shared socket whichever worker woke first took them, and a proxy's or load generator's burst of kept-alive
# connections could all land on one worker, whose single interpreter lock then capped the service at one core.
# The price: connections still queued at a worker that exits are reset (clients retry), and a stray older
# server on the same port is not refused but shares the port.
reuse_port = True
# Clients are created per worker after fork (shared/mongo.py); preloading would share them.
preload_app = False
# Two services run side by side; gunicorn's runtime control socket would collide and is not needed.
control_socket_disable = True
# The app logs one JSON line per request, with its request id and its route pattern, never the path (paths
# carry share, invitation, waitlist and unsubscribe tokens): shared/web/request_context.py.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": JsonFormatter, "service": os.environ.get("TYH_SERVICE", "tyh") + ":gunicorn"}
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def on_starting(server):
    """Refuse to start with a bad setting: one clear line, before any worker forks. Then start the metrics
    directory afresh: samples an earlier run left there would be summed into this one's."""
    load_or_exit()
    metrics.clear_directory()


def when_ready(server):
    """The master serves every worker's samples on the metrics port, apart from the public routes."""
    settings = load_or_exit()
    metrics.serve(settings.metrics_port, settings.metrics_host)


def child_exit(server, worker):
    """A worker exited (recycled, killed, crashed): its live gauges stop; its counts stay in the sum."""
    metrics.mark_process_dead(worker.pid)
