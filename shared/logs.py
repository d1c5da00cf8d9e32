"""Structured JSON logging, with the request id carried from HTTP into the tasks it enqueues."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed with extra= and belongs in the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# One encoder for every line: json.dumps(..., default=str) would build a new one per call.
_encode = json.JSONEncoder(default=str).encode


def new_request_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, request id and extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _encode(entry)


# Libraries that print payloads when debugging: pymongo's command documents (addresses, names), Celery's
# pool and kombu the raw task message. They stay at INFO whatever LOG_LEVEL says.
PAYLOAD_LOGGERS = ("pymongo", "celery.pool", "celery.bootsteps", "kombu", "amqp")
# Celery's own lines for each task received and each task succeeded: shared.celery_app logs every run once
# already, with its outcome and duration, so above DEBUG they only tripled the lines. Failures still show.
ECHO_LOGGERS = ("celery.worker.strategy", "celery.app.trace")


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines (idempotent)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    for name in ECHO_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
