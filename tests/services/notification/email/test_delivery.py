"""Email through the real worker, Redis and SMTP server: headers, parts, links, exactly once, opt-outs."""

import html

import pytest

from services.notification.email import service
from shared.email import outbox_id, request_email
from shared.queue import enqueue
from shared.runtime import runtime_of
from shared.tasks import SEND_EMAIL
from tests.services.notification.email.helpers import html_links, parts, unsubscribe_url, wait_status

NEWS = {"headline": "What we built this month", "paragraphs": ["The check-in is faster now."]}
CHECKIN = {"app_url": "http://127.0.0.1:8080"}


@pytest.fixture
def app(notification_app, notification_worker, mailbox, redis):
    return notification_app


def spanish_unsubscribe_link(app, mailbox, template: str, to: str, data: dict):
    """The one email `template` sends `to` in Spanish, and its footer's unsubscribe link (path and query)."""
    with app.app_context():
        request_email(
            runtime_of(app).celery,
            template=template,
            to=to,
            idempotency_key=f"{template}:{to}",
            data=data,
            language="es",
        )
    (message,) = mailbox.wait_for(1)
    link = next(url for url in html_links(message) if "/u/" in url).removeprefix("http://127.0.0.1:8081")
    return message, link


def send(app, template, to, key, data):
    with app.app_context():
        return request_email(runtime_of(app).celery, template=template, to=to, idempotency_key=key, data=data)


class TestDelivery:
    def test_news_email_arrives_with_both_parts_and_rfc8058_headers(self, app, mailbox, db, settings):
        assert send(app, "product_news", "Ana@Example.org", "news:1:ana", NEWS)
        (message,) = mailbox.wait_for(1)
        assert message["To"] == "Ana@Example.org"
        assert message["Subject"] == "News from Track Your Healing"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https = unsubscribe_url(message)
        assert https.startswith("http://127.0.0.1:8081/u/")
        text, html = parts(message)
        assert "The check-in is faster now." in text
        assert "The check-in is faster now." in html
        assert https in html_links(message)
        record = wait_status(settings, "news:1:ana", {"sent"})
        assert record["attempts"] == 1
        assert record["message_id"] == message["Message-ID"]
        assert [h["status"] for h in record["history"]] == ["queued", "sending", "sent"]

    def test_transactional_email_has_no_unsubscribe_headers(self, app, mailbox):
        send(app, "sign_in_code", "ben@example.org", "code:1", {"code": "123456", "minutes": 10})
        (message,) = mailbox.wait_for(1)
        assert message["List-Unsubscribe"] is None
        assert "123456" in parts(message)[0]

    def test_same_idempotency_key_sends_once(self, app, mailbox, settings):
        assert send(app, "product_news", "c@example.org", "news:2:c", NEWS) is True
        assert send(app, "product_news", "c@example.org", "news:2:c", NEWS) is False  # a double-click
        # A redelivered task (same payload, sent again by the broker) finds the record already sent.
        wait_status(settings, "news:2:c", {"sent"})
        with app.app_context():
            enqueue(runtime_of(app).celery, SEND_EMAIL, outbox_id=outbox_id(settings, "news:2:c"))
        send(app, "sign_in_code", "c@example.org", "marker:c", {"code": "1", "minutes": 1})
        messages = mailbox.wait_for(2)
        assert [m["Subject"] for m in messages] == ["News from Track Your Healing", "Your sign-in code"]

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_a_long_name_keeps_the_plain_text_lines_short(self, app, mailbox, language):
        """The heading and the footer name the person who shared the report; RFC 5322 asks for lines of at
        most 78 characters, and a plain-text reader shows a longer one as it comes."""
        name = "María-José Ñúñez de la Concepción Wolfeschlegelsteinhausenbergerdorff-Åström"
        data = {
            "shared_by": name,
            "share_url": "http://x.test/s",
            "expires_on": "1 May",
            "period": "1 to 7 May",
        }
        with app.app_context():
            request_email(
                runtime_of(app).celery,
                template="clinician_report_link",
                to="dr.lee@example.org",
                idempotency_key=f"long:{language}",
                data=data,
                language=language,
            )
        text = parts(mailbox.wait_for(1)[0])[0].replace("\r\n", "\n")
        assert name.split(maxsplit=1)[0] in text.split("\n")[2]  # the heading, wrapped
        long = [line for line in text.split("\n") if len(line) > 78 and "http" not in line]
        assert not long, long
        heading, underline = text.split("\n")[2:4], text.split("\n")[4]
        assert set(underline) == {"="} and len(underline) == max(len(line) for line in heading)


