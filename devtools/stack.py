"""`make run`: start the whole platform locally under honcho and stop all of it on Ctrl-C.

Infrastructure (Redis, FerretDB, the mail sink) is added in front of the application processes from
deploy/Procfile. A server named by MONGO_URI, REDIS_URL or SMTP_HOST in the environment is used instead
of starting one. Data lives under var/ (TYH_VAR_DIR) and survives restarts. Ports can be moved with
REDIS_PORT, MONGO_PORT, SMTP_SINK_PORT, INGESTION_PORT and NOTIFICATION_PORT. Each application process
serves its Prometheus metrics on its own port on 127.0.0.1, from METRICS_PORT_BASE (9100) on, in the
Procfile's order (METRICS_PORT_BASE=0: none). Web Push uses a local VAPID key kept in var/ unless
VAPID_PRIVATE_KEY is set.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from devtools import ferretdb, vapid

ROOT = Path(__file__).resolve().parent.parent


def infrastructure(env: dict[str, str], var: Path) -> tuple[list[str], dict[str, str]]:
    """Procfile lines for the servers we start, and the settings that point the services at them."""
    lines, settings = [], {}
    if not env.get("REDIS_URL"):
        port = env.get("REDIS_PORT", "6379")
        (var / "redis").mkdir(parents=True, exist_ok=True)
        # Append-only file so queued tasks and rate limits survive a restart; noeviction so Celery's
        # queues are never silently dropped under memory pressure.
        lines.append(
            f"redis: exec redis-server --bind 127.0.0.1 --port {port} --dir {var / 'redis'} "
            "--appendonly yes --save '' --maxmemory-policy noeviction"
        )
        settings |= {
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/1",
        }
    if not env.get("MONGO_URI"):
        port = env.get("MONGO_PORT", "27017")
        debug_port = env.get("FERRETDB_DEBUG_PORT", "8088")
        (var / "ferretdb").mkdir(parents=True, exist_ok=True)
        data = var / "ferretdb"
        lines.append("ferretdb: exec " + shlex.join(ferretdb.command(data, data, port, debug_port)))
        settings["MONGO_URI"] = f"mongodb://127.0.0.1:{port}/"
    if not env.get("SMTP_HOST"):
        port = env.get("SMTP_SINK_PORT", "1025")
        lines.append(f"mail: exec {sys.executable} -m devtools.mailsink --port {port} --dir {var / 'mail'}")
        settings |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}
    return lines, settings


METRICS_PORT_BASE = "9100"


def with_metrics_ports(lines: list[str], base: int) -> list[str]:
    """Each process its own METRICS_PORT (one shared by all would be taken by the first to start)."""
    if not base:
        return lines
    named = (line.split(":", 1) for line in lines)
    return [f"{name}: METRICS_PORT={base + i}{command}" for i, (name, command) in enumerate(named)]


def procfile(env: dict[str, str], var: Path) -> tuple[str, dict[str, str]]:
    infra, settings = infrastructure(env, var)
    apps = [
        line
        for line in (ROOT / "deploy" / "Procfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    apps = with_metrics_ports(apps, int(env.get("METRICS_PORT_BASE") or METRICS_PORT_BASE))
    ready = f"ready: exec {sys.executable} -m devtools.wait_ready"
    return "\n".join([*infra, *apps, ready]) + "\n", settings


def main() -> None:
    env = dict(os.environ)
    # Each process makes its own metrics directory (shared/metrics.py); one inherited from the shell would
    # mix both services' samples and be emptied by each gunicorn at its start.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    var = Path(env.get("TYH_VAR_DIR", ROOT / "var")).resolve()
    var.mkdir(parents=True, exist_ok=True)
    text, settings = procfile(env, var)
    path = var / "Procfile.local"
    path.write_text(text)
    venv_bin = str(Path(sys.executable).parent)
    env |= settings
    if not env.get("VAPID_PRIVATE_KEY"):
        env["VAPID_PRIVATE_KEY"] = vapid.local_key(var)
    env["PATH"] = f"{venv_bin}:{env.get('PATH', '')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("BEAT_SCHEDULE_FILE", str(var / "celerybeat-schedule"))
    os.chdir(ROOT)
    honcho = Path(venv_bin) / "honcho"
    # Replace this process so Ctrl-C reaches honcho directly and it stops every child it started.
    os.execve(honcho, [str(honcho), "-f", str(path), "-d", str(ROOT), "start"], env)  # noqa: S606


if __name__ == "__main__":
    main()
