"""Event-to-summary freshness under paced load: single-event POSTs at RATE per second for SECONDS from the
people whose tokens are given (taken in turn), and for a sample of them, the time from the API's 202 until
GET /v1/summaries for that person shows the event. Prints one JSON line.

Load is open-loop as in benchmarks/paced.py (request i is due at t0 + i/RATE; latency counted from then),
over at most CONNECTIONS keep-alive connections. Every SAMPLE_EVERY-th request is a check-in for a person
with no sample outstanding; no other event is a check-in, and the people have no check-in today before the
run, so the person's k-th sample is visible exactly when today's `check_in.count` reaches k. Each sample is
then polled every POLL_MS on its own connection (freshness includes that GET's own latency, which is
reported separately).

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

CONNECTIONS = 32  # as benchmarks/paced.py: more than gunicorn's 2x4 threads
POLL_CONNECTIONS = 8
TIMEOUT_S = 10
FRESH_TIMEOUT_S = 30  # a sample not visible by then is counted as not fresh
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


async def run(
    host: str, port: int, tokens: list[str], rate: float, seconds: float, sample_every: int, poll_s: float
) -> dict:
    loop = asyncio.get_running_loop()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    polls: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(Connection(host, port))
    for _ in range(POLL_CONNECTIONS):
        polls.put_nowait(Connection(host, port))
    statuses: dict[str, int] = {}
    from_schedule: list[float] = []
    done_at: list[float] = []
    errors = dropped = 0
    samples_sent = [0] * len(tokens)  # per person
    outstanding: set[int] = set()
    spoiled: set[int] = set()  # a sample whose POST failed may or may not be stored: no more samples there
    fresh: list[float] = []
    last_get: list[float] = []
    gets = [0]
    stale: list[dict] = []

    async def poll(person: int, ordinal: int, day: str, acked: float) -> None:
        path = f"/v1/summaries?from={day}&to={day}"
        try:
            while loop.time() - acked < FRESH_TIMEOUT_S:
                conn = await polls.get()
                asked = loop.time()
                try:
                    status, body = await asyncio.wait_for(
                        conn.request("GET", path, tokens[person]), TIMEOUT_S
                    )
                except (OSError, TimeoutError, asyncio.IncompleteReadError):
                    conn.close()
                    status, body = 0, b""
                finally:
                    polls.put_nowait(conn)
                answered = loop.time()
                gets[0] += 1
                if status == 200:
                    days = json.loads(body)["days"]
                    check_in = days[0].get("check_in") if days else None
                    if check_in and check_in.get("count", 0) >= ordinal:
                        fresh.append(answered - acked)
                        last_get.append(answered - asked)
                        return
                await asyncio.sleep(max(0.0, poll_s - (loop.time() - asked)))
            stale.append({"person": person, "ordinal": ordinal, "day": day})
        finally:
            outstanding.discard(person)

    pollers: list[asyncio.Task] = []

    async def one(n: int, scheduled: float) -> None:
        nonlocal errors, dropped
        person = n % len(tokens)
        conn = await pool.get()
        if loop.time() > start + seconds:
            # Still waiting for a connection when the run ends: the server is saturated; not sent.
            pool.put_nowait(conn)
            dropped += 1
            return
        now = datetime.now(UTC)
        is_sample = n % sample_every == 0 and person not in outstanding | spoiled
        if is_sample:
            outstanding.add(person)
            samples_sent[person] += 1
            ordinal, body = samples_sent[person], check_in_body(now)
        else:
            body = event_body(n)
        try:
            status, _answer = await asyncio.wait_for(
                conn.request("POST", "/v1/events", tokens[person], body), TIMEOUT_S
            )
            acked = loop.time()
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            from_schedule.append(acked - scheduled)
            done_at.append(acked)
            if is_sample:
                if status == 202:
                    day = now.astimezone(TIME_ZONE).date().isoformat()
                    pollers.append(asyncio.create_task(poll(person, ordinal, day, acked)))
                else:
                    samples_sent[person] -= 1
                    outstanding.discard(person)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            conn.close()
            errors += 1
            if is_sample:
                outstanding.discard(person)
                spoiled.add(person)
        finally:
            pool.put_nowait(conn)

    total = int(rate * seconds)
    tasks = []
    start = loop.time() + 0.1
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, scheduled)))
    await asyncio.wait(tasks, timeout=TIMEOUT_S * 3)
    load_s = (max(done_at) - start) if done_at else seconds
    if pollers:
        await asyncio.wait(pollers, timeout=FRESH_TIMEOUT_S + TIMEOUT_S)
    for queue in (pool, polls):
        while not queue.empty():
            queue.get_nowait().close()
    ok = sum(n for s, n in statuses.items() if s.startswith("2"))
    return {
        "rate_target": rate,
        "requests": total,
        "completed": len(from_schedule),
        "accepted_per_s": round(ok / load_s, 1),
        "load_seconds": round(load_s, 2),
        "statuses": statuses,
        "errors": errors,
        "dropped": dropped,
        "post_latency_ms": summary(from_schedule),
        "samples": len(fresh) + len(stale),
        "fresh": len(fresh),
        "not_fresh_within_s": {"seconds": FRESH_TIMEOUT_S, "count": len(stale)},
        "freshness_ms": summary(fresh) | ({"p95": pct95(fresh)} if fresh else {}),
        "last_get_ms": summary(last_get),
        "summary_gets": gets[0],
        "poll_ms": round(poll_s * 1000),
    }


def pct95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1)


def main(host: str, port: str, tokens_file: str, rate: str, seconds: str, every: str, poll_ms: str) -> None:
    tokens = [t for t in Path(tokens_file).read_text().splitlines() if t]
    started = time.monotonic()
    result = asyncio.run(
        run(host, int(port), tokens, float(rate), float(seconds), int(every), int(poll_ms) / 1000)
    )
    print(json.dumps(result | {"wall_s": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