class TestFormOfAddress:
    """In Spanish the person is "tú" and a clinician "usted", down to the footer every email shares."""

    def test_a_clinicians_email_says_usted_to_its_footer_and_the_persons_keep_tu(self, app, mailbox):
        clinician = {
            "share_url": "http://127.0.0.1:8080/shared/reports/t0k3n",
            "expires_on": "5 de enero de 2027",
            "shared_by": "Ana",
            "period": "1\u20137 de diciembre de 2026",
        }
        with app.app_context():
            for template, to, data in (
                ("clinician_report_link", "dra@example.org", clinician),
                ("checkin_reminder", "ana@example.org", CHECKIN),
            ):
                request_email(
                    runtime_of(app).celery,
                    template=template,
                    to=to,
                    idempotency_key=to,
                    data=data,
                    language="es",
                )
        received = {message["To"]: message for message in mailbox.wait_for(2)}
        text, body = (" ".join(part.split()) for part in parts(received["dra@example.org"]))
        assert "Si no conoce a Ana" in text  # the email's own words, as before
        for part in (text, body):
            assert "En una emergencia, llame a su número local de emergencias." in part
            assert "llama a tu" not in part and "Recibes " not in part
        assert "Si el botón no funciona, copie esta dirección en su navegador:" in body
        assert "copia esta dirección en tu navegador" not in body
        # Its unsubscribe link names what it stops: the reports shared with them, no "weekly reports".
        for part in (text, body):
            assert "Dejar de recibir informes compartidos con usted" in part and "semanales" not in part
        own_text, own_body = (" ".join(part.split()) for part in parts(received["ana@example.org"]))
        for part in (own_text, own_body):
            assert "En una emergencia, llama a tu número local de emergencias." in part
            assert "llame a su" not in part
        assert "Recibes recordatorios porque los pediste." in own_text
        assert "Si el botón no funciona, copia esta dirección en tu navegador:" in own_body


