"""Loaded by every Python process of a `make test-clock` run (its folder leads PYTHONPATH there): moves the
wall clock by the run's offset, so the test process and every service process it starts agree on one
clock that still ticks. Monotonic time is left alone, so sleeps, locks and timeouts behave as ever."""

import os

if offset := os.environ.get("TYH_TEST_CLOCK_OFFSET"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(offset), tick=True).start()
