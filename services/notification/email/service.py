"""The rules of email delivery: exactly once per idempotency key, suppression before every send,
one-click unsubscribe per category, and bounces or complaints turning into suppressions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from celery import Celery
from jinja2 import TemplateError

from services.notification.email import attachments, repository
from services.notification.email.message import build, message_id, to_bytes
from services.notification.email.sender import PermanentSendError, SmtpSender, TransientSendError
from services.notification.email.templates import (
    TEMPLATES,
    EmailTemplate,
    UnknownTemplate,
    language_for,
    render,
    template_for,
)
from shared import languages, metrics, outbox, preferences
from shared.address import smtp_address
from shared.crypto import DecryptionError
from shared.email import (
    REPORTS,
    TRANSACTIONAL,
    address_key,
    data_of,
    language_of,
    lease_seconds,
    new_outbox_record,
    template_of,
)
from shared.queue import enqueue
from shared.settings import Settings
from shared.tasks import SEND_EMAIL
from shared.tokens import TokenInvalid, seal, unseal, unsign

log = logging.getLogger(__name__)

UNSUBSCRIBE_PURPOSE = "unsubscribe"
SWEEP_BATCH = 500
# A soft bounce alone is not final; this many within the window and the address is held.
SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_WINDOW = timedelta(days=14)

SENT, SKIPPED, SUPPRESSED, FAILED = "sent", "skipped", "suppressed", "failed"
# Blocking steps in one SMTP exchange (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA and its
# reply), each given an equal share of the lease.
SEND_STEPS = 10


def unsubscribe_token(settings: Settings, to: str, category: str, template: str | None = None) -> str:
    """Encrypted (the address must not be readable in a link, a proxy's log or a forwarded email) and
    non-expiring: an old email's unsubscribe link must keep working while its key is listed. It names the
    email it came in (no personal data), so its page speaks as that email did and names what it named."""
    payload = {"a": address_key(to), "c": category} | ({"t": template} if template else {})
    return seal(settings.encryption_keys, UNSUBSCRIBE_PURPOSE, payload)


def _unsubscribe_url(settings: Settings, token: str, language: str) -> str:
    """The footer's link; its page speaks the email's language (the token names none)."""
    url = f"{settings.public_base_url}/u/{token}"
    return url if language == languages.DEFAULT else f"{url}?lang={language}"


def read_unsubscribe_token(settings: Settings, token: str) -> tuple[str, str, EmailTemplate | None]:
    """(address key, category, the email it came in: None for links made before tokens named it, or naming
    one since removed); raises shared.tokens.TokenInvalid for anything forged."""
    try:
        payload = unseal(settings.encryption_keys, UNSUBSCRIBE_PURPOSE, token)
    except TokenInvalid:
        # Links in emails sent before tokens were encrypted were only signed; they keep working.
        payload = unsign(settings.secret_key, UNSUBSCRIBE_PURPOSE, token, max_age=None)
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), str) or "c" not in payload:
        raise TokenInvalid(UNSUBSCRIBE_PURPOSE)
    name = payload.get("t")
    template = TEMPLATES.get(name) if isinstance(name, str) else None
    return payload["a"], payload["c"], template if template and template.category == payload["c"] else None


def suppression_reason(to_key: str, category: str, user_id: str | None = None) -> str | None:
    """Why this address must not get this category now, or None. Transactional mail ignores opt-outs and
    complaint suppressions; only an address that cannot receive mail at all blocks it. A person's own
    reminders and weekly reports follow their settings; any other mail, the address's opt-outs."""
    suppression = repository.find_suppression(to_key)
    if suppression and (suppression["scope"] == "all" or category != TRANSACTIONAL):
        return f"address suppressed ({suppression['reason']})"
    if category == TRANSACTIONAL:
        return None
    wanted = preferences.own_mail_wanted(to_key, category, user_id)
    if wanted is None:
        wanted = category not in repository.unsubscribed_categories(to_key)
    return None if wanted else f"unsubscribed from {category}"


def _clinician_copy_as_sent(data: dict) -> dict:
    """A person's weekly report says whether its link went to their clinician too, and that is known only
    here: an address that opted out of reports shared with it, or cannot receive mail, gets none, and the
    person must not read that it did (they would take the report as seen)."""
    clinician = data.get("clinician_email")
    if not clinician or not data.get("clinician_sent"):
        return data
    held = suppression_reason(address_key(clinician), REPORTS) is not None
    return data | {"clinician_sent": not held, "clinician_held": held}


class Busy(Exception):
    """Another attempt holds the email until `until`; if its worker died, the lease then lets this one in."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def _lease(settings: Settings, record: dict | None) -> timedelta:
    try:
        template = template_of(settings.encryption_keys, record) if record else ""
    except DecryptionError:
        template = ""  # fails for good once claimed; the claim itself needs only a length
    return timedelta(seconds=lease_seconds(settings, template))


def deliver(outbox_id: str, task_id: str, settings: Settings, sender: SmtpSender | None = None) -> str:
    """Send one outbox record at most once; raise TransientSendError when it should be retried, Busy
    while another attempt's lease runs. A worker hands in its process's sender (its connection is reused);
    without one, a connection is opened for this email alone."""
    if sender is None:
        sender = SmtpSender(settings)
        try:
            return deliver(outbox_id, task_id, settings, sender)
        finally:
            sender.close()
    now = datetime.now(UTC)
    # Claimed for the short lease (most mail), with no read first: the template that decides the lease is
    # known only once the record is in hand; slower mail then extends its own claim.
    short = timedelta(seconds=settings.outbox_lease_seconds)
    record = outbox.claim(outbox_id, task_id, now, short)
    if isinstance(record, outbox.Busy):
        raise Busy(record.until)
    if record is None:
        return SKIPPED  # sent already (or failed, suppressed, unknown)
    lease = _lease(settings, record)
    if lease > short and not outbox.extend_lease(outbox_id, task_id, now + lease):
        return SKIPPED  # taken over meanwhile: that attempt sends it
    audience = record.get("audience", outbox.ACCOUNT)
    try:
        keys = settings.encryption_keys
        template, data = template_of(keys, record), data_of(keys, record)
        if data is None:
            raise ValueError("its data is gone: it was sent before")
        spec = template_for(template)
        category = spec.category
        # Mail to someone a person named is held back by that address's opt-outs, never by the person's
        # settings: the clinician's link to a report follows the clinician's choice alone.
        user_id = None if spec.named_recipient else record.get("user_id")
        reason = suppression_reason(record["to_key"], category, user_id)
        if reason:
            outbox.mark_suppressed(outbox_id, task_id, datetime.now(UTC), reason, audience=audience)
            metrics.EMAILS.labels(SUPPRESSED).inc()
            return SUPPRESSED
        token = (
            unsubscribe_token(settings, record["to"], category, template)
            if category != TRANSACTIONAL
            else None
        )
        data = _clinician_copy_as_sent(data)
        language = language_for(template, language_of(record))
        unsubscribe_url = _unsubscribe_url(settings, token, language) if token else None
        to = smtp_address(record["to"])
        message = build(
            outbox_id,
            to,
            render(template, data, unsubscribe_url, language),
            settings,
            token,
            attachments=attachments.load(data.get("attachments"), keys),
        )
        # Each step of the send is bounded so the whole exchange ends within the lease: a live worker is
        # never taken over mid-send, which is what keeps a takeover from sending twice.
        sender.send(
            parseaddr(settings.mail_from)[1],
            to,
            to_bytes(message, settings),
            timeout=lease.total_seconds() / SEND_STEPS,
        )
    except TransientSendError as exc:
        failed_at = datetime.now(UTC)
        sweep_after = failed_at + timedelta(seconds=settings.outbox_stale_seconds)
        outbox.release_for_retry(outbox_id, task_id, failed_at, str(exc), sweep_after)
        metrics.EMAILS.labels("deferred").inc()
        raise
    except (PermanentSendError, UnknownTemplate, TemplateError, DecryptionError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        # The reason may quote the address (a server's refusal does): the log line names the kind only.
        log.warning("email failed permanently", extra={"outbox_id": outbox_id, "reason": type(exc).__name__})
        outbox.mark_failed(outbox_id, task_id, datetime.now(UTC), reason, audience=audience)
        metrics.EMAILS.labels(FAILED).inc()
        return FAILED
    outbox.mark_sent(outbox_id, task_id, datetime.now(UTC), message_id(outbox_id, settings))
    metrics.EMAILS.labels(SENT).inc()
    return SENT


def _enqueue_record(celery_app: Celery, record: dict) -> None:
    enqueue(celery_app, SEND_EMAIL, outbox_id=record["_id"])


def resend(celery_app: Celery, outbox_id: str, by: str) -> bool:
    """An admin's resend of a waitlist email that failed or was suppressed; False otherwise (a sent
    email's data is gone, and account mail is no admin's to see)."""
    record = outbox.requeue(outbox_id, datetime.now(UTC), reason=f"resend by {by}")
    if record is None:
        return False
    _enqueue_record(celery_app, record)
    return True


def sweep(celery_app: Celery, settings: Settings, now: datetime | None = None) -> int:
    """Re-enqueue records that no worker is handling: queued past their `sweep_after` (the broker lost the
    task) or sending past their lease (the worker died mid-send)."""
    now = now or datetime.now(UTC)
    legacy = now - timedelta(seconds=settings.outbox_stale_seconds)
    stuck = outbox.find_stuck(now, legacy_before=legacy, limit=SWEEP_BATCH)
    sent = 0
    for record in stuck:
        # Once per lease per record (a conditional update is the claim), so a long outage does not pile up
        # duplicate tasks, and two sweepers at once send one.
        if outbox.mark_swept(record["_id"], now, now + _lease(settings, record)):
            _enqueue_record(celery_app, record)
            sent += 1
    if sent:
        log.warning("re-enqueued stuck emails", extra={"count": sent})
    return sent


def _to_named_recipient(template: EmailTemplate | None) -> bool:
    """The link came in mail to someone a person named: its (un)subscribe is the address's alone, so a
    clinician with an account here keeps their own weekly reports as they set them."""
    return bool(template and template.named_recipient)


def unsubscribe(settings: Settings, token: str) -> tuple[str, str, EmailTemplate | None]:
    """Apply a one-click or button unsubscribe; idempotent. Returns what the token names. Reminders
    and weekly reports to an account's address are turned off in its settings (what the app shows; for a
    weekly report that also goes to a clinician, the person's own copy only: preferences.switch);
    anything else is an opt-out of the address. For the clinician's report link, that opt-out stops
    every report shared with the address and nothing else: a person's own reports follow their settings."""
    to_key, category, template = read_unsubscribe_token(settings, token)
    if category != TRANSACTIONAL:
        now = datetime.now(UTC)
        if _to_named_recipient(template):
            repository.unsubscribe(to_key, category, now, named_recipient=True)
        elif preferences.switch(to_key, category, False, now) is None:
            repository.unsubscribe(to_key, category, now)
    return to_key, category, template


