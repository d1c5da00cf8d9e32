"""The one settings object, read from the environment.

Each setting is one line: environment name, coercer, default. Defaults are for local runs; in production
mode secrets have no default and a missing one stops the process with one line naming it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from shared.crypto import parse_keys
from shared.push_keys import (
    DEFAULT_PUSH_SERVICE_HOSTS,
    host_list,
    parse_hosts,
    parse_private_key,
    parse_subject,
)

ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it."""


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")


def parse_port(raw: str) -> int:
    port = int(raw)
    if not 0 < port < 65536:
        raise ValueError("expected a port number between 1 and 65535")
    return port


def parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def parse_environment(raw: str) -> str:
    if raw not in ENVIRONMENTS:
        raise ValueError(f"expected one of {', '.join(ENVIRONMENTS)}")
    return raw


def parse_url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not raw.startswith(tuple(f"{s}://" for s in schemes)):
            raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return raw

    return parse


def parse_secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("expected at least 16 characters")
    return raw


# A fixed development key, refused in production like the other stand-ins.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="

# Local-only stand-ins for secrets. Refused in production so a forgotten variable cannot ship.
DEV_SECRET = "dev-only-secret-not-for-production"  # noqa: S105 - refused in production (check_production)


@dataclass(frozen=True)
class Spec:
    env: str
    coerce: Callable[[str], Any]
    default: Any
    secret: bool = False
    doc: str = ""


def setting(
    env: str, coerce: Callable[[str], Any], default: Any, *, secret: bool = False, doc: str = ""
) -> Any:
    """Declare one setting: its environment name, how to parse it, its local default."""
    return field(metadata={"spec": Spec(env, coerce, default, secret, doc)})


