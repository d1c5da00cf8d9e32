"""Event-to-summary freshness under paced load: single-event POSTs at RATE per second for SECONDS from the
people whose tokens are given (taken in turn), and for a sample of them, the time from the API's 202 until
GET /v1/summaries for that person shows the event. Prints one JSON line.

Load is open-loop as in benchmarks/paced.py (request i is due at t0 + i/RATE; latency counted from then),
over at most CONNECTIONS keep-alive connections; a request still waiting for one when the run ends is not
sent (counted as dropped), so the accepted rate is what the server took. Every SAMPLE_EVERY-th request sent
is a check-in for the next person in turn with no sample outstanding; no other event is a check-in, and the
people have no check-in today before the run, so the person's k-th sample is visible exactly when today's
`check_in.count` reaches k. Each sample is polled every POLL_MS, at most POLLS_AT_ONCE GETs in flight
(freshness includes that GET's own latency, reported separately); one not visible within FRESH_TIMEOUT_S
counts as infinite.

    python -m benchmarks.freshness HOST PORT TOKENS_FILE RATE SECONDS SAMPLE_EVERY POLL_MS
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.paced import event_body, summary

CONNECTIONS = 32  # as benchmarks/paced.py: more than gunicorn's 2x8 threads
# Enough polls in flight that each sample is looked at about every POLL_MS (one at a time, each sample
# waited ~2 s for its turn, which the freshness then included), few enough that polls do not become the
# load: a GET /v1/summaries reads one person's document by _id.
POLLS_AT_ONCE = 4
TIMEOUT_S = 10
SLOWEST = 8  # the samples listed with when they were sent
FRESH_TIMEOUT_S = 40  # a sample not visible by then counts as never fresh (infinite) in the percentiles
TIME_ZONE = ZoneInfo("Europe/London")  # the bench's people live there (benchmarks/bench_ingestion.py)


class Connection:
    """One HTTP/1.1 keep-alive connection that returns the status and the body."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
        )
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        answer = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def check_in_body(now: datetime) -> bytes:
    return json.dumps(
        {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": now.isoformat(),
            "sent_at": now.isoformat(),
            "overall": random.randint(2, 7),
            "sleep_hours": 6.5,
        }
    ).encode()