def clinician_copy_goes_on(to_key: str, category: str, template: EmailTemplate | None) -> bool:
    """A person's own weekly report link: the report still goes on to a clinician they named, as the page
    says (the link stops only the person's own copy)."""
    return category == REPORTS and not _to_named_recipient(template) and preferences.clinician_copy_at(to_key)


def adopt_account_opt_outs() -> int:
    """At start: opt-outs of an account's own reminders or reports that were stored per address (before the
    settings held them) move into its settings, so nothing outside the settings still decides; how many.
    Safe to repeat: unsubscribing no longer stores such opt-outs (one from mail to the address as someone's
    named recipient is marked so), and each one moved is removed here."""
    now, moved = datetime.now(UTC), 0
    for row in repository.opt_outs_of(tuple(preferences.KIND_OF_CATEGORY)):
        own = set(row["unsubscribed"]) - set(row.get(repository.AS_NAMED_RECIPIENT, []))
        for category in own & set(preferences.KIND_OF_CATEGORY):
            if preferences.adopt_opt_out(row["_id"], category, row.get("updated_at") or now, now):
                repository.resubscribe(row["_id"], category, now)
                moved += 1
    return moved


def resubscribe(settings: Settings, token: str) -> tuple[str, str, EmailTemplate | None]:
    """Undo an unsubscribe: in the account's settings where it was made there, and at the address."""
    to_key, category, template = read_unsubscribe_token(settings, token)
    now = datetime.now(UTC)
    if category != TRANSACTIONAL and not _to_named_recipient(template):
        preferences.switch(to_key, category, True, now)
    repository.resubscribe(to_key, category, now)
    return to_key, category, template


