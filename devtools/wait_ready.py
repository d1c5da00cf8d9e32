"""Wait until both services answer /readyz, then print where they are; keep running until stopped.

honcho stops the whole stack when any process exits, so this one stays up after it has reported.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request

DEADLINE_S = 60


def readiness(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=3) as response:  # noqa: S310 - loopback URL
            return response.status == 200, "ready"
    except urllib.error.HTTPError as exc:
        return False, json.loads(exc.read() or b"{}").get("detail", f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return False, f"not answering ({exc})"


def main() -> None:
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    services = {
        "ingestion API": f"http://{host}:{os.environ.get('INGESTION_PORT', '8080')}",
        "notification service": f"http://{host}:{os.environ.get('NOTIFICATION_PORT', '8081')}",
    }
    started = time.monotonic()
    warned = False
    while True:
        states = {name: readiness(url) for name, url in services.items()}
        if all(ok for ok, _ in states.values()):
            break
        if not warned and time.monotonic() - started > DEADLINE_S:
            waiting = "; ".join(f"{n}: {why}" for n, (ok, why) in states.items() if not ok)
            print(f"still waiting after {DEADLINE_S}s: {waiting}", flush=True)
            warned = True
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    lines = [f"Track Your Healing is running (ready in {elapsed:.1f}s):"]
    lines += [f"  {name:<22} {url}   (readiness: {url}/readyz)" for name, url in services.items()]
    lines += [f"  {'app (phone or desktop)':<22} {services['ingestion API']}/app/"]
    lines += ["  mail sink              var/mail/*.eml", "Press Ctrl-C to stop everything."]
    print("\n".join(lines), flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
