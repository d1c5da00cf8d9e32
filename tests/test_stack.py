"""`make run`'s runner: the whole stack comes up green, Ctrl-C leaves nothing running, data survives."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from devtools.stack import procfile
from tests.support.servers import ROOT, free_port, free_ports, wait_for

OPS = {"Authorization": "Bearer dev-only-secret-not-for-production"}
PROCESSES = ("ingestion", "notification", "workers", "reports", "notifier", "beat")


class Stack:
    def __init__(self, var, ports):
        self.var, self.ports, self.proc, self.log = var, ports, None, var / "stack.log"

    def start(self):
        env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}} | {
            "TYH_VAR_DIR": str(self.var),
            "REDIS_PORT": str(self.ports["redis"]),
            "MONGO_PORT": str(self.ports["mongo"]),
            "FERRETDB_DEBUG_PORT": str(self.ports["ferret_debug"]),
            "SMTP_SINK_PORT": str(self.ports["smtp"]),
            "INGESTION_PORT": str(self.ports["ingestion"]),
            "NOTIFICATION_PORT": str(self.ports["notification"]),
            "METRICS_PORT_BASE": str(self.ports["metrics"]),
            "WEB_CONCURRENCY": "1",
            "WORKER_CONCURRENCY": "1",
        }
        self.var.mkdir(exist_ok=True)
        seen = self.ready_lines()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "devtools.stack"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started = time.monotonic()
        wait_for(lambda: self.ready_lines() > seen, 60, "make run's ready line", interval=0.2)
        return time.monotonic() - started

    def ready_lines(self):
        return self.log.read_text().count("Press Ctrl-C to stop everything.") if self.log.exists() else 0

    def descendants(self):
        return psutil.Process(self.proc.pid).children(recursive=True)

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)  # what Ctrl-C delivers to the runner
        self.proc.wait(30)

    @property
    def ingestion(self):
        return f"http://127.0.0.1:{self.ports['ingestion']}"


@pytest.fixture
def stack(tmp_path):
    ports = {
        name: free_port() for name in ("redis", "mongo", "ferret_debug", "smtp", "ingestion", "notification")
    }
    ports["metrics"] = free_ports(len(PROCESSES))  # one each, numbered from this one
    s = Stack(tmp_path / "var", ports)
    yield s
    if s.proc and s.proc.poll() is None:
        for child in s.descendants():
            child.kill()
        s.proc.kill()


def test_run_is_green_stops_cleanly_and_keeps_data(stack):
    elapsed = stack.start()
    assert elapsed < 60
    for port in ("ingestion", "notification"):
        r = requests.get(f"http://127.0.0.1:{stack.ports[port]}/readyz", timeout=5)
        assert r.status_code == 200, r.text
    assert f"http://127.0.0.1:{stack.ports['ingestion']}" in stack.log.read_text()

    probe = requests.post(f"{stack.ingestion}/internal/pipeline-probe", headers=OPS, timeout=5).json()
    url = f"{stack.ingestion}{probe['status_url']}"
    wait_for(lambda: requests.get(url, headers=OPS, timeout=5).json()["status"] == "processed", 30, "probe")

    # Metrics without any setting by hand: each process on its own loopback port, in the Procfile's order.
    metrics = {
        name: f"http://127.0.0.1:{stack.ports['metrics'] + i}/metrics" for i, name in enumerate(PROCESSES)
    }
    assert "tyh_http_requests_total{" in requests.get(metrics["ingestion"], timeout=5).text
    # Beat serves them from `beat_init`, once Celery has loaded it: that can take a while on a loaded machine.
    wait_for(
        lambda: "tyh_queue_depth{" in requests.get(metrics["beat"], timeout=5).text, 90, "beat's metrics"
    )

    children = stack.descendants()
    names = " ".join(" ".join(c.cmdline()) for c in children)
    for expected in (
        "redis-server",
        "ferretdb",
        "mailsink",
        "gunicorn",
        "services.workers.worker",
        "-Q reports",
        "services.notification.worker",
        "services.workers.beat",
    ):
        assert expected in names
    stack.interrupt()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"

    stack.start()
    r = requests.get(url, headers=OPS, timeout=5)
    assert r.status_code == 200
    assert r.json()["status"] == "processed"  # the database kept it across the restart
    stack.interrupt()


def test_run_gives_each_process_its_own_metrics_port_by_default(tmp_path):
    text, _settings = procfile({}, tmp_path)
    lines = dict(line.split(": ", 1) for line in text.splitlines())
    assert [lines[name].split(" ", 1)[0] for name in PROCESSES] == [
        f"METRICS_PORT={9100 + i}" for i in range(6)
    ]
    off, _settings = procfile({"METRICS_PORT_BASE": "0"}, tmp_path)
    assert "METRICS_PORT" not in off
