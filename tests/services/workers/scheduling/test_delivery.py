"""Scheduled email through the real workers and SMTP: the weekly report to the person (link, PDF when
chosen), a link only to a clinician, a reminder sent by the beat's scan task."""

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.ingestion.accounts import service as accounts
from services.notification.email import service as email_service
from services.workers.reminders import service as reminders
from services.workers.reports import delivery, schedule
from shared import files, push_keys, report_shares, users
from shared.queue import enqueue
from shared.reports import FILES_BUCKET
from shared.settings import Settings
from shared.tasks import BUILD_REPORT, SCAN_SCHEDULES
from tests.factories.accounts import person
from tests.services.notification.email.helpers import html_links, parts, unsubscribe_url, wait_status
from tests.services.notification.email.test_templates import HEALTH_WORDS
from tests.services.workers.scheduling.conftest import someone
from tests.support.push_service import PushService
from tests.support.report_patients import STAND_IN_PDF, store_ready_report
from tests.support.servers import wait_for

KEYS = Settings.from_env({}).encryption_keys  # the key ring every test process has


@pytest.fixture
def live(workers_celery, celery_worker_all, mailbox, db):
    """The workers' app as a producer, with the real in-process worker (every queue) running."""
    return workers_celery


def ready_report(db, user: dict, attach_pdf: bool, clinician: str | None = None) -> dict:
    deliver = {"to_self": True, "clinician_email": clinician, "attach_pdf": attach_pdf}
    return store_ready_report(db, user, keys=KEYS, deliver=deliver)


def subscriber(**kwargs) -> dict:
    """A person with weekly reports on, as everyone the scan asks a report for is (their settings are
    checked again when each of their emails is sent)."""
    user, _ = person(**kwargs)
    return accounts.update_profile(user["_id"], {"preferences": {"weekly_report": {"enabled": True}}})


def by_recipient(messages) -> dict:
    return {str(m["To"]): m for m in messages}


def words_above_footer(text: str) -> str:
    """The words a clinician reads: above the footer every email shares (it says "not medical advice"),
    without links, whose random tokens can spell anything ("...Mg")."""
    return re.sub(r"https?://\S+", "", text.replace("\r\n", "\n").split("\n--\n")[0])


def test_the_person_gets_a_link_and_the_pdf_and_the_clinician_a_link_saying_who_shared_it(
    live, db, mailbox, settings
):
    user = subscriber(name="Robin Example")
    report = ready_report(db, user, attach_pdf=True, clinician="dr.lee@example.org")
    assert delivery.deliver(live, report) == 2
    assert delivery.deliver(live, report) == 0  # a repeat (crash, retry) sends nothing again
    mail = by_recipient(mailbox.wait_for(2))

    own = mail[user["email"]]
    text, html = parts(own)
    assert own["Subject"] == "Your weekly report is ready"
    assert "16 November 2026 to 22 November 2026" in text
    own_link = report_shares.share_url(settings, f"{report['_id']}:self")
    assert own_link in html_links(own)  # a personal share link: opens in a mail client's browser
    attachment = next(own.iter_attachments())
    assert attachment.get_filename() == "report-2026-11-16-to-2026-11-22.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == STAND_IN_PDF
    assert unsubscribe_url(own).startswith(settings.public_base_url)

    clinician = mail["dr.lee@example.org"]
    text, html = parts(clinician)
    assert clinician["Subject"] == "A report has been shared with you"
    assert not list(clinician.iter_attachments())
    share_link = next(link for link in html_links(clinician) if report_shares.SHARE_PATH in link)
    assert share_link in text
    token = share_link.rsplit("/", 1)[1]
    share = report_shares.find_usable(settings, token)
    assert share["report_id"] == report["_id"] and share["recipient"] == "dr.lee@example.org"
    # Who shared what, so it does not read as phishing (the name as the person chose it, the dates), in
    # the body only; nothing about their health, and not their address.
    assert "Robin Example shared a report with you" in text
    assert "16 November 2026 to 22 November 2026" in text and "Robin Example" in html
    assert "Robin" not in clinician["Subject"] and user["email"] not in f"{text}\n{html}"
    content = words_above_footer(text)
    assert not HEALTH_WORDS.search(f"{clinician['Subject']}\n{content}"), content
    # One share for the clinician, one personal link for the person; a repeat made no more.
    assert db.report_shares.count_documents({"owner_id": user["_id"]}) == 2


