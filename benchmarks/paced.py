"""A paced (open-loop) load generator: exactly RATE single-event POSTs per second for SECONDS, latencies
recorded. Prints one JSON line.

wrk keeps a fixed number of connections busy, so its latencies are those of a saturated server; wrk2
(constant rate) is not in Debian. This client starts request i at t0 + i/RATE whatever happened before,
and measures each latency from that scheduled start, so a stall is counted for every request it delays
(no coordinated omission). Plain HTTP/1.1 keep-alive over asyncio streams: small and predictable.

    python -m benchmarks.paced HOST PORT TOKENS_FILE RATE SECONDS
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

CONNECTIONS = 32  # more than gunicorn's 2x8 threads, so the client is never the queue
TIMEOUT_S = 10
SLOW_S = 0.05  # the goal's p99 bound


def event_body(n: int) -> bytes:
    now = datetime.now(UTC).replace(microsecond=0)
    return json.dumps(
        {
            "event_id": uuid.uuid4().hex,
            "type": "symptom",
            "occurred_at": (now - timedelta(minutes=1)).isoformat(),
            "sent_at": now.isoformat(),
            "code": "insomnia",
            "severity": n % 5,
            "note": "woke at 3am, heart racing",
            "tags": ["night"],
        }
    ).encode()


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, token: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run(host: str, port: int, tokens: list[str], rate: float, seconds: float) -> dict:
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    connections = [Connection(host, port) for _ in range(CONNECTIONS)]
    for conn in connections:
        pool.put_nowait(conn)
    loop = asyncio.get_running_loop()
    from_schedule: list[float] = []
    from_send: list[float] = []
    slow_at: list[int] = []  # the second of the run in which each request slower than SLOW_S was due
    statuses: dict[str, int] = {}
    errors = retries = 0
    token_turn = itertools.cycle(tokens)

    async def one(n: int, scheduled: float) -> None:
        nonlocal errors, retries
        body, token = event_body(n), next(token_turn)
        conn = await pool.get()
        sent = loop.time()
        try:
            for attempt in range(2):  # a keep-alive connection the server closed: once more, same event id
                try:
                    status = await asyncio.wait_for(conn.post("/v1/events", token, body), TIMEOUT_S)
                    break
                except (ConnectionError, asyncio.IncompleteReadError):
                    conn.close()
                    if attempt:
                        raise
                    retries += 1
            done = loop.time()
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            from_schedule.append(done - scheduled)
            if done - scheduled > SLOW_S:
                slow_at.append(int(scheduled - start))
            from_send.append(done - sent)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            conn.close()
            errors += 1
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
    issued_over = loop.time() - start
    await asyncio.wait(tasks, timeout=TIMEOUT_S * 3)
    for conn in connections:
        conn.close()
    return {
        "rate_target": rate,
        "rate_issued": round(total / issued_over, 1) if issued_over else rate,
        "requests": total,
        "completed": len(from_schedule),
        "statuses": statuses,
        "errors": errors,
        "retries": retries,
        "latency_ms": summary(from_schedule),
        "service_time_ms": summary(from_send),
        # When the slow requests were due: a stall shows as one second with many, a slow server as many.
        f"over_{SLOW_S * 1000:g}_ms_by_second": {str(t): slow_at.count(t) for t in sorted(set(slow_at))},
    }


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1)

    return {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": round(ordered[-1] * 1000, 1)}


def main(host: str, port: str, tokens_file: str, rate: str, seconds: str) -> None:
    tokens = [t for t in Path(tokens_file).read_text().splitlines() if t]
    started = time.monotonic()
    result = asyncio.run(run(host, int(port), tokens, float(rate), float(seconds)))
    print(json.dumps(result | {"wall_s": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
