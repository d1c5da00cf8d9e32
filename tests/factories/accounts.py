"""People with device tokens, made through the accounts service itself."""

from __future__ import annotations

import uuid

from services.ingestion.accounts import service


def person(
    email: str | None = None, time_zone: str = "Europe/London", name: str = "Sam"
) -> tuple[dict, dict]:
    """(user, auth headers) for a new account."""
    email = email or f"{uuid.uuid4().hex[:10]}@example.org"
    user = service.create_account(email, name, time_zone, {"recorded_by": "test"})
    token, _device = service.issue_device_token(user["_id"], "test phone", "ios")
    return user, {"Authorization": f"Bearer {token}"}
