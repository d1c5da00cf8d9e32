"""Celery tasks for email: send one outbox record, sweep for records nobody is handling, issue a sign-in
code, and forget an erased account's address (services/notification/privacy)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from celery import shared_task
from marshmallow import ValidationError

from services.notification.email import service
from services.notification.email.sender import TransientSendError
from services.notification.privacy import service as privacy
from shared import sign_in
from shared.celery_app import BaseTask
from shared.tasks import (
    ERASE_ADDRESS,
    SEND_EMAIL,
    SEND_SIGN_IN_CODE,
    SWEEP_OUTBOX,
    EraseAddressPayload,
    SendEmailPayload,
    SignInCodeRequest,
)

MAX_SEND_RETRIES = 10  # with backoff capped at 5 minutes: about half an hour of SMTP outage


@shared_task(
    name=SEND_EMAIL.name,
    bind=True,
    autoretry_for=(TransientSendError, *BaseTask.autoretry_for),
    dont_autoretry_for=(ValidationError,),
    max_retries=MAX_SEND_RETRIES,
)
def send_email(self, **payload) -> str:
    """Deliver one outbox record exactly once."""
    outbox_id = SendEmailPayload().load(payload)["outbox_id"]
    try:
        return service.deliver(outbox_id, self.request.id, self.runtime.settings, self.runtime.email_sender)
    except service.Busy as busy:
        # Another attempt holds it (this task redelivered after its worker died, or a duplicate): come
        # back when that lease ends; a dead holder's claim is then taken over, a live one has finished.
        wait = (busy.until - datetime.now(UTC)).total_seconds()
        raise self.retry(countdown=max(1, math.ceil(wait) + 1)) from None


@shared_task(name=SEND_SIGN_IN_CODE.name, bind=True, dont_autoretry_for=(ValidationError,))
def send_sign_in_code(self, **payload) -> None:
    """Email a sign-in code if the address has an account (the request could not tell, by design)."""
    request = SignInCodeRequest().load(payload)
    sign_in.issue_code(
        self.app, self.runtime.settings, request["email"], self.request.id, request["language"]
    )


@shared_task(name=SWEEP_OUTBOX.name, bind=True)
def sweep_outbox(self) -> int:
    """Re-enqueue emails stuck in queued or sending (lost by the broker, or their worker died)."""
    return service.sweep(self.app, self.runtime.settings)


@shared_task(name=ERASE_ADDRESS.name, bind=True, dont_autoretry_for=(ValidationError,))
def erase_address(self, **payload) -> None:
    """Erase what email keeps about an erased account's address, then send the confirmation."""
    payload = EraseAddressPayload().load(payload)
    privacy.erase_account_address(
        self.app, self.runtime.settings, payload["to"], payload["idempotency_key"], payload["language"]
    )
