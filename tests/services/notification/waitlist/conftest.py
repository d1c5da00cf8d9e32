"""A notification app with a real worker behind it; each test ends with its emails delivered."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(live_app):
    return live_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def base_url(settings):
    return settings.public_base_url.rstrip("/")
