"""Web Push for reminders (dose times and the check-in reminder): the key a browser subscribes with, and
its subscription stored or removed. The notifier sends to them (services/notification/push)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView

from services.ingestion.accounts.auth import current_device, current_user, login_required
from services.ingestion.limits import limit_writes
from services.ingestion.push.exceptions import PushNotConfigured
from services.ingestion.push.schemas import (
    EndpointSchema,
    KeySchema,
    StoredSubscriptionSchema,
    SubscriptionSchema,
)
from shared import push_keys, push_subscriptions
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation, public
from shared.web.problems import problem_responses

blp = Blueprint("push", __name__, url_prefix="/v1/push", description="Push notifications for reminders")


@blp.route("/key", methods=["GET"])
@public
@operation("getPushKey")
@blp.response(200, KeySchema)
@problem_responses(404)
def get_key():
    """The application-server (VAPID) public key to pass to pushManager.subscribe; 404 when this server
    sends no push notifications (reminders then come by email)."""
    private = runtime_of().settings.vapid_private_key
    if not private:
        raise PushNotConfigured()
    return {"public_key": push_keys.application_server_key(private)}


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @login_required
    @operation("putPushSubscription")
    @blp.arguments(
        SubscriptionSchema,
        example={
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
            "expirationTime": None,
            "keys": {
                "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
                "azAkj7I99e8QcYP7DkM",
                "auth": "tBHItJI5svbpez7KI4CCXg",
            },
        },
    )
    @blp.response(201, StoredSubscriptionSchema)
    @blp.alt_response(
        200, schema=StoredSubscriptionSchema, description="This browser's subscription, updated"
    )
    @problem_responses(404, 429)
    def put(self, body):
        """Store this browser's PushSubscription (its toJSON()) to get reminders here: 201 when new,
        200 when it replaced this browser's own. Only the browsers' push services are accepted. You keep
        your 10 most recently subscribed browsers."""
        if not runtime_of().settings.vapid_private_key:
            raise PushNotConfigured()
        user = current_user()
        limit_writes(user["_id"])
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        created = push_subscriptions.put(
            user["_id"], current_device()["_id"], body["endpoint"], body["keys"], now
        )
        stored = {"endpoint": body["endpoint"], "created_at": now, "updated_at": now}
        return stored, 201 if created else 200

    @login_required
    @operation("deletePushSubscription")
    @blp.arguments(EndpointSchema)
    @blp.response(204)
    @problem_responses(429)
    def delete(self, body):
        """Stop dose notifications to this browser (send its endpoint). A repeat answers 204 again."""
        user = current_user()
        limit_writes(user["_id"])
        push_subscriptions.remove(user["_id"], body["endpoint"])
