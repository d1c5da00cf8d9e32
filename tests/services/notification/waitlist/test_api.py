"""`POST /v1/waitlist`: one neutral answer, problem+json naming fields, and the abuse controls."""

import dataclasses

import pytest

from services.notification.waitlist import abuse, service
from shared import single_line
from shared.address import MAX_ADDRESS_LENGTH, NOT_SENDABLE, TOO_LONG
from shared.web import json_body
from tests.factories import waitlist
from tests.services.notification.waitlist.helpers import join_form, join_json, join_json_unsettled
from tests.support.operations import recording
from tests.support.queues import wait_until_idle
from tests.support.runtimes import notification_app

PROBLEM = "application/problem+json"
QUIET_BROKER_DB = 12  # nothing consumes it: the tasks a request sends just wait there


def fields_named(response) -> set[str]:
    return {p["name"] for p in response.json["invalid_params"]}


class TestNoEnumeration:
    def test_new_and_listed_addresses_get_identical_answers(self, client, db):
        first = join_json(client, "same.person@gmail.com")
        variants = ["SamePerson@gmail.com", "same.person+waitlist@googlemail.com", "s.a.m.e.person@gmail.com"]
        answers = [join_json(client, email, ip=f"198.51.100.{i}") for i, email in enumerate(variants)]
        for answer in answers:
            assert answer.status_code == first.status_code == 202
            assert answer.get_data() == first.get_data()
        assert first.json == {"status": "received", "message": service.JOINED_MESSAGE}
        assert db.waitlist_entries.count_documents({}) == 1
        assert db.waitlist_entries.find_one()["email"] == "same.person@gmail.com"

    def test_plus_tags_elsewhere_are_different_people(self, client, db):
        join_json(client, "kim+one@example.org")
        join_json(client, "kim+two@example.org")
        assert db.waitlist_entries.count_documents({}) == 2

    def test_signing_up_costs_the_same_for_new_pending_and_confirmed_addresses(
        self, settings, redis_server, db, redis
    ):
        waitlist.entry(1, status="pending")
        waitlist.entry(2, status="confirmed")
        quiet = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
        client = notification_app(quiet).test_client()

        def sign_up(email):
            with recording(settings.redis_url, {0, QUIET_BROKER_DB}) as work:
                assert join_json_unsettled(client, email).status_code == 202
            return work

        sign_up("warm-up@example.org")  # the first request ensures indexes and loads the rate-limit script
        new, pending, confirmed = (
            sign_up("new@example.org"),
            sign_up("person.1@example.org"),
            sign_up("person.2@example.org"),
        )
        assert new.mongo == pending.mongo == confirmed.mongo == []
        assert new.redis == pending.redis == confirmed.redis
        assert "RPUSH" in new.redis  # the work is seen: appended to the worker's inbox, whatever the address
        assert db.waitlist_entries.count_documents({}) == 2  # the new sign-up waits in the inbox

    def test_form_answers_the_same_for_new_and_listed(self, client):
        first, second = join_form(client, "form@example.org"), join_form(client, "FORM@example.org")
        assert first.status_code == second.status_code == 303
        assert first.headers["Location"] == second.headers["Location"]


