"""Start and stop real servers on free loopback ports, each in its own temporary directory."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymongo
import redis
import requests

from devtools.ferretdb import FERRETDB
from devtools.ferretdb import command as ferretdb_command
from tests.support.clock_check import CLOCK_ENV

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# util-linux's setpriv (always on Debian) starts a server that the kernel stops when the test process that
# started it dies: after a Ctrl-C, pytest-xdist may end a worker before its fixtures stop their servers.
SETPRIV = shutil.which("setpriv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Below Linux's ephemeral range (32768 and up), where the kernel never hands out a port on its own.
BLOCKS = range(20000, 32000)


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports, for a server that numbers its own from a base. Picked at
    random below the ephemeral range: a port another test's connection was just given never lands in it."""
    for _ in range(100):
        base = random.randrange(BLOCKS.start, BLOCKS.stop - count)
        with contextlib.ExitStack() as bound:
            try:
                for port in range(base, base + count):
                    bound.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
        return base
    raise RuntimeError(f"no {count} consecutive free ports in {BLOCKS}")


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout}s (last error: {last})")


def wait_past(instant: datetime, what: str, timeout: float = 30) -> None:
    """Until the clock is past `instant` as the database compares it: BSON keeps milliseconds, so a query's
    "now" within the instant's own millisecond is cut to it, and is not yet after it."""
    after = instant + timedelta(milliseconds=1)
    wait_for(lambda: datetime.now(UTC) >= after, timeout, what)


class Process:
    """A child process in its own process group, stopped with everything it spawned."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT):
        self.args, self.log_path, self.env, self.cwd = args, log, env, cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        args = self.args
        # The signal follows the thread that started the process, so only the main thread's are tied to it.
        if SETPRIV and threading.current_thread() is threading.main_thread():
            args = [SETPRIV, "--pdeathsig", "TERM", "--", *args]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
        return self

    def signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait(5)

    @property
    def alive(self) -> bool:
        return bool(self.proc) and self.proc.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None):
        self.dir = workdir
        self.port = port or free_port()
        self.process: Process | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed; run `make setup`")
        args = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
            # Tests that start their own worker give it a broker database nobody else uses (from 16 up),
            # so a worker that lives through the session never takes their tasks.
            "--databases",
            "32",
        ]
        self.process = Process(args, self.dir / "redis.log").start()
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        wait_for(client.ping, 10, f"redis-server on port {self.port}")
        client.close()
        return self

    def stop(self) -> None:
        if self.process:
            self.process.stop()


class FerretDB:
    def __init__(
        self, workdir: Path, port: int | None = None, binary: Path = FERRETDB, log_level: str = "warn"
    ):
        self.dir = workdir
        self.port = port or free_port()
        self.binary, self.log_level = binary, log_level
        self.process: Process | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> FerretDB:
        if not self.binary.exists():
            raise RuntimeError(f"{self.binary} is missing; run `make setup`")
        data = self.dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        args = ferretdb_command(
            data, self.dir, self.port, free_port(), binary=self.binary, log_level=self.log_level
        )
        self.process = Process(args, self.dir / "ferretdb.log").start()
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
        wait_for(lambda: client.admin.command("ping")["ok"] == 1, 20, f"FerretDB on port {self.port}")
        client.close()
        return self

    def stop(self) -> None:
        if self.process:
            self.process.stop()


def http_ready(url: str) -> bool:
    return requests.get(url, timeout=1).status_code == 200


def gunicorn(module: str, port: int, env: dict[str, str], log: Path, workers: int = 1) -> Process:
    """One of our HTTP services under gunicorn with the production config file."""
    args = [
        str(VENV_BIN / "gunicorn"),
        "-c",
        "deploy/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        module,
    ]
    return Process(args, log, env=env)


def celery_worker(
    app_module: str,
    queues: tuple[str, ...],
    env: dict[str, str],
    log: Path,
    *,
    pool: str = "solo",
    concurrency: int = 1,
) -> Process:
    args = [
        str(VENV_BIN / "celery"),
        "-A",
        app_module,
        "worker",
        "-Q",
        ",".join(queues),
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "-n",
        f"test-{os.getpid()}-{free_port()}@%h",
        "--without-mingle",
        "--without-gossip",
    ]
    return Process(args, log, env=env)


def child_env(settings_env: dict[str, str]) -> dict[str, str]:
    """Environment for one of our processes: the test settings and nothing from the developer's shell but
    the clock `make test-clock` sets for every process of a run (tests/support/clock_check.py)."""
    kept = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", *CLOCK_ENV}
    keep = {k: v for k, v in os.environ.items() if k in kept}
    keep["PATH"] = f"{VENV_BIN}:{keep.get('PATH', '')}"
    return keep | settings_env | {"PYTHONUNBUFFERED": "1"}
