"""Sign-ups stored in batches from the inbox: each address once, counted once, one confirmation email per new
address; and a batch stored again (its task redelivered after its worker died) changes nothing."""

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
        redis.rpush(waitlist_inbox.INBOX, *(json.dumps(item) for item in items))  # as requests append them
        # A worker took the batch and stored it, then died before forgetting it.
        batch = waitlist_inbox.take("task-that-died", 100)
        assert batch == items
        service.store_signups(celery, settings, batch)
        assert waitlist_inbox.take("task-that-died", 100) == items  # its task, redelivered, finds it again
        # The redelivered task (the same id) runs on the real worker.
        celery.send_task(WAITLIST_STORE.name, task_id="task-that-died", queue=WAITLIST_STORE.queue)
        wait_until_idle(settings)

    assert not redis.exists(waitlist_inbox.TAKEN + "task-that-died") and waitlist_inbox.waiting() == 0
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