class TestUnsubscribe:
    def test_get_shows_a_page_and_changes_nothing(self, app, mailbox, db):
        send(app, "product_news", "d@example.org", "news:3:d", NEWS)
        https = unsubscribe_url(mailbox.wait_for(1)[0])
        page = app.test_client().get(https.removeprefix("http://127.0.0.1:8081"))
        assert page.status_code == 200
        assert "Unsubscribe from product news" in page.get_data(as_text=True)
        assert db.email_preferences.count_documents({}) == 0

    def test_one_click_post_unsubscribes_that_category_only(self, app, mailbox, db, settings):
        send(app, "product_news", "e@example.org", "news:4:e", NEWS)
        https = unsubscribe_url(mailbox.wait_for(1)[0])
        client = app.test_client()
        r = client.post(https.removeprefix("http://127.0.0.1:8081"), data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200
        assert "You're unsubscribed" in html.unescape(r.get_data(as_text=True))

        mailbox.clear()
        send(app, "product_news", "E@example.org", "news:5:e", NEWS)
        assert wait_status(settings, "news:5:e", {"suppressed"})["last_error"] == "unsubscribed from news"
        send(app, "sign_in_code", "e@example.org", "code:e", {"code": "999000", "minutes": 10})
        (message,) = mailbox.wait_for(1)  # transactional mail is never blocked by an opt-out
        assert message["Subject"] == "Your sign-in code"

    def test_resubscribe_turns_the_category_back_on(self, app, mailbox, db, settings):
        token = service.unsubscribe_token(settings, "f@example.org", "news")
        client = app.test_client()
        client.post(f"/u/{token}")
        assert client.post(f"/u/{token}/resubscribe").status_code == 200
        send(app, "product_news", "f@example.org", "news:6:f", NEWS)
        assert mailbox.wait_for(1)[0]["To"] == "f@example.org"

    def test_a_spanish_email_opens_its_unsubscribe_pages_in_spanish(self, app, mailbox, db):
        message, link = spanish_unsubscribe_link(app, mailbox, "checkin_reminder", "g@example.org", CHECKIN)
        assert message["Subject"] != "Your reminder"  # the email itself is Spanish
        assert link.endswith("?lang=es")
        client = app.test_client()
        page = html.unescape(client.get(link).get_data(as_text=True))
        assert '<html lang="es">' in page and "¿Dejar de recibir recordatorios?" in page
        assert "Unsubscribe" not in page.replace("List-Unsubscribe", "")
        done = html.unescape(client.post(link).get_data(as_text=True))
        assert "Te has dado de baja" in done and "Enviarme recordatorios de nuevo" in done
        again = html.unescape(client.post(link.replace("?", "/resubscribe?")).get_data(as_text=True))
        assert "Te has suscrito de nuevo" in again
        # The same page in English for a link without a language and an English browser.
        english = client.get(link.removesuffix("?lang=es"), headers={"Accept-Language": "en-GB"})
        assert "Stop reminders?" in html.unescape(english.get_data(as_text=True))

    def test_a_clinicians_link_opens_pages_that_say_usted_and_name_what_their_email_named(
        self, app, mailbox, db, settings
    ):
        shared = {"share_url": "http://127.0.0.1:8080/shared/reports/t0k3n", "expires_on": "5 de enero"}
        message, link = spanish_unsubscribe_link(
            app, mailbox, "clinician_report_link", "dra.ruiz@example.org", shared
        )
        # The header's link is the footer's, but for the language, and says nothing of who it is for.
        assert unsubscribe_url(message).removeprefix("http://127.0.0.1:8081") + "?lang=es" == link
        assert "ruiz" not in link.lower() and "clinician" not in link.lower()
        client = app.test_client()
        page = " ".join(html.unescape(client.get(link).get_data(as_text=True)).split())
        assert "¿Dejar de recibir informes compartidos con usted?" in page
        assert "Pulse el botón y dejaremos de enviarle informes compartidos con usted." in page
        assert "Puede darse de baja cuando quiera." in page
        assert "Pulsa " not in page and "tu cuenta" not in page and "quieras" not in page
        done = " ".join(html.unescape(client.post(link).get_data(as_text=True)).split())
        assert "Se ha dado de baja" in done and "No le enviaremos más informes compartidos con usted." in done
        assert "¿Ha cambiado de idea? Puede volver a activarlos." in done and "Te has" not in done
        again = " ".join(
            html.unescape(client.post(link.replace("?", "/resubscribe?")).get_data(as_text=True)).split()
        )
        assert "Se ha suscrito de nuevo" in again and "Le enviaremos informes compartidos con usted" in again
        # In English, the same words about what it stops.
        english = client.get(link.removesuffix("?lang=es"), headers={"Accept-Language": "en"})
        english_page = html.unescape(english.get_data(as_text=True))
        assert "Stop reports shared with you?" in english_page and "weekly" not in english_page
        assert "your account" not in english_page

    def test_forged_token_gives_a_clear_page_and_changes_nothing(self, app, db):
        r = app.test_client().post("/u/not-a-real-token")
        assert r.status_code == 404
        assert "This link doesn't work" in html.unescape(r.get_data(as_text=True))
        assert db.email_preferences.count_documents({}) == 0


class TestProviderEvents:
    HEADERS = {"Authorization": "Bearer dev-only-secret-not-for-production"}

    def post(self, app, body, headers=None, **kw):
        return app.test_client().post("/v1/email/events", json=body, headers=headers or self.HEADERS, **kw)

    def test_hard_bounce_suppresses_everything(self, app, mailbox, db, settings):
        r = self.post(
            app, {"events": [{"type": "bounce", "bounce_type": "hard", "email": "Gone@example.org"}]}
        )
        assert r.status_code == 200
        assert r.json == {"recorded": 1, "suppressed": 1}
        send(app, "sign_in_code", "gone@example.org", "code:gone", {"code": "1", "minutes": 1})
        record = wait_status(settings, "code:gone", {"suppressed"})
        assert record["last_error"] == "address suppressed (hard bounce)"

    def test_a_bounce_naming_the_ascii_form_of_a_domain_we_sent_to_suppresses_the_address_given(
        self, app, mailbox, db, settings
    ):
        """We send to an internationalised domain in its ASCII form, so that is the one the provider's event
        names; the address was given (and is kept) in letters."""
        send(app, "sign_in_code", "Ana@Bücher.example", "code:ana:1", {"code": "1", "minutes": 1})
        mailbox.wait_for(1)
        [sent_to] = mailbox.envelopes[0][1]
        assert sent_to == "Ana@xn--bcher-kva.example"
        bounce = {"type": "bounce", "bounce_type": "hard", "email": sent_to}
        assert self.post(app, {"events": [bounce]}).json == {"recorded": 1, "suppressed": 1}
        send(app, "sign_in_code", "ana@bücher.example", "code:ana:2", {"code": "2", "minutes": 1})
        record = wait_status(settings, "code:ana:2", {"suppressed"})
        assert record["last_error"] == "address suppressed (hard bounce)"
        # And the other way: an address given in its ASCII form, a complaint naming it in letters.
        self.post(app, {"events": [{"type": "complaint", "email": "li@bücher.example"}]})
        send(app, "product_news", "li@xn--bcher-kva.example", "news:li", NEWS)
        record = wait_status(settings, "news:li", {"suppressed"})
        assert record["last_error"] == "address suppressed (complaint)"

    def test_a_domain_with_an_eszett_is_mailed_at_its_own_domain_and_its_bounce_found(
        self, app, mailbox, db, settings
    ):
        """straße.de is xn--strae-oqa.de (IDNA2008, as registries read it); the older encoding made it
        strasse.de, another domain, whose owner would have got the person's sign-in code."""
        send(app, "sign_in_code", "Jo@Straße.de", "code:jo:1", {"code": "1", "minutes": 1})
        (message,) = mailbox.wait_for(1)
        assert mailbox.envelopes[0][1] == ["Jo@xn--strae-oqa.de"] and message["To"] == "Jo@xn--strae-oqa.de"
        bounce = {"type": "bounce", "bounce_type": "hard", "email": "jo@xn--strae-oqa.de"}
        assert self.post(app, {"events": [bounce]}).json == {"recorded": 1, "suppressed": 1}
        send(app, "sign_in_code", "jo@straße.de", "code:jo:2", {"code": "2", "minutes": 1})
        assert wait_status(settings, "code:jo:2", {"suppressed"})

    def test_complaint_suppresses_all_but_transactional(self, app, mailbox, db, settings):
        self.post(app, {"events": [{"type": "complaint", "email": "g@example.org"}]})
        send(app, "product_news", "g@example.org", "news:g", NEWS)
        assert wait_status(settings, "news:g", {"suppressed"})
        send(app, "sign_in_code", "g@example.org", "code:g", {"code": "1", "minutes": 1})
        assert mailbox.wait_for(1)[0]["To"] == "g@example.org"

    def test_soft_bounces_suppress_only_when_repeated(self, app, db):
        event = {"type": "bounce", "bounce_type": "soft", "email": "h@example.org"}
        assert self.post(app, {"events": [event, event]}).json == {"recorded": 2, "suppressed": 0}
        assert self.post(app, {"events": [event]}).json == {"recorded": 1, "suppressed": 1}

    def test_hook_needs_the_secret_json_and_valid_fields(self, app, db):
        r = self.post(app, {"events": []}, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        r = app.test_client().post(
            "/v1/email/events", data="x", content_type="text/plain", headers=self.HEADERS
        )
        assert r.status_code == 415
        assert r.mimetype == "application/problem+json"
        r = self.post(app, {"events": [{"type": "bounce", "email": "not-an-email"}]})
        assert r.status_code == 422
        assert r.mimetype == "application/problem+json"
        assert {p["name"] for p in r.json["invalid_params"]} == {"events.0.email"}
        assert db.email_events.count_documents({}) == 0
