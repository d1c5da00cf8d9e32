"""Sign-ups stored in batches from the inbox: each address once, counted once, one confirmation email per new
address; a batch stored again (its task redelivered after its worker died) changes nothing; a batch whose
task was lost for good is stored by a later run once its lease ends, and never while its task holds it."""

from __future__ import annotations

import json

from services.notification.admin import service as admin_service
from services.notification.waitlist import abuse, repository, service
from services.notification.waitlist.normalize import email_key
from shared import ratelimit, waitlist_inbox
from shared.email import outbox_id
from shared.runtime import runtime_of
from shared.tasks import WAITLIST_STORE
from tests.factories import waitlist
from tests.support.queues import wait_until_idle


def _signup(email: str, **fields) -> dict:
    """An inbox item, as a sign-up request appends it."""
    return {"signup": {"email": email, "consent": True, "name": "Sam", **fields}, "ip": "203.0.113.7"}


def _append(redis, items: list[dict]) -> None:
    """As requests append them."""
    redis.rpush(waitlist_inbox.INBOX, *(json.dumps(item) for item in items))


def _recounted() -> bool:
    stats = admin_service.stats()
    repository.recount()
    return admin_service.stats() == stats


def test_a_batch_stores_each_address_once_counts_it_once_and_emails_it_once(live_app, db, mailbox):
    with live_app.test_request_context():
        celery, settings = runtime_of(live_app).celery, runtime_of(live_app).settings
        listed = {
            "signup": {"email": "listed@example.org", "consent": True},
            "ip": "1.2.3.4",
            "user_agent": "ua",
        }
        service.store_signups(celery, settings, [listed])
        batch = [
            _signup("new.one@example.org"),
            _signup("New.One@Example.org"),  # the same person twice in one batch
            _signup("new.two@example.org", source="Forum"),
            _signup("listed@example.org"),  # listed before: a repeat within the send limit
        ]
        service.store_signups(celery, settings, batch)
        wait_until_idle(settings)

    keys = sorted(doc["email_key"] for doc in db.waitlist_entries.find())
    assert keys == ["listed@example.org", "new.one@example.org", "new.two@example.org"]
    stats = admin_service.stats()
    assert stats["statuses"]["pending"] == 3 and stats["total"] == 3
    assert ("forum", 1) in stats["sources"]
    assert _recounted()
    received = sorted(message["To"] for message in mailbox.wait_for(3))
    assert received == ["listed@example.org", "new.one@example.org", "new.two@example.org"]
    assert db.email_outbox.count_documents({}) == 3


def test_a_batch_stored_again_by_its_redelivered_task_changes_nothing(live_app, db, mailbox, redis):
    with live_app.test_request_context():
        celery, settings = runtime_of(live_app).celery, runtime_of(live_app).settings
        items = [_signup(f"batch.{n}@example.org") for n in range(3)]
        _append(redis, items)
        # A worker took the batch and stored it, then died before forgetting it.
        batch = waitlist_inbox.take("task-that-died", 100)
        assert batch == items
        service.store_signups(celery, settings, batch)
        assert waitlist_inbox.take("task-that-died", 100) == items  # its task, redelivered, finds it again
        # The redelivered task (the same id) runs on the real worker.
        celery.send_task(WAITLIST_STORE.name, task_id="task-that-died", queue=WAITLIST_STORE.queue)
        wait_until_idle(settings)

    assert not redis.exists(waitlist_inbox.TAKEN + "task-that-died")
    assert waitlist_inbox.backlog()[0]["waiting"] == 0
    assert db.waitlist_entries.count_documents({}) == 3
    assert admin_service.stats()["statuses"]["pending"] == 3
    assert _recounted()
    addresses = [item["signup"]["email"] for item in items]
    assert sorted(message["To"] for message in mailbox.wait_for(3)) == addresses
    assert db.email_outbox.count_documents({}) == 3


