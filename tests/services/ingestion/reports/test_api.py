"""Doctor reports through the API and the real worker: ask, follow, download; ownership; share links."""

from __future__ import annotations

import html
import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from shared import languages, report_shares
from shared.runtime import runtime_of
from tests.factories.accounts import person
from tests.support.report_patients import generate_for_report, last_week

SPANISH = {"Accept-Language": "es-AR,es;q=0.9"}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def wait_for(client, url: str, headers: dict, predicate, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url, headers=headers).json
        if predicate(body):
            return body
        assert time.monotonic() < deadline, f"never matched: {body}"
        time.sleep(0.1)


@pytest.fixture
def live(ingestion_app, workers_worker, redis):
    return ingestion_app.test_client()


@pytest.fixture
def logged(live):
    """A person whose last 21 days went through the real pipeline: API, recompute, summaries."""
    user, headers = person(time_zone="America/New_York")
    today = datetime.now(UTC).astimezone(ZoneInfo(user["time_zone"])).date()
    patient = generate_for_report(8, days=21, end=today - timedelta(days=1), time_zone=user["time_zone"])
    patient.events = [
        e for e in patient.events if datetime.fromisoformat(e["occurred_at"]) < datetime.now(UTC)
    ]
    for i in range(0, len(patient.events), 200):
        batch = {"sent_at": iso(datetime.now(UTC)), "events": patient.events[i : i + 200]}
        assert live.post("/v1/events/batch", json=batch, headers=headers).status_code in {200, 207}
    wait_for(
        live,
        f"/v1/summaries?from={patient.first_day.isoformat()}",
        headers,
        lambda b: b["status"] and b["status"]["days_logged"] >= 14 and not b["pending_recompute"],
    )
    return user, headers, patient, today


def ready_report(live, headers, **body) -> dict:
    answer = live.post("/v1/reports", json={"include_notes": True, **body}, headers=headers)
    assert answer.status_code == 202, answer.json
    assert answer.headers["Location"] == answer.json["status_url"]
    return wait_for(live, answer.json["status_url"], headers, lambda b: b["status"] in {"ready", "failed"})


class TestOwnReports:
    def test_ask_follow_and_download_through_the_real_worker(self, live, logged):
        _user, headers, _patient, today = logged
        report = ready_report(live, headers, paper="Letter")
        assert report["status"] == "ready", report
        assert (report["period_start"], report["period_end"]) == last_week(today)  # default: last 7 days
        pdf = live.get(report["pdf_url"], headers=headers)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.headers["Cache-Control"] == "no-store" and pdf.headers["Referrer-Policy"] == "no-referrer"
        reader = PdfReader(io.BytesIO(pdf.data))
        assert len(reader.pages) == 1
        assert round(float(reader.pages[0].mediabox.height)) == 792  # Letter
        page = live.get(report["html_url"], headers=headers)
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert "Taper report" in page.text and report["pdf_url"] in page.text
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        listed = live.get("/v1/reports", headers=headers).json["reports"]
        assert [r["id"] for r in listed] == [report["id"]]

    def test_a_period_with_no_entries_is_a_report_that_says_so(self, live):
        _user, headers = person()
        report = ready_report(live, headers, period_start="2024-01-01", period_end="2024-01-07")
        assert report["status"] == "ready"
        page = live.get(report["html_url"], headers=headers).text
        assert "No entries in this period" in page and "0 of 7 days logged" in page

    def test_a_report_asked_for_in_another_language_is_written_in_it(self, live):
        # An English account whose doctor reads Spanish.
        _user, headers = person()
        report = ready_report(
            live, headers, period_start="2024-01-01", period_end="2024-01-07", language="es"
        )
        assert report["status"] == "ready" and report["language"] == "es"
        page = live.get(report["html_url"], headers=headers).text
        assert '<html lang="es">' in page and "Sin registros en este periodo" in page
        assert "0 de 7 días registrados" in page and "No entries" not in page
        refused = live.post("/v1/reports", json={"language": "fr"}, headers=headers)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
        assert refused.json["invalid_params"] == [{"name": "language", "reason": languages.UNKNOWN}]
        # Without one, the account's language when it is built.
        plain = ready_report(live, headers, period_start="2024-01-08", period_end="2024-01-14")
        assert (
            plain["language"] == "en"
            and "No entries in this period" in live.get(plain["html_url"], headers=headers).text
        )

    def test_not_ready_is_409_and_bad_periods_are_refused(self, live, db):
        user, headers = person()
        answer = live.post(
            "/v1/reports", json={"period_start": "2026-01-07", "period_end": "2026-01-01"}, headers=headers
        )
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
        future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        assert live.post("/v1/reports", json={"period_end": future}, headers=headers).status_code == 422
        assert live.post("/v1/reports", json={"paper": "A5"}, headers=headers).status_code == 422
        pending = {"_id": uuid.uuid4().hex, "user_id": user["_id"], "status": "queued", "files": {}}
        db.reports.insert_one(pending | {"period_start": "2026-01-01", "period_end": "2026-01-07"})
        answer = live.get(f"/v1/reports/{pending['_id']}/pdf", headers=headers)
        assert answer.status_code == 409 and answer.json["title"] == "Report not ready yet"

    @pytest.mark.any_hour  # whose report it is, the same at any hour
    def test_someone_elses_report_is_as_unknown_as_a_missing_one(self, live, logged):
        _user, headers, _patient, _today = logged
        report = ready_report(live, headers)
        _other, other_headers = person()
        answers = [
            live.get(f"/v1/reports/{report['id']}", headers=other_headers),
            live.get(f"/v1/reports/{report['id']}/pdf", headers=other_headers),
            live.get(f"/v1/reports/{report['id']}/html", headers=other_headers),
            live.get(f"/v1/reports/{report['id']}/shares", headers=other_headers),
            live.post(f"/v1/reports/{report['id']}/shares", json={}, headers=other_headers),
            live.get("/v1/reports/no-such-report", headers=headers),
        ]
        for answer in answers:
            assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
            assert answer.json["detail"] == "There is nothing here, or it belongs to someone else."
        assert live.get("/v1/reports", headers=other_headers).json["reports"] == []