def record_provider_event(event: dict[str, Any]) -> str | None:
    """Store a bounce or complaint and suppress the address when it calls for it; returns the scope."""
    now = datetime.now(UTC)
    to_key = address_key(event["email"])
    kind, bounce_type = event["type"], event.get("bounce_type")
    metrics.EMAILS.labels("bounced" if kind == "bounce" else "complained").inc()
    repository.record_event(
        {
            "address": to_key,
            "type": kind,
            "bounce_type": bounce_type,
            "detail": event.get("detail", "")[:500],
            "at": event.get("occurred_at") or now,
            "received_at": now,
        }
    )
    if kind == "complaint":
        scope, reason = "non_transactional", "complaint"
    elif kind == "bounce" and bounce_type == "hard":
        scope, reason = "all", "hard bounce"
    elif (
        kind == "bounce"
        and repository.count_events(to_key, "bounce", now - SOFT_BOUNCE_WINDOW) >= SOFT_BOUNCE_LIMIT
    ):
        scope, reason = "all", f"{SOFT_BOUNCE_LIMIT} soft bounces within {SOFT_BOUNCE_WINDOW.days} days"
    else:
        return None
    repository.suppress(to_key, scope, reason, now, event.get("detail", ""))
    return scope


ACCOUNT_ERASED = "account_erased"


def confirm_erasure(
    celery_app: Celery, settings: Settings, to: str, idempotency_key: str, language: str | None = None
) -> None:
    """Email an erased account's address that it is done, once per key (services/notification/privacy),
    in the language the account had."""
    # No user_id on the confirmation: the account it would point to no longer exists.
    request = {"template": ACCOUNT_ERASED, "to": to, "data": {}, "idempotency_key": idempotency_key}
    record = new_outbox_record(settings, request | {"language": language or languages.DEFAULT})
    outbox.upsert_queued(record)  # durable before it is signalled; the sweeper covers a lost task
    _enqueue_record(celery_app, record)
