"""Security headers from shared/web/headers.py, on the real pages and API answers of both services."""

from __future__ import annotations

import dataclasses

import pytest

from services.notification.waitlist import service as waitlist_service
from shared import invitations
from shared.runtime import runtime_of
from shared.web.headers import HSTS, extend_policy, policy_for
from tests.factories import waitlist
from tests.factories.accounts import person


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_strict_page(response) -> None:
    assert response.mimetype == "text/html"
    csp = directives(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'none'"
    assert (
        csp["script-src"] == "'self'"
    )  # static files of ours only: no inline script, nothing from elsewhere
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def notification(notification_app, redis):
    return notification_app.test_client()


@pytest.fixture
def ingestion(ingestion_app, redis):
    return ingestion_app.test_client()


def test_every_notification_page_has_a_strict_policy_and_cannot_be_framed(notification_app, notification):
    entry = waitlist.entry(1, status="pending")
    settings = runtime_of(notification_app).settings
    with notification_app.test_request_context():
        confirm = waitlist_service.token_for(settings, waitlist_service.CONFIRM_PURPOSE, entry["_id"])
        leave = waitlist_service.token_for(settings, waitlist_service.LEAVE_PURPOSE, entry["_id"])
    pages = ["/waitlist", f"/waitlist/confirm/{confirm}", f"/waitlist/leave/{leave}", "/u/not-a-token",
             "/admin/login", "/waitlist/confirm/forged"]  # fmt: skip
    for path in pages:
        response = notification.get(path)
        assert response.status_code < 500, path
        assert_strict_page(response)
    assert b"<button" in notification.get(f"/waitlist/confirm/{confirm}").data  # a page with a button


def test_invitation_and_report_link_pages_have_a_strict_policy(settings, ingestion):
    _invitation, url = invitations.create_invitation(settings, email="robin@example.org", created_by="t")
    form = ingestion.get("/invitations/" + url.rsplit("/", 1)[1])
    assert b"<button" in form.data
    assert_strict_page(form)
    assert_strict_page(ingestion.get("/invitations/forged"))
    unavailable = ingestion.get("/shared/reports/forged")
    assert unavailable.status_code == 404
    assert_strict_page(unavailable)


def test_api_answers_with_personal_data_are_never_stored(ingestion):
    _user, headers = person()
    for path in ("/v1/me", "/v1/events", "/v1/summaries", "/v1/reports", "/v1/me/devices"):
        response = ingestion.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    problem = ingestion.get("/v1/me")
    assert (problem.status_code, problem.headers["X-Content-Type-Options"]) == (401, "nosniff")


def test_static_files_keep_their_own_caching(notification):
    with notification.get("/assets/site.css") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_in_production(settings, db, redis):
    from tests.support.runtimes import notification_app

    assert "Strict-Transport-Security" not in notification_app(settings).test_client().get("/healthz").headers
    production = notification_app(dataclasses.replace(settings, environment="production"))
    assert production.test_client().get("/healthz").headers["Strict-Transport-Security"] == HSTS


def test_a_path_can_allow_more_without_loosening_the_rest(ingestion_app):
    extended = extend_policy(ingestion_app, "/app/", connect_src=("'self'",), worker_src=("'self'",))
    assert policy_for(ingestion_app, "/app/index.html") == extended
    assert "connect-src 'self'" in extended and "frame-ancestors 'none'" in extended
    assert "connect-src" not in policy_for(ingestion_app, "/invitations/x")
