"""The waitlist's keys: an email address's duplicate-detection key (the address as typed is kept for
sending), and a source's.

Rules are provider-specific on purpose: Gmail ignores dots and `+tags` and treats googlemail.com as
gmail.com. A `+tag` is dropped only at providers known to deliver `name+tag` to `name`; elsewhere `+` may be
a real part of a different person's address, and merging two people would silently keep one of them off
the list (no-enumeration means we could never tell them).
"""

from __future__ import annotations

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Providers that document plus-addressing (a `+tag` reaches the same mailbox). Dots still matter here.
PLUS_ADDRESSING_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "fastmail.fm",
        "proton.me",
        "protonmail.com",
        "pm.me",
    }
)


def split_address(address: str) -> tuple[str, str]:
    """(local part, lower-cased domain) of a syntactically valid address."""
    local, _, domain = address.strip().rpartition("@")
    return local, domain.lower().rstrip(".")


def email_key(address: str) -> str:
    """The normalised form two sign-ups of the same mailbox share (unique in waitlist_entries)."""
    local, domain = split_address(address)
    local = local.lower()
    if domain in GMAIL_DOMAINS:
        return f"{local.split('+', 1)[0].replace('.', '')}@gmail.com"
    if domain in PLUS_ADDRESSING_DOMAINS:
        local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def source_key(source: str | None) -> str | None:
    """One source whatever its case: 'Reddit' and 'reddit' are one source."""
    return source.casefold() if source else None
