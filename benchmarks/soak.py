"""`make soak`: the real stack on loopback under mixed traffic and a schedule of faults, then its invariants.

It starts Redis, FerretDB and an SMTP server of its own (in a temporary directory) and every application
process the way it is deployed: the ingestion API under gunicorn (two workers), the summaries workers and
the notifier (prefork pools of two) and beat. Client threads send single events, offline batches of past
days with gaps, summary reads and sign-in code requests at SOAK_RATE requests/s for SOAK_SECONDS (default
600), retrying what was not answered (a reset connection, a 503) exactly as a device does: the same
event_id, after Retry-After. Meanwhile faults come in turn: a gunicorn worker, a summaries pool process and
the notifier's pool process (with sign-in codes in flight) SIGKILLed, beat killed and restarted, Redis
paused, FerretDB restarted, SMTP away.

Then the traffic stops and it checks, and prints (and writes var/soak/<time>.json):
- every event the API acknowledged is stored, once; nothing was rejected;
- every summary equals a from-scratch rebuild;
- every sign-in code request got exactly one email, within 30 s (SMTP outages excepted);
- no 5xx and no reset connection outside fault windows, every 503 with Retry-After; p50/p99 outside them;
- the queues, the recompute requests and the outbox drain, and how long that took after the traffic;
- the time each fault took to recover; every process's memory, early and late in the run.

The loops are bounded in count and time, the only target is 127.0.0.1, and it stops by itself. A short
run of the same code is part of `make test` (tests/test_soak.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import redis
import requests

from shared.settings import Settings
from shared.tasks import ALL_QUEUES, NOTIFICATION_QUEUES, WORKER_QUEUES
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
CLIENTS = 4
CODE_SUBJECT = "Your sign-in code"
CODE_DEADLINE_S = 30
# A sign-in code request costs one of the address's and of the client address's hourly allowance
# (services/ingestion/limits.py: 5 and 30): the soak stays under both.
MAX_CODES = 24
SETTLE_LIMIT_S = 120
# A fault's window runs from its start until the platform answers again, plus this: a request already in
# flight when it ended may still be answered by the fault.
FAULT_GRACE_S = 3
REQUEST_TIMEOUT_S = 15
# A process's memory late in the run may exceed its early level by this much at most (a restart or a
# cache filling moves it; a leak keeps going).
MEMORY_SLACK = (1.5, 48.0)  # ratio, and MB on top
SETTLED_GOAL_S = 10
RECOVERY_GOAL_S = 30


@dataclass
class Ledger:
    """What the clients were told and when; appended from several threads (list.append is atomic)."""

    acked: dict[str, set[str]] = field(default_factory=dict)  # person id -> acknowledged event ids
    rejected: list[dict] = field(default_factory=list)
    answers: list[tuple[float, str, int, float, bool]] = field(default_factory=list)  # t, op, status, s, RA
    resets: list[tuple[float, str, str]] = field(default_factory=list)  # t, op, error kind
    codes: list[tuple[float, str]] = field(default_factory=list)  # requested at, address
    faults: list[dict] = field(default_factory=list)


class Stack:
    """The application processes, given servers (Redis, MongoDB, SMTP) to use."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings, self.dir = settings, workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = child_env(settings.as_env())
        self.processes: dict[str, Process] = {}

    def start(self) -> Stack:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.processes = {
            "ingestion": gunicorn(
                "services.ingestion.wsgi:app", self.port, self.env, self._log("ingestion"), 2
            ),
            "workers": celery_worker(
                "services.workers.worker",
                WORKER_QUEUES,
                self.env,
                self._log("workers"),
                pool="prefork",
                concurrency=2,
            ),
            "notifier": celery_worker(
                "services.notification.worker",
                NOTIFICATION_QUEUES,
                self.env,
                self._log("notifier"),
                pool="prefork",
                concurrency=2,
            ),
            "beat": self._beat(),
        }
        for process in self.processes.values():
            process.start()
        wait_for(lambda: http_ready(f"{self.url}/readyz"), 60, "the ingestion API")
        for name in ("workers", "notifier"):
            wait_for(lambda n=name: len(self.children(n)) == 2, 60, f"{name}'s pool")
        return self

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


def _kill_child(name: str) -> Callable[[Soak], None]:
    def inflict(soak: Soak) -> None:
        if name == "notifier":
            soak.request_codes(3)  # sign-in codes in flight while the pool processes die
            time.sleep(0.2)
        children = soak.stack.children(name)
        # A Celery pool loses every process, so whatever task was running dies with it; gunicorn one worker.
        for child in children[:1] if name == "ingestion" else children:
            child.send_signal(signal.SIGKILL)
            soak.killed.add(child.pid)

    return inflict