class Run:
    """One paced run; samples are polled until their summaries show them."""

    def __init__(self, host: str, port: int, tokens: list[str], *, rate: float, seconds: float) -> None:
        self.host, self.port, self.tokens, self.rate, self.seconds = host, port, tokens, rate, seconds
        self.sample_every, self.poll_s = 100, 0.1
        self.statuses: dict[str, int] = {}
        self.from_schedule: list[float] = []
        self.done_at: list[float] = []
        self.errors = self.dropped = self.gets = self.sent = 0
        self.next_sampled = 0
        self.samples_sent = [0] * len(tokens)  # per person
        self.outstanding: set[int] = set()
        self.spoiled: set[int] = set()  # a sample whose POST failed may or may not be stored: no more there
        self.fresh: list[float] = []
        self.fresh_at: list[tuple[float, float]] = []  # (202 at, s into the run; freshness, s)
        self.last_get: list[float] = []
        self.stale: list[dict] = []
        self.pollers: list[asyncio.Task] = []

    async def main(self) -> dict:
        self.loop = asyncio.get_running_loop()
        self.poll_slots = asyncio.Semaphore(POLLS_AT_ONCE)
        self.pool: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(CONNECTIONS):
            self.pool.put_nowait(Connection(self.host, self.port))
        total = int(self.rate * self.seconds)
        tasks = []
        self.start = self.loop.time() + 0.1
        for n in range(total):
            scheduled = self.start + n / self.rate
            delay = scheduled - self.loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(n, scheduled)))
        await asyncio.wait(tasks, timeout=TIMEOUT_S * 3)
        load_s = (max(self.done_at) - self.start) if self.done_at else self.seconds
        if self.pollers:
            await asyncio.wait(self.pollers, timeout=FRESH_TIMEOUT_S + TIMEOUT_S)
        while not self.pool.empty():
            self.pool.get_nowait().close()
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        return {
            "rate_target": self.rate,
            "requests": total,
            "completed": len(self.from_schedule),
            "accepted_per_s": round(ok / load_s, 1),
            "load_seconds": round(load_s, 2),
            "statuses": self.statuses,
            "errors": self.errors,
            "dropped": self.dropped,
            "post_latency_ms": summary(self.from_schedule),
            "samples": len(self.fresh) + len(self.stale),
            "fresh": len(self.fresh),
            "not_fresh_within_s": {"seconds": FRESH_TIMEOUT_S, "count": len(self.stale)},
            "stale": self.stale,
            "freshness_ms": percentiles(self.fresh + [float("inf")] * len(self.stale)),
            "last_get_ms": percentiles(self.last_get),
            # When the slowest samples were sent: a start-up cost, a stall, or spread over the run.
            "slowest": [
                {"acked_s": round(at, 1), "ms": round(fresh * 1000)}
                for at, fresh in sorted(self.fresh_at, key=lambda pair: -pair[1])[:SLOWEST]
            ],
            "summary_gets": self.gets,
            "sample_every": self.sample_every,
            "poll_ms": round(self.poll_s * 1000),
        }

    async def one(self, n: int, scheduled: float) -> None:
        """Request n: every sample_every-th one sent is a check-in for the next person in turn (one with
        no sample outstanding), the others ordinary symptom events from the people in turn."""
        conn = await self.pool.get()
        if self.loop.time() > self.start + self.seconds:
            # Still waiting for a connection when the run ends: the server is saturated; not sent.
            self.pool.put_nowait(conn)
            self.dropped += 1
            return
        self.sent += 1
        now = datetime.now(UTC)
        person, sample = n % len(self.tokens), False
        if self.sent % self.sample_every == 0:
            for _ in range(len(self.tokens)):
                self.next_sampled = (self.next_sampled + 1) % len(self.tokens)
                if self.next_sampled not in self.outstanding | self.spoiled:
                    person, sample = self.next_sampled, True
                    break
        if sample:
            self.outstanding.add(person)
            self.samples_sent[person] += 1
        body = check_in_body(now) if sample else event_body(n)
        try:
            status, _answer = await asyncio.wait_for(
                conn.request("POST", "/v1/events", self.tokens[person], body), TIMEOUT_S
            )
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            conn.close()
            self.errors += 1
            if sample:
                self.outstanding.discard(person)
                self.spoiled.add(person)
            return
        finally:
            self.pool.put_nowait(conn)
        acked = self.loop.time()
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        self.from_schedule.append(acked - scheduled)
        self.done_at.append(acked)
        if sample and status == 202:
            day = now.astimezone(TIME_ZONE).date().isoformat()
            ordinal = self.samples_sent[person]
            self.pollers.append(asyncio.create_task(self.poll(person, ordinal, day, acked)))
        elif sample:
            self.samples_sent[person] -= 1
            self.outstanding.discard(person)

    async def poll(self, person: int, ordinal: int, day: str, acked: float) -> None:
        """GET the person's summary for the day every poll_s (at most POLLS_AT_ONCE GETs in flight over all
        samples), on its own connection, until its check-in count reaches `ordinal`."""
        path = f"/v1/summaries?from={day}&to={day}"
        conn = Connection(self.host, self.port)
        try:
            while self.loop.time() - acked < FRESH_TIMEOUT_S:
                async with self.poll_slots:
                    asked = self.loop.time()
                    try:
                        status, body = await asyncio.wait_for(
                            conn.request("GET", path, self.tokens[person]), TIMEOUT_S
                        )
                    except (OSError, TimeoutError, asyncio.IncompleteReadError):
                        conn.close()
                        status, body = 0, b""
                answered = self.loop.time()
                self.gets += 1
                if status == 200 and seen(json.loads(body), ordinal):
                    self.fresh.append(answered - acked)
                    self.fresh_at.append((acked - self.start, answered - acked))
                    self.last_get.append(answered - asked)
                    return
                await asyncio.sleep(max(0.0, self.poll_s - (self.loop.time() - asked)))
            self.stale.append({"person": person, "ordinal": ordinal, "day": day})
        finally:
            conn.close()
            self.outstanding.discard(person)


def seen(answer: dict, ordinal: int) -> bool:
    days = answer["days"]
    check_in = days[0].get("check_in") if days else None
    return bool(check_in) and check_in.get("count", 0) >= ordinal


def percentiles(values: list[float]) -> dict:
    """p50/p95/max in ms; None where it falls on a sample never seen (infinite)."""
    if not values:
        return {}
    ordered = sorted(values)

    def ms(value: float) -> float | None:
        return None if value == float("inf") else round(value * 1000, 1)

    return {
        "p50": ms(ordered[int(0.5 * len(ordered))]),
        "p95": ms(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]),
        "max": ms(ordered[-1]),
    }


def main(argv: list[str]) -> None:
    host, port, tokens_file, rate, seconds, every, poll_ms = argv
    tokens = [t for t in Path(tokens_file).read_text().splitlines() if t]
    started = time.monotonic()
    run = Run(host, int(port), tokens, rate=float(rate), seconds=float(seconds))
    run.sample_every, run.poll_s = int(every), int(poll_ms) / 1000
    result = asyncio.run(run.main())
    print(json.dumps(result | {"wall_s": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main(sys.argv[1:])
