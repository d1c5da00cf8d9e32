"""Unsubscribe links and the app's settings are one record, both ways: the real ingestion API, the
notification service's pages, its worker and a real SMTP server."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from shared.email import request_email
from shared.runtime import runtime_of
from tests.factories.accounts import person
from tests.services.notification.email.helpers import unsubscribe_url, wait_status
from tests.support.runtimes import notification_app

REMINDER = ("checkin_reminder", {"app_url": "http://127.0.0.1:8080"})
WEEKLY = (
    "weekly_report",
    {
        "report_url": "http://127.0.0.1:8080/shared/reports/x",
        "period": "1 to 7 December 2026",
        "clinician_sent": False,
        "attachments": [],
    },
)
BOTH_ON = {
    "preferences": {
        "reminders": {"enabled": True, "local_time": "20:30"},
        "weekly_report": {"enabled": True, "weekday": "friday"},
    }
}


@pytest.fixture
def services(ingestion_app, notification_app, notification_worker, mailbox, redis):
    return ingestion_app.test_client(), notification_app


def send(app, user: dict, mail: tuple[str, dict], key: str) -> None:
    """Request one email as the workers do for a person's own reminders and reports."""
    template, data = mail
    with app.app_context():
        assert request_email(
            runtime_of(app).celery,
            template=template,
            to=user["email"],
            idempotency_key=key,
            data=data,
            user_id=user["_id"],
        )


def settings_of(api, headers) -> dict:
    me = api.get("/v1/me", headers=headers)
    assert me.status_code == 200
    return me.json["preferences"]


