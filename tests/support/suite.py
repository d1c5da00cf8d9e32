"""`make test`: the whole suite in two processes, with the clock check (clock_check.py) running beside it.

The suite's tests mostly wait on their servers (leases, restarts, polling), so two pytest processes
(pytest-xdist), each with its own servers, share two cores well; each test file stays in one process, in
its order. The clock check's runs are CPU-bound the other way round. They run at the lowest CPU priority
(and so do the servers they start): the suite gets the CPU first and the clock check what it leaves idle
(docs/benchmarks.md, "The test suite's time"). Its output follows the suite's, as one block. The suite
leaves out the tests the clock check runs: they run there at seven instants instead of once more at today's.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile

NICE = "19"  # a lower priority (5) still slowed the suite by a third
# Two processes (the two cores this project is run on), less what the clock check runs, the slowest files
# first: pytest-xdist's own order (most tests first) left one process alone with a one-test file at the end.
SUITE = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
SUITE += ["--leave-clock-checked", "--slowest-first", "tests"]
# The slowest files, slowest first (docs/benchmarks.md, "The test suite's time"); the others follow as found.
SLOWEST = (
    "tests/browser/test_app.py",
    "tests/test_soak.py",
    "tests/services/ingestion/test_openapi_fuzz.py",
    "tests/browser/test_accessibility.py",
    "tests/test_ferretdb_patches.py",
    "tests/services/notification/email/test_faults.py",
    "tests/services/notification/admin/test_list.py",
    "tests/services/notification/admin/test_views.py",
    "tests/test_stack.py",
)


def main(argv: list[str]) -> int:
    print("clock check: running beside the suite; its results follow the suite's", flush=True)
    with tempfile.TemporaryFile("w+") as log:
        # In the terminal's process group, like the suite: Ctrl-C reaches both, and each stops its servers.
        clock = subprocess.Popen(
            ["nice", "-n", NICE, sys.executable, "-m", "tests.support.clock_check"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        suite = subprocess.Popen([sys.executable, "-m", "pytest", *(argv or SUITE)])
        for process in (suite, clock):
            while process.returncode is None:
                # On Ctrl-C it had the same signal and is stopping its servers: wait for it.
                with contextlib.suppress(KeyboardInterrupt):
                    process.wait()
        log.seek(0)
        print(log.read(), end="", flush=True)
    return suite.returncode or clock.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
