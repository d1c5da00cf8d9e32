"""How FerretDB runs on this machine (`make run`, the tests, the benchmarks): one command line for all.

Always on loopback and without telemetry. Storage is SQLite in write-ahead-log mode, as FerretDB sets it up,
with one setting of ours: SQLite copies its log into the database file (a checkpoint) once the log holds
WAL_AUTOCHECKPOINT_PAGES pages of 4 KiB, and the commit that crosses that line waits for the copy. With
SQLite's default of 1,000 pages those waits stalled every write in flight for ~150 ms a few times a minute
at 200 events/s (p99 3-15x the median); at 200 pages no request of the same runs took over 50 ms.
Durability is unchanged: every commit still syncs the log (synchronous=FULL, SQLite's default).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FERRETDB = ROOT / ".tools" / "bin" / "ferretdb"  # built by bin/setup, with deploy/ferretdb/patches/
FERRETDB_UPSTREAM = ROOT / ".tools" / "bin" / "ferretdb-upstream"  # FERRETDB_UPSTREAM=1 bin/setup: no patches
WAL_AUTOCHECKPOINT_PAGES = 200


def command(
    data: Path,
    state: Path,
    port: int | str,
    debug_port: int | str,
    *,
    binary: Path = FERRETDB,
    log_level: str = "warn",
) -> list[str]:
    """FerretDB serving 127.0.0.1:`port` from SQLite files in `data` (a directory that exists).
    At log level "debug" it logs every SQL statement it runs, with its arguments."""
    return [
        str(binary),
        "--handler=sqlite",
        f"--sqlite-url=file:{data}/?_pragma=wal_autocheckpoint({WAL_AUTOCHECKPOINT_PAGES})",
        f"--state-dir={state}",
        f"--listen-addr=127.0.0.1:{port}",
        f"--debug-addr=127.0.0.1:{debug_port}",
        "--telemetry=disable",
        f"--log-level={log_level}",
    ]
