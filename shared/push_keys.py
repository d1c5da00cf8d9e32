"""Web Push's two rules that both HTTP services and the notifier share: the VAPID key pair (RFC 8292) the
server signs with, and which endpoint URLs we will ever send to.

The private key is a setting (VAPID_PRIVATE_KEY: the raw 32-byte P-256 scalar, base64url), never logged;
the application-server key browsers subscribe with is its public half, derived here. Push is off when the
key is not set.

Endpoints are URLs the browser hands us and our server then POSTs to, so they are an SSRF risk: only
https on the default port, to a host on the PUSH_SERVICE_HOSTS allow-list (the browsers' push services;
`*.example.com` matches its subdomains), no user or password in the URL. An entry `http://HOST` lets plain
http to that host on any port (a local test push service on 127.0.0.1; refused in production).
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,web.push.apple.com,"
    "*.push.apple.com"
)
MAX_ENDPOINT_LENGTH = 1024


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding (also accepts standard base64's + and /)."""
    text = text.strip().replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key(raw: str) -> ec.EllipticCurvePrivateKey:
    value = int.from_bytes(b64url_decode(raw), "big")
    return ec.derive_private_key(value, ec.SECP256R1())


def parse_private_key(raw: str) -> str:
    """Settings coercer: a base64url P-256 private key (32 bytes)."""
    try:
        if len(b64url_decode(raw)) != 32:
            raise ValueError
        private_key(raw)
    except ValueError:
        raise ValueError(
            "expected a P-256 private key as 32 base64url bytes (python -m devtools.vapid makes one)"
        ) from None
    return raw.strip()


def generate_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def application_server_key(raw_private: str) -> str:
    """The public key browsers subscribe with: the uncompressed P-256 point, base64url."""
    public = private_key(raw_private).public_key()
    return b64url(
        public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def host_list(raw: str) -> list[str]:
    return [h.strip().lower() for h in raw.split(",") if h.strip()]


def parse_hosts(raw: str) -> str:
    """Settings coercer: comma-separated host names, `*.domain` for its subdomains, `http://host` for a
    local test service."""
    hosts = host_list(raw)
    for host in hosts:
        name = host.removeprefix("http://").removeprefix("*.")
        if not name or "/" in name or ":" in name or "*" in name or "@" in name:
            raise ValueError(f"{host!r} is not a host name, *.domain or http://host")
    return ",".join(hosts)


def parse_subject(raw: str) -> str:
    """Settings coercer: VAPID's `sub`, a mailto: or https: URL (RFC 8292)."""
    if not raw.startswith(("mailto:", "https://")):
        raise ValueError("expected a mailto: or https:// URL")
    return raw


def endpoint_allowed(endpoint: str, allowed: str) -> bool:
    """Whether we may POST to this push endpoint (`allowed`: the PUSH_SERVICE_HOSTS setting)."""
    hosts = host_list(allowed)
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return False
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError:
        return False
    host = (url.hostname or "").lower()
    if not host or url.username is not None or url.password is not None or url.fragment:
        return False
    if url.scheme == "http":
        return f"http://{host}" in hosts
    if url.scheme != "https" or port not in (None, 443):
        return False
    return any(
        host == entry or (entry.startswith("*.") and host.endswith(entry[1:]))
        for entry in hosts
        if not entry.startswith("http://")
    )
