"""Encryption at rest for free text (notes, custom labels) and stored files: Fernet, with key rotation.

ENCRYPTION_KEYS holds one or more Fernet keys, newest first. New values are encrypted with the first;
any listed key decrypts, so a key can be rotated in by putting it first. No job re-encrypts stored values
yet, so an older key stays listed while anything it sealed is kept.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"  # marks a stored value as ciphertext


class DecryptionError(Exception):
    """No configured key opens this value (a retired key, or corrupted data)."""


@cache
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def key_ring(keys: str) -> MultiFernet:
    """The ring itself, for values that are not text (shared/files.py seals files piece by piece)."""
    return _fernet(keys)


def parse_keys(raw: str) -> str:
    """Settings coercer: every comma-separated key must be a valid Fernet key."""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ValueError("expected at least one Fernet key")
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError:
            raise ValueError(
                "each key must be 32 url-safe base64-encoded bytes (Fernet.generate_key())"
            ) from None
    return ",".join(keys)


def encrypt(keys: str, plaintext: str | None) -> str | None:
    if plaintext is None:
        return None
    return PREFIX + _fernet(keys).encrypt(plaintext.encode()).decode()


def decrypt(keys: str, stored: str | None) -> str | None:
    if stored is None:
        return None
    if not stored.startswith(PREFIX):
        raise DecryptionError("value is not encrypted")
    try:
        return _fernet(keys).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this value") from None
