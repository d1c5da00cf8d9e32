"""What every bench shares: real servers in a temp dir, wrk and helper processes, and the report
(a readable table on stdout and var/bench/<name>.json)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from shared.settings import Settings
from tests.support.servers import (
    ROOT,
    FerretDB,
    Process,
    RedisServer,
    celery_worker,
    child_env,
    free_port,
    gunicorn,
    http_ready,
    wait_for,
)

LUA_DIR = Path(__file__).resolve().parent / "lua"
RESULTS_DIR = ROOT / "var" / "bench"
# The production default (deploy/gunicorn.conf.py reads WEB_CONCURRENCY); every side uses the same.
GUNICORN_WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))


class Stack:
    """Servers for one bench in a temporary directory; everything started is stopped on exit, also on
    error (then the tail of each log is printed to explain why)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.exit = ExitStack()
        self.dir = Path(self.exit.enter_context(tempfile.TemporaryDirectory(prefix=f"tyh-bench-{name}-")))
        self.logs: list[Path] = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for log in self.logs:
                if log.exists():
                    tail = log.read_text(errors="replace").splitlines()[-15:]
                    print(f"--- last lines of {log.name} ---\n" + "\n".join(tail), file=sys.stderr)
        self.exit.close()

    def _log(self, name: str) -> Path:
        path = self.dir / f"{name}.log"
        self.logs.append(path)
        return path

    def redis(self) -> RedisServer:
        server = RedisServer(self.dir / "redis")
        self.exit.callback(server.stop)
        self.logs.append(server.dir / "redis.log")
        return server.start()

    def ferretdb(self) -> FerretDB:
        server = FerretDB(self.dir / "ferretdb")
        self.exit.callback(server.stop)
        self.logs.append(server.dir / "ferretdb.log")
        return server.start()

    def process(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Process:
        process = Process(args, self._log(name), env=env)
        self.exit.callback(process.stop)
        return process.start()

    def gunicorn(self, name: str, module: str, env: dict[str, str]) -> Web:
        """One app under deploy/gunicorn.conf.py with GUNICORN_WORKERS workers, ready to serve."""
        port = free_port()
        process = gunicorn(module, port, env, self._log(name), workers=GUNICORN_WORKERS)
        self.exit.callback(process.stop)
        process.start()
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: process.alive and http_ready(f"{url}/healthz"), 60, f"gunicorn {module}")
        return Web(name, url, process)

    def celery_worker(self, name: str, app_module: str, queues: tuple[str, ...], env: dict[str, str]):
        process = celery_worker(app_module, queues, env, self._log(name))
        self.exit.callback(process.stop)
        return process.start()


class Web:
    def __init__(self, name: str, url: str, process: Process) -> None:
        self.name, self.url, self.process = name, url, process

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.proc.pid).children()

    def worker_rss_mb(self) -> list[float]:
        return [round(w.memory_info().rss / 2**20, 1) for w in self.workers()]


def bench_settings(redis: RedisServer, ferretdb: FerretDB, **overrides: Any) -> Settings:
    """Local settings pointing at this bench's own servers."""
    values: dict[str, Any] = {
        "environment": "development",
        "mongo_uri": ferretdb.uri,
        "mongo_db": "tyh_bench",
        "redis_url": redis.url(0),
        "broker_url": redis.url(1),
        "log_level": "INFO",  # as deployed: one JSON line per request is part of the cost
    }
    return Settings.from_env({}, **(values | overrides))


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    return child_env(settings.as_env()) | extra


class CpuMeter:
    """CPU seconds used by named processes (with their reaped children) between start() and stop()."""

    def __init__(self, **pids: int) -> None:
        self.pids = pids
        self.before: dict[str, float] = {}

    @staticmethod
    def _total(pid: int) -> float:
        try:
            proc = psutil.Process(pid)
            own = proc.cpu_times()
            total = own.user + own.system + own.children_user + own.children_system
            for child in proc.children(recursive=True):
                with_child = child.cpu_times()
                total += with_child.user + with_child.system
            return total
        except psutil.NoSuchProcess:
            return 0.0

    def start(self) -> CpuMeter:
        self.before = {name: self._total(pid) for name, pid in self.pids.items()}
        self.started = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        """Share of one core used by each process over the interval (1.0 = one core busy)."""
        wall = time.monotonic() - self.started
        return {
            name: round((self._total(pid) - self.before[name]) / wall, 2) for name, pid in self.pids.items()
        }


