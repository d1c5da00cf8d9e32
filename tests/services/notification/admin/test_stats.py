"""The admin stats, read from the waitlist's counters: they follow every waitlist write and erasure, and
say what a count from scratch says."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from services.notification.admin import service as admin_service
from services.notification.admin.cli import admin_cli
from services.notification.waitlist import repository, service
from services.notification.waitlist import tasks as waitlist_tasks
from shared.mongo import mongo
from shared.runtime import runtime_of
from tests.factories import waitlist


def _recounted(stats):
    """The stats once the counters are rebuilt from the entries."""
    repository.recount()
    return admin_service.stats() == stats


def test_the_counters_follow_every_waitlist_write_and_erasure(client, notification_app):
    with notification_app.test_request_context():
        runtime = runtime_of(notification_app)
        celery, settings = runtime.celery, runtime.settings
        signup = {"email": "Ref.Errer@example.org", "name": "Ref Errer", "source": "Forum"}
        service.store_signups(celery, settings, [{"signup": signup, "ip": "1.2.3.4", "user_agent": "ua"}])
        service.store_signups(
            celery, settings, [{"signup": signup, "ip": "1.2.3.4", "user_agent": "ua"}]
        )  # a repeat counts nothing
        referrer = repository.find_by_email_key("ref.errer@example.org")
        stats = admin_service.stats()
        assert stats["statuses"]["pending"] == 1 and stats["sources"] == [("forum", 1)]
        assert stats["total"] == 1 and stats["confirmation_rate"] == 0.0

        service.confirm(
            runtime_of(notification_app),
            service.token_for(settings, service.CONFIRM_PURPOSE, referrer["_id"]),
        )
        data = {"email": "friend@example.org", "name": "Fri End", "referral_code": referrer["referral_code"]}
        service.store_signups(celery, settings, [{"signup": data, "ip": "1.2.3.4", "user_agent": "ua"}])
        friend = repository.find_by_email_key("friend@example.org")
        service.confirm(
            runtime_of(notification_app), service.token_for(settings, service.CONFIRM_PURPOSE, friend["_id"])
        )
        stats = admin_service.stats()
        assert [(leader["entry_id"], leader["credits"]) for leader in stats["leaders"]] == [
            (referrer["_id"], 1)
        ]
        assert stats["statuses"] == {"pending": 0, "confirmed": 2, "invited": 0, "active": 0}
        assert _recounted(stats)

        assert repository.mark_invited(friend["_id"], "inv1", datetime.now(UTC))
        # A repeat counts nothing.
        assert not repository.mark_invited(friend["_id"], "inv2", datetime.now(UTC))
        assert waitlist_tasks.invitation_accepted("inv1", friend["_id"])
        assert not waitlist_tasks.invitation_accepted("inv1", friend["_id"])
        stats = admin_service.stats()
        assert stats["statuses"] == {"pending": 0, "confirmed": 1, "invited": 0, "active": 1}
        assert stats["total"] == 2 and stats["per_day"][-1][1] == 2 and stats["confirmation_rate"] == 1.0
        assert sorted(stats["sources"]) == [("(none)", 1), ("forum", 1)]
        assert _recounted(stats)

        assert service.leave(settings, service.token_for(settings, service.LEAVE_PURPOSE, referrer["_id"]))
        assert not service.leave(
            settings, service.token_for(settings, service.LEAVE_PURPOSE, referrer["_id"])
        )
    stats = admin_service.stats()
    assert stats["total"] == 1 and stats["leaders"] == [] and stats["sources"] == [("(none)", 1)]
    assert stats["statuses"]["active"] == 1 and stats["statuses"]["confirmed"] == 0
    assert _recounted(stats)


def test_stats_count_days_statuses_sources_and_leaders(db):
    today = datetime.now(UTC).replace(hour=12)
    for n, (status, days_ago, source, credits) in enumerate(
        [
            ("pending", 0, "Reddit", 0),
            ("confirmed", 0, "reddit", 3),
            ("confirmed", 1, None, 1),
            ("invited", 2, "forum", 0),
            ("active", 40, "forum", 0),  # outside the 30 days shown per day, inside the totals
        ]
    ):
        waitlist.entry(
            n, status, created_at=today - timedelta(days=days_ago), source=source, referral_credits=credits
        )
    stats = admin_service.stats()
    assert stats["total"] == 5 and stats["confirmation_rate"] == 0.8
    assert stats["statuses"] == {"pending": 1, "confirmed": 2, "invited": 1, "active": 1}
    assert stats["sources"] == [("forum", 2), ("reddit", 2), ("(none)", 1)]
    per_day = dict(stats["per_day"])
    assert len(per_day) == 30 and sum(per_day.values()) == 4
    assert [per_day[(today - timedelta(days=d)).date()] for d in (0, 1, 2)] == [2, 1, 1]
    assert [(leader["email"], leader["credits"]) for leader in stats["leaders"]] == [
        ("Person.1@Example.org", 3),
        ("Person.2@Example.org", 1),
    ]


def test_concurrent_sign_ups_of_one_address_make_one_counted_entry(client, notification_app):
    with notification_app.test_request_context():
        runtime = runtime_of(notification_app)
        celery, settings = runtime.celery, runtime.settings

        def sign_up(n):
            signup = {"email": f"Same.Person+{n}@gmail.com", "name": "Same", "source": "forum"}
            with notification_app.test_request_context():
                service.store_signups(
                    celery, settings, [{"signup": signup, "ip": "1.2.3.4", "user_agent": "ua"}]
                )

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(sign_up, range(8)))
    assert mongo.db.waitlist_entries.count_documents({}) == 1
    entry = mongo.db.waitlist_entries.find_one()
    assert admin_service.stats()["statuses"]["pending"] == 1
    assert [row["_id"] for row in repository.list_page({"page": 1}, 50)[0]] == [entry["_id"]]


def test_a_list_stored_before_the_counters_is_counted_once_at_start(db):
    docs = [waitlist.entry_doc(n, status) for n, status in enumerate(("pending", "confirmed", "confirmed"))]
    mongo.db.waitlist_entries.insert_many(docs)  # as an earlier version stored them: no counters
    repository.ensure_counts()
    repository.ensure_counts()  # a second process starting: counted once
    assert admin_service.stats()["statuses"] == {"pending": 1, "confirmed": 2, "invited": 0, "active": 0}


def test_recount_command_rebuilds_the_counters(app):
    waitlist.entries(5)
    mongo.db.waitlist_counts.delete_many({"kind": "day"})
    result = app.test_cli_runner().invoke(admin_cli, ["recount"])
    assert result.exit_code == 0, result.output
    assert "Counted 5 entries" in result.output
    assert admin_service.stats()["statuses"]["confirmed"] == 5


def test_any_source_text_is_counted_as_typed(db):
    # Sources are free text from landing links: dots, dollars and percent signs must not break the counters.
    for n, source in enumerate(("News.Example.com", "$promo 50%", "news.example.com", None)):
        waitlist.entry(n, source=source)
    assert admin_service.stats()["sources"] == [("news.example.com", 2), ("$promo 50%", 1), ("(none)", 1)]
