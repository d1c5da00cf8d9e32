"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), by pywebpush.

`send` answers the push service's HTTP status (0 when it could not be reached), so the caller decides:
201 delivered, 404/410 the subscription is gone. An endpoint off the PUSH_SERVICE_HOSTS allow-list is
never contacted (checked again here: the list may have changed since it was stored), and redirects are
not followed. The private key stays in this object; nothing here logs.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPusher

from shared import push_keys
from shared.settings import Settings

TIMEOUT_S = 10
VAPID_TOKEN_S = 12 * 3600  # RFC 8292: at most 24 hours
REFUSED = -1  # not sent: the endpoint is not on the allow-list
UNREACHABLE = 0


class WebPushSender:
    def __init__(self, settings: Settings) -> None:
        key = settings.vapid_private_key
        self._vapid = Vapid.from_string(key) if key else None
        self._subject = settings.vapid_subject
        self._hosts = settings.push_service_hosts
        self._session: requests.Session | None = None  # made in the pool process that sends

    @property
    def configured(self) -> bool:
        return self._vapid is not None

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.max_redirects = 0  # a redirect is an error: never POST where it points
        return self._session

    def send(self, subscription: dict[str, Any], payload: dict[str, Any], *, ttl: int, topic: str) -> int:
        """Encrypt `payload` for the subscription and POST it; the push service's status code."""
        endpoint = subscription["endpoint"]
        if self._vapid is None or not push_keys.endpoint_allowed(endpoint, self._hosts):
            return REFUSED
        url = urlsplit(endpoint)
        claims = {
            "sub": self._subject,
            "aud": f"{url.scheme}://{url.netloc}",
            "exp": int(time.time()) + VAPID_TOKEN_S,
        }
        # Urgency: a reminder at a dose time is worth waking the device for. Topic: a push service holding
        # an undelivered copy (a send taken over after a worker died) replaces it instead of adding one.
        headers = self._vapid.sign(claims) | {"Urgency": "high", "Topic": topic}
        pusher = WebPusher(
            {"endpoint": endpoint, "keys": subscription["keys"]}, requests_session=self._http()
        )
        try:
            response = pusher.send(
                json.dumps(payload), headers, ttl=ttl, content_encoding="aes128gcm", timeout=TIMEOUT_S
            )
        except requests.RequestException:
            return UNREACHABLE
        return response.status_code
