"""A VAPID key for Web Push: `python -m devtools.vapid` prints a new private key (for VAPID_PRIVATE_KEY)
and its public half; `make run` keeps a local one in var/vapid-private-key (never committed: var/ is
ignored), so browsers stay subscribed across restarts."""

from __future__ import annotations

import os
from pathlib import Path

from shared import push_keys

LOCAL_KEY_FILE = "vapid-private-key"


def local_key(var: Path) -> str:
    """The local development key, made on first use (readable by its owner only)."""
    path = var / LOCAL_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(push_keys.generate_private_key() + "\n")
    return path.read_text().strip()


if __name__ == "__main__":
    key = push_keys.generate_private_key()  # printed for the operator to copy into .env
    print(f"VAPID_PRIVATE_KEY={key}")
    print(f"# application-server (public) key: {push_keys.application_server_key(key)}")