def test_the_clinicians_last_day_is_the_last_whole_day_the_link_works_in_the_persons_zone(live, db, mailbox):
    """A link that stops at 00:30 on a day in New York (05:30 UTC) does not work that day: the email names
    the day before, written in the person's zone like the report's dates."""
    user = subscriber(name="Robin", time_zone="America/New_York")
    report = ready_report(db, user, attach_pdf=False, clinician="dr.lee@example.org")
    zone = ZoneInfo("America/New_York")
    midnight = datetime.combine(datetime.now(zone).date() + timedelta(days=14), datetime.min.time(), zone)
    stops = midnight + timedelta(minutes=30)
    # The share delivery makes (its id is fixed), made beforehand so it stops at that minute.
    report_shares.create_share(
        report_id=report["_id"],
        owner_id=user["_id"],
        recipient="dr.lee@example.org",
        share_id=f"{report['_id']}:clinician",
        now=stops - timedelta(days=14),
    )
    assert delivery.deliver(live, report) == 2
    text = " ".join(parts(by_recipient(mailbox.wait_for(2))["dr.lee@example.org"])[0].split())
    last = stops.date() - timedelta(days=1)
    assert f"The link works until {last.day} {last:%B %Y}." in text


def test_the_person_is_not_told_a_link_went_to_a_clinician_address_that_takes_none(
    live, db, mailbox, settings
):
    """An address that bounced for good (or opted out of shared reports) gets no link: the person's own
    email must not say it did, or they take the report as seen; it says so, and how to share it instead."""
    email_service.record_provider_event(
        {"type": "bounce", "bounce_type": "hard", "email": "Dr.Gone@example.org"}
    )
    user = subscriber(name="Robin")
    report = ready_report(db, user, attach_pdf=False, clinician="dr.gone@example.org")
    assert delivery.deliver(live, report) == 2
    (own,) = mailbox.wait_for(1)
    text = " ".join(parts(own)[0].split())
    assert "we also sent a link" not in text
    assert "We did not send a link to the clinician address you gave us" in text
    assert "from Reports in the app." in text
    assert wait_status(settings, delivery.email_key(report, "clinician"), {"suppressed"})


def test_link_only_when_the_person_did_not_ask_for_the_pdf(live, db, mailbox):
    user = subscriber()
    assert delivery.deliver(live, ready_report(db, user, attach_pdf=False)) == 1
    (message,) = mailbox.wait_for(1)
    assert not list(message.iter_attachments())


def test_their_own_address_as_the_clinicians_gets_their_own_email_only(live, db, mailbox):
    """Not a second email that speaks to them as a stranger ("If you don't know Sam...") about their own
    report, nor one saying a link went to their clinician."""
    user = subscriber(name="Sam")
    report = ready_report(db, user, attach_pdf=False, clinician=user["email"].upper())
    assert delivery.deliver(live, report) == 1
    (message,) = mailbox.wait_for(1)
    assert message["Subject"] == "Your weekly report is ready"
    assert "clinician" not in parts(message)[0]
    time.sleep(1)  # a second email would have arrived by now
    assert len(mailbox.messages) == 1
    assert db.report_shares.count_documents({"owner_id": user["_id"]}) == 1


def test_a_pdf_gone_before_sending_fails_that_email_with_a_clear_reason(live, db, mailbox):
    user = subscriber()
    report = ready_report(db, user, attach_pdf=True)
    files.delete(FILES_BUCKET, report["files"]["pdf"])
    delivery.deliver(live, report)
    record = wait_status(live.runtime.settings, f"report:{user['_id']}:2026-W48:self", {"failed"})
    assert record["last_error"] == (
        "AttachmentUnavailable: attachment report-2026-11-16-to-2026-11-22.pdf is no longer stored"
    )
    assert mailbox.messages == []


