"""Abuse controls for the public sign-up: rate limits, the honeypot field and disposable domains.

The public form has no session, so it carries no CSRF token: a forged cross-site sign-up can do no more
than a direct one (it still needs the person to confirm from their inbox), and bots are slowed by the
honeypot and the per-IP and per-address limits below. Confirm and leave forms are authorised by the
signed token in their URL, which a third-party site cannot know.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import request

from services.notification.waitlist.normalize import split_address
from shared.ratelimit import Limit

# Sign-ups from one IP address. Generous enough for a household or a clinic behind one address.
JOIN_PER_IP = (Limit("waitlist-join-ip-minute", 10, 60), Limit("waitlist-join-ip-hour", 60, 3600))
# Sign-ups naming one address (by its normalised key), whatever their origin.
JOIN_PER_EMAIL = (Limit("waitlist-join-email-hour", 5, 3600),)
# Confirmation emails to one address: beyond these a repeat sign-up still gets the same neutral answer,
# only no new email is sent.
CONFIRMATION_SENDS = (
    Limit("waitlist-confirm-send-10min", 1, 600),
    Limit("waitlist-confirm-send-day", 3, 86400),
)

# Bots fill every field; people never see this one (hidden by CSS, skipped by keyboard and autofill).
HONEYPOT_FIELD = "website"

DISPOSABLE_DOMAINS_FILE = Path(__file__).with_name("disposable_domains.txt")


@cache
def disposable_domains() -> frozenset[str]:
    lines = DISPOSABLE_DOMAINS_FILE.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _most_labels() -> int:
    return max((domain.count(".") + 1 for domain in disposable_domains()), default=0)


def parent_domains(domain: str) -> list[str]:
    """The domain and its parents that could be listed: only as many labels as the longest listed name has
    (a.b.mailinator.com is looked up as b.mailinator.com and mailinator.com), so the work is linear in the
    domain's length, never one lookup per label of an address made of thousands of them."""
    most = _most_labels()
    labels = domain.rsplit(".", most)
    if len(labels) > most:
        labels = labels[1:]  # the first part holds every label further left, none of which can matter
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def is_disposable(address: str) -> bool:
    """True when the address's domain, or any parent domain, is a known throw-away provider."""
    _, domain = split_address(address)
    blocked = disposable_domains()
    return any(candidate in blocked for candidate in parent_domains(domain))


def client_ip() -> str:
    """The caller's address; X-Forwarded-For counts only through ProxyFix (TRUSTED_PROXY_COUNT)."""
    return request.remote_addr or "unknown"
