"""Sign-ups accepted but not stored yet: a Redis list the request appends to and the worker drains in batches.

The request's answer waits for the append, so a sign-up is as durable before its 202 as a queued task is
(the same Redis, append-only file on). Storing one at a time cost the worker three MongoDB writes per
sign-up (the entry, its day's counter, its email's outbox record); a batch costs three writes in all
(the notification service's waitlist `service.store_signups`). A request sends
`notification.store_waitlist_signups` unless one is queued and has not started yet (the SCHEDULED key,
which the task clears as it starts), so a burst of sign-ups is one task; beat sends it every minute too, in
case a message was lost. It lives in `shared/` because beat's gauges read it too (`backlog`).

A task moves its batch to a list named after its own task id before storing it and deletes that list once
the batch is stored: if its worker dies, the redelivered task (the same id) stores the same batch again,
and every step of storing is idempotent (docs/waitlist.md).

A task's message can also be lost for good (the broker's record of unacknowledged messages lost while the
list survived; a run killed by its time limit or failed for good, which Celery acknowledges), and its batch
would then never be stored. So taking a batch also takes a lease on it (LEASES: task id -> when the lease
ends), renewed by each take of that task: a take whose task has no batch of its own first adopts one whose
lease has ended, renaming it to its own id in the same script, so a batch has one holder at a time and is
not stored twice at once. LEASE_S outlasts a run's time limit, so a running attempt keeps its batch; a
lost one's is stored by the next run after its lease ends (beat sends one every minute).
TAKEN_AT keeps when a batch was first taken, across adoptions, and WAITING_SINCE when the inbox was last
empty (set by the append that fills it, dropped by the take that empties it): beat's age gauges read them.
"""

from __future__ import annotations

import json
import time
from typing import Any

from celery import Celery

from shared.queue import enqueue
from shared.redis_client import redis_client
from shared.tasks import WAITLIST_STORE

INBOX = "waitlist:inbox"
SCHEDULED = "waitlist:inbox:scheduled"
SCHEDULED_S = 60  # a task message lost with Redis stops holding back new ones after this
TAKEN = "waitlist:inbox:taken:"
LEASES = "waitlist:inbox:leases"
TAKEN_AT = "waitlist:inbox:taken-at"
WAITING_SINCE = "waitlist:inbox:since"  # when the inbox was last empty: no waiting sign-up is older
# Over a run's hard time limit (360 s, shared/celery_app.py): a running attempt never loses its batch.
LEASE_S = 600
ADOPT_SCAN = 10  # ended leases looked at per take; one with an empty list (never expected) is dropped

# KEYS: the inbox, LEASES, TAKEN_AT, this task's batch, WAITING_SINCE. ARGV: this task's id, the batch size,
# the lease in seconds, the TAKEN prefix, ADOPT_SCAN. This task's batch if it has one (an earlier attempt's),
# else a batch whose lease has ended, renamed to this task's, else the next sign-ups moved from the inbox
# into it; its lease runs from now, by Redis's clock (the workers' clocks need not agree).
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local items = redis.call('LRANGE', KEYS[4], 0, -1)
local since = now
if #items == 0 then
  for _, holder in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))) do
    local first = redis.call('ZSCORE', KEYS[3], holder)
    redis.call('ZREM', KEYS[2], holder)
    redis.call('ZREM', KEYS[3], holder)
    items = redis.call('LRANGE', ARGV[4] .. holder, 0, -1)
    if #items > 0 then
      redis.call('RENAME', ARGV[4] .. holder, KEYS[4])
      since = tonumber(first) or now
      break
    end
  end
end
if #items == 0 then
  items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
  if #items == 0 then
    return items
  end
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[4], unpack(items))
  if redis.call('LLEN', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[5])
  end
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[3], 'NX', since, ARGV[1])
return items
"""

# KEYS: the inbox, LEASES, TAKEN_AT, WAITING_SINCE. ARGV: the TAKEN prefix. Sign-ups waiting, sign-ups in
# taken batches, the seconds since the inbox was last empty and since the oldest batch was first taken.
_BACKLOG = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local function age(since)
  if not since then
    return '0'
  end
  return tostring(math.max(0, now - tonumber(since)))
end
local taken = 0
for _, holder in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  taken = taken + redis.call('LLEN', ARGV[1] .. holder)
end
local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local waiting = redis.call('LLEN', KEYS[1])
local since = waiting > 0 and redis.call('GET', KEYS[4]) or nil
return {waiting, taken, age(since), age(oldest[2])}
"""


def put(celery_app: Celery, item: dict[str, Any]) -> None:
    """Append one sign-up, and send the task that stores it unless one is waiting already."""
    with redis_client.client.pipeline() as pipe:
        pipe.rpush(INBOX, json.dumps(item))
        pipe.set(SCHEDULED, 1, nx=True, ex=SCHEDULED_S)
        pipe.set(WAITING_SINCE, time.time(), nx=True)
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


def take(task_id: str, limit: int, lease_s: float = LEASE_S) -> list[dict[str, Any]]:
    """This task's batch, held for `lease_s`: the one it took before it was interrupted, or one whose
    holder's lease has ended, or up to `limit` new sign-ups."""
    keys = (INBOX, LEASES, TAKEN_AT, TAKEN + task_id, WAITING_SINCE)
    items = redis_client.client.eval(_TAKE, len(keys), *keys, task_id, limit, lease_s, TAKEN, ADOPT_SCAN)
    return [json.loads(item) for item in items]


def done(task_id: str) -> None:
    """The batch is stored: forget it and its lease."""
    with redis_client.client.pipeline() as pipe:
        pipe.delete(TAKEN + task_id)
        pipe.zrem(LEASES, task_id)
        pipe.zrem(TAKEN_AT, task_id)
        pipe.execute()


def backlog() -> tuple[dict[str, int], dict[str, float]]:
    """Sign-ups not stored yet by state, and by state the age in seconds of the oldest at most: waiting ones
    since the inbox was last empty, taken ones since their batch was first taken (across adoptions)."""
    keys = (INBOX, LEASES, TAKEN_AT, WAITING_SINCE)
    waiting_now, taken, waiting_age, taken_age = redis_client.client.eval(_BACKLOG, len(keys), *keys, TAKEN)
    depth = {"waiting": int(waiting_now), "taken": int(taken)}
    return depth, {"waiting": float(waiting_age), "taken": float(taken_age)}
