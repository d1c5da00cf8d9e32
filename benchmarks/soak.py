"""`make soak`: the real stack on loopback under mixed traffic and a schedule of faults, then its invariants.

It starts Redis, FerretDB and an SMTP server of its own (in a temporary directory) and every process kind
of deploy/Procfile the way it is deployed: the ingestion API under gunicorn (two workers), the notification
service under gunicorn, the summaries workers and the notifier (prefork pools of two), the reports worker
(a pool of one) and beat. Client threads send single events, offline batches of past days with gaps and
summary reads at SOAK_RATE requests/s for SOAK_SECONDS (default 600); beside them come sign-in code
requests, on-demand report requests, waitlist sign-ups (each confirmed by following the link of the email
the SMTP server received) and an admin made with the notification service's CLI browsing the admin pages
and API. Requests not answered (a reset connection, a 503) are retried exactly as a device does: the same
body, after Retry-After. Meanwhile faults come in turn: the summaries pool, a gunicorn worker, the
notifier's pool (with sign-in codes in flight) and the reports worker (mid-build) SIGKILLed, SMTP away
for SOAK_SMTP_AWAY_S (120), a burst of SOAK_REPORT_BURST report requests at once filling the reports queue
while someone else's check-ins are followed until their summary shows them, beat killed and restarted,
Redis paused, FerretDB restarted.

Then the traffic stops and it checks, and prints (and writes var/soak/<time>.json):
- every event the API acknowledged is stored, once; nothing was rejected;
- every summary equals a from-scratch rebuild;
- every report asked for is built once (one build's files), or was refused with a clear answer (409, 429);
- every email that was due arrived once: a sign-in code per request, within 30 s (SMTP outages excepted),
  a confirmation per waitlist sign-up, a place-in-line email per confirmation;
- no 5xx and no reset connection outside fault windows, every 503 with Retry-After; p50/p99 outside them;
- the queues, recompute requests, outbox, reports and sign-ups drain, and how long that took after the
  traffic;
- the time each fault took to recover; the bystander's freshness before and during the report burst; how
  long the summaries locks of a killed pool stay held; every process's memory, early and late in the run.

The loops are bounded in count and time, the only target is 127.0.0.1, and it stops by itself. A short
run of the same code is part of `make test` (tests/test_soak.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psutil
import redis
import requests

from shared.celery_app import RETRY_BACKOFF_MAX_S
from shared.reports import BUILDING, FILES_BUCKET, QUEUED, READY
from shared.settings import Settings
from shared.tasks import ALL_QUEUES, NOTIFICATION_QUEUES, QUEUE_REPORTS, REPORT_QUEUES, WORKER_QUEUES
from tests.support.servers import (
    ROOT,
    VENV_BIN,
    Process,
    celery_worker,
    child_env,
    free_port,
    gunicorn,
    http_ready,
    wait_for,
)

RESULTS_DIR = ROOT / "var" / "soak"
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
RATE = float(os.environ.get("SOAK_RATE", "20"))
PEOPLE = int(os.environ.get("SOAK_PEOPLE", "20"))
SMTP_AWAY_S = int(os.environ.get("SOAK_SMTP_AWAY_S", "120"))
REPORT_BURST = int(os.environ.get("SOAK_REPORT_BURST", "50"))
CLIENTS = 4
CODE_SUBJECT = "Your sign-in code"
CONFIRM_SUBJECT = "Please confirm your place on the waitlist"
PLACE_SUBJECT = "Your place on the waitlist"  # sent once a sign-up is confirmed
CODE_DEADLINE_S = 30
# Waitlist sign-ups all come from 127.0.0.1: the per-IP allowance (services/notification/waitlist/abuse.py:
# 10 a minute, 60 an hour) bounds them; the soak stays under both.
MAX_SIGNUPS = 40
SIGNUP_EVERY_S = 12
REPORT_EVERY_S = 10  # one on-demand report request from someone, 7 days ending yesterday
ADMIN_EVERY_S = 3  # one admin page or API read
# A report build killed mid-way: asked for over this many days, so the build lasts long enough to be hit.
LONG_REPORT_DAYS = 90
# Check-ins of someone outside the report burst, each followed until their summary shows it.
BYSTANDER_SAMPLES = 3
FRESH_LIMIT_S = 60
TIME_ZONE = "Europe/London"  # the soak's people live there
# A sign-in code request costs one of the address's and of the client address's hourly allowance
# (services/ingestion/limits.py: 5 and 30): the soak stays under both.
MAX_CODES = 24
# Emails held back by an SMTP outage are retried with backoff of up to RETRY_BACKOFF_MAX_S (shared/
# celery_app.py): the wait for the outbox to drain covers one whole backoff after the last refusal.
SETTLE_LIMIT_S = RETRY_BACKOFF_MAX_S + 60
# A fault's window runs from its start until the platform answers again, plus this: a request already in
# flight when it ended may still be answered by the fault.
FAULT_GRACE_S = 3
REQUEST_TIMEOUT_S = 15
# A process's memory late in the run may exceed its early level by this much at most (a restart or a
# cache filling moves it; a leak keeps going).
MEMORY_SLACK = (1.5, 48.0)  # ratio, and MB on top
SETTLED_GOAL_S = 10
RECOVERY_GOAL_S = 30
LOCK_KEYS = "*summaries:lock:*"  # services/workers/summaries/lock.py: one per person being recomputed
LINK = re.compile(r"https?://[^\s\"'<>]+")
# What the admin browses, in turn: the waitlist pages (signed in) and the admin API (with a token).
ADMIN_READS = ("/admin/", "/admin/api/entries", "/admin/stats", "/admin/api/stats", "/admin/outbox")


@dataclass
class Ledger:
    """What the clients were told and when; appended from several threads (list.append is atomic)."""

    acked: dict[str, set[str]] = field(default_factory=dict)  # person id -> acknowledged event ids
    rejected: list[dict] = field(default_factory=list)
    answers: list[tuple[float, str, int, float, bool]] = field(default_factory=list)  # t, op, status, s, RA
    resets: list[tuple[float, float, str, str]] = field(default_factory=list)  # t, failed at, op, error kind
    codes: list[tuple[float, str]] = field(default_factory=list)  # requested at, address
    # address -> each attempt of its code requests: (sent at, status, or the error of an unanswered one)
    code_attempts: dict[str, list[tuple[float, int | str]]] = field(default_factory=dict)
    reports: dict[str, float] = field(default_factory=dict)  # report id -> when it was asked for
    report_refusals: dict[int, int] = field(default_factory=dict)  # status (409 one in flight, 429) -> count
    signups: dict[str, float] = field(default_factory=dict)  # waitlist address -> when it signed up
    confirmed: dict[str, float] = field(default_factory=dict)  # waitlist address -> when confirmed
    faults: list[dict] = field(default_factory=list)


# Each Celery process kind of deploy/Procfile: its app, queues and pool size (the Procfile's defaults).
POOLS = {
    "workers": ("services.workers.worker", WORKER_QUEUES, 2),
    "reports": ("services.workers.worker", REPORT_QUEUES, 1),
    "notifier": ("services.notification.worker", NOTIFICATION_QUEUES, 2),
}


class Stack:
    """The application processes, given servers (Redis, MongoDB, SMTP) to use."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings, self.dir = settings, workdir
        self.port, self.notification_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.notification_url = f"http://127.0.0.1:{self.notification_port}"
        self.env = child_env(settings.as_env())
        self.processes: dict[str, Process] = {}

    def start(self) -> Stack:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.processes = {
            "ingestion": gunicorn(
                "services.ingestion.wsgi:app", self.port, self.env, self._log("ingestion"), 2
            ),
            "notification": gunicorn(
                "services.notification.wsgi:app",
                self.notification_port,
                self.env,
                self._log("notification"),
            ),
            **{
                name: celery_worker(app, queues, self.env, self._log(name), pool="prefork", concurrency=size)
                for name, (app, queues, size) in POOLS.items()
            },
            "beat": self._beat(),
        }
        for process in self.processes.values():
            process.start()
        wait_for(lambda: http_ready(f"{self.url}/readyz"), 60, "the ingestion API")
        wait_for(lambda: http_ready(f"{self.notification_url}/readyz"), 60, "the notification service")
        for name, (_app, _queues, size) in POOLS.items():
            wait_for(lambda n=name, k=size: len(self.children(n)) == k, 60, f"{name}'s pool")
        return self

    def flask(self, *args: str) -> str:
        """A command of the notification service's CLI (as `make admin` runs it); its output."""
        command = [str(VENV_BIN / "flask"), "--app", "services.notification.wsgi", *args]
        done = subprocess.run(
            command, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode:
            raise RuntimeError(f"flask {args[:2]} failed: {done.stderr[-500:]}")
        return done.stdout

    def _log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    def _beat(self) -> Process:
        args = [str(VENV_BIN / "celery"), "-A", "services.workers.beat", "beat", "-s", str(self.dir / "beat")]
        return Process(args, self._log("beat"), env=self.env)

    def restart_beat(self) -> None:
        self.processes["beat"] = self._beat().start()

    def children(self, name: str) -> list[psutil.Process]:
        process = self.processes[name]
        if not process.alive:
            return []
        try:
            children = psutil.Process(process.proc.pid).children()
            return [p for p in children if p.status() != psutil.STATUS_ZOMBIE]
        except psutil.NoSuchProcess:
            return []

    def rss_mb(self) -> dict[str, float]:
        """Each process group's resident memory (the main process and its workers)."""
        sizes = {}
        for name, process in self.processes.items():
            if process.alive:
                group = [psutil.Process(process.proc.pid), *self.children(name)]
                sizes[name] = round(sum(_rss(p) for p in group) / 2**20, 1)
        return sizes

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def tails(self, lines: int = 20) -> str:
        return "\n".join(
            f"--- {name} ---\n" + "\n".join(p.output().splitlines()[-lines:])
            for name, p in self.processes.items()
        )


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


@dataclass
class Servers:
    """The servers a soak may take away: None where the caller shares its own and must not be disturbed."""

    redis: Process | None = None
    mongo: Any = None  # tests.support.servers.FerretDB
    smtp: Any = None  # tests.support.mailbox.SmtpServer


@dataclass
class Fault:
    name: str
    inflict: Callable[[Soak], None]  # returns when the fault has been undone (or left to heal)
    healed: Callable[[Soak], bool]  # the platform is whole again
    # Answers meanwhile may be 503 (with Retry-After) or reset connections; a fault that only adds work
    # (the report burst) excuses nothing.
    excused: bool = True
    heal_limit_s: float = 60


def _kill_child(name: str) -> Callable[[Soak], None]:
    def inflict(soak: Soak) -> None:
        if name == "notifier":
            soak.request_codes(3)  # sign-in codes in flight while the pool processes die
            time.sleep(0.2)
        if name == "reports":
            soak.report_building()  # a build in progress when the pool process dies
        if name == "workers":
            soak.summaries_locked()  # someone's summary being recomputed when the pool dies
        children = soak.stack.children(name)
        # A Celery pool loses every process, so whatever task was running dies with it; gunicorn one worker.
        for child in children[:1] if name == "ingestion" else children:
            child.send_signal(signal.SIGKILL)
            soak.killed.add(child.pid)
        if name == "workers":
            threading.Thread(target=soak.measure_locks, daemon=True).start()
        if name == "reports" and soak.killed_build:
            report = soak.db.reports.find_one({"_id": soak.killed_build}, {"status": 1})
            soak.killed_mid_build = report["status"] == BUILDING

    return inflict


def _full_pool(name: str, size: int) -> Callable[[Soak], bool]:
    """The pool has its size again, in new processes, and the API answers."""

    def healed(soak: Soak) -> bool:
        pids = {p.pid for p in soak.stack.children(name)}
        return len(pids) == size and not pids & soak.killed and soak.answering()

    return healed


def _report_rebuilt(soak: Soak) -> bool:
    """The reports pool is whole again and the report it was building when it died is ready."""
    return _full_pool("reports", 1)(soak) and soak.reports_done(
        [soak.killed_build] if soak.killed_build else []
    )


def _restart_beat(soak: Soak) -> None:
    soak.stack.processes["beat"].kill()
    time.sleep(2)
    soak.stack.restart_beat()


def _pause_redis(soak: Soak) -> None:
    soak.servers.redis.signal(signal.SIGSTOP)
    time.sleep(5)
    soak.servers.redis.signal(signal.SIGCONT)


def _restart_mongo(soak: Soak) -> None:
    soak.servers.mongo.stop()
    time.sleep(3)
    soak.servers.mongo.start()


SMTP_AWAY_PREFIX = "SMTP away"


def smtp_away(seconds: float) -> Fault:
    """The mail server gone for `seconds`: emails due meanwhile wait and go out, once, when it is back."""

    def inflict(soak: Soak) -> None:
        soak.smtp_down = True
        soak.servers.smtp.stop()
        time.sleep(seconds)
        soak.servers.smtp.start()
        soak.smtp_down = False

    return Fault(f"{SMTP_AWAY_PREFIX} {seconds:g} s", inflict, lambda soak: True)


def report_burst(requests_at_once: int) -> Fault:
    """`requests_at_once` report requests at once from everyone in the traffic, while someone else's
    check-ins are followed until their summary shows them; healed when every report asked for is built."""
    return Fault(
        f"report burst ({requests_at_once} requests at once)",
        lambda soak: soak.report_burst(requests_at_once),
        lambda soak: soak.reports_done(soak.burst_reports),
        excused=False,
        heal_limit_s=300,
    )


GUNICORN_WORKER = Fault("gunicorn worker killed", _kill_child("ingestion"), _full_pool("ingestion", 2))
SUMMARIES_PROCESS = Fault("summaries pool processes killed", _kill_child("workers"), _full_pool("workers", 2))
NOTIFIER_PROCESS = Fault(
    "notifier pool processes killed mid-send", _kill_child("notifier"), _full_pool("notifier", 2)
)
REPORTS_PROCESS = Fault("reports worker killed mid-build", _kill_child("reports"), _report_rebuilt)
BEAT = Fault("beat killed and restarted", _restart_beat, lambda soak: soak.stack.processes["beat"].alive)
REDIS_PAUSE = Fault("Redis paused 5 s", _pause_redis, lambda soak: soak.answering())
MONGO_RESTART = Fault("FerretDB restarted", _restart_mongo, lambda soak: soak.answering())
# The summaries pool first: its dead holder keeps its people locked for 15 s (summaries/lock.py).
PROCESS_FAULTS = (SUMMARIES_PROCESS, GUNICORN_WORKER, NOTIFIER_PROCESS, REPORTS_PROCESS)


def all_faults(smtp_seconds: float = SMTP_AWAY_S, burst: int = REPORT_BURST) -> tuple[Fault, ...]:
    """`make soak`'s schedule: every process kind killed in turn, the servers taken away, a report burst."""
    # SMTP's outage, the longest, in the middle: the faults after it (each waits for the one before) still
    # come before the traffic ends.
    return (
        *PROCESS_FAULTS,
        smtp_away(smtp_seconds),
        report_burst(burst),
        BEAT,
        REDIS_PAUSE,
        MONGO_RESTART,
    )


class Soak:
    def __init__(
        self,
        stack: Stack,
        mailbox,
        *,
        seconds: float,
        rate: float,
        people: int,
        faults: tuple[Fault, ...],
        servers: Servers | None = None,
        seed: int = 19,
    ) -> None:
        self.stack, self.mailbox, self.servers = stack, mailbox, servers or Servers()
        self.seconds, self.rate, self.faults = seconds, rate, faults
        self.people_count = people
        self.ledger = Ledger()
        self.random = random.Random(seed)
        self.started = 0.0
        self.stop_traffic = threading.Event()
        self.smtp_down = False
        self.tokens: dict[str, str] = {}  # person id -> device token
        self.addresses: list[str] = []
        self.code_addresses = itertools.cycle([])
        self.arrivals: list[float] = []  # when each mailbox message was first seen
        self.memory: list[tuple[float, dict[str, float]]] = []
        self.killed: set[int] = set()
        self.db: Any = None
        self.settings: Settings | None = None
        self.run_id = uuid.uuid4().hex[:6]
        self.traffic_people: list[str] = []  # everyone but the bystander
        self.bystander = ""  # sends only the check-ins followed during the report burst
        self.bystander_check_ins = 0
        self.admin: requests.Session | None = None  # signed in to the admin pages
        self.admin_token = ""
        self.killed_build: str | None = None  # the report being built when the reports worker was killed
        self.killed_mid_build = False  # and it was still building when the kill landed
        self.burst_reports: list[str] = []
        self.burst: dict[str, Any] = {}
        self.locks_after_kill: list[dict[str, Any]] = []

    # --- set-up -------------------------------------------------------------------------------------------

    def make_people(self) -> None:
        """People with a device token each, made by the accounts service (as `make dev-token` does)."""
        from services.ingestion.accounts import service as accounts

        for i in range(self.people_count + 1):
            address = f"soak-{self.run_id}-{i}@example.org"
            user = accounts.create_account(address, "Soak", TIME_ZONE, {"recorded_by": "make soak"})
            token, _device = accounts.issue_device_token(user["_id"], "soak", "other")
            self.tokens[user["_id"]] = token
            self.ledger.acked[user["_id"]] = set()
            if i == self.people_count:
                self.bystander = user["_id"]
                continue
            self.traffic_people.append(user["_id"])
            self.addresses.append(address)
        self.code_addresses = itertools.cycle(self.addresses)

    def make_admin(self) -> None:
        """An admin made as `make admin` makes one (the notification service's CLI), with an API token for
        the admin API and a signed-in session for the admin pages."""
        email, password = f"admin-{self.run_id}@example.org", uuid.uuid4().hex
        self.stack.flask("admin", "create", email, "--password", password)
        printed = self.stack.flask("admin", "token", "create", email, "--name", "soak")
        self.admin_token = printed.strip().splitlines()[-1]
        session = requests.Session()
        login = f"{self.stack.notification_url}/admin/login"
        form = session.get(login, timeout=REQUEST_TIMEOUT_S).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        fields = {"email": email, "password": password, "csrf_token": csrf.group(1) if csrf else ""}
        signed_in = session.post(login, data=fields, allow_redirects=False, timeout=REQUEST_TIMEOUT_S)
        if signed_in.status_code != 302:
            raise RuntimeError(f"admin sign-in answered {signed_in.status_code}")
        self.admin = session

    # --- traffic ------------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.started

    def send(
        self,
        http: requests.Session,
        op: str,
        method: str,
        path: str,
        *,
        base: str | None = None,
        final: tuple[int, ...] = (),
        attempts: list[tuple[float, int | str]] | None = None,
        **kwargs,
    ) -> requests.Response | None:
        """One request, retried as a device retries (same body) until it is answered or the run's retry
        time is over; every attempt is recorded (also in `attempts`, when given). A status in `final` is an
        answer, not retried."""
        give_up = self.seconds + 60
        while self.now() < give_up:
            sent = self.now()
            try:
                url = (base or self.stack.url) + path
                response = http.request(method, url, timeout=REQUEST_TIMEOUT_S, **kwargs)
            except requests.RequestException as exc:
                self.ledger.resets.append((sent, self.now(), op, type(exc).__name__))
                if attempts is not None:
                    attempts.append((round(sent, 2), type(exc).__name__))
                time.sleep(0.5)
                continue
            elapsed = self.now() - sent
            retry_after = response.headers.get("Retry-After")
            self.ledger.answers.append((sent, op, response.status_code, elapsed, retry_after is not None))
            if attempts is not None:
                attempts.append((round(sent, 2), response.status_code))
            if (response.status_code < 500 and response.status_code != 429) or response.status_code in final:
                return response
            time.sleep(min(float(retry_after or 1), 5))
        return None

    def post_event(self, http: requests.Session, person: str) -> bool:
        event_id = uuid.uuid4().hex
        body = {"event_id": event_id, "type": "check_in", "overall": self.random.randint(0, 10)}
        body["occurred_at"] = datetime.now(UTC).isoformat()
        response = self.send(http, "event", "POST", "/v1/events", json=body, headers=self.auth(person))
        if response is not None and response.status_code in (200, 202):
            self.ledger.acked[person].add(event_id)
            return True
        if response is not None:
            self.ledger.rejected.append({"op": "event", "status": response.status_code})
        return False

    def post_batch(self, http: requests.Session, person: str) -> None:
        """An offline phone catching up: a few past days, with gaps, several events a day."""
        now = datetime.now(UTC)
        days = sorted(self.random.sample(range(1, 21), 4))
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "type": "check_in",
                "overall": self.random.randint(0, 10),
                "occurred_at": (now - timedelta(days=day, hours=hour)).isoformat(),
            }
            for day in days
            for hour in (2, 9)
        ]
        body = {"sent_at": now.isoformat(), "events": events}
        response = self.send(http, "batch", "POST", "/v1/events/batch", json=body, headers=self.auth(person))
        if response is None or response.status_code != 200:
            self.ledger.rejected.append({"op": "batch", "status": getattr(response, "status_code", None)})
            return
        for result in response.json()["results"]:
            if result["status"] in ("accepted", "duplicate"):
                self.ledger.acked[person].add(result["event_id"])
            else:
                self.ledger.rejected.append({"op": "batch", "result": result})

    def read_summary(self, http: requests.Session, person: str) -> None:
        self.send(http, "summary", "GET", "/v1/summaries", headers=self.auth(person))

    def request_codes(self, count: int) -> None:
        http = requests.Session()
        for _ in range(count):
            if len(self.ledger.codes) >= MAX_CODES:
                return
            address = next(self.code_addresses)
            self.ledger.codes.append((self.now(), address))
            attempts = self.ledger.code_attempts.setdefault(address.lower(), [])
            response = self.send(
                http, "code", "POST", "/v1/auth/code", json={"email": address}, attempts=attempts
            )
            if response is None or response.status_code != 202:
                self.ledger.rejected.append({"op": "code", "status": getattr(response, "status_code", None)})

    def local_today(self) -> date:
        return datetime.now(ZoneInfo(TIME_ZONE)).date()

    def ask_report(self, http: requests.Session, person: str, days: int = 7) -> str | None:
        """Ask for a report over the `days` ending yesterday; the id of the report that will be built (the
        new one, or the one in flight the 409 names), None when refused for the hour (429)."""
        end = self.local_today() - timedelta(days=1)
        body = {"period_start": (end - timedelta(days=days - 1)).isoformat(), "period_end": end.isoformat()}
        asked = self.now()
        response = self.send(
            http, "report", "POST", "/v1/reports", json=body, headers=self.auth(person), final=(429,)
        )
        status = getattr(response, "status_code", None)
        if status == 202:
            report_id = response.json()["id"]
        elif status == 409 and response.json().get("report_id"):
            report_id = response.json()["report_id"]  # one at a time: the answer names the one to follow
        elif status == 429 and response.headers.get("Retry-After"):
            self.ledger.report_refusals[429] = self.ledger.report_refusals.get(429, 0) + 1
            return None
        else:
            self.ledger.rejected.append({"op": "report", "status": status})
            return None
        if status == 409:
            self.ledger.report_refusals[409] = self.ledger.report_refusals.get(409, 0) + 1
        self.ledger.reports.setdefault(report_id, asked)
        return report_id

    def reports_done(self, report_ids: list[str]) -> bool:
        """None of these reports is still queued or building."""
        pending = {"_id": {"$in": report_ids}, "status": {"$in": [QUEUED, BUILDING]}}
        try:
            return self.db.reports.count_documents(pending) == 0
        except Exception:  # noqa: BLE001 - MongoDB away in another fault: not done as far as we know
            return False

    def report_building(self) -> None:
        """Ask for a long report and return once the reports worker is building one (at most 60 s)."""
        self.ask_report(requests.Session(), self.random.choice(self.traffic_people), LONG_REPORT_DAYS)
        deadline = self.now() + 60
        while self.now() < deadline:
            building = self.db.reports.find_one({"status": BUILDING}, {"_id": 1})
            if building is not None:
                self.killed_build = building["_id"]
                return
            time.sleep(0.02)

    def summaries_locked(self) -> None:
        """Return once a summaries worker holds someone's lock (at most 10 s)."""
        client = redis.Redis.from_url(self.settings.redis_url)
        try:
            deadline = self.now() + 10
            while self.now() < deadline and next(client.scan_iter(match=LOCK_KEYS), None) is None:
                time.sleep(0.005)
        finally:
            client.close()

    def report_burst(self, count: int) -> None:
        """`count` report requests at once from the people in the traffic (each asks as many times as it
        takes: one is built, the others are told which one is in flight), while the bystander's check-ins
        are followed until their summary shows them: once before the burst, then while it is queued."""
        http = requests.Session()
        before = self.bystander_fresh(http)
        asked: list[str | None] = []
        people = [self.traffic_people[i % len(self.traffic_people)] for i in range(count)]

        def ask(person: str) -> None:
            asked.append(self.ask_report(requests.Session(), person))

        askers = [threading.Thread(target=ask, args=(person,), daemon=True) for person in people]
        for thread in askers:
            thread.start()
        for thread in askers:
            thread.join(REQUEST_TIMEOUT_S * 4)
        self.burst_reports = sorted({r for r in asked if r})
        broker = redis.Redis.from_url(self.settings.broker_url)
        try:
            queued = broker.llen(QUEUE_REPORTS)
            during = []
            for _ in range(BYSTANDER_SAMPLES):
                fresh = self.bystander_fresh(http)
                during.append({"fresh_s": fresh, "reports_still_queued": broker.llen(QUEUE_REPORTS)})
        finally:
            broker.close()
        self.burst = {
            "requests": count,
            "reports_to_build": len(self.burst_reports),
            "reports_queue_after_burst": queued,
            "bystander_fresh_before_s": before,
            "bystander_during": during,
        }

    def bystander_fresh(self, http: requests.Session) -> float | None:
        """Seconds from the bystander's check-in being acknowledged until their summary shows it (None: not
        within FRESH_LIMIT_S). Only these check-ins are theirs, so the k-th shows as today's count k."""
        if not self.post_event(http, self.bystander):
            return None
        self.bystander_check_ins += 1
        acked, day = self.now(), self.local_today().isoformat()
        while self.now() - acked < FRESH_LIMIT_S:
            response = self.send(
                http,
                "summary",
                "GET",
                f"/v1/summaries?from={day}&to={day}",
                headers=self.auth(self.bystander),
            )
            if response is not None and response.status_code == 200:
                days = response.json()["days"]
                check_in = (days[0].get("check_in") if days else None) or {}
                if check_in.get("count", 0) >= self.bystander_check_ins:
                    return round(self.now() - acked, 2)
            time.sleep(0.1)
        return None

    def sign_up(self, http: requests.Session) -> None:
        """Someone joins the waitlist through its public API."""
        address = f"waitlist-{self.run_id}-{len(self.ledger.signups)}@example.org"
        self.ledger.signups[address] = self.now()
        body = {"email": address, "name": "Soak", "consent": True}
        base = self.stack.notification_url
        response = self.send(http, "waitlist", "POST", "/v1/waitlist", base=base, json=body)
        if response is None or response.status_code != 202:
            self.ledger.rejected.append({"op": "waitlist", "status": getattr(response, "status_code", None)})

    def confirm_signups(self) -> None:
        """Follow the confirm link of each confirmation email as it arrives (POST: a GET only shows the
        page), until the watch ends."""
        http = requests.Session()
        seen = 0
        while not self.stop_watch.is_set():
            messages = list(self.mailbox.messages)
            for message in messages[seen:]:
                address = str(message["To"]).lower()
                if message["Subject"] != CONFIRM_SUBJECT or address in self.ledger.confirmed:
                    continue
                text = message.get_body(preferencelist=("plain",)).get_content()
                link = next(u for u in LINK.findall(text) if "/waitlist/confirm/" in u)
                path = urlsplit(link).path
                base = self.stack.notification_url
                response = self.send(http, "confirm", "POST", path, base=base, allow_redirects=False)
                if response is not None and response.status_code in (200, 303):
                    self.ledger.confirmed[address] = self.now()
                else:
                    self.ledger.rejected.append(
                        {"op": "confirm", "status": getattr(response, "status_code", None)}
                    )
            seen = len(messages)
            time.sleep(0.2)

    def browse_admin(self, http: requests.Session, step: int) -> None:
        """One admin read, in turn: the waitlist pages (signed in) and the admin API (a token)."""
        path = ADMIN_READS[step % len(ADMIN_READS)]
        base = self.stack.notification_url
        if path.startswith("/admin/api/"):
            headers = {"Authorization": f"Bearer {self.admin_token}"}
            response = self.send(http, "admin", "GET", path, base=base, headers=headers)
        else:
            response = self.send(self.admin, "admin", "GET", path, base=base, allow_redirects=False)
        if response is None or response.status_code != 200:
            self.ledger.rejected.append(
                {"op": "admin", "path": path, "status": getattr(response, "status_code", None)}
            )

    def measure_locks(self) -> None:
        """How long the summaries locks held when the pool died stay held: each until it is gone or another
        process holds it."""
        client = redis.Redis.from_url(self.settings.redis_url)
        try:
            held = {key: client.get(key) for key in client.scan_iter(match=LOCK_KEYS)}
            count, killed_at, freed = len(held), self.now(), []
            while held and self.now() - killed_at < 60:
                for key, token in list(held.items()):
                    if client.get(key) != token:
                        del held[key]
                        freed.append(round(self.now() - killed_at, 2))
                time.sleep(0.05)
            self.locks_after_kill.append(
                {"held_at_kill": count, "freed_after_s": freed, "still_held_after_60s": len(held)}
            )
        finally:
            client.close()

    def auth(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[person]}"}

    def client(self, index: int) -> None:
        """One device-like client: its share of the rate, operations drawn by weight."""
        http = requests.Session()
        rng = random.Random(index)
        people = self.traffic_people
        interval = CLIENTS / self.rate
        next_at = self.now()
        while not self.stop_traffic.is_set():
            person = rng.choice(people)
            op = rng.choices((self.post_event, self.post_batch, self.read_summary), weights=(6, 1, 3))[0]
            op(http, person)
            next_at += interval
            time.sleep(max(0.0, next_at - self.now()))

    def answering(self) -> bool:
        try:
            return all(
                requests.get(base + "/readyz", timeout=2).status_code == 200
                for base in (self.stack.url, self.stack.notification_url)
            )
        except requests.RequestException:
            return False

    def every(self, seconds: float, action: Callable[[requests.Session, int], None], limit: int) -> None:
        """`action` every `seconds` until the traffic stops, at most `limit` times."""
        http = requests.Session()
        for step in range(limit):
            if self.stop_traffic.wait(seconds):
                return
            action(http, step)

    # --- watchers -----------------------------------------------------------------------------------------

    def watch(self) -> None:
        """Stamp each arriving email, sample memory every 2 s."""
        last_memory = -10.0
        while not self.stop_watch.is_set():
            while len(self.arrivals) < len(self.mailbox.messages):
                self.arrivals.append(self.now())
            if self.now() - last_memory >= 2:
                last_memory = self.now()
                self.memory.append((last_memory, self.stack.rss_mb()))
            time.sleep(0.1)

    def inflict_faults(self) -> None:
        """Each fault in turn, evenly spread over the middle of the run; each waits for the last to heal."""
        slots = len(self.faults) + 1
        for i, fault in enumerate(self.faults, start=1):
            at = self.seconds * i / slots
            while self.now() < at and not self.stop_traffic.is_set():
                time.sleep(0.1)
            record = {"fault": fault.name, "start_s": round(self.now(), 2)}
            fault.inflict(self)
            record["undone_s"] = round(self.now(), 2)
            deadline = self.now() + fault.heal_limit_s
            while not (healed := fault.healed(self)) and self.now() < deadline:
                time.sleep(0.2)
            record["end_s"] = round(self.now(), 2)
            record["recovered_in_s"] = round(record["end_s"] - record["start_s"], 2)
            record["recovered_after_undone_s"] = round(record["end_s"] - record["undone_s"], 2)
            if fault.inflict is REPORTS_PROCESS.inflict:
                record["report_killed_mid_build"] = self.killed_mid_build
            record["healed"] = healed
            self.ledger.faults.append(record)
            print(
                f"  {record['start_s']:7.1f} s  {fault.name}: healed {healed} at {record['end_s']} s",
                flush=True,
            )

    # --- the run ------------------------------------------------------------------------------------------

    def run(self, db, settings: Settings) -> dict[str, Any]:
        self.db, self.settings = db, settings
        self.make_people()
        self.make_admin()
        self.started = time.monotonic()
        self.stop_watch = threading.Event()
        watcher = threading.Thread(target=self.watch, daemon=True)
        watcher.start()
        confirmer = threading.Thread(target=self.confirm_signups, daemon=True)
        confirmer.start()
        clients = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]
        signups = min(MAX_SIGNUPS, max(2, int(self.seconds // SIGNUP_EVERY_S)))
        chores = (
            (self.seconds / (signups + 1), lambda http, _step: self.sign_up(http), signups),
            (
                REPORT_EVERY_S,
                lambda http, _step: self.ask_report(http, self.random.choice(self.traffic_people)),
                10**6,
            ),
            (ADMIN_EVERY_S, self.browse_admin, 10**6),
        )
        clients += [threading.Thread(target=self.every, args=chore, daemon=True) for chore in chores]
        for thread in clients:
            thread.start()
        faults = threading.Thread(target=self.inflict_faults, daemon=True)
        faults.start()
        # One every 20 s or so, leaving three for the notifier's fault.
        codes_every = self.seconds / max(2, min(MAX_CODES - 3, self.seconds // 20))
        while self.now() < self.seconds:
            if not self.smtp_down:
                self.request_codes(1)
            time.sleep(max(0.0, min(codes_every, self.seconds - self.now())))
        self.stop_traffic.set()
        for thread in clients:
            thread.join(REQUEST_TIMEOUT_S + 70)
        faults.join(120)
        traffic_end = self.now()
        settled_s = self.settle(db, settings, traffic_end)
        self.stop_watch.set()
        watcher.join(5)
        confirmer.join(REQUEST_TIMEOUT_S + 70)
        return self.check(db, settings, traffic_end, settled_s)

    def settle(self, db, settings: Settings, traffic_end: float) -> dict[str, float | None]:
        """Seconds from the end of traffic until each kind of pending work is done for good: broker queues
        (with tasks taken but not acknowledged), recompute requests (summaries settled), the outbox."""
        broker = redis.Redis.from_url(settings.broker_url)
        pending = {
            "queues": lambda: sum(broker.llen(q) for q in ALL_QUEUES) + broker.hlen("unacked"),
            "summaries": lambda: db.recompute_requests.count_documents({}),
            "outbox": lambda: db.email_outbox.count_documents({"status": {"$in": ["queued", "sending"]}}),
            "reports": lambda: db.reports.count_documents({"status": {"$in": [QUEUED, BUILDING]}}),
            # each sign-up confirmed and its place email arrived
            "waitlist": lambda: (
                2 * len(self.ledger.signups) - len(self.ledger.confirmed) - len(self.delivered(PLACE_SUBJECT))
            ),
        }
        done: dict[str, float | None] = dict.fromkeys(pending)
        try:
            while self.now() - traffic_end < SETTLE_LIMIT_S:
                for name, count in pending.items():
                    left = count()
                    if left and done[name] is not None:
                        done[name] = None  # it came back (a retry, a redelivery): not settled yet
                    elif not left and done[name] is None:
                        done[name] = round(self.now() - traffic_end, 2)
                if all(v is not None for v in done.values()):
                    break
                time.sleep(0.25)
            return done
        finally:
            broker.close()

    # --- invariants ---------------------------------------------------------------------------------------

    def check(
        self, db, settings: Settings, traffic_end: float, settled_s: dict[str, float | None]
    ) -> dict[str, Any]:
        violations: list[str] = []
        events = self.check_events(db, violations)
        summaries = self.check_summaries(db, settings, violations)
        emails = self.check_emails(violations)
        reports = self.check_reports(db, violations)
        http = self.check_http(violations)
        memory = self.check_memory(violations)
        for name, seconds in settled_s.items():
            if seconds is None:
                violations.append(f"{name} not drained {SETTLE_LIMIT_S} s after the traffic")
        for fault in self.ledger.faults:
            if not fault["healed"]:
                violations.append(f"{fault['fault']}: not recovered")
        missing = [f.name for f in self.faults if f.name not in {r["fault"] for r in self.ledger.faults}]
        if missing:
            violations.append(f"faults not inflicted: {missing}")
        if self.ledger.rejected:
            violations.append(f"{len(self.ledger.rejected)} requests refused: {self.ledger.rejected[:3]}")
        return {
            "seconds": self.seconds,
            "rate": self.rate,
            "people": self.people_count,
            "traffic_s": round(traffic_end, 1),
            "settled_after_traffic_s": settled_s,
            "events": events,
            "summaries": summaries,
            "emails": emails,
            "reports": reports,
            "report_burst": self.burst,
            "summaries_locks_after_kill": self.locks_after_kill,
            "waitlist": {"signed_up": len(self.ledger.signups), "confirmed": len(self.ledger.confirmed)},
            "http": http,
            "faults": self.ledger.faults,
            "memory_mb": memory,
            "goals": {
                # The issue's speed goals, reported beside the invariants (they depend on the machine).
                f"summaries settled within {SETTLED_GOAL_S} s of the traffic's end": (
                    settled_s["summaries"] is not None and settled_s["summaries"] <= SETTLED_GOAL_S
                ),
                f"every fault recovered within {RECOVERY_GOAL_S} s of being undone": all(
                    f["recovered_after_undone_s"] <= RECOVERY_GOAL_S for f in self.ledger.faults
                ),
                f"the bystander's summary fresh within {SETTLED_GOAL_S} s during the report burst": bool(
                    self.burst.get("bystander_during")
                )
                and all(
                    s["fresh_s"] is not None and s["fresh_s"] <= SETTLED_GOAL_S
                    for s in self.burst["bystander_during"]
                ),
            },
            "violations": violations,
        }

    def check_events(self, db, violations: list[str]) -> dict[str, int]:
        acked = lost = duplicated = unacknowledged = 0
        for person, ids in self.ledger.acked.items():
            stored = [doc["event_id"] for doc in db.events.find({"user_id": person}, {"event_id": 1})]
            unique = set(stored)
            acked += len(ids)
            lost += len(ids - unique)
            duplicated += len(stored) - len(unique)
            unacknowledged += len(unique - ids)  # stored, but its answer was lost and never retried
        if lost or duplicated:
            violations.append(f"events: {lost} acknowledged but not stored, {duplicated} stored twice")
        return {
            "acknowledged": acked,
            "lost": lost,
            "duplicated": duplicated,
            "stored_unacknowledged": unacknowledged,
        }

    def check_summaries(self, db, settings: Settings, violations: list[str]) -> dict[str, int]:
        """Each person's stored summary against one rebuilt here from all their events: a rebuild that
        writes no day and changes nothing in the person's document found them equal."""
        from services.workers.summaries import params, service
        from shared.summaries import PERSONS

        summary_params = params.current(settings.summary_parameters_file)
        stamps = {"computed_at", "days_at"}
        different = []
        for person in self.tokens:
            before = db[PERSONS].find_one({"_id": person}) or {}
            result = service.recompute_many(None, settings, summary_params, {person: None}, full={person})[
                person
            ]
            after = db[PERSONS].find_one({"_id": person}) or {}
            same_person = {k: v for k, v in before.items() if k not in stamps} == {
                k: v for k, v in after.items() if k not in stamps
            }
            if result.get("days_written") or result.get("days_removed") or not same_person:
                different.append(result | {"summary_differed": not same_person})
        if different:
            violations.append(
                f"summaries: {len(different)} of {len(self.tokens)} differ from a rebuild ({different[:2]})"
            )
        return {"people": len(self.tokens), "different_from_rebuild": len(different)}

    def deliveries(self, subject: str) -> tuple[dict[str, list[float]], int]:
        """When each address's messages with this subject arrived, and how many were resends.

        A worker killed after the relay accepted a message and before it recorded so sends it again when
        its lease ends: SMTP cannot make that window exactly-once. Such a resend carries the same
        Message-ID (mail clients show one message) and is counted apart; a second message is not."""
        arrived: dict[str, list[float]] = {}
        message_ids: dict[str, set[str]] = {}
        resent = 0
        for message, at in zip(list(self.mailbox.messages), list(self.arrivals), strict=False):
            if message["Subject"] != subject:
                continue
            address, message_id = str(message["To"]).lower(), str(message["Message-ID"])
            seen = message_ids.setdefault(address, set())
            if message_id in seen:
                resent += 1
                continue
            seen.add(message_id)
            arrived.setdefault(address, []).append(at)
        return arrived, resent

    def delivered(self, subject: str) -> dict[str, list[float]]:
        return self.deliveries(subject)[0]

    def check_emails(self, violations: list[str]) -> dict[str, Any]:
        """Every email that was due arrived once: one sign-in code per request, within CODE_DEADLINE_S (an
        SMTP outage excused); one confirmation per waitlist sign-up; one place-in-line email per sign-up
        confirmed."""
        arrived, resent = self.deliveries(CODE_SUBJECT)
        asked: dict[str, list[float]] = {}
        for at, address in self.ledger.codes:
            asked.setdefault(address.lower(), []).append(at)
        lost = duplicated = late = 0
        waits = []
        smtp_windows = [
            (f["start_s"], f["end_s"]) for f in self.ledger.faults if f["fault"].startswith(SMTP_AWAY_PREFIX)
        ]
        odd = []  # what happened to the requests of an address that got fewer or more codes than asked
        for address, requests_at in asked.items():
            got = sorted(arrived.get(address, []))
            lost += max(0, len(requests_at) - len(got))
            duplicated += max(0, len(got) - len(requests_at))
            if len(got) != len(requests_at):
                attempts = self.ledger.code_attempts.get(address, [])
                odd.append({"requested_s": requests_at, "arrived_s": got, "attempts": attempts})
            for requested, delivered in zip(sorted(requests_at), got, strict=False):
                wait = delivered - requested
                waits.append(wait)
                excused = any(start - CODE_DEADLINE_S <= requested <= end for start, end in smtp_windows)
                late += wait > CODE_DEADLINE_S and not excused
        if lost or duplicated or late:
            violations.append(f"sign-in codes: {lost} lost, {duplicated} sent twice, {late} later than 30 s")
        waitlist = {}
        for kind, subject, due in (
            ("confirmations", CONFIRM_SUBJECT, self.ledger.signups),
            ("places", PLACE_SUBJECT, self.ledger.confirmed),
        ):
            got, again = self.deliveries(subject)
            missing = sum(1 for address in due if not got.get(address))
            twice = sum(max(0, len(got.get(address, [])) - 1) for address in due)
            unexpected = sum(len(times) for address, times in got.items() if address not in due)
            waited = [got[a][0] - at for a, at in due.items() if got.get(a)]
            waitlist[kind] = {
                "due": len(due),
                "lost": missing,
                "twice": twice,
                "not_due": unexpected,
                "resent_same_message_after_kill": again,
                "slowest_s": round(max(waited), 2) if waited else None,
            }
            resent += again
            if missing or twice or unexpected:
                violations.append(
                    f"waitlist {kind}: {missing} lost, {twice} sent twice, {unexpected} not due"
                )
        return {
            "codes_requested": len(self.ledger.codes),
            "lost": lost,
            "duplicated": duplicated,
            "resent_same_message_after_kill": resent,
            "later_than_30s": late,
            "slowest_s": round(max(waits), 2) if waits else None,
            "codes_not_once": odd,
            "waitlist": waitlist,
        }

    def check_reports(self, db, violations: list[str]) -> dict[str, Any]:
        """Every report asked for was built once: ready, with one HTML and one PDF stored (those of its
        last attempt; a killed attempt's files are dropped), or was refused with a clear answer (409 naming
        the one in flight, 429 with Retry-After). Reports made by a request whose answer was lost count."""
        reports = {doc["_id"]: doc for doc in db.reports.find({"user_id": {"$in": list(self.tokens)}})}
        files: dict[str, set[str]] = {}
        for doc in db[f"{FILES_BUCKET}.files"].find({"metadata.report_id": {"$in": list(reports)}}):
            files.setdefault(doc["metadata"]["report_id"], set()).add(doc["_id"])
        never_stored = [r for r in self.ledger.reports if r not in reports]
        not_ready = [r for r, doc in reports.items() if doc["status"] != READY]
        wrong_files = [
            r
            for r, doc in reports.items()
            if doc["status"] == READY and files.get(r, set()) != set(doc["files"].values())
        ]
        if never_stored or not_ready or wrong_files:
            violations.append(
                f"reports: {len(never_stored)} asked for and not stored, {len(not_ready)} not built, "
                f"{len(wrong_files)} with other files than one build's"
            )
        build_s = sorted(
            (doc["ready_at"] - doc["created_at"]).total_seconds()
            for doc in reports.values()
            if doc.get("ready_at")
        )
        return {
            "asked_and_accepted": len(self.ledger.reports),
            "stored": len(reports),
            "refused": {str(k): v for k, v in sorted(self.ledger.report_refusals.items())},
            "built": len(reports) - len(not_ready),
            "more_than_one_attempt": sum(1 for doc in reports.values() if doc.get("attempts", 0) > 1),
            "never_stored": len(never_stored),
            "not_built": len(not_ready),
            "files_not_one_build": len(wrong_files),
            "asked_to_ready_p50_s": round(build_s[len(build_s) // 2], 2) if build_s else None,
            "asked_to_ready_max_s": round(build_s[-1], 2) if build_s else None,
        }

    def in_fault(self, sent: float, until: float) -> bool:
        """A request's life (sent, until answered or failed) overlaps an excused fault's window: a request
        sent before a worker was killed, and still in its hands, is reset by the kill."""
        excused = {f.name for f in self.faults if f.excused}
        return any(
            f["start_s"] - 0.5 <= until and sent <= f["end_s"] + FAULT_GRACE_S
            for f in self.ledger.faults
            if f["fault"] in excused
        )

    def check_http(self, violations: list[str]) -> dict[str, Any]:
        answers = self.ledger.answers
        outside = [a for a in answers if not self.in_fault(a[0], a[0] + a[3])]
        errors_outside = [a for a in outside if a[2] >= 500]
        resets_outside = [r for r in self.ledger.resets if not self.in_fault(r[0], r[1])]
        bare_503 = [a for a in answers if a[2] == 503 and not a[4]]
        other_5xx = [a for a in answers if a[2] >= 500 and a[2] != 503]
        if errors_outside or resets_outside:
            violations.append(
                f"http: {len(errors_outside)} 5xx and {len(resets_outside)} resets outside fault windows "
                f"(the first: {(errors_outside + resets_outside)[:3]})"
            )
        if bare_503 or other_5xx:
            violations.append(f"http: {len(bare_503)} 503 without Retry-After, {len(other_5xx)} other 5xx")
        latencies = sorted(a[3] for a in outside if a[2] < 500)
        for fault in self.ledger.faults:
            inside = [a for a in answers if fault["start_s"] - 0.5 <= a[0] <= fault["end_s"] + FAULT_GRACE_S]
            fault["answers"] = len(inside)
            fault["503"] = sum(1 for a in inside if a[2] == 503)
            fault["slowest_ms"] = round(max((a[3] for a in inside), default=0) * 1000, 1)
        return {
            "answers": len(answers),
            "status_counts": dict(sorted(_count(str(a[2]) for a in answers).items())),
            "resets": len(self.ledger.resets),
            "in_fault_windows": len(answers) - len(outside),
            "p50_ms_outside_faults": _percentile_ms(latencies, 50),
            "p99_ms_outside_faults": _percentile_ms(latencies, 99),
            "slowest_ms": round(max(a[3] for a in answers) * 1000, 1) if answers else None,
        }

    def check_memory(self, violations: list[str]) -> dict[str, dict[str, float]]:
        """Early: the peak of the first half of the run; late: the peak of its last quarter. Peaks, as a
        killed pool's new processes start small and grow back to where the old ones were."""
        samples = [s for t, s in self.memory if t <= self.seconds]
        half, quarter = max(1, len(samples) // 2), max(1, len(samples) // 4)
        report = {}
        for name in self.stack.processes:
            early = [s[name] for s in samples[:half] if name in s]
            late = [s[name] for s in samples[-quarter:] if name in s]
            if not early or not late:
                continue
            early_mb, late_mb = max(early), max(late)
            report[name] = {"early_peak": early_mb, "late_peak": late_mb}
            ratio, extra = MEMORY_SLACK
            if late_mb > early_mb * ratio + extra:
                violations.append(f"memory: {name} grew from {early_mb} MB to {late_mb} MB")
        return report


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _percentile_ms(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return round(sorted_values[index] * 1000, 1)


def print_result(result: dict[str, Any]) -> None:
    events, emails, http = result["events"], result["emails"], result["http"]
    lines = [
        f"soak: {result['traffic_s']} s of traffic at {result['rate']} req/s, {result['people']} people",
        f"  events acknowledged {events['acknowledged']}, lost {events['lost']}, "
        f"duplicated {events['duplicated']}",
        f"  summaries different from a rebuild: {result['summaries']['different_from_rebuild']}",
        f"  sign-in codes {emails['codes_requested']}: lost {emails['lost']}, twice {emails['duplicated']}, "
        f"resent after a kill {emails['resent_same_message_after_kill']}, "
        f"slowest {emails['slowest_s']} s",
        f"  answers {http['answers']} {http['status_counts']}, resets {http['resets']}, "
        f"p50/p99 outside faults {http['p50_ms_outside_faults']}/{http['p99_ms_outside_faults']} ms",
        f"  settled {result['settled_after_traffic_s']} s after the traffic",
    ]
    lines += [
        f"  fault: {f['fault']}: recovered in {f['recovered_in_s']} s "
        f"({f['recovered_after_undone_s']} s after it was undone); {f['answers']} answers meanwhile, "
        f"{f['503']} of them 503, slowest {f['slowest_ms']} ms"
        for f in result["faults"]
    ]
    reports, waitlist = result["reports"], emails["waitlist"]
    lines += [
        f"  reports asked {reports['asked_and_accepted']} (refused {reports['refused']}), stored "
        f"{reports['stored']}, built {reports['built']}, not built {reports['not_built']}, files not one "
        f"build's {reports['files_not_one_build']}; asked to ready p50/max {reports['asked_to_ready_p50_s']}/"
        f"{reports['asked_to_ready_max_s']} s",
        *(
            f"  waitlist {kind}: due {w['due']}, lost {w['lost']}, twice {w['twice']}, "
            f"not due {w['not_due']}, slowest {w['slowest_s']} s"
            for kind, w in waitlist.items()
        ),
        f"  report burst: {result['report_burst']}",
        f"  summaries locks after the pool was killed: {result['summaries_locks_after_kill']}",
    ]
    lines += [f"  memory {name}: {m}" for name, m in result["memory_mb"].items()]
    lines += [f"  goal: {goal}: {'met' if met else 'NOT met'}" for goal, met in result["goals"].items()]
    lines.append("  violations: " + ("none" if not result["violations"] else "; ".join(result["violations"])))
    print("\n".join(lines), flush=True)


def main() -> int:
    from benchmarks.harness import Stack as Servers_
    from benchmarks.harness import bench_settings
    from shared.mongo import mongo
    from shared.redis_client import redis_client
    from tests.support.mailbox import SmtpServer

    with Servers_("soak") as servers:
        redis_server, ferretdb = servers.redis(), servers.ferretdb()
        smtp = SmtpServer().start()
        servers.exit.callback(smtp.stop)
        settings = bench_settings(
            redis_server, ferretdb, mongo_db="tyh_soak", smtp_host="127.0.0.1", smtp_port=smtp.port
        )
        mongo.configure(settings)
        redis_client.configure(settings)
        stack = Stack(settings, servers.dir / "stack").start()
        servers.exit.callback(stack.stop)
        soak = Soak(
            stack,
            smtp.mailbox,
            seconds=SECONDS,
            rate=RATE,
            people=PEOPLE,
            faults=all_faults(),
            servers=Servers(redis=redis_server.process, mongo=ferretdb, smtp=smtp),
        )
        result = soak.run(mongo.db, settings)
        print_result(result)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"  written to {path.relative_to(ROOT)}", flush=True)
        if result["violations"]:
            print(stack.tails(), file=sys.stderr)
        return 1 if result["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
