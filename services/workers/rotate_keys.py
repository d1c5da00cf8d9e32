"""Re-seal every stored value under the newest encryption key: `python -m services.workers.rotate_keys`.

Run it once the new key is first in ENCRYPTION_KEYS everywhere (docs/operations.md, "Rotating the
encryption key"). It prints, per store, how many values were re-sealed, how many no listed key opens, and
how many documents changed while it ran (run it again for those), never a value. Safe to stop and run
again; exit status 1 while anything is left under another key, so a script knows the old key must stay.
"""

from __future__ import annotations

import argparse
import sys

from services.workers.celery import SERVICE
from shared import key_rotation
from shared.runtime import Runtime, start
from shared.settings import parse_positive_int


def main(argv: list[str] | None = None, runtime: Runtime | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--batch", type=parse_positive_int, default=key_rotation.BATCH, help="documents read per page"
    )
    args = parser.parse_args(argv)
    runtime = runtime or start(SERVICE)
    left = 0
    for store, tally in key_rotation.reseal_all(runtime.settings.encryption_keys, args.batch):
        counts = f"{tally.resealed} re-sealed, {tally.unreadable} unreadable, {tally.moved} changed meanwhile"
        print(f"{store}: {counts}")  # noqa: T201
        left += tally.unreadable + tally.moved
    days = key_rotation.distrust_cached_copies()
    print(f"redis day cache: {days} cached days to be read again from MongoDB")  # noqa: T201
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