def wrk(
    url: str, script: str, *, seconds: int, connections: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One bounded wrk run (1 thread, fixed connections) with a Lua script from benchmarks/lua/."""
    binary = shutil.which("wrk")
    if not binary:
        raise RuntimeError("wrk is not installed; run `make setup` (Debian package `wrk`)")
    run_env = os.environ | {"BENCH_LUA_DIR": str(LUA_DIR), "BENCH_RUN": uuid.uuid4().hex[:10]} | (env or {})
    args = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    args += ["-s", str(LUA_DIR / script), url]
    out = subprocess.run(args, env=run_env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = data["duration_us"] / 1e6
    ok = sum(n for status, n in data["statuses"].items() if status.startswith("2"))
    data.update(seconds=round(seconds_run, 2), ok=ok, ok_per_s=round(ok / seconds_run, 1))
    return data


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def run_json(args: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a helper process that prints one JSON object as its last line of output."""
    out = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Report:
    """Measurements and the ratios between them, printed as a table and written as JSON."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.measurements: dict[str, dict[str, Any]] = {}
        self.ratios: list[dict[str, Any]] = []
        self.goals: list[dict[str, Any]] = []

    def measure(self, key: str, label: str, value: float, unit: str, **detail: Any) -> float:
        self.measurements[key] = {"label": label, "value": value, "unit": unit, "detail": detail}
        return value

    def ratio(self, key: str, label: str, numerator: str, denominator: str, goal_pct: float | None = None):
        num, den = self.measurements[numerator]["value"], self.measurements[denominator]["value"]
        pct = round(100 * num / den, 1) if den else 0.0
        met = None if goal_pct is None else pct >= goal_pct
        self.ratios.append(
            {"key": key, "label": label, "percent": pct, "of": [numerator, denominator], "goal_pct": goal_pct}
            | ({"met": met} if met is not None else {})
        )
        return pct

    def goal(self, key: str, label: str, value: float, unit: str, limit: float) -> None:
        """A measurement that should stay below `limit`."""
        met = value < limit
        self.goals.append(
            {"key": key, "label": label, "value": value, "unit": unit, "limit": limit, "met": met}
        )

    def print(self) -> None:
        width = max(
            [len(m["label"]) for m in self.measurements.values()] + [len(r["label"]) for r in self.ratios]
        )
        print(f"\n{'measurement':<{width}}  {'value':>12}  unit")
        for m in self.measurements.values():
            print(f"{m['label']:<{width}}  {m['value']:>12,.1f}  {m['unit']}")
        if self.ratios:
            print(f"\n{'ratio (side by side)':<{width}}  {'value':>12}  goal")
            for r in self.ratios:
                goal = "" if r["goal_pct"] is None else f">= {r['goal_pct']:.0f} %  " + _verdict(r["met"])
                print(f"{r['label']:<{width}}  {r['percent']:>10.1f} %  {goal}")
        if self.goals:
            print(f"\n{'goal':<{width}}  {'value':>12}  limit")
            for g in self.goals:
                limit = f"< {g['limit']} {g['unit']}"
                print(f"{g['label']:<{width}}  {g['value']:>12,.1f}  {limit}  {_verdict(g['met'])}")

    def write(self, **context: Any) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        doc = {
            "bench": self.name,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "measurements": self.measurements,
            "ratios": self.ratios,
            "goals": self.goals,
            "context": context,
        }
        path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        print(f"\nresults written to {path.relative_to(ROOT)}")
        return path


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "MISSED")


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gunicorn_workers": GUNICORN_WORKERS,
        "gunicorn_threads": int(os.environ.get("WEB_THREADS", "8")),
        # Other work on the machine moves absolute numbers; ratios are measured side by side for this.
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
