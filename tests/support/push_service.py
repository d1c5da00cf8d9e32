"""A Web Push service on loopback, for tests (the browsers' push services cannot be reached here).

It does what a real one must for our messages to reach a browser, and checks what only a browser could:
it verifies the VAPID token (RFC 8292: ES256 signature by the key in `k`, which must be the server's
application-server key; audience this service's origin; expiry within 24 hours; a contact `sub`), then
decrypts the aes128gcm payload (RFC 8291) with the key pair and auth secret the test generated as the
subscription, and answers 201, or the status set for that subscription (410: gone). Messages with the same
Topic header replace each other, as RFC 8030 lets a push service do while one is undelivered.
`hold()` makes it take a message and then wait before answering (a send under way when a worker dies).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from shared.push_keys import b64url_decode
from tests.support.push_keys import BrowserKeys


@dataclass
class Message:
    name: str  # the subscription it was sent to
    payload: dict[str, Any]
    headers: dict[str, str]  # names in lower case


@dataclass
class Subscriber:
    keys: BrowserKeys
    status: int = 201


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    def __init__(self, application_server_key: str) -> None:
        self.application_server_key = application_server_key
        self.subscribers: dict[str, Subscriber] = {}
        self.posts: list[Message] = []  # every message taken, in order
        self.inbox: dict[tuple[str, str], Message] = {}  # (subscription, topic) -> the latest
        self.refused: list[str] = []  # why a request was refused (a test expects none)
        self.held = threading.Event()  # set while a message waits for release
        self._release = threading.Event()
        self._release.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> PushService:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def subscribe(self, name: str, status: int = 201) -> dict:
        """A new browser subscription at this service: what PushSubscription.toJSON() would give."""
        keys = BrowserKeys()
        self.subscribers[name] = Subscriber(keys, status)
        return keys.subscription(f"{self.url}/push/{name}")

    def hold(self) -> None:
        self.held.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def messages(self, name: str) -> list[Message]:
        return [m for (n, _topic), m in self.inbox.items() if n == name]

    def _verify_vapid(self, authorization: str) -> str | None:
        """None when the VAPID token is good; otherwise why not."""
        try:
            scheme, params = authorization.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in params.split(","))
            token, key = fields["t"], fields["k"]
            header_b64, claims_b64, signature_b64 = token.split(".")
            header, claims = json.loads(_unb64(header_b64)), json.loads(_unb64(claims_b64))
        except (ValueError, KeyError):
            return "no vapid t= and k= with a JWT"
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        raw = _unb64(signature_b64)
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        checks = {
            "not vapid": scheme == "vapid",
            "not our application-server key": key == self.application_server_key,
            "not ES256": header.get("alg") == "ES256",
            f"audience {claims.get('aud')!r}": claims.get("aud") == self.url,
            "expiry not within 24 hours": time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600,
            "no contact in sub": str(claims.get("sub", "")).startswith(("mailto:", "https://")),
        }
        return next((why for why, ok in checks.items() if not ok), None)

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_POST(self) -> None:
                name = self.path.removeprefix("/push/")
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                subscriber = service.subscribers.get(name)
                problem = service._verify_vapid(self.headers.get("Authorization", ""))
                if subscriber is None:
                    problem = "unknown subscription"
                elif self.headers.get("Content-Encoding") != "aes128gcm" or not self.headers.get("TTL"):
                    problem = "not aes128gcm with a TTL"
                if problem is None and subscriber.status == 201:
                    try:
                        plain = http_ece.decrypt(
                            body,
                            private_key=subscriber.keys.private,
                            auth_secret=subscriber.keys.auth,
                            version="aes128gcm",
                        )
                        message = Message(
                            name, json.loads(plain), {k.lower(): v for k, v in self.headers.items()}
                        )
                    except Exception as exc:  # noqa: BLE001 - any failure to decrypt is the finding
                        problem = f"cannot decrypt: {exc!r}"
                    else:
                        service.posts.append(message)
                        service.inbox[(name, self.headers.get("Topic", ""))] = message
                        service.held.set()
                        service._release.wait(60)
                if problem is not None:
                    service.refused.append(problem)
                    self.send_response(400)
                else:
                    self.send_response(subscriber.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
