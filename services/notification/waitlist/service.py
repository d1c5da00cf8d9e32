"""The waitlist's rules: joining without enumeration, double opt-in, place in line, referrals, leaving.

A sign-up request only appends the sign-up to the waitlist's inbox (shared/waitlist_inbox.py), whatever
the address: the notification worker stores the entries and emails the confirmations in batches
(`store_signups`). Whether the address was new, pending or confirmed then changes neither the answer nor
the work the request does, so timing does not tell who is on the list.

Place in line is computed, never stored as a number: entries are ordered by `line_at`, which is the moment
of confirmation moved earlier by REFERRAL_BOOST for each confirmed referral, at most MAX_REFERRAL_BOOSTS
times (so a referral farm cannot jump the whole queue).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from celery import Celery
from flask import url_for
from pymongo.errors import DuplicateKeyError

from services.notification.privacy import service as privacy
from services.notification.waitlist import abuse, repository
from services.notification.waitlist.exceptions import LinkExpired, LinkInvalid, NotOnList
from services.notification.waitlist.normalize import email_key
from services.notification.waitlist.repository import CONFIRMED, PENDING
from shared import languages, ratelimit, tokens, waitlist_inbox
from shared.email import request_email, request_emails
from shared.languages import english as _
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.pages import LANGUAGE_PARAMETER

CONFIRM_TEMPLATE = "waitlist_confirm"
PLACE_TEMPLATE = "waitlist_confirmed"  # the lasting place-in-line link, once confirmed
CONFIRM_LINK_MAX_AGE = timedelta(hours=72)
REFERRAL_BOOST = timedelta(days=1)
MAX_REFERRAL_BOOSTS = 5
REFERRAL_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes get read aloud
REFERRAL_CODE_LENGTH = 8

# The consent sentence shown next to the checkbox, by version and language. The version and language a
# person saw are stored with their entry as proof, so a text once shown never changes: add a version when
# the wording changes (in any language). It lives here, not in the page catalog, so that editing a
# translation cannot rewrite what someone agreed to. Entries stored before languages were kept saw English.
CONSENT_TEXTS = {
    "2025-01": {
        "en": (
            "I want to join the Track Your Healing waitlist. I agree to receive emails about my place on "
            "it. I can leave at any time, and my details are then erased."
        ),
        "es": (
            "Quiero unirme a la lista de espera de Track Your Healing. Acepto recibir correos sobre mi "
            "lugar en ella. Puedo salir cuando quiera, y entonces se borran mis datos."
        ),
    },
}
CONSENT_VERSION = "2025-01"

# What every sign-up is told, whatever happened (new, already listed, honeypot): no enumeration. The
# message is also the API's answer, in the client's language (marked for the service's problems catalog).
JOINED_TITLE = "Please check your inbox"
JOINED_MESSAGE = _(
    "Thank you. If this address can join the waitlist, we have sent it an email with a link to confirm "
    "your place. The link lasts 72 hours. Nothing else will be sent until you confirm."
)

# Token purposes: each link carries only the entry id, signed for one purpose.
CONFIRM_PURPOSE, LEAVE_PURPOSE, POSITION_PURPOSE = "waitlist-confirm", "waitlist-leave", "waitlist-position"
# The pages the emailed links open (waitlist/pages.py), built without a request: the worker sends them.
LINK_PATHS = {
    CONFIRM_PURPOSE: "/waitlist/confirm/{token}",
    LEAVE_PURPOSE: "/waitlist/leave/{token}",
    POSITION_PURPOSE: "/waitlist/you/{token}",
}


def consent_text(consent: dict[str, Any]) -> str | None:
    """The exact sentence a stored consent agreed to; None for a version or language we never showed."""
    texts = CONSENT_TEXTS.get(consent.get("text_version"), {})
    return texts.get(consent.get("language") or languages.DEFAULT)


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # BSON keeps milliseconds


def line_at_for(confirmed_at: datetime, credits: int) -> datetime:
    """The sort key for place in line: earlier is better."""
    return confirmed_at - REFERRAL_BOOST * min(max(credits, 0), MAX_REFERRAL_BOOSTS)


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _position in range(REFERRAL_CODE_LENGTH))


def join(celery_app: Celery, data: dict[str, Any], ip: str, user_agent: str) -> None:
    """Accept one sign-up for the worker. Returns nothing on purpose: every caller gives the same answer."""
    if data.get(abuse.HONEYPOT_FIELD):
        return  # a bot: nothing stored, nothing sent, and it is told the same as anyone
    ratelimit.enforce(abuse.JOIN_PER_EMAIL, email_key(data["email"]))
    waitlist_inbox.put(celery_app, {"signup": data, "ip": ip, "user_agent": user_agent[:512]})


def store_signups(celery_app: Celery, settings: Settings, signups: list[dict[str, Any]]) -> None:
    """Store sign-ups (`WaitlistJoinPayload`s) and email each pending entry its confirmation link, with one
    write for the new entries, one per sign-up day for their counters and one for the emails (the worker's
    half of shared/waitlist_inbox.py). Storing the same sign-ups again changes nothing and sends nothing
    twice.

    The send limits are counted for every sign-up, whatever the address's state, so a new entry is stored
    with its first send already counted. Insert first: the unique email_key index says which addresses are
    new, so a new sign-up costs no lookup; a repeat (also of an address earlier in the batch) is found after
    the refusal."""
    keys = [email_key(signup["signup"]["email"]) for signup in signups]
    decisions = ratelimit.hit_all_each(abuse.CONFIRMATION_SENDS, keys)
    docs = [
        _new_entry(signup, key, first_send=decision.allowed)
        for signup, key, decision in zip(signups, keys, decisions, strict=True)
    ]
    refused = repository.insert_new_entries(docs)
    created, repeats = [doc for i, doc in enumerate(docs) if i not in refused], []
    for position in sorted(refused):
        entry, new = _insert_again(docs[position])
        if new:
            created.append(entry)
        else:
            repeats.append((entry, decisions[position].allowed))
    emails = [_confirmation(settings, e, e["confirmation_sends"]) for e in created if e["confirmation_sends"]]
    for entry, may_send in repeats:
        if entry["status"] != PENDING:
            continue
        if entry.get("confirmation_sends"):
            # The email counted last, again: a no-op (the same key) unless a crash came between counting
            # it and recording it, so it is sent exactly once.
            emails.append(_confirmation(settings, entry, entry["confirmation_sends"]))
        sends = repository.record_confirmation_send(entry["_id"], _now()) if may_send else None
        if sends:
            emails.append(_confirmation(settings, entry, sends))
    request_emails(celery_app, emails)


def _new_entry(signup: dict[str, Any], key: str, *, first_send: bool) -> dict[str, Any]:
    """A new entry for a sign-up, as stored."""
    now = _now()
    data = signup["signup"]
    code = data.get("referral_code")
    # A sign-up queued before the form carried a language was made in English.
    language = data.get("language") if data.get("language") in languages.LANGUAGES else languages.DEFAULT
    return {
        "_id": uuid.uuid4().hex,
        "email": data["email"],
        "email_key": key,
        "name": data.get("name"),
        "status": PENDING,
        "source": data.get("source"),
        "utm": {k: v for k, v in data.items() if k.startswith("utm_") and v},
        "referred_by": repository.find_id_by_referral_code(code) if code else None,
        "referral_code": new_referral_code(),
        "referral_credited": False,
        "referral_credits": 0,
        "language": language,  # what the pages and emails speak to this person
        "consent": {
            "text_version": data.get("consent_version") or CONSENT_VERSION,
            "language": language,  # with the version: the exact text shown (CONSENT_TEXTS)
            "given_at": now,
            "ip": signup["ip"],
            "user_agent": signup.get("user_agent", "")[:512],
        },
        "created_at": now,
        "confirmed_at": None,
        "line_at": None,
        "invited_at": None,
        "invitation_id": None,
        "confirmation_sends": 1 if first_send else 0,
        "last_confirmation_sent_at": now if first_send else None,
    }


def _insert_again(doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the entry, whether it is new) for a refused insert: the one already listed for this address, or
    this one stored under a fresh referral code (the refused one had been drawn before)."""
    for _attempt in range(5):
        existing = repository.find_by_email_key(doc["email_key"])
        if existing is not None:
            return existing, False  # listed before, earlier in the batch, or at the same moment
        doc["referral_code"] = new_referral_code()
        try:
            repository.insert_entry(doc)
        except DuplicateKeyError:
            continue
        return doc, True
    raise RuntimeError("could not allocate a unique referral code")


