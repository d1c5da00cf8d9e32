"""Celery tasks for summaries: recompute one person, sweep lost signals, move everyone's day forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from celery import shared_task

from services.workers.summaries import params, repository, service
from services.workers.summaries.lock import person_lock
from shared import recompute
from shared.tasks import CLOSE_DAYS, RECOMPUTE_PERSON, SWEEP_RECOMPUTE

SWEEP_AFTER = timedelta(seconds=60)  # a request pending this long lost its signal (or Redis was down)
LOCK_RETRY_S = 1
CLOSE_BATCH = 500


@shared_task(name=RECOMPUTE_PERSON.name, bind=True, max_retries=60)
def recompute_person(self, user_id: str) -> None:
    """Recompute a person's summaries from source events; waits its turn if another worker has them."""
    with person_lock(user_id) as acquired:
        if not acquired:
            raise self.retry(countdown=LOCK_RETRY_S)
        request = recompute.take_request(user_id)
        if request is None:
            return
        settings = self.app.tyh_settings
        service.recompute(
            self.app,
            settings,
            params.current(settings.summary_parameters_file),
            user_id,
            from_day=request.get("from_day"),
        )
        recompute.finish_request(request)


@shared_task(name=SWEEP_RECOMPUTE.name, bind=True)
def sweep_recompute_requests(self) -> int:
    """Send recompute tasks for requests whose signal was lost."""
    return recompute.sweep(self.app, before=datetime.now(UTC) - SWEEP_AFTER)


@shared_task(name=CLOSE_DAYS.name, bind=True)
def close_days(self) -> int:
    """Move each person's summaries to their new local day, so rolling windows advance without logs."""
    last_days, after, moved = repository.person_last_days(), None, 0
    while ids := repository.user_ids(after, CLOSE_BATCH):
        for user_id in ids:
            user = repository.find_user(user_id)
            today = service.local_today(user["time_zone"])
            if last_days.get(user_id) and last_days[user_id] < today:
                recompute.request_recompute(self.app, user_id, [today])
                moved += 1
        after = ids[-1]
    return moved
