"""The composition root: what a process runs on, built once at its start and handed in from there.

An entry point (wsgi.py, worker.py, beat.py, a command) calls `start(service)` once and gives the result
to its app factory. `build` is the part tests call with their own settings: it configures this process's
MongoDB and Redis clients (`shared.mongo.mongo`, `shared.redis_client.redis_client`, which repositories
import; nothing else in the services configures them) and creates the process's Celery app. Views read
the runtime back with `runtime_of()`, tasks with `self.runtime`, and hand its parts on to services as
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from shared.celery_app import ServiceCelery, create_celery
from shared.logs import configure_logging
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.settings import Settings, load_or_exit

EXTENSION = "tyh_runtime"  # the key of a Flask app's runtime in `app.extensions`


@dataclass(frozen=True)
class Runtime:
    """One process's settings and Celery app: a producer in the HTTP services and beat, the consumer
    (which also sends) in a worker."""

    service: str
    settings: Settings
    celery: ServiceCelery

    def __post_init__(self) -> None:
        self.celery.runtime = self  # its tasks read it back as `self.runtime`


def build(service: str, settings: Settings, queues: tuple[str, ...] = ()) -> Runtime:
    """The runtime of `service` (consuming `queues`, none for a producer or beat), its clients configured."""
    mongo.configure(settings)
    redis_client.configure(settings)
    return Runtime(service, settings, create_celery(service, settings, queues))


def start(service: str, queues: tuple[str, ...] = ()) -> Runtime:
    """A deployed process's runtime: settings from the environment (exit with one clear line if one is
    bad), every log line as JSON, then `build`. Tests call `build`: there, the test runner owns logging."""
    settings = load_or_exit()
    configure_logging(f"{settings.service_name}:{service}", settings.log_level)
    return build(service, settings, queues)


def runtime_of(app: Flask | None = None) -> Runtime:
    """The runtime a Flask app was created with (the current app's by default)."""
    return (app or current_app).extensions[EXTENSION]
