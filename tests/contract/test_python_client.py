"""A Python client generated from the ingestion document (openapi-python-client, as app developers do)
drives the real stack: gunicorn, Redis, FerretDB, a Celery worker building reports, exports and sign-in
emails. Every answer must parse into its declared type with no field the document leaves out, and every
status must be one the operation declares (the client raises on any other)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from services.ingestion.accounts import service as accounts
from tests.contract.conftest import SERVICES
from tests.support.servers import VENV_BIN, child_env, free_port, gunicorn, http_ready, wait_for

# Downloads are files or pages, which the generator types by these stand-ins (docs/api.md says the same).
CONFIG = """\
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  application/zip: application/octet-stream
  text/html: text/plain
"""
TIME_ZONE = "Europe/London"


@pytest.fixture(scope="session")
def client_package(document_files, tmp_path_factory):
    """The generated packages `ingestion_client` and `notification_client`, generated once per session
    and importable."""
    directory = tmp_path_factory.mktemp("python-client")
    (directory / "config.yaml").write_text(CONFIG)
    for service in SERVICES:
        subprocess.run(
            [
                str(VENV_BIN / "openapi-python-client"),
                "generate",
                "--path",
                str(document_files[service]),
                "--meta",
                "none",
                "--config",
                str(directory / "config.yaml"),
                "--output-path",
                str(directory / f"{service}_client"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module("ingestion_client")
    finally:
        sys.path.remove(str(directory))


@pytest.fixture
def base_url(settings, db, redis, celery_worker_all, tmp_path):
    """The ingestion service under gunicorn; its tasks go to the test's real worker (same broker)."""
    port = free_port()
    web = gunicorn("services.ingestion.wsgi:app", port, child_env(settings.as_env()), tmp_path / "web.log")
    web.start()
    try:
        wait_for(lambda: http_ready(f"http://127.0.0.1:{port}/readyz"), 30, "ingestion under gunicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        web.stop()


def undescribed(value, where: str = "body") -> list[str]:
    """Fields the answer carried that its declared type does not name (free-form objects aside)."""
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in undescribed(item, f"{where}[{i}]")]
    if not attrs.has(type(value)):
        return []
    declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    extra = getattr(value, "additional_properties", {}) if declared else {}
    found = [f"{where}.{name}" for name in extra]
    for name in declared:
        found += undescribed(getattr(value, name), f"{where}.{name}")
    return found


class Answers:
    """Calls an operation's `sync_detailed` and checks its answer: the expected status, parsed into the
    expected type, every field described."""

    def __init__(self, client):
        self.client = client

    def __call__(self, operation, status: int, parsed_type, *args, **kwargs):
        response = operation.sync_detailed(*args, client=self.client, **kwargs)
        assert response.status_code == status, (operation.__name__, response.status_code, response.content)
        if parsed_type is None:
            assert response.parsed is None
        else:
            assert isinstance(response.parsed, parsed_type), (operation.__name__, response.parsed)
            assert undescribed(response.parsed) == [], operation.__name__
        return response.parsed


def wait_until(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return result


def test_round_trip_through_the_generated_client(client_package, base_url, mailbox):
    from ingestion_client import AuthenticatedClient

    token = _sign_in(base_url, mailbox)
    with AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True) as client:
        call = Answers(client)
        today = _events(call)
        _report(call, today)
        _export(call)


def _sign_in(base_url, mailbox) -> str:
    """Sign in with an emailed code; a wrong token is a declared 401."""
    from ingestion_client import AuthenticatedClient, Client, models
    from ingestion_client.api.accounts import exchange_sign_in_code, get_me, request_sign_in_code

    email = f"{uuid.uuid4().hex[:10]}@example.org"
    accounts.create_account(email, "Sam", TIME_ZONE, {"recorded_by": "test"})
    with Client(base_url=base_url, raise_on_unexpected_status=True) as client:
        public = Answers(client)
        public(request_sign_in_code, 202, models.CodeRequested, body=models.CodeRequest(email=email))
        (message,) = mailbox.wait_for(1, timeout=30)
        text = message.get_body(preferencelist=("plain",)).get_content()
        code = re.search(r"\b(\d{6})\b", text).group(1)
        asked = models.TokenRequest(email=email, code=code, platform=models.TokenRequestPlatform.IOS)
        token = public(exchange_sign_in_code, 201, models.DeviceToken, body=asked).token
    with AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True) as client:
        assert Answers(client)(get_me, 200, models.Me).email == email
    with AuthenticatedClient(base_url=base_url, token="tyh_nope", raise_on_unexpected_status=True) as client:
        assert Answers(client)(get_me, 401, models.Problem).status == 401
    return token