@dataclass(frozen=True)
class Settings:
    environment: str = setting(
        "TYH_ENV", parse_environment, "development", doc="development, test or production"
    )
    service_name: str = setting("TYH_SERVICE", str, "tyh", doc="name carried in every log line")
    metrics_port: int = setting(
        "METRICS_PORT",
        int,
        0,
        doc="port where this process serves Prometheus metrics, apart from its public routes (0: none)",
    )
    metrics_host: str = setting(
        "METRICS_HOST",
        str,
        "127.0.0.1",
        doc="address the metrics port listens on: loopback unless a scraper must reach it (0.0.0.0 in a pod)",
    )
    log_level: str = setting("LOG_LEVEL", str.upper, "INFO", doc="DEBUG, INFO, WARNING or ERROR")
    mongo_uri: str = setting(
        "MONGO_URI",
        parse_url(("mongodb", "mongodb+srv")),
        "mongodb://127.0.0.1:27017/",
        doc="MongoDB (or FerretDB) connection string",
    )
    mongo_db: str = setting("MONGO_DB", str, "tyh", doc="database name")
    mongo_timeout_ms: int = setting(
        "MONGO_TIMEOUT_MS",
        parse_positive_int,
        3000,
        doc="server selection timeout; bounds how long a request waits for MongoDB",
    )
    redis_url: str = setting(
        "REDIS_URL",
        parse_url(("redis", "rediss")),
        "redis://127.0.0.1:6379/0",
        doc="Redis for rate limits and coordination",
    )
    redis_timeout_ms: int = setting(
        "REDIS_TIMEOUT_MS",
        parse_positive_int,
        500,
        doc="longest wait for one Redis call (and a producer's publish); a timeout makes the process skip "
        "Redis for a second, so a stalled Redis delays a request once",
    )
    broker_url: str = setting(
        "CELERY_BROKER_URL",
        parse_url(("redis", "rediss")),
        "redis://127.0.0.1:6379/1",
        doc="Celery broker (kept in its own Redis database)",
    )
    smtp_host: str = setting("SMTP_HOST", str, "127.0.0.1", doc="outgoing mail server")
    smtp_port: int = setting("SMTP_PORT", parse_port, 1025, doc="outgoing mail port")
    smtp_username: str = setting("SMTP_USERNAME", str, "", doc="SMTP user (empty: no login)")
    smtp_password: str = setting("SMTP_PASSWORD", str, "", doc="SMTP password")
    smtp_starttls: bool = setting(
        "SMTP_STARTTLS", parse_bool, False, doc="upgrade the SMTP connection with STARTTLS"
    )
    smtp_ssl: bool = setting("SMTP_SSL", parse_bool, False, doc="connect to SMTP over implicit TLS")
    mail_from: str = setting(
        "MAIL_FROM", str, "Track Your Healing <hello@localhost>", doc="From header of every email"
    )
    public_base_url: str = setting(
        "PUBLIC_BASE_URL",
        str,
        "http://127.0.0.1:8081",
        doc="where links in emails point (the notification service)",
    )
    app_base_url: str = setting(
        "APP_BASE_URL",
        str,
        "http://127.0.0.1:8080",
        doc="the ingestion service's public URL (the API, and the app at /app/)",
    )
    web_dist_dir: str = setting(
        "WEB_DIST_DIR",
        str,
        "services/web/dist",
        doc="the built web app that /app/ serves (relative paths: from where the process starts)",
    )
    secret_key: str = setting(
        "SECRET_KEY",
        parse_secret,
        DEV_SECRET,
        secret=True,
        doc="signs tokens and sessions; required in production",
    )
    ops_token: str = setting(
        "OPS_TOKEN",
        parse_secret,
        DEV_SECRET,
        secret=True,
        doc="bearer token for operator endpoints such as the pipeline probe",
    )
    dkim_domain: str = setting(
        "DKIM_DOMAIN", str, "", doc="signing domain (d=); DKIM is on when a key is set"
    )
    dkim_selector: str = setting("DKIM_SELECTOR", str, "tyh", doc="DKIM selector (s=)")
    dkim_private_key: str = setting(
        "DKIM_PRIVATE_KEY", str, "", doc="PEM private key for DKIM signing (optional)"
    )
    webhook_secret: str = setting(
        "EMAIL_WEBHOOK_SECRET",
        parse_secret,
        DEV_SECRET,
        secret=True,
        doc="bearer token the email provider uses to report bounces and complaints",
    )
    outbox_stale_seconds: int = setting(
        "OUTBOX_STALE_SECONDS",
        parse_positive_int,
        600,
        doc="an email put back in line after a failed attempt is re-enqueued by the sweeper after this",
    )
    outbox_lease_seconds: int = setting(
        "OUTBOX_LEASE_SECONDS",
        parse_positive_int,
        15,
        doc="how long one attempt holds a time-critical email (other mail: 8x); a dead worker's claim "
        "is taken over after it",
    )
    erasure_sweep_after_seconds: int = setting(
        "ERASURE_SWEEP_AFTER_SECONDS",
        parse_positive_int,
        120,
        doc="an erased account's places are emptied once more after this, for what a request or task "
        "already under way wrote meanwhile; longer than any of them runs (gunicorn's timeout is 30 s)",
    )
    encryption_keys: str = setting(
        "ENCRYPTION_KEYS",
        parse_keys,
        DEV_ENCRYPTION_KEY,
        secret=True,
        doc="Fernet keys (comma-separated, newest first) encrypting notes and free text at rest",
    )
    vapid_private_key: str = setting(
        "VAPID_PRIVATE_KEY",
        parse_private_key,
        "",
        doc="the Web Push (VAPID) P-256 private key, 32 base64url bytes; empty: no push, dose reminders "
        "go by email (`make run` makes a local one in var/)",
    )
    vapid_subject: str = setting(
        "VAPID_SUBJECT",
        parse_subject,
        "mailto:hello@localhost",
        doc="how push services reach the operator (mailto: or https:), sent in every VAPID token",
    )
    push_service_hosts: str = setting(
        "PUSH_SERVICE_HOSTS",
        parse_hosts,
        DEFAULT_PUSH_SERVICE_HOSTS,
        doc="push services we send to (comma-separated; *.domain for its subdomains; http://host only "
        "outside production, for a local test service)",
    )
    summary_parameters_file: str = setting(
        "SUMMARY_PARAMETERS_FILE", str, "", doc="a YAML file overriding the windows-and-waves parameters"
    )
    max_request_bytes: int = setting(
        "MAX_REQUEST_BYTES", parse_positive_int, 512 * 1024, doc="largest request body accepted (413 above)"
    )
    trusted_proxy_count: int = setting(
        "TRUSTED_PROXY_COUNT", int, 0, doc="proxies whose X-Forwarded-For is trusted"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting; keyword overrides win (tests pass them instead of editing os.environ)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, spec in SPECS.items():
            if name in overrides:
                values[name] = overrides[name]
                continue
            raw = environ.get(spec.env)
            if raw is None or raw == "":
                values[name] = spec.default
                continue
            try:
                values[name] = spec.coerce(raw)
            except ValueError as exc:
                raise SettingsError(f"{spec.env} is invalid: {exc}") from None
        unknown = set(overrides) - set(SPECS)
        if unknown:
            raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
        settings = cls(**values)
        settings.check_production()
        return settings

    def check_production(self) -> None:
        if self.environment != "production":
            return
        for name, spec in SPECS.items():
            if spec.secret and getattr(self, name) == spec.default:
                raise SettingsError(f"{spec.env} is required in production and has no default")
        for name in ("public_base_url", "app_base_url"):
            if not getattr(self, name).startswith(("https://", "http://localhost", "http://127.0.0.1")):
                # One-click unsubscribe (RFC 8058) and every link in our emails need HTTPS.
                raise SettingsError(f"{SPECS[name].env} must be an https:// URL in production (or loopback)")
        if any(host.startswith("http://") for host in host_list(self.push_service_hosts)):
            raise SettingsError("PUSH_SERVICE_HOSTS may not allow plain http:// in production")
        if self.smtp_starttls and self.smtp_ssl:
            raise SettingsError("SMTP_STARTTLS and SMTP_SSL are exclusive: set one")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables, for starting child processes with the same config."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            env[SPECS[f.name].env] = str(value).lower() if isinstance(value, bool) else str(value)
        return env


def load_or_exit(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings for a process entry point: a bad setting ends the process with one clear line."""
    try:
        return Settings.from_env(environ, **overrides)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201 - the one line an operator needs
        raise SystemExit(2) from None


SPECS: dict[str, Spec] = {f.name: f.metadata["spec"] for f in fields(Settings)}
