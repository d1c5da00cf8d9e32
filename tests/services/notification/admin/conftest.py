"""An admin account, a signed-in browser-like client and an API token, on a real app and worker."""

from __future__ import annotations

import re

import pytest

from services.notification.admin import accounts

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(live_app):
    return live_app


@pytest.fixture
def admin(app):
    return accounts.create_account("Admin@Example.org", PASSWORD)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def anon(app):
    return app.test_client()


@pytest.fixture
def client(app, admin):
    """A signed-in test client; `client.csrf` is its session's form token."""
    test_client = app.test_client()
    page = test_client.get("/admin/login").get_data(as_text=True)
    response = test_client.post(
        "/admin/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    test_client.csrf = csrf_of(test_client.get("/admin/").get_data(as_text=True))
    return test_client


@pytest.fixture
def api_headers(admin):
    token, _record = accounts.create_token(admin["_id"], "tests")
    return {"Authorization": f"Bearer {token}"}