def _confirmation(settings: Settings, entry: dict[str, Any], sends: int) -> dict[str, Any]:
    """The confirmation email for one counted send (the count is in the idempotency key)."""
    data = {
        "name": entry.get("name") or "",
        "confirm_url": link(settings, CONFIRM_PURPOSE, entry),
        "leave_url": link(settings, LEAVE_PURPOSE, entry),
        "expires_hours": int(CONFIRM_LINK_MAX_AGE.total_seconds() // 3600),
    }
    return {
        "template": CONFIRM_TEMPLATE,
        "to": entry["email"],
        "idempotency_key": f"waitlist-confirm:{entry['_id']}:{sends}",
        "data": data,
        "language": languages.of(entry),
    }


def send_place_link(runtime: Runtime, entry: dict[str, Any]) -> bool:
    """Email a confirmed entry the link to its place-in-line page, once (the confirm link expires)."""
    if entry.get("status") != CONFIRMED:
        return False
    settings = runtime.settings
    data = {
        "name": entry.get("name") or "",
        "position_url": link(settings, POSITION_PURPOSE, entry),
        "leave_url": link(settings, LEAVE_PURPOSE, entry),
    }
    return request_email(
        runtime.celery,
        template=PLACE_TEMPLATE,
        to=entry["email"],
        idempotency_key=f"waitlist-place:{entry['_id']}",
        data=data,
        language=languages.of(entry),
    )


def token_for(settings: Settings, purpose: str, entry_id: str) -> str:
    """A link token for one entry; only confirmation tokens expire (leave and position links last)."""
    return tokens.sign(settings.secret_key, purpose, entry_id, expiring=purpose == CONFIRM_PURPOSE)


def link(settings: Settings, purpose: str, entry: dict[str, Any]) -> str:
    """An absolute link for emails, carrying a token signed for `purpose` and the entry's language (the
    page finds the entry by its token; the language is for a link that no longer finds it: expired, or
    its entry erased)."""
    path = LINK_PATHS[purpose].format(token=token_for(settings, purpose, entry["_id"]))
    query = urlencode({LANGUAGE_PARAMETER: languages.of(entry)})
    return f"{settings.public_base_url.rstrip('/')}{path}?{query}"


def referral_link(settings: Settings, entry: dict[str, Any]) -> str:
    return settings.public_base_url.rstrip("/") + url_for(
        "waitlist_pages.join_form", ref=entry["referral_code"]
    )


def entry_for_token(settings: Settings, purpose: str, token: str) -> dict[str, Any]:
    """The entry a link points at; raises LinkExpired, LinkInvalid or NotOnList. Changes nothing."""
    max_age = CONFIRM_LINK_MAX_AGE if purpose == CONFIRM_PURPOSE else None
    try:
        entry_id = tokens.unsign(settings.secret_key, purpose, token, max_age)
    except tokens.TokenExpired:
        raise LinkExpired() from None
    except tokens.TokenInvalid:
        raise LinkInvalid() from None
    entry = repository.find_by_id(entry_id) if isinstance(entry_id, str) else None
    if entry is None:
        raise NotOnList()
    return entry


def confirm(runtime: Runtime, token: str) -> tuple[dict[str, Any], bool]:
    """Confirm the entry behind a link: (entry, True) the first time, (entry, False) on any replay."""
    entry = entry_for_token(runtime.settings, CONFIRM_PURPOSE, token)
    if entry["status"] != PENDING:
        # The same key: a no-op unless a crash came between confirming and asking.
        send_place_link(runtime, entry)
        return entry, False
    now = _now()
    confirmed = repository.confirm_pending(
        entry["_id"], now, line_at_for(now, entry.get("referral_credits", 0))
    )
    if confirmed is None:  # a concurrent click won; report the state it left
        return entry_for_token(runtime.settings, CONFIRM_PURPOSE, token), False
    recompute_line_at(confirmed["_id"])  # credits may have arrived between the read and the write
    credit_referrer(confirmed)
    send_place_link(runtime, confirmed)
    return repository.find_by_id(confirmed["_id"]) or confirmed, True


def credit_referrer(entry: dict[str, Any]) -> None:
    """Give the referrer one credit for a confirmed referral, exactly once."""
    if entry.get("status") == PENDING or not entry.get("referred_by"):
        return
    claimed = repository.claim_referral_credit(entry["_id"])
    if claimed is None:
        return
    # Claim first, then count: a crash in between loses one credit rather than granting two.
    referrer = repository.add_referral_credit(claimed["referred_by"])
    if referrer is not None:
        recompute_line_at(referrer["_id"])


def recompute_line_at(entry_id: str) -> None:
    """Bring line_at in step with confirmed_at and the current credits (after any change to either)."""
    for _attempt in range(10):
        entry = repository.find_by_id(entry_id)
        if entry is None or entry.get("confirmed_at") is None:
            return
        credits = entry.get("referral_credits", 0)
        if repository.set_line_at(entry_id, credits, line_at_for(entry["confirmed_at"], credits)):
            return


def leave(settings: Settings, token: str) -> bool:
    """Erase the entry behind a leave link (services/notification/privacy); False when already gone."""
    try:
        entry = entry_for_token(settings, LEAVE_PURPOSE, token)
    except NotOnList:
        return False
    return privacy.erase_entry(entry["_id"])


def position_of(entry: dict[str, Any]) -> int | None:
    """1-based place among confirmed entries by line_at (ties by id); None unless confirmed."""
    if entry.get("status") != CONFIRMED or entry.get("line_at") is None:
        return None
    return repository.count_confirmed_ahead(entry["line_at"], entry["_id"]) + 1