def test_a_sign_up_stored_again_after_its_email_was_lost_gets_it_once(live_app, db, mailbox, settings):
    address = "lost.email@example.org"
    # A worker counted the first send, stored the entry with it, and died before recording the email.
    assert ratelimit.hit_all(abuse.CONFIRMATION_SENDS, email_key(address)).allowed
    doc = waitlist.entry_doc(7, "pending", email=address, email_key=email_key(address), confirmation_sends=1)
    assert not repository.insert_new_entries([doc])

    with live_app.test_request_context():
        celery = runtime_of(live_app).celery
        for _ in range(2):  # its task redelivered, then the person signing up again
            service.store_signups(celery, settings, [_signup(address)])
            wait_until_idle(settings)

    message = mailbox.wait_for_one_to(address)
    assert message["To"] == address
    assert db.email_outbox.count_documents({}) == 1
    assert db.email_outbox.find_one()["_id"] == outbox_id(settings, f"waitlist-confirm:{doc['_id']}:1")
    assert db.waitlist_entries.find_one()["confirmation_sends"] == 1  # the limit still holds


def _store_run(celery, settings) -> None:
    """A run of the storing task on the real worker, as beat sends one every minute."""
    celery.send_task(WAITLIST_STORE.name, queue=WAITLIST_STORE.queue)
    wait_until_idle(settings)


def test_a_batch_whose_task_was_lost_for_good_is_stored_by_a_later_run_once_its_lease_ends(
    live_app, db, mailbox, redis
):
    with live_app.test_request_context():
        celery, settings = runtime_of(live_app).celery, runtime_of(live_app).settings
        items = [_signup(f"lost.{n}@example.org") for n in range(3)]
        _append(redis, items)
        # A run took the batch and was then lost for good (killed by its time limit, or its message lost
        # with the broker's record of it): nothing will ever ask for "task-lost" again. Its lease ends now.
        assert waitlist_inbox.take("task-lost", 100, lease_s=0) == items
        later = _signup("later@example.org")
        _append(redis, [later])
        _store_run(celery, settings)
        addresses = sorted(item["signup"]["email"] for item in [*items, later])
        assert sorted(doc["email"] for doc in db.waitlist_entries.find()) == addresses
        assert not redis.exists(waitlist_inbox.TAKEN + "task-lost")
        assert waitlist_inbox.backlog() == ({"waiting": 0, "taken": 0}, {"waiting": 0.0, "taken": 0.0})
        # Were "task-lost" redelivered after all, it would find its batch gone and store nothing twice.
        celery.send_task(WAITLIST_STORE.name, task_id="task-lost", queue=WAITLIST_STORE.queue)
        wait_until_idle(settings)

    assert db.waitlist_entries.count_documents({}) == 4
    assert sorted(message["To"] for message in mailbox.wait_for(4)) == addresses
    assert db.email_outbox.count_documents({}) == 4
    assert _recounted()


def test_a_batch_whose_lease_runs_on_is_left_to_the_task_still_storing_it(live_app, db, mailbox, redis):
    with live_app.test_request_context():
        celery, settings = runtime_of(live_app).celery, runtime_of(live_app).settings
        items = [_signup(f"held.{n}@example.org") for n in range(2)]
        _append(redis, items)
        batch = waitlist_inbox.take("task-storing", 100)  # a run still storing it: its lease runs on
        _store_run(celery, settings)  # the next periodic run
        assert waitlist_inbox.take("task-storing", 100) == items  # still its own, untouched
        assert db.waitlist_entries.count_documents({}) == 0
        assert waitlist_inbox.backlog()[0] == {"waiting": 0, "taken": 2}
        # The run that holds it finishes.
        service.store_signups(celery, settings, batch)
        waitlist_inbox.done("task-storing")
        wait_until_idle(settings)

    assert waitlist_inbox.backlog() == ({"waiting": 0, "taken": 0}, {"waiting": 0.0, "taken": 0.0})
    addresses = sorted(item["signup"]["email"] for item in items)
    assert sorted(message["To"] for message in mailbox.wait_for(2)) == addresses
    assert db.email_outbox.count_documents({}) == 2
