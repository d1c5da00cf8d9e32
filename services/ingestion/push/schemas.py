"""A browser's PushSubscription (its toJSON()) and the API's answers. The endpoint is checked against the
push services we send to (shared.push_keys): our server will POST to it."""

from __future__ import annotations

import binascii

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

from shared import push_keys
from shared.languages import english as _
from shared.runtime import runtime_of

P256DH_BYTES, AUTH_BYTES = 65, 16


def _b64(value: str, size: int, what: str) -> None:
    try:
        raw = push_keys.b64url_decode(value)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _("Not base64url: the browser's {what} as PushSubscription.toJSON() gives it.").format(what=what)
        ) from None
    if len(raw) != size or (what == "p256dh" and raw[0] != 4):
        raise ValidationError(
            _("Not a {what} key: expected {size} bytes as the browser gives it.").format(what=what, size=size)
        )


class KeysSchema(Schema):
    class Meta:
        unknown = RAISE

    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=100))

    @validates("p256dh")
    def _p256dh(self, value, **_kwargs):
        _b64(value, P256DH_BYTES, "p256dh")

    @validates("auth")
    def _auth(self, value, **_kwargs):
        _b64(value, AUTH_BYTES, "auth")


class EndpointSchema(Schema):
    class Meta:
        unknown = RAISE

    endpoint = fields.String(
        required=True,
        validate=validate.Length(min=1, max=push_keys.MAX_ENDPOINT_LENGTH),
        metadata={"description": "the PushSubscription's endpoint"},
    )


class SubscriptionSchema(EndpointSchema):
    class Meta:
        # A browser's toJSON() may grow fields; what we keep is endpoint and keys.
        unknown = EXCLUDE

    keys = fields.Nested(KeysSchema, required=True)
    expiration_time = fields.Integer(data_key="expirationTime", allow_none=True, load_only=True)

    @validates("endpoint")
    def _endpoint(self, value, **_kwargs):
        if not push_keys.endpoint_allowed(value, runtime_of().settings.push_service_hosts):
            raise ValidationError(
                _("Not a push service we send to: an https URL of a browser's push service is expected.")
            )


class KeySchema(Schema):
    public_key = fields.String(
        required=True,
        metadata={"description": "the VAPID application-server key (base64url), for pushManager.subscribe"},
    )


class StoredSubscriptionSchema(Schema):
    endpoint = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
