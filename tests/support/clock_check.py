"""Run the time-sensitive tests with the wall clock of every test process set to hard instants.

`make test-clock` (and so `make test`) runs this. Each instant becomes an offset from the real clock that
every Python process of the run applies at start (clock_site/sitecustomize.py, through time-machine), so
the tests and the services they start share one clock that still ticks. A test whose result depends on
the hour or the date it runs at fails at one of these.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

# What a process needs to join the run's clock; tests/support/servers.child_env passes these on.
CLOCK_ENV = ("TYH_TEST_CLOCK_OFFSET", "PYTHONPATH")
CLOCK_SITE = Path(__file__).with_name("clock_site")
# time-machine is imported before pytest starts, so pytest cannot rewrite its (unused) plugin's asserts.
REWRITE_WARNING = "ignore:Module already imported:pytest.PytestAssertRewriteWarning"

# Each instant is where a day, a week, a month, a year or a DST rule changes for someone: the hours
# either side of midnight UTC, the hours around the spring and autumn changes in Europe/London and
# America/New_York, and New Year's Eve late in the evening (100 days back is still summer in London).
INSTANTS = {
    # Minutes after midnight: "a few minutes ago" is yesterday, so a test that means today must say so.
    "00:03 UTC on a Monday, Sunday evening in New York": "2026-12-07T00:03:00+00:00",
    "23:30 UTC at the end of June, already July in London": "2027-06-30T23:30:00+00:00",
    "London springs forward": "2027-03-28T00:45:00+00:00",
    "London falls back": "2026-10-25T01:30:00+00:00",
    "New York springs forward": "2027-03-14T06:30:00+00:00",
    "New York falls back": "2026-11-01T05:30:00+00:00",
    "New Year's Eve, 23:30 UTC": "2026-12-31T23:30:00+00:00",
}

# Day boundaries, weeks, schedules, expiry and exports: the tests that read the clock to decide a day
# (less those marked `any_hour`: what they check, such as crash recovery, is the same at any hour).
TIME_SENSITIVE = [
    "tests/services/workers/summaries",
    "tests/services/workers/scheduling",
    "tests/services/workers/reports/test_tasks.py",
    "tests/services/workers/reports/test_recent_days.py",
    "tests/services/ingestion/accounts/test_sign_in.py",
    "tests/services/ingestion/events/test_events.py",
    "tests/services/ingestion/privacy",
    "tests/services/ingestion/reports",
    "tests/services/ingestion/summaries",
]


def run_at(instant: str, paths: list[str]) -> subprocess.CompletedProcess:
    offset = datetime.fromisoformat(instant).timestamp() - time.time()
    env = os.environ | {
        "TYH_TEST_CLOCK_OFFSET": f"{offset:.3f}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(CLOCK_SITE), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", REWRITE_WARNING]
    command += ["-o", "addopts=-ra --strict-markers", "-m", "not any_hour", *paths]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def main(argv: list[str]) -> int:
    paths = argv or TIME_SENSITIVE
    # Four at once, then three: beside the suite, the last three still fill both cores once it is done
    # (three, then three, then one left a core idle at the end; docs/benchmarks.md).
    jobs = int(os.environ.get("CLOCK_CHECK_JOBS", "4"))
    with ThreadPoolExecutor(jobs) as pool:
        runs = {name: pool.submit(run_at, instant, paths) for name, instant in INSTANTS.items()}
        failed = []
        try:
            for name, run in runs.items():
                result = run.result()
                summary = result.stdout.strip().splitlines()[-1:] or ["(no output)"]
                print(f"clock at {INSTANTS[name]} ({name}): {summary[0]}", flush=True)
                if result.returncode != 0:
                    failed.append(name)
                    print(result.stdout[-20000:], result.stderr[-5000:], sep="\n", flush=True)
        except KeyboardInterrupt:
            # The runs under way stop on the same Ctrl-C (and stop their servers); the others never start.
            pool.shutdown(cancel_futures=True)
            print("clock check: interrupted", file=sys.stderr)
            return 130
    if failed:
        print(f"clock check: failed at {len(failed)} of {len(INSTANTS)} instants", file=sys.stderr)
        return 1
    print(f"clock check: the time-sensitive tests pass at all {len(INSTANTS)} instants")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
