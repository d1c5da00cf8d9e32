"""The test harness itself: a server a test process started does not outlive that process."""

import contextlib
import os
import subprocess
import sys

import psutil

from tests.support.servers import ROOT, wait_for

# A test process that starts a long-running server and then waits; killed outright, it runs no teardown.
STARTER = """
import sys, time
from pathlib import Path
from tests.support.servers import Process
server = Process(["sleep", "300"], Path(sys.argv[1])).start()
print(server.proc.pid, flush=True)
time.sleep(300)
"""


def test_a_server_stops_when_the_test_process_that_started_it_dies(tmp_path):
    # After a Ctrl-C, pytest-xdist may end a worker before its fixtures stop their servers.
    with subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path / "server.log")],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    ) as starter:
        server = psutil.Process(int(starter.stdout.readline()))
        # Started, not starting: setpriv ties the server to its parent before it becomes the server, and a
        # parent killed before that (a loaded machine) would leave it running however the harness works.
        wait_for(lambda: server.name() == "sleep", 10, "the server's start")
        starter.kill()

    def stopped() -> bool:
        return not server.is_running() or server.status() == psutil.STATUS_ZOMBIE

    try:
        wait_for(stopped, 10, "the server's stop")
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            server.kill()
