"""Encryption at rest for free text (notes, custom labels) and stored files: Fernet, with key rotation.

ENCRYPTION_KEYS holds one or more Fernet keys, newest first. New values are encrypted with the first;
any listed key decrypts, so a key can be rotated in by putting it first. `python -m
services.workers.rotate_keys` then re-seals every stored value under the first key (each store's owner
re-seals its own documents; shared/key_rotation.py lists them), after which an older key can be removed
once the links sealed with it have lived out their time (docs/operations.md, "Rotating the encryption key").
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


@cache
def _first(keys: str) -> Fernet:
    return Fernet(keys.split(",", 1)[0].strip().encode())


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


def rotate_token(keys: str, token: bytes) -> bytes | None:
    """A Fernet token re-sealed under the first key (MultiFernet.rotate: same plaintext and timestamp), or
    None when the first key sealed it already; DecryptionError when no listed key opens it. Fernet tokens
    do not say which key made them, so the first key alone is tried first."""
    try:
        _first(keys).decrypt(token)
    except InvalidToken:
        pass
    else:
        return None
    try:
        return _fernet(keys).rotate(token)
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this value") from None


def rotate(keys: str, stored: str) -> str | None:
    """A value stored by `encrypt`, re-sealed under the first key; None when it is already (or is not
    ciphertext at all); DecryptionError when no listed key opens it."""
    if not stored.startswith(PREFIX):
        return None
    rotated = rotate_token(keys, stored[len(PREFIX) :].encode())
    return None if rotated is None else PREFIX + rotated.decode()
