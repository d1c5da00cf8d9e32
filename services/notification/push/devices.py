"""Pushing a reminder to one of a person's devices: what counts as delivered, and forgetting a device
whose push service says its subscription is gone. Both kinds of reminder push through here."""

from __future__ import annotations

import hashlib
import logging

from services.notification.push.sender import WebPushSender
from shared import push_subscriptions

log = logging.getLogger(__name__)

# A reminder the push service could not deliver within this is dropped there: it would come too late.
PUSH_TTL_S = 2 * 3600
DELIVERED = {200, 201, 202}
GONE = {404, 410}


def topic(key: str) -> str:
    """RFC 8030 Topic for a reminder: at most 32 base64url characters, and opaque. A push service holding
    an undelivered message with the same topic replaces it, so a reminder sent twice arrives once."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def push(pusher: WebPushSender, subscription: dict, payload: dict, *, topic: str) -> bool:
    """Push to one device; True when its push service took the message."""
    status = pusher.send(subscription, payload, ttl=PUSH_TTL_S, topic=topic)
    if status in GONE:
        push_subscriptions.remove_gone(subscription["_id"], subscription["endpoint"])
    elif status not in DELIVERED:
        log.warning("push not delivered", extra={"status": status})
    return status in DELIVERED