def due_reminder(db, user: dict, time_zone: str = "Asia/Kolkata") -> str:
    """The person's check-in reminder schedule, due a minute ago (as a scan finds it); its local day."""
    prefs = schedule.preferences.effective(user["preferences"], "reminders")
    today = datetime.now(schedule.zone(time_zone)).date().isoformat()
    db.schedules.insert_one(
        {
            "_id": f"checkin_reminder:{user['_id']}",
            "user_id": user["_id"],
            "kind": "checkin_reminder",
            "basis": schedule.basis("checkin_reminder", time_zone, prefs),
            "due_at": datetime.now(UTC) - timedelta(minutes=1),
            "slot_day": today,
        }
    )
    return today


def test_the_beat_scan_task_sends_a_due_reminder(live, db, mailbox):
    user = someone("Asia/Kolkata", reminders={"enabled": True, "local_time": "19:00"})
    today = due_reminder(db, user)
    enqueue(live, SCAN_SCHEDULES)
    (message,) = mailbox.wait_for(1, timeout=20)
    assert message["Subject"] == "A gentle check-in reminder"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, _html = parts(message)
    assert "streak" not in text.lower()
    wait_status(live.runtime.settings, f"reminder:{user['_id']}:{today}", {"sent"})


class TestOnDevices:
    """A person whose devices take reminders (Web Push to a push service on loopback that checks the VAPID
    signature and decrypts each message) gets the check-in reminder there; by email when none takes it."""

    @pytest.fixture
    def push_service(self, settings):
        running = PushService(push_keys.application_server_key(settings.vapid_private_key)).start()
        yield running
        running.stop()

    @staticmethod
    def with_device(ingestion_app, push_service, name: str, status: int = 201) -> dict:
        user, headers = person(time_zone="Asia/Kolkata")
        prefs = {"reminders": {"enabled": True, "local_time": "19:00"}}
        client = ingestion_app.test_client()
        assert client.patch("/v1/me", json={"preferences": prefs}, headers=headers).status_code == 200
        answer = client.put(
            "/v1/push/subscriptions", json=push_service.subscribe(name, status), headers=headers
        )
        assert answer.status_code == 201, answer.json
        return users.find(user["_id"])

    def test_a_device_that_takes_reminders_gets_it_and_no_email_is_sent(
        self, live, db, mailbox, ingestion_app, push_service
    ):
        user = self.with_device(ingestion_app, push_service, "phone")
        today = due_reminder(db, user)
        enqueue(live, SCAN_SCHEDULES)
        wait_for(lambda: push_service.messages("phone"), timeout=20, what="the reminder pushed")
        (message,) = push_service.messages("phone")
        # Nothing about health: the app's worker writes the words in the app's language.
        assert message.payload == {
            "kind": "checkin_reminder",
            "title": "Time for your check-in",
            "body": "How is today going? A minute is enough.",
            "day": today,
            "url": "/app/",
        }
        assert user["_id"] not in message.headers["topic"] and push_service.refused == []
        time.sleep(1)  # the task has pushed; it would have asked for an email only after that
        assert db.email_outbox.count_documents({"user_id": user["_id"]}) == 0
        assert not [m for m in mailbox.messages if str(m["To"]).lower() == user["email"].lower()]

    def test_when_no_device_takes_it_it_comes_by_email_and_the_gone_device_is_forgotten(
        self, live, db, mailbox, ingestion_app, push_service
    ):
        user = self.with_device(ingestion_app, push_service, "old-phone", status=410)
        today = due_reminder(db, user)
        enqueue(live, SCAN_SCHEDULES)
        message = mailbox.wait_for_one_to(user["email"], timeout=20)
        assert message["Subject"] == "A gentle check-in reminder"
        assert db.push_subscriptions.count_documents({"user_id": user["_id"]}) == 0
        wait_status(live.runtime.settings, f"reminder:{user['_id']}:{today}", {"sent"})


