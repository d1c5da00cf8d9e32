"""Celery tasks for summaries: recompute one person, sweep lost signals, move everyone's day forward."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from celery import shared_task

from services.workers.summaries import params, repository, service
from services.workers.summaries.lock import person_lock
from shared import recompute, summaries
from shared.tasks import CLOSE_DAYS, RECOMPUTE_PERSON, SWEEP_RECOMPUTE

SWEEP_AFTER = timedelta(seconds=60)  # a request pending this long lost its signal (or Redis was down)
# A person held elsewhere is tried again soon (a batch takes about a second), then less and less often:
# 0.2, 0.4, 0.8 ... s, at most 5 s apart; 60 tries cover over four minutes, far past any batch.
LOCK_RETRY_FIRST_S, LOCK_RETRY_MAX_S = 0.2, 5.0
# At most this many people per task, and only those with recent days to redo: a batch holds everyone in
# it (their locks are renewed while it runs) and must not keep them from their own tasks for long.
BATCH_PEOPLE = 50
BATCH_RECENT = timedelta(days=14)
CLOSE_BATCH = 500


@shared_task(name=RECOMPUTE_PERSON.name, bind=True, max_retries=60)
def recompute_person(self, user_id: str) -> None:
    """Recompute a person's summaries from source events; waits its turn if another worker has them.

    Others waiting for a recompute ride along (those no other worker holds), also while this person is
    held elsewhere: a task's fixed cost (its Celery round trip, lock and requests, and one query or commit
    per step whatever the number of people) is most of a person's recompute, so under load a batch keeps
    summaries fresh where a task per person falls behind (docs/benchmarks.md, "Ride-along batches").
    Their own tasks then find nothing left to do."""
    recompute.task_started(user_id)  # first: every request stored before this is read below
    with ExitStack() as held:
        mine = held.enter_context(person_lock(user_id))
        others = [
            other
            for other in recompute.waiting_people(BATCH_PEOPLE - 1, exclude=user_id, since=_recent())
            if held.enter_context(person_lock(other))
        ]
        people = ([user_id] if mine else []) + others
        requests = recompute.take_requests(people) if people else {}
        if requests:
            settings = self.runtime.settings
            service.recompute_many(
                self.app,
                settings,
                params.current(settings.summary_parameters_file),
                {person: request["from_day"] for person, request in requests.items()},
                full={person for person, request in requests.items() if request["full"]},
            )
            recompute.finish_requests(requests.values())
        if not mine:
            # Another worker has this person, maybe with requests read before ours: try again after it.
            raise self.retry(countdown=min(LOCK_RETRY_FIRST_S * 2**self.request.retries, LOCK_RETRY_MAX_S))


def _recent() -> str:
    return (datetime.now(UTC).date() - BATCH_RECENT).isoformat()


@shared_task(name=SWEEP_RECOMPUTE.name, bind=True)
def sweep_recompute_requests(self) -> int:
    """Send recompute tasks for requests whose signal was lost."""
    return recompute.sweep(self.app, before=datetime.now(UTC) - SWEEP_AFTER)


@shared_task(name=CLOSE_DAYS.name, bind=True)
def close_days(self) -> int:
    """Move each person's summaries to their new local day, so rolling windows advance without logs and the
    day that ended gets its day document (until then only the summary document held it). One query per
    page of people, not a lookup each."""
    last_days, after, moved = summaries.person_last_days(), None, 0
    while ids := repository.user_ids(after, CLOSE_BATCH):
        for user_id, user in repository.find_users(ids).items():
            today = service.local_today(user["time_zone"])
            if last_days.get(user_id) and last_days[user_id] < today:
                recompute.request_recompute(self.app, user_id, [today])
                moved += 1
        after = ids[-1]
    return moved
