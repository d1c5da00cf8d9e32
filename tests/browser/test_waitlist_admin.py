"""End to end in headless chromium: a visitor joins and confirms; an admin finds, invites, exports, erases."""

from __future__ import annotations

import csv
import re

from services.notification.admin import accounts
from shared.mongo import mongo
from tests.factories import waitlist

PASSWORD = "a long admin password"


def _link(message, pattern: str) -> str:
    return re.search(pattern, message.get_body(("plain",)).get_content()).group(0)


def test_visitor_joins_and_confirms_from_the_email(page, mailbox, live_server):
    page.goto("/waitlist")
    page.fill("#email", "visitor@example.org")
    page.fill("#name", "Vee")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    [message] = mailbox.wait_for(1, timeout=15)
    assert message["To"] == "visitor@example.org"
    confirm_url = _link(message, re.escape(live_server) + r"/waitlist/confirm/\S+")
    page.goto(confirm_url)
    assert mongo.db.waitlist_entries.find_one({"email": "visitor@example.org"})["status"] == "pending"
    page.click("text=Confirm my place")
    page.wait_for_selector("text=You're on the list")
    assert mongo.db.waitlist_entries.find_one({"email": "visitor@example.org"})["status"] == "confirmed"
    _confirm, placed = mailbox.wait_for(2, timeout=15)  # the lasting link to the place-in-line page
    page.goto(_link(placed, re.escape(live_server) + r"/waitlist/you/\S+"))
    page.wait_for_selector("text=Your place in line")


def test_admin_finds_invites_exports_and_erases(page, mailbox, live_server, tmp_path):
    accounts.create_account("admin@example.org", PASSWORD)
    invitee = waitlist.entry(1, name="Invitee Ivy")
    leaver = waitlist.entry(2, name="Leaver Lee")

    page.goto("/admin/")
    assert "/admin/login" in page.url
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Waitlist')")

    page.fill("#q", "ivy")
    page.click("button:has-text('Search')")
    page.wait_for_selector(f"text={invitee['email']}")
    assert page.locator("tbody tr").count() == 1
    page.check(f"input[value='{invitee['_id']}']")
    page.click("button:has-text('Invite selected')")
    page.wait_for_selector("text=1 invited")
    [message] = mailbox.wait_for(1, timeout=15)
    assert message["To"] == invitee["email"]
    assert "/invitations/" in message.get_body(("plain",)).get_content()

    page.goto("/admin/")
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    download = download_info.value
    assert re.fullmatch(r"waitlist-\d{8}-\d{6}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(newline="") as exported:
        emails = {row["email"] for row in csv.DictReader(exported)}
    assert emails == {invitee["email"], leaver["email"]}

    page.click(f"text={leaver['email']}")
    page.click("a:has-text('Erase')")  # the consent text shown on the page says "erased" too
    page.check("input[name=confirm]")
    page.click("button:has-text('Erase for good')")
    page.wait_for_selector("text=The entry was erased.")
    assert mongo.db.waitlist_entries.find_one({"_id": leaver["_id"]}) is None

    page.click("text=Audit log")
    for action in ("sign in", "invite", "export", "erase"):
        assert page.locator(f"td:text-is('{action}')").count() >= 1