def _events(call):
    """One event, sent twice (a retry), a batch of the other types, all read back by cursor, and
    summaries. Returns the person's local today."""
    from ingestion_client import models
    from ingestion_client.api.events import create_event, create_event_batch, list_events
    from ingestion_client.api.summaries import get_summaries

    now = datetime.now(ZoneInfo(TIME_ZONE)).replace(microsecond=0)
    check_in = models.SingleCheckInEvent(
        event_id=str(uuid.uuid4()),
        type_=models.SingleCheckInEventType.CHECK_IN,
        overall=6,
        occurred_at=now - timedelta(hours=1),
        sent_at=now,
    )
    first = call(create_event, 202, models.EventResult, body=check_in)
    assert first.status == models.EventResultStatus.ACCEPTED
    again = call(create_event, 200, models.EventResult, body=check_in)
    assert again.status == models.EventResultStatus.DUPLICATE
    earlier = now - timedelta(days=1)
    batch = models.Batch(
        sent_at=now,
        events=[
            models.SymptomEventWithCode(
                event_id=str(uuid.uuid4()),
                type_=models.SymptomEventWithCodeType.SYMPTOM,
                code="insomnia",
                severity=3,
                occurred_at=earlier,
            ),
            models.DoseEventWithMedication(
                event_id=str(uuid.uuid4()),
                type_=models.DoseEventWithMedicationType.DOSE,
                medication="clonazepam",
                amount_mg=0.5,
                occurred_at=earlier,
            ),
            models.NoteEvent(
                event_id=str(uuid.uuid4()),
                type_=models.NoteEventType.NOTE,
                text="Slept badly",
                occurred_at=earlier,
            ),
        ],
    )
    stored = call(create_event_batch, 200, models.BatchResult, body=batch)
    assert (stored.accepted, stored.duplicate, stored.rejected) == (3, 0, 0), stored

    # Every event, two to a page, by cursor.
    page = call(list_events, 200, models.EventPage, limit=2)
    seen = [e.event_id for e in page.events]
    while page.next_cursor:
        page = call(list_events, 200, models.EventPage, limit=2, cursor=page.next_cursor)
        seen += [e.event_id for e in page.events]
    assert sorted(seen) == sorted([check_in.event_id, *(e.event_id for e in batch.events)])

    # Summaries say which days they cover.
    today = now.date()
    summary = call(get_summaries, 200, models.Summary, from_=today - timedelta(days=6), to=today)
    assert (summary.from_, summary.to) == (today - timedelta(days=6), today)
    return today


def _report(call, today):
    """A report, built by the worker, downloaded as a PDF and a page, then shared and revoked."""
    from ingestion_client import models
    from ingestion_client.api.reports import (
        create_report,
        create_share,
        download_report_pdf,
        get_report,
        get_report_html,
        list_shares,
        revoke_share,
    )
    from ingestion_client.types import File

    period = models.ReportRequest(period_start=today - timedelta(days=2), period_end=today)
    report = call(create_report, 202, models.Report, body=period)
    refused = models.ReportRequest(period_start=today, period_end=today - timedelta(days=1))
    assert call(create_report, 422, models.Problem, body=refused).status == 422
    ready = wait_until(
        lambda: (
            (r := call(get_report, 200, models.Report, report.id)).status == models.ReportStatus.READY and r
        ),
        "the report",
    )
    assert ready.pdf_url and ready.html_url
    pdf = call(download_report_pdf, 200, File, report.id)
    assert pdf.payload.read().startswith(b"%PDF")
    assert "<html" in call(get_report_html, 200, str, report.id).lower()
    assert call(get_report, 404, models.Problem, "no-such-report").status == 404
    share = call(create_share, 201, models.Share, report.id, body=models.ShareRequest(expires_in_days=7))
    assert share.status == models.ShareStatus.ACTIVE and share.url
    call(revoke_share, 204, None, report.id, share.id)
    (revoked,) = call(list_shares, 200, models.ShareList, report.id).shares
    assert (revoked.status, revoked.url) == (models.ShareStatus.REVOKED, None)


def _export(call):
    """Export: at once for a small account, and in the background."""
    from ingestion_client import models
    from ingestion_client.api.privacy import download_export, export_now, get_export, request_export
    from ingestion_client.types import File

    assert call(export_now, 200, File).payload.read().startswith(b"PK")
    export = call(request_export, 202, models.Export)
    wait_until(
        lambda: call(get_export, 200, models.Export, export.id).status == models.ExportStatus.READY,
        "the export",
    )
    assert call(download_export, 200, File, export.id).payload.read().startswith(b"PK")


@pytest.mark.usefixtures("client_package", "redis", "db")
def test_the_notification_client_joins_the_waitlist_and_reports_bounces(apps, settings):
    """The notification document's client, over WSGI into the real app (Redis, FerretDB)."""
    import httpx
    from notification_client import AuthenticatedClient, Client, models
    from notification_client.api.email import record_provider_events
    from notification_client.api.waitlist import join_waitlist

    transport = {"transport": httpx.WSGITransport(app=apps["notification"])}
    base = "http://notification.test"
    with Client(base_url=base, raise_on_unexpected_status=True, httpx_args=transport) as client:
        call = Answers(client)
        joined = call(
            join_waitlist, 202, models.JoinAccepted, body=models.Join(email="sam@example.org", consent=True)
        )
        assert joined.status == models.JoinAcceptedStatus.RECEIVED
    bounce = models.ProviderEvents(
        events=[models.ProviderEvent(type_=models.ProviderEventType.BOUNCE, email="sam@example.org")]
    )
    secret = settings.webhook_secret
    with AuthenticatedClient(
        base_url=base, token=secret, raise_on_unexpected_status=True, httpx_args=transport
    ) as c:
        assert Answers(c)(record_provider_events, 200, models.ProviderEventsResult, body=bounce).recorded == 1
    with AuthenticatedClient(
        base_url=base, token="nope", raise_on_unexpected_status=True, httpx_args=transport
    ) as c:
        assert Answers(c)(record_provider_events, 401, models.Problem, body=bounce).status == 401
