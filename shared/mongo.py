"""The MongoDB client factory: one client per process, created after fork.

PyMongo clients must not cross a fork (gunicorn workers, Celery prefork children), so the client is built
lazily and rebuilt when the process id changes. Only the process's composition root (shared/runtime.py)
configures it.
"""

from __future__ import annotations

import os
import threading

from pymongo import MongoClient
from pymongo.database import Database

from shared.settings import Settings


class Mongo:
    """Holds the connection settings; hands out this process's client and database."""

    def __init__(self) -> None:
        self._uri: str | None = None
        self._db_name: str | None = None
        self._timeout_ms = 3000
        self._client: MongoClient | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def configure(self, settings: Settings, db_name: str | None = None) -> None:
        wanted = (settings.mongo_uri, db_name or settings.mongo_db, settings.mongo_timeout_ms)
        if wanted == (self._uri, self._db_name, self._timeout_ms):
            return  # runtimes built again in one process (tests) share the client
        self.close()
        self._uri, self._db_name, self._timeout_ms = wanted

    @property
    def client(self) -> MongoClient:
        if self._uri is None:
            raise RuntimeError("Mongo is not configured; build the process's runtime (shared.runtime) first")
        pid = os.getpid()
        if self._client is None or self._pid != pid:
            with self._lock:
                if self._client is None or self._pid != pid:
                    # A client inherited from the parent is abandoned, not closed: closing it would
                    # touch sockets the parent still owns.
                    self._client = MongoClient(
                        self._uri,
                        serverSelectionTimeoutMS=self._timeout_ms,
                        connectTimeoutMS=self._timeout_ms,
                        socketTimeoutMS=max(self._timeout_ms * 10, 30_000),
                        appname="track-your-healing",
                        tz_aware=True,  # every datetime read back is UTC-aware: callers rely on it
                    )
                    self._pid = pid
        return self._client

    @property
    def db(self) -> Database:
        return self.client[self._db_name]

    def ping(self) -> None:
        """Raise if the server cannot be reached within the timeout."""
        self.client.admin.command("ping")

    def close(self) -> None:
        if self._client is not None and self._pid == os.getpid():
            self._client.close()
        self._client = None
        self._pid = None


mongo = Mongo()


def one_or_in(field: str, values: list) -> dict:
    """An equality for one value, else $in (on an indexed field, our FerretDB build searches the index
    for either: deploy/ferretdb/patches/0002)."""
    return {field: values[0]} if len(values) == 1 else {field: {"$in": values}}