class TestValidation:
    def test_bad_fields_are_named_in_problem_json(self, client, db):
        r = client.post("/v1/waitlist", json={"email": "not-an-address", "name": "x" * 101})
        assert r.status_code == 422
        assert r.mimetype == PROBLEM
        assert fields_named(r) == {"email", "name", "consent"}
        assert db.waitlist_entries.count_documents({}) == 0

    def test_consent_must_be_given_explicitly(self, client, db):
        r = client.post("/v1/waitlist", json={"email": "a@example.org", "consent": False})
        assert r.status_code == 422
        assert fields_named(r) == {"consent"}

    def test_unknown_consent_version_is_refused(self, client):
        r = join_json(client, "a@example.org", consent_version="1999-01")
        assert fields_named(r) == {"consent_version"}

    def test_disposable_domain_is_refused_kindly(self, client, db):
        r = join_json(client, "someone@mail.mailinator.com")
        assert r.status_code == 422
        (param,) = r.json["invalid_params"]
        assert param["name"] == "email"
        assert "temporary email address" in param["reason"]
        assert db.waitlist_entries.count_documents({}) == 0

    def test_an_address_with_accents_before_the_at_is_refused_kindly(self, client, db):
        """Mail to it cannot go out (SMTP without SMTPUTF8): accepted, its confirmation would never arrive.
        An accented domain is mailed (in its ASCII form), so it is accepted."""
        r = join_json(client, "josé@example.org")
        assert r.status_code == 422
        assert r.json["invalid_params"] == [{"name": "email", "reason": NOT_SENDABLE}]
        form = join_form(client, "josé@example.org", ip="203.0.113.8")
        assert form.status_code == 422
        assert "special letters before the @" in form.get_data(as_text=True)
        assert db.waitlist_entries.count_documents({}) == 0
        assert join_json(client, "jose@bücher.example", ip="203.0.113.9").status_code == 202

    def test_overlong_address_is_refused_before_any_other_check(self, client, db):
        # 120,000 characters of labels: the disposable check once took 35 s of CPU on this.
        r = join_json(client, "a@" + "a." * 60000 + "!")
        assert r.status_code == 422
        assert r.json["invalid_params"] == [{"name": "email", "reason": TOO_LONG}]
        assert db.waitlist_entries.count_documents({}) == 0

    def test_address_of_the_largest_accepted_size_is_answered(self, client, db):
        address = "a@" + "b." * 125 + "cc"
        assert len(address) == MAX_ADDRESS_LENGTH
        assert join_json(client, address).status_code == 202
        too_long = join_json(client, "a" + address)
        assert too_long.json["invalid_params"] == [{"name": "email", "reason": TOO_LONG}]

    @pytest.mark.parametrize("name", ["Sam\r\nBcc: x@example.org", "Sam\u0007", "Sam\tSmith"])
    def test_name_with_line_breaks_or_control_characters_is_refused(self, client, db, name):
        r = join_json(client, "a@example.org", name=name)
        assert (r.status_code, r.mimetype) == (422, PROBLEM)
        assert r.json["invalid_params"] == [{"name": "name", "reason": single_line.MESSAGE}]
        form = join_form(client, "a@example.org", name=name, ip="203.0.113.8")
        assert form.status_code == 422
        assert "without line breaks" in form.get_data(as_text=True)
        assert db.waitlist_entries.count_documents({}) == 0

    def test_lone_surrogate_in_a_field_is_a_400_naming_it(self, client, db):
        body = '{"email": "a@example.org", "consent": true, "name": "Sam \\ud800"}'
        r = client.post("/v1/waitlist", data=body, content_type="application/json")
        assert (r.status_code, r.mimetype) == (400, PROBLEM)
        assert r.json["invalid_params"] == [{"name": "name", "reason": json_body.NOT_TEXT}]
        assert db.waitlist_entries.count_documents({}) == 0

    def test_disposable_domain_on_the_form_shows_the_message(self, client):
        r = join_form(client, "someone@yopmail.com")
        assert r.status_code == 422
        assert "temporary email address" in r.get_data(as_text=True)
        assert 'value="someone@yopmail.com"' in r.get_data(as_text=True)

    def test_wrong_content_type_is_415(self, client):
        r = client.post("/v1/waitlist", data={"email": "a@example.org", "consent": "yes"})
        assert r.status_code == 415
        assert r.mimetype == PROBLEM

    def test_oversize_body_is_413(self, client, settings):
        r = client.post(
            "/v1/waitlist", data=b"x" * (settings.max_request_bytes + 1), content_type="application/json"
        )
        assert r.status_code == 413


class TestHoneypot:
    @pytest.mark.parametrize("send", [join_json, join_form])
    def test_filled_honeypot_is_thanked_but_nothing_happens(self, client, db, send):
        normal = send(client, "person@example.org", ip="192.0.2.1")
        bot = send(client, "bot@example.org", ip="192.0.2.2", **{abuse.HONEYPOT_FIELD: "http://spam"})
        assert bot.status_code == normal.status_code
        assert bot.get_data() == normal.get_data()
        assert db.waitlist_entries.count_documents({"email": "bot@example.org"}) == 0
        assert db.email_outbox.count_documents({"to": "bot@example.org"}) == 0


class TestRateLimits:
    def test_per_ip_limit_answers_429_with_retry_after(self, client):
        per_minute = abuse.JOIN_PER_IP[0].limit
        for i in range(per_minute):
            assert join_json(client, f"p{i}@example.org", ip="192.0.2.50").status_code == 202
        r = join_json(client, "one-more@example.org", ip="192.0.2.50")
        assert r.status_code == 429
        assert r.mimetype == PROBLEM
        assert 0 < int(r.headers["Retry-After"]) <= 60
        assert r.json["retry_after"] == int(r.headers["Retry-After"])
        assert join_json(client, "other-ip@example.org", ip="192.0.2.51").status_code == 202

    def test_per_ip_limit_on_the_form_is_a_calm_page(self, client):
        for i in range(abuse.JOIN_PER_IP[0].limit):
            join_form(client, f"f{i}@example.org", ip="192.0.2.60")
        r = join_form(client, "late@example.org", ip="192.0.2.60")
        assert r.status_code == 429
        assert r.mimetype == "text/html"
        assert "short pause" in r.get_data(as_text=True)
        assert int(r.headers["Retry-After"]) > 0

    def test_per_email_limit_whatever_the_ip(self, client):
        limit = abuse.JOIN_PER_EMAIL[0].limit
        for i in range(limit):
            assert join_json(client, "busy@gmail.com", ip=f"192.0.2.{100 + i}").status_code == 202
        r = join_json(client, "b.u.s.y+x@gmail.com", ip="192.0.2.200")
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0


class TestProxy:
    def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(self, app, settings, db, redis):
        for trusted, expected in ((0, "127.0.0.1"), (1, "198.51.100.9")):
            db.waitlist_entries.delete_many({})
            redis.flushdb()
            app = notification_app(dataclasses.replace(settings, trusted_proxy_count=trusted))
            app.test_client().post(
                "/v1/waitlist",
                json={"email": "proxied@example.org", "consent": True},
                headers={"X-Forwarded-For": "198.51.100.9"},
            )
            wait_until_idle(settings)
            assert db.waitlist_entries.find_one()["consent"]["ip"] == expected