class TestSharing:
    def test_a_share_link_opens_without_an_account_and_every_open_is_logged(self, live, logged):
        _user, headers, _patient, _today = logged
        report = ready_report(live, headers)
        made = live.post(f"/v1/reports/{report['id']}/shares", json={"recipient": "Dr Lee"}, headers=headers)
        assert made.status_code == 201
        share = made.json
        assert share["status"] == "active" and share["opens"] == []
        expires = datetime.fromisoformat(share["expires_at"]) - datetime.fromisoformat(share["created_at"])
        assert expires == timedelta(days=14)
        path = share["url"].removeprefix(runtime_of(live.application).settings.app_base_url)
        page = live.get(path)  # no Authorization header
        assert page.status_code == 200 and "Taper report" in page.text
        assert (
            page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
        )
        assert f"{path}/pdf" in page.text
        pdf = live.get(f"{path}/pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        [listed] = live.get(f"/v1/reports/{report['id']}/shares", headers=headers).json["shares"]
        assert [o["what"] for o in listed["opens"]] == ["page", "pdf"]
        assert set(listed["opens"][0]) == {"opened_at", "what"}  # when, and nothing about who

    def test_revoked_expired_and_forged_links_show_one_calm_page(self, live, logged, db):
        _user, headers, _patient, _today = logged
        report = ready_report(live, headers)
        base = runtime_of(live.application).settings.app_base_url
        revoked = live.post(f"/v1/reports/{report['id']}/shares", json={}, headers=headers).json
        short = live.post(
            f"/v1/reports/{report['id']}/shares", json={"expires_in_days": 1}, headers=headers
        ).json
        assert live.get(revoked["url"].removeprefix(base)).status_code == 200
        assert (
            live.delete(f"/v1/reports/{report['id']}/shares/{revoked['id']}", headers=headers).status_code
            == 204
        )
        db.report_shares.update_one(
            {"_id": short["id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}}
        )
        forged = revoked["url"].removeprefix(base)[:-3] + "abc"
        pages = [
            live.get(u) for u in (revoked["url"].removeprefix(base), short["url"].removeprefix(base), forged)
        ]
        pages.append(live.get(f"{revoked['url'].removeprefix(base)}/pdf"))
        for page in pages:
            assert page.status_code == 404 and page.mimetype == "text/html"
            assert "This link is not available" in page.text and report["id"] not in page.text
            assert 'href="/privacy"' in page.text and 'href="/contact"' in page.text
            assert page.headers["Cache-Control"] == "no-store"
        assert len({p.text for p in pages}) == 1  # nothing tells the cases apart
        # A clinician whose browser asks for Spanish reads it in Spanish, and still learns nothing more.
        dead = [revoked["url"].removeprefix(base), short["url"].removeprefix(base), forged]
        spanish = [live.get(u, headers=SPANISH) for u in [*dead, f"{dead[0]}/pdf"]]
        for page in spanish:
            assert page.status_code == 404 and '<html lang="es">' in page.text
            assert "Este enlace no está disponible" in page.text and report["id"] not in page.text
        assert len({p.text for p in spanish}) == 1
        states = {
            s["id"]: s for s in live.get(f"/v1/reports/{report['id']}/shares", headers=headers).json["shares"]
        }
        assert states[revoked["id"]]["status"] == "revoked" and states[revoked["id"]]["url"] is None
        assert states[short["id"]]["status"] == "expired"
        assert len(states[revoked["id"]]["opens"]) == 1

    def test_a_dead_links_page_speaks_the_browsers_language(self, ingestion_app):
        client = ingestion_app.test_client()
        forged = "/shared/reports/" + "x" * 43
        page = client.get(forged, headers=SPANISH)
        text = html.unescape(page.text)
        assert page.status_code == 404 and '<html lang="es">' in text
        assert "<title>Este enlace no está disponible · Track Your Healing</title>" in text
        assert "Si necesita el informe, pida un enlace nuevo a la persona que se lo dio." in text
        assert "This link" not in text and "Date de baja" not in text  # no English, and no "tú" to the person
        assert "Accept-Language" in page.headers["Vary"] and page.headers["Cache-Control"] == "no-store"
        assert 'href="/privacy?lang=es"' in text  # its links keep the language
        for headers in ({}, {"Accept-Language": "fr-FR, de;q=0.8"}, {"Accept-Language": "en-GB,es;q=0.5"}):
            english = client.get(forged, headers=headers)
            assert '<html lang="en">' in english.text and "This link is not available" in english.text
        assert '<html lang="es">' in client.get(f"{forged}/pdf?lang=es").text

    def test_shares_are_bounded_and_only_for_ready_reports(self, live, db):
        user, headers = person()
        pending = {"_id": uuid.uuid4().hex, "user_id": user["_id"], "status": "queued", "files": {}}
        db.reports.insert_one(pending | {"period_start": "2026-01-01", "period_end": "2026-01-07"})
        url = f"/v1/reports/{pending['_id']}/shares"
        assert live.post(url, json={"expires_in_days": 91}, headers=headers).status_code == 422
        assert live.post(url, json={}, headers=headers).status_code == 409
        assert live.delete(f"{url}/nope", headers=headers).status_code == 404
        assert report_shares.find_usable(runtime_of(live.application).settings, "nonsense") is None
