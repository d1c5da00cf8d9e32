"""Celery task: an erased account's places emptied once more, a while after the erasure."""

from __future__ import annotations

from celery import shared_task

from shared import recompute, userdata, users
from shared.tasks import ERASE_LEFTOVERS


@shared_task(name=ERASE_LEFTOVERS.name)
def erase_leftovers(user_id: str) -> dict[str, int]:
    """Erase what a request or task under way during the erasure wrote after it (a request that had signed
    in before the devices went, a scan that had read the person): the counts per place. Nothing while the
    account exists: an erasure that stopped halfway is the person's to repeat, and sends its own."""
    if users.find(user_id, {"_id": 1}) is not None:
        return {}
    erased = {place: n for place, n in userdata.erase(user_id).items() if n}
    recompute.forget(user_id)
    return erased