def test_a_due_weekly_report_is_built_and_emailed(live, db, mailbox, celery_worker_all):
    if BUILD_REPORT.name not in celery_worker_all.app.tasks:
        pytest.skip("the report builder (reports.build_report) is not registered yet")
    user = someone(
        "Europe/London",
        weekly_report={"enabled": True, "weekday": "monday", "local_time": "09:00", "attach_pdf": True},
    )
    now = datetime.now(UTC)
    schedule.scan(live, live.runtime.settings, now=now - timedelta(days=8))
    due = db.schedules.find_one({"_id": f"weekly_report:{user['_id']}"})["due_at"]
    assert schedule.scan(live, live.runtime.settings, now=due).get("report requested") == 1
    (message,) = mailbox.wait_for(1, timeout=60)
    assert message["Subject"] == "Your weekly report is ready"
    attachment = next(message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    report = db.reports.find_one({"user_id": user["_id"]})
    assert report_shares.share_url(live.runtime.settings, f"{report['_id']}:self") in html_links(message)
    time.sleep(1)
    assert len(mailbox.messages) == 1


def test_a_spanish_speaker_gets_the_report_and_reminder_in_spanish_and_so_does_their_clinician(
    live, db, mailbox
):
    user = subscriber(name="Ana")
    user = accounts.update_profile(
        user["_id"], {"language": "es", "preferences": {"reminders": {"enabled": True}}}
    )
    report = ready_report(db, user, attach_pdf=False, clinician="dr.lee@example.org")
    assert delivery.deliver(live, report) == 2
    prefs = schedule.preferences.effective(user["preferences"], "reminders")
    assert reminders.send(live, live.runtime.settings, user, prefs, "2026-11-23") == "sent"
    mail = mailbox.wait_for(3)
    clinician = next(m for m in mail if str(m["To"]) == "dr.lee@example.org")
    own, reminder = sorted((m for m in mail if m is not clinician), key=lambda m: m["Subject"])

    text, html = parts(own)
    assert own["Subject"] == "Tu informe semanal está listo"
    assert "Tu informe del periodo 16\u201322 de noviembre de 2026 está listo" in text  # an en dash
    assert "Abrir tu informe" in html and 'lang="es"' in html
    assert "Dejar de recibir informes semanales" in text
    text, html = parts(reminder)
    assert reminder["Subject"] == "Un recordatorio amable para tu registro"
    assert "Si tienes un momento, podrías anotar cómo va el día de hoy" in text
    assert "Dejar de recibir recordatorios" in html and "Unsubscribe" not in text + html
    # The clinician's email speaks the report's language (the one its page and PDF are written in), and
    # its subject still says nothing but that a report was shared.
    text, html = parts(clinician)
    content = words_above_footer(text)
    body = " ".join(content.split())  # the plain-text part is wrapped
    assert clinician["Subject"] == "Han compartido un informe con usted"
    assert "Ana ha compartido un informe con usted" in body and 'lang="es"' in html
    assert "su informe del periodo 16\u201322 de noviembre de 2026" in body
    assert "Si no conoce a Ana o no esperaba este correo, puede ignorarlo." in body
    assert not HEALTH_WORDS.search(f"{clinician['Subject']}\n{content}"), content


def test_the_reports_language_decides_both_emails_over_the_accounts(live, db, mailbox):
    # Asked in Spanish for a doctor who reads it, by a person whose account speaks English.
    user = subscriber(name="Sam")
    report = store_ready_report(
        db,
        user,
        keys=KEYS,
        deliver={"to_self": True, "clinician_email": "dra.ruiz@example.org", "attach_pdf": False},
        language="es",
    )
    assert delivery.deliver(live, report) == 2
    mail = by_recipient(mailbox.wait_for(2))
    assert mail["dra.ruiz@example.org"]["Subject"] == "Han compartido un informe con usted"
    assert mail[user["email"]]["Subject"] == "Tu informe semanal está listo"
