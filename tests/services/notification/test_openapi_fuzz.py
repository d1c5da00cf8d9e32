"""Fuzz the notification service's published JSON API (waitlist, email provider hook) against the real app:
no 5xx, every answer documented."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.support.fuzz import fuzz_every_operation, fuzz_hostile_bodies


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_every_operation_answers_as_documented(notification_app, redis, settings, mode):
    provider = {"Authorization": f"Bearer {settings.webhook_secret}"}
    fuzz_every_operation(notification_app, mode, headers=provider)


def test_hostile_values_never_answer_a_server_error(notification_app, redis, settings):
    """Lone surrogates, control characters, objects and lists for scalars, huge integers, deep nesting."""
    fuzz_hostile_bodies(notification_app, headers={"Authorization": f"Bearer {settings.webhook_secret}"})
