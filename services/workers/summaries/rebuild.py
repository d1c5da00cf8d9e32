"""Rebuild summaries after a parameter change: `python -m services.workers.summaries.rebuild --all`.

By default it queues a full recompute per person for the running workers; `--inline` computes here.
"""

from __future__ import annotations

import argparse
import sys

from services.workers.celery import QUEUES, SERVICE, create_worker_app
from services.workers.summaries import params, repository, service
from shared import recompute
from shared.runtime import start

EVERY_DAY = "0001-01-01"  # earlier than any event: the whole history is recomputed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="one person's id")
    who.add_argument("--all", action="store_true", help="everyone")
    parser.add_argument("--inline", action="store_true", help="compute in this process instead of queueing")
    args = parser.parse_args(argv)
    runtime = start(SERVICE, QUEUES)
    app, settings = create_worker_app(runtime), runtime.settings
    users = [args.user] if args.user else _everyone()
    for user_id in users:
        if args.inline:
            summary_params = params.current(settings.summary_parameters_file)
            service.recompute(app, settings, summary_params, user_id, from_day=None)
        else:
            recompute.request_recompute(app, user_id, [EVERY_DAY])
    print(f"{'rebuilt' if args.inline else 'queued a rebuild for'} {len(users)} person(s)")  # noqa: T201
    return 0


def _everyone() -> list[str]:
    ids, after = [], None
    while batch := repository.user_ids(after, 1000):
        ids += batch
        after = batch[-1]
    return ids


if __name__ == "__main__":
    sys.exit(main())