def follow(app, link: str, action: str = "") -> None:
    answer = app.test_client().post(urlsplit(link).path + action, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200


def test_unsubscribe_links_turn_the_settings_off(services, mailbox, db, settings):
    api, app = services
    user, headers = person()
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    send(app, user, REMINDER, "reminder:1")
    send(app, user, WEEKLY, "report:1")
    links = {message["Subject"]: unsubscribe_url(message) for message in mailbox.wait_for(2)}

    for link in links.values():
        follow(app, link)

    shown = settings_of(api, headers)
    assert shown["reminders"]["enabled"] is False
    assert shown["weekly_report"]["enabled"] is False
    # Only the switch moved: the rest of what the person chose is kept.
    assert shown["reminders"]["local_time"] == "20:30"
    assert shown["weekly_report"]["weekday"] == "friday"
    # The settings are the one record; nothing else holds these opt-outs.
    assert db.email_preferences.count_documents({}) == 0
    # And mail already on its way is held back by them.
    send(app, user, REMINDER, "reminder:2")
    assert wait_status(settings, "reminder:2", {"suppressed"})["last_error"] == "unsubscribed from reminders"


def test_turning_them_on_again_in_settings_subscribes_again(services, mailbox, settings):
    api, app = services
    user, headers = person()
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    send(app, user, REMINDER, "reminder:3")
    send(app, user, WEEKLY, "report:3")
    for message in mailbox.wait_for(2):
        follow(app, unsubscribe_url(message))
    mailbox.clear()

    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    send(app, user, REMINDER, "reminder:4")
    send(app, user, WEEKLY, "report:4")
    assert {m["Subject"] for m in mailbox.wait_for(2)} == {
        "A gentle check-in reminder",
        "Your weekly report is ready",
    }
    assert wait_status(settings, "reminder:4", {"sent"}) and wait_status(settings, "report:4", {"sent"})


def test_the_pages_undo_button_turns_the_setting_back_on(services, mailbox):
    api, app = services
    user, headers = person()
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    send(app, user, REMINDER, "reminder:5")
    (message,) = mailbox.wait_for(1)
    link = unsubscribe_url(message)
    follow(app, link)
    assert settings_of(api, headers)["reminders"]["enabled"] is False
    follow(app, link, "/resubscribe")
    shown = settings_of(api, headers)["reminders"]
    assert shown["enabled"] is True and shown["local_time"] == "20:30"


def test_a_link_for_an_address_without_an_account_stays_an_opt_out_of_that_address(
    services, mailbox, db, settings
):
    api, app = services
    user, headers = person()
    clinician = {"_id": user["_id"], "email": "dr.lee@example.org"}  # the person's clinician, no account
    send(
        app,
        clinician,
        ("clinician_report_link", {"share_url": "http://x.test/s", "expires_on": "1 May"}),
        "c:1",
    )
    follow(app, unsubscribe_url(mailbox.wait_for(1)[0]))
    assert db.email_preferences.find_one({"_id": "dr.lee@example.org"})["unsubscribed"] == ["reports"]
    assert settings_of(api, headers)["weekly_report"]["enabled"] is False  # untouched: never turned on
    send(
        app,
        clinician,
        ("clinician_report_link", {"share_url": "http://x.test/s", "expires_on": "1 May"}),
        "c:2",
    )
    assert wait_status(settings, "c:2", {"suppressed"})["last_error"] == "unsubscribed from reports"


def test_a_clinicians_link_stops_the_reports_shared_with_them_and_not_their_own(
    services, mailbox, db, settings
):
    api, app = services
    sharer, _ = person()
    # The clinician has an account here too, with their own weekly reports on.
    clinician, clinician_headers = person(email="dr.kim@example.org")
    assert api.patch("/v1/me", json=BOTH_ON, headers=clinician_headers).status_code == 200
    shared = ("clinician_report_link", {"share_url": "http://x.test/s", "expires_on": "1 May"})
    send(app, {"_id": sharer["_id"], "email": clinician["email"]}, shared, "c:3")
    link = unsubscribe_url(mailbox.wait_for(1)[0])
    follow(app, link)

    # Their own weekly reports stay on and keep coming; reports shared with them stop.
    assert settings_of(api, clinician_headers)["weekly_report"]["enabled"] is True
    notification_app(settings)  # a start's move of old opt-outs into settings leaves this one be
    assert settings_of(api, clinician_headers)["weekly_report"]["enabled"] is True
    mailbox.clear()
    send(app, clinician, WEEKLY, "report:own")
    send(app, {"_id": sharer["_id"], "email": clinician["email"]}, shared, "c:4")
    assert wait_status(settings, "c:4", {"suppressed"})["last_error"] == "unsubscribed from reports"
    assert [m["Subject"] for m in mailbox.wait_for(1)] == ["Your weekly report is ready"]
    # Even a person's own address named as their clinician follows this opt-out, not their settings.
    send(app, clinician, shared, "c:5")
    assert wait_status(settings, "c:5", {"suppressed"})["last_error"] == "unsubscribed from reports"

    # The page's undo sends shared reports again and leaves the settings as they are.
    assert (
        api.patch(
            "/v1/me", json={"preferences": {"weekly_report": {"enabled": False}}}, headers=clinician_headers
        ).status_code
        == 200
    )
    follow(app, link, "/resubscribe")
    assert settings_of(api, clinician_headers)["weekly_report"]["enabled"] is False
    send(app, {"_id": sharer["_id"], "email": clinician["email"]}, shared, "c:6")
    assert wait_status(settings, "c:6", {"sent"})


def test_opt_outs_stored_per_address_before_settings_held_them_move_into_the_settings(services, db, settings):
    api, _app = services
    user, headers = person()
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    clinician, _ = person(email="dr.lee@example.org")
    # As the notification service stored unsubscribes before: per address, beside the settings.
    later, earlier = datetime.now(UTC) + timedelta(seconds=1), datetime.now(UTC) - timedelta(days=1)
    db.email_preferences.insert_many(
        [
            {"_id": user["email"], "unsubscribed": ["reminders", "reports"], "updated_at": later},
            # Made as someone's clinician, before this address had an account: not about its own mail.
            {"_id": "dr.lee@example.org", "unsubscribed": ["reports"], "updated_at": earlier},
        ]
    )

    notification_app(settings)  # the service starting

    shown = settings_of(api, headers)
    assert shown["reminders"]["enabled"] is False and shown["weekly_report"]["enabled"] is False
    assert shown["reminders"]["local_time"] == "20:30"
    assert db.email_preferences.find_one({"_id": user["email"]})["unsubscribed"] == []
    assert db.email_preferences.find_one({"_id": "dr.lee@example.org"})["unsubscribed"] == ["reports"]
    assert db.users.find_one({"_id": clinician["_id"]})["preferences"] == {}
    # Starting again changes nothing more.
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    notification_app(settings)
    assert settings_of(api, headers)["reminders"]["enabled"] is True


def test_a_persons_link_stops_their_own_weekly_report_and_says_the_clinicians_goes_on(
    services, mailbox, settings
):
    api, app = services
    user, headers = person()
    weekly = {"enabled": True, "weekday": "friday", "clinician_email": "dr.lee@example.org"}
    patched = api.patch("/v1/me", json={"preferences": {"weekly_report": weekly}}, headers=headers)
    assert patched.status_code == 200
    send(app, user, WEEKLY, "report:mine")
    path = urlsplit(unsubscribe_url(mailbox.wait_for(1)[0])).path
    client = app.test_client()

    page = " ".join(html.unescape(client.get(path).get_data(as_text=True)).split())
    assert "Only your own copy stops. The clinician you named will still get a link to your weekly" in page
    assert "go to Settings in the app." in page and 'href="http://127.0.0.1:8080/app/settings"' in page
    assert "dr.lee@example.org" not in page  # whoever holds the link may not be the person
    done = " ".join(html.unescape(client.post(path).get_data(as_text=True)).split())
    assert "We won't send you weekly reports any more." in done
    assert "The clinician you named still gets a link to your weekly report each week." in done

    shown = settings_of(api, headers)["weekly_report"]
    assert shown["enabled"] is True and shown["to_self"] is False
    assert shown["clinician_email"] == "dr.lee@example.org" and shown["weekday"] == "friday"
    # Their own copy is held back; the clinician's goes on.
    send(app, user, WEEKLY, "report:mine:2")
    assert wait_status(settings, "report:mine:2", {"suppressed"})["last_error"] == "unsubscribed from reports"
    shared = ("clinician_report_link", {"share_url": "http://x.test/s", "expires_on": "1 May"})
    send(app, {"_id": user["_id"], "email": "dr.lee@example.org"}, shared, "c:mine")
    assert wait_status(settings, "c:mine", {"sent"})

    # In Spanish too.
    spanish = " ".join(html.unescape(client.get(f"{path}?lang=es").get_data(as_text=True)).split())
    assert "Solo se detiene tu propia copia. El profesional que indicaste seguirá recibiendo" in spanish
    assert "ve a Ajustes en la app." in spanish and "Abrir Ajustes" in spanish

    # The undo sends their own copy again.
    client.post(f"{path}/resubscribe")
    shown = settings_of(api, headers)["weekly_report"]
    assert shown["enabled"] is True and shown["to_self"] is True


def test_without_a_clinician_the_link_turns_the_weekly_report_off_and_says_nothing_of_one(services, mailbox):
    api, app = services
    user, headers = person()
    assert api.patch("/v1/me", json=BOTH_ON, headers=headers).status_code == 200
    send(app, user, WEEKLY, "report:alone")
    path = urlsplit(unsubscribe_url(mailbox.wait_for(1)[0])).path
    done = html.unescape(app.test_client().post(path).get_data(as_text=True))
    assert "clinician" not in done
    shown = settings_of(api, headers)["weekly_report"]
    assert shown["enabled"] is False and shown["to_self"] is True  # turned on again, it comes to them