def _full_pool(name: str, size: int) -> Callable[[Soak], bool]:
    """The pool has its size again, in new processes, and the API answers."""

    def healed(soak: Soak) -> bool:
        pids = {p.pid for p in soak.stack.children(name)}
        return len(pids) == size and not pids & soak.killed and soak.answering()

    return healed


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


def _smtp_away(soak: Soak) -> None:
    soak.smtp_down = True
    soak.servers.smtp.stop()
    time.sleep(20)
    soak.servers.smtp.start()
    soak.smtp_down = False


GUNICORN_WORKER = Fault("gunicorn worker killed", _kill_child("ingestion"), _full_pool("ingestion", 2))
SUMMARIES_PROCESS = Fault("summaries pool processes killed", _kill_child("workers"), _full_pool("workers", 2))
NOTIFIER_PROCESS = Fault(
    "notifier pool processes killed mid-send", _kill_child("notifier"), _full_pool("notifier", 2)
)
BEAT = Fault("beat killed and restarted", _restart_beat, lambda soak: soak.stack.processes["beat"].alive)
REDIS_PAUSE = Fault("Redis paused 5 s", _pause_redis, lambda soak: soak.answering())
MONGO_RESTART = Fault("FerretDB restarted", _restart_mongo, lambda soak: soak.answering())
SMTP_AWAY = Fault("SMTP away 20 s", _smtp_away, lambda soak: True)
# The summaries pool first: its dead holder keeps its people locked for 15 s (summaries/lock.py).
PROCESS_FAULTS = (SUMMARIES_PROCESS, GUNICORN_WORKER, NOTIFIER_PROCESS)
ALL_FAULTS = (*PROCESS_FAULTS, BEAT, REDIS_PAUSE, MONGO_RESTART, SMTP_AWAY)


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

    # --- set-up -------------------------------------------------------------------------------------------

    def make_people(self) -> None:
        """People with a device token each, made by the accounts service (as `make dev-token` does)."""
        from services.ingestion.accounts import service as accounts

        run = uuid.uuid4().hex[:6]
        for i in range(self.people_count):
            address = f"soak-{run}-{i}@example.org"
            user = accounts.create_account(address, "Soak", "Europe/London", {"recorded_by": "make soak"})
            token, _device = accounts.issue_device_token(user["_id"], "soak", "other")
            self.tokens[user["_id"]] = token
            self.ledger.acked[user["_id"]] = set()
            self.addresses.append(address)
        self.code_addresses = itertools.cycle(self.addresses)

    # --- traffic ------------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.started

    def send(
        self, http: requests.Session, op: str, method: str, path: str, **kwargs
    ) -> requests.Response | None:
        """One request, retried as a device retries (same body) until it is answered or the run's retry
        time is over; every attempt is recorded."""
        give_up = self.seconds + 60
        while self.now() < give_up:
            sent = self.now()
            try:
                response = http.request(method, self.stack.url + path, timeout=REQUEST_TIMEOUT_S, **kwargs)
            except requests.RequestException as exc:
                self.ledger.resets.append((sent, op, type(exc).__name__))
                time.sleep(0.5)
                continue
            elapsed = self.now() - sent
            retry_after = response.headers.get("Retry-After")
            self.ledger.answers.append((sent, op, response.status_code, elapsed, retry_after is not None))
            if response.status_code < 500 and response.status_code != 429:
                return response
            time.sleep(min(float(retry_after or 1), 5))
        return None

    def post_event(self, http: requests.Session, person: str) -> None:
        event_id = uuid.uuid4().hex
        body = {"event_id": event_id, "type": "check_in", "overall": self.random.randint(0, 10)}
        body["occurred_at"] = datetime.now(UTC).isoformat()
        response = self.send(http, "event", "POST", "/v1/events", json=body, headers=self.auth(person))
        if response is not None and response.status_code in (200, 202):
            self.ledger.acked[person].add(event_id)
        elif response is not None:
            self.ledger.rejected.append({"op": "event", "status": response.status_code})

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
            response = self.send(http, "code", "POST", "/v1/auth/code", json={"email": address})
            if response is None or response.status_code != 202:
                self.ledger.rejected.append({"op": "code", "status": getattr(response, "status_code", None)})

    def auth(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[person]}"}

    def client(self, index: int) -> None:
        """One device-like client: its share of the rate, operations drawn by weight."""
        http = requests.Session()
        rng = random.Random(index)
        people = list(self.tokens)
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
            return requests.get(self.stack.url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

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
            deadline = self.now() + 60
            while not (healed := fault.healed(self)) and self.now() < deadline:
                time.sleep(0.2)
            record["end_s"] = round(self.now(), 2)
            record["recovered_in_s"] = round(record["end_s"] - record["start_s"], 2)
            record["healed"] = healed
            self.ledger.faults.append(record)

    # --- the run ------------------------------------------------------------------------------------------

    def run(self, db, settings: Settings) -> dict[str, Any]:
        self.make_people()
        self.started = time.monotonic()
        self.stop_watch = threading.Event()
        watcher = threading.Thread(target=self.watch, daemon=True)
        watcher.start()
        clients = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]
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
        return self.check(db, settings, traffic_end, settled_s)

    def settle(self, db, settings: Settings, traffic_end: float) -> dict[str, float | None]:
        """Seconds from the end of traffic until each kind of pending work is done for good: broker queues
        (with tasks taken but not acknowledged), recompute requests (summaries settled), the outbox."""
        broker = redis.Redis.from_url(settings.broker_url)
        pending = {
            "queues": lambda: sum(broker.llen(q) for q in ALL_QUEUES) + broker.hlen("unacked"),
            "summaries": lambda: db.recompute_requests.count_documents({}),
            "outbox": lambda: db.email_outbox.count_documents({"status": {"$in": ["queued", "sending"]}}),
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
            "http": http,
            "faults": self.ledger.faults,
            "memory_mb": memory,
            "goals": {
                # The issue's speed goals, reported beside the invariants (they depend on the machine).
                f"summaries settled within {SETTLED_GOAL_S} s of the traffic's end": (
                    settled_s["summaries"] is not None and settled_s["summaries"] <= SETTLED_GOAL_S
                ),
                f"every fault recovered within {RECOVERY_GOAL_S} s": all(
                    f["recovered_in_s"] <= RECOVERY_GOAL_S for f in self.ledger.faults
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
                different.append(person)
        if different:
            violations.append(f"summaries: {len(different)} of {len(self.tokens)} differ from a rebuild")
        return {"people": len(self.tokens), "different_from_rebuild": len(different)}

    def check_emails(self, violations: list[str]) -> dict[str, Any]:
        """Each code request: one email to its address, within CODE_DEADLINE_S (an SMTP outage excused).

        A worker killed after the relay accepted a message and before it recorded so sends it again when
        its lease ends: SMTP cannot make that window exactly-once. Such a resend carries the same
        Message-ID (mail clients show one message) and is counted apart; a second message is a violation."""
        arrived: dict[str, list[float]] = {}
        message_ids: dict[str, set[str]] = {}
        resent = 0
        for message, at in zip(self.mailbox.messages, self.arrivals, strict=False):
            if message["Subject"] != CODE_SUBJECT:
                continue
            address, message_id = str(message["To"]).lower(), str(message["Message-ID"])
            seen = message_ids.setdefault(address, set())
            if message_id in seen:
                resent += 1
                continue
            seen.add(message_id)
            arrived.setdefault(address, []).append(at)
        asked: dict[str, list[float]] = {}
        for at, address in self.ledger.codes:
            asked.setdefault(address.lower(), []).append(at)
        lost = duplicated = late = 0
        waits = []
        smtp_windows = [
            (f["start_s"], f["end_s"]) for f in self.ledger.faults if f["fault"] == SMTP_AWAY.name
        ]
        for address, requests_at in asked.items():
            got = sorted(arrived.get(address, []))
            lost += max(0, len(requests_at) - len(got))
            duplicated += max(0, len(got) - len(requests_at))
            for requested, delivered in zip(sorted(requests_at), got, strict=False):
                wait = delivered - requested
                waits.append(wait)
                excused = any(start - CODE_DEADLINE_S <= requested <= end for start, end in smtp_windows)
                late += wait > CODE_DEADLINE_S and not excused
        if lost or duplicated or late:
            violations.append(f"sign-in codes: {lost} lost, {duplicated} sent twice, {late} later than 30 s")
        return {
            "codes_requested": len(self.ledger.codes),
            "lost": lost,
            "duplicated": duplicated,
            "resent_same_message_after_kill": resent,
            "later_than_30s": late,
            "slowest_s": round(max(waits), 2) if waits else None,
        }

    def in_fault(self, t: float) -> bool:
        return any(f["start_s"] - 0.5 <= t <= f["end_s"] + FAULT_GRACE_S for f in self.ledger.faults)

    def check_http(self, violations: list[str]) -> dict[str, Any]:
        answers = self.ledger.answers
        outside = [a for a in answers if not self.in_fault(a[0])]
        errors_outside = [a for a in outside if a[2] >= 500]
        resets_outside = [r for r in self.ledger.resets if not self.in_fault(r[0])]
        bare_503 = [a for a in answers if a[2] == 503 and not a[4]]
        other_5xx = [a for a in answers if a[2] >= 500 and a[2] != 503]
        if errors_outside or resets_outside:
            violations.append(
                f"http: {len(errors_outside)} 5xx and {len(resets_outside)} resets outside fault windows"
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
        f"  fault: {f['fault']}: recovered in {f['recovered_in_s']} s; {f['answers']} answers meanwhile, "
        f"{f['503']} of them 503, slowest {f['slowest_ms']} ms"
        for f in result["faults"]
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
            faults=ALL_FAULTS,
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
