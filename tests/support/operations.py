"""Recording the work a piece of code does: every MongoDB command this process sends (a pymongo command
listener) and every Redis command the server runs on chosen databases (MONITOR). Comparing two records
compares work, not time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from pymongo import monitoring


class _MongoCommands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.recording: list[tuple[str, str]] | None = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording is not None:
            target = event.command.get(event.command_name)
            self.recording.append((event.command_name, target if isinstance(target, str) else ""))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


# Registered when the test session starts (tests/conftest.py imports this module), before any client
# exists: pymongo tells only clients made after a registration.
MONGO_COMMANDS = _MongoCommands()
monitoring.register(MONGO_COMMANDS)


class Work:
    """What ran while recording: MongoDB commands (name, collection) and Redis command names."""

    def __init__(self) -> None:
        self.mongo: list[tuple[str, str]] = []
        self.redis: list[str] = []

    def __repr__(self) -> str:
        return f"Work(mongo={self.mongo}, redis={self.redis})"


@contextmanager
def recording(redis_url: str, dbs: set[int]) -> Iterator[Work]:
    """Record the MongoDB commands this process sends and the Redis commands run on `dbs` meanwhile."""
    listener = MONGO_COMMANDS
    work = Work()
    marker = f"end-of-recording-{uuid.uuid4().hex}"
    ready = threading.Event()

    def watch() -> None:
        with redis.Redis.from_url(redis_url).monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                if marker in command["command"]:
                    return
                if command["db"] in dbs:
                    work.redis.append(command["command"].split(" ", 1)[0].upper())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait(5)
    listener.recording = work.mongo
    try:
        yield work
    finally:
        listener.recording = None
        redis.Redis.from_url(redis_url).echo(marker)
        watcher.join(10)
