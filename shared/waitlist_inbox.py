"""Sign-ups accepted but not stored yet: a Redis list the request appends to and the worker drains in batches.

The request's answer waits for the append, so a sign-up is as durable before its 202 as a queued task is
(the same Redis, append-only file on). Storing one at a time cost the worker three MongoDB writes per
sign-up (the entry, its day's counter, its email's outbox record); a batch costs three writes in all
(the notification service's waitlist `service.store_signups`). A request sends
`notification.store_waitlist_signups` unless one is queued and has not started yet (the SCHEDULED key,
which the task clears as it starts), so a burst of sign-ups is one task; beat sends it every minute too, in
case a message was lost. It lives in `shared/` because beat's gauges read it too.

A task moves its batch to a list named after its own task id before storing it and deletes that list once
the batch is stored: if its worker dies, the redelivered task (the same id) stores the same batch again,
and every step of storing is idempotent (docs/waitlist.md).
"""

from __future__ import annotations

import json
from typing import Any

from celery import Celery

from shared.queue import enqueue
from shared.redis_client import redis_client
from shared.tasks import WAITLIST_STORE

INBOX = "waitlist:inbox"
SCHEDULED = "waitlist:inbox:scheduled"
SCHEDULED_S = 60  # a task message lost with Redis stops holding back new ones after this
TAKEN = "waitlist:inbox:taken:"

# KEYS[1] = the inbox, KEYS[2] = this task's batch; ARGV[1] = the batch size. The batch left by an earlier
# attempt of this task if there is one, else the next sign-ups moved from the inbox into it.
_TAKE = """
local taken = redis.call('LRANGE', KEYS[2], 0, -1)
if #taken > 0 then
  return taken
end
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
end
return items
"""


def put(celery_app: Celery, item: dict[str, Any]) -> None:
    """Append one sign-up, and send the task that stores it unless one is waiting already."""
    with redis_client.client.pipeline() as pipe:
        pipe.rpush(INBOX, json.dumps(item))
        pipe.set(SCHEDULED, 1, nx=True, ex=SCHEDULED_S)
        scheduled = pipe.execute()[1]
    if scheduled:
        _send(celery_app)


def schedule(celery_app: Celery) -> None:
    """Send the storing task unless one is waiting already (a task that leaves sign-ups for the next)."""
    if redis_client.client.set(SCHEDULED, 1, nx=True, ex=SCHEDULED_S):
        _send(celery_app)


def _send(celery_app: Celery) -> None:
    try:
        enqueue(celery_app, WAITLIST_STORE)
    except Exception:
        redis_client.client.delete(SCHEDULED)  # the next sign-up (or beat) sends it
        raise


def started() -> None:
    """A storing task has started: sign-ups appended from now on need a task of their own."""
    redis_client.client.delete(SCHEDULED)


def take(task_id: str, limit: int) -> list[dict[str, Any]]:
    """This task's batch: the one it took before it was interrupted, or up to `limit` new sign-ups."""
    items = redis_client.client.eval(_TAKE, 2, INBOX, TAKEN + task_id, limit)
    return [json.loads(item) for item in items]


def done(task_id: str) -> None:
    """The batch is stored: forget it."""
    redis_client.client.delete(TAKEN + task_id)


def waiting() -> int:
    """Sign-ups not taken by any task yet."""
    return redis_client.client.llen(INBOX)
