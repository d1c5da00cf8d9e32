"""`make test`: the whole suite in two processes, with the clock check (clock_check.py) running beside it.

The suite's tests mostly wait on their servers (leases, restarts, polling), so two pytest processes
(pytest-xdist), each with its own servers, share two cores well; each test file stays in one process, in
its order. The clock check's runs are CPU-bound the other way round. They run at the lowest CPU priority
(and so do the servers they start): the suite gets the CPU first and the clock check what it leaves idle
(docs/benchmarks.md, "The test suite's time"). Its output follows the suite's, as one block.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

NICE = "19"  # a lower priority (5) still slowed the suite by a third
SUITE = ["-n", "2", "--dist", "loadfile", "tests"]  # two processes: the two cores this project is run on


def main(argv: list[str]) -> int:
    print("clock check: running beside the suite; its results follow the suite's", flush=True)
    with tempfile.TemporaryFile("w+") as log:
        clock = subprocess.Popen(
            ["nice", "-n", NICE, sys.executable, "-m", "tests.support.clock_check"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so an interrupted suite takes it down with it
        )
        try:
            suite = subprocess.run([sys.executable, "-m", "pytest", *(argv or SUITE)], check=False)
            clock.wait()
        finally:
            if clock.poll() is None:
                os.killpg(clock.pid, signal.SIGTERM)
        log.seek(0)
        print(log.read(), end="", flush=True)
    return suite.returncode or clock.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
