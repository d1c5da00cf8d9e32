"""The web app in Debian's Chromium against the real stack: sign in with the emailed code, a check-in in
two taps, offline logging that syncs each entry exactly once, History by day with edits (offline too), a
planted wave on Trends, a report downloaded, shared, opened as the clinician and revoked, the email settings,
axe on each screen."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
import requests

from services.ingestion.accounts import browser as browser_cookie
from services.ingestion.accounts import service
from services.notification.push import checkin
from services.notification.push import service as reminders
from shared import email, invitations, preferences
from shared.plans import schedule, store
from shared.plans.doses import doses_on, event_id
from tests.browser import axe, scene
from tests.browser.app_stack import PHONE, api, phone, plant_wave, store_plan
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import plans
from tests.factories.accounts import person
from tests.support.push_keys import BrowserKeys
from tests.support.servers import wait_for

SCREENS = ("today", "plan", "trends", "history", "reports", "settings")
# The width of an element's text as drawn (not of its box).
TEXT_WIDTH = """e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return range.getBoundingClientRect().width;
}"""
# Where the focused element is drawn, and whether it is one of the navigation's links.
FOCUSED = """() => {
    const e = document.activeElement;
    const bottom = e.getBoundingClientRect().bottom;
    return {name: e.id || e.textContent.trim(), bottom, inNav: e.closest("nav") !== null};
}"""
# How many lines each element's text is drawn on.
LINES = """elements => elements.map(e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
})"""


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.get_body(preferencelist=("plain",)).get_content()).group(1)


def ask_for_code(page, mailbox, email: str) -> EmailMessage:
    """Signed out, open the app and ask for a code for `email`; the email that brings it."""
    page.goto("/app/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a code").click()
    page.get_by_label("6-digit code").wait_for()
    # By address: an email an earlier test caused (a red flag's safety email) may arrive after this one began.
    return mailbox.wait_for_one_to(email)


def sign_in(page, mailbox, email: str) -> None:
    page.get_by_label("6-digit code").fill(code_from(ask_for_code(page, mailbox, email)))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today", level=1).wait_for()


def log_dose(page, typed: str, pick: str | re.Pattern[str], mg: str) -> None:
    """On Today: a dose of the medication found by `typed` and chosen by its button `pick`, saved."""
    page.get_by_label("Medication", exact=True).fill(typed)
    page.get_by_role("button", name=pick).click()
    page.get_by_label("Amount (mg)").fill(mg)
    page.get_by_role("button", name="Save dose").click()
    page.get_by_text(re.compile(r"^Dose saved\.")).wait_for()


def log_symptom(page, typed: str, pick: str | re.Pattern[str], severity: int) -> None:
    """On Today: the symptom found by `typed` and chosen by its button `pick`, at `severity`, Save pressed."""
    page.get_by_label("Find a symptom").fill(typed)
    page.get_by_role("button", name=pick).click()
    page.get_by_role("group", name=re.compile("How much")).get_by_role(
        "radio", name=str(severity), exact=True
    ).check()
    page.get_by_role("button", name="Save symptom").click()


def signed_in_in_spanish(app_context, mailbox, email: str):
    """A page signed in as `email` (an account made here), its language switched to Spanish in Settings."""
    user, _ = person(email)
    page = app_context.new_page()
    sign_in(page, mailbox, email)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Language").select_option("es")
    return user, page


def sign_in_from_spanish_email_step(page, mailbox) -> None:
    """On the Spanish sign-in screen, its email filled: ask for the code (it comes in Spanish), enter."""
    email = page.locator("#email").input_value()
    page.get_by_role("button", name="Enviarme un código").click()
    message = mailbox.wait_for_one_to(email)
    assert message["Subject"] == "Tu código para iniciar sesión"
    page.get_by_label("Código de 6 cifras").fill(code_from(message))
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("heading", name="Hoy", level=1).wait_for()


def queue_on_device(page, event: dict) -> None:
    """Put an entry in the device's queue, waiting to be sent, as logging it offline would."""
    page.evaluate(
        """event => new Promise((resolve, reject) => {
            const open = indexedDB.open("track-your-healing");
            open.onsuccess = () => {
                const tx = open.result.transaction("outbox", "readwrite");
                tx.objectStore("outbox").put({event, logged_at: event.occurred_at, state: "pending"});
                tx.oncomplete = () => resolve(true);
                tx.onerror = () => reject(tx.error);
            };
        })""",
        event,
    )


def assert_no_axe_violations(page, where: str) -> None:
    found = axe.violations(page)
    assert not found, f"{where}:\n{axe.report(found)}"


def assert_no_horizontal_scroll(page, where: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{where}: content is {widths[0]} px wide in a {widths[1]} px viewport"


def dose_reminder_switch(page, mailbox, email: str):
    """Signed in as `email`, its service worker in charge, on Settings: the dose reminder switch (off)."""
    sign_in(page, mailbox, email)
    wait_for_worker(page)
    page.get_by_role("link", name="Settings").click()
    switch = page.get_by_label("Send my reminders to this device")
    switch.wait_for()
    assert not switch.is_checked()
    return switch


def wait_for_worker(page) -> None:
    """The service worker must hold the app before the network goes (the CSP forbids the page-side eval
    of wait_for_function, so this polls from here)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    controlled = "navigator.serviceWorker.controller !== null"
    if not page.evaluate(controlled):
        page.reload()
    wait_for(lambda: page.evaluate(controlled), 10, "the service worker to control the page")


class TestSignIn:
    def test_sign_in_with_the_emailed_code_keeps_the_token_from_page_scripts(self, app_context, mailbox, db):
        person("robin@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "robin@example.org")
        assert page.url.endswith("/app/")
        assert page.evaluate("document.cookie") == ""  # HttpOnly: invisible to scripts
        (cookie,) = app_context.cookies()
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert cookie["value"].startswith(service.TOKEN_PREFIX)
        device = db.devices.find_one({"platform": "web"})
        assert device["name"].startswith("Chrome")

    def test_a_code_pasted_with_spaces_still_signs_in(self, app_context, mailbox, db):
        """Copied from the email with a space before it, or typed in two groups of three."""
        person("pasted@example.org")
        page = app_context.new_page()
        code = code_from(ask_for_code(page, mailbox, "pasted@example.org"))
        box = page.get_by_label("6-digit code")
        box.focus()
        box.press_sequentially("1234567a")
        assert box.input_value() == "123456"  # what is kept is what shows
        box.fill("")
        page.keyboard.insert_text(f" {code[:3]} {code[3:]}")  # as a paste arrives
        assert box.input_value() == code
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today", level=1).wait_for()

    def test_a_wrong_code_says_so_and_stays(self, app_context, mailbox, db):
        person("wrong@example.org")
        page = app_context.new_page()
        ask_for_code(page, mailbox, "wrong@example.org")
        page.get_by_label("6-digit code").fill("000000")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").filter(has_text="didn't work").wait_for()

    def test_someone_new_finds_what_it_is_and_its_privacy_page_before_signing_in(self, app_context):
        page = app_context.new_page()
        page.goto("/app/signin")
        page.get_by_role("heading", name="Sign in").wait_for()
        assert_no_axe_violations(page, "sign-in")
        page.get_by_role("link", name="What it is, and how to join").click()
        page.get_by_role("heading", name="About Track Your Healing").wait_for()
        assert page.get_by_role("link", name="waitlist").is_visible()
        page.go_back()
        page.get_by_role("link", name="Privacy").click()
        page.get_by_role("heading", name="Your privacy", level=1).wait_for()


class TestToday:
    def test_a_check_in_takes_two_taps_from_opening_the_app(self, app_context, mailbox, db):
        person("quick@example.org")
        signing_in = app_context.new_page()
        sign_in(signing_in, mailbox, "quick@example.org")
        signing_in.close()  # none of its requests, still in flight on a busy machine, is counted below
        page = app_context.new_page()
        asked = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto("/app/")  # opening the app
        page.get_by_role("heading", name="Today", level=1).wait_for()
        page.get_by_test_id("synced").wait_for()
        # Its start and the screen both need the catalogues, and ask for each once.
        assert sorted(u.rsplit("/", 1)[1] for u in asked if "/v1/catalog/" in u) == [
            "medications",
            "symptoms",
        ]
        # Today's reads of the entries (any yet, the last check-in, the recent doses): each at most at the
        # start and after the start's sync, not again as each next reader subscribes.
        reads = [u.split("/v1/", 1)[1] for u in asked if "/v1/events?" in u]
        assert len(set(reads)) == 3 and all(reads.count(r) <= 2 for r in reads), reads
        taps = 0
        page.get_by_role("radio", name="6", exact=True).check()
        taps += 1
        page.get_by_role("button", name="Save check-in").click()
        taps += 1
        assert taps <= 3
        page.get_by_text("Check-in saved").wait_for()
        page.get_by_test_id("synced").wait_for()
        (event,) = list(db.events.find({"type": "check_in"}))
        assert event["data"]["overall"] == 6

    def test_symptom_search_by_synonym_and_a_red_flag_opens_the_safety_panel(self, app_context, mailbox, db):
        person("flag@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "flag@example.org")
        log_symptom(page, "convulsion", re.compile("Seizure"), 3)
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert "988" in dialog.inner_text()
        # Each crisis line is one tap to call, Spain's and Mexico's among them.
        calls = dialog.get_by_role("link", name=re.compile(r"\d"))
        assert calls.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
            "tel:988",
            "tel:116123",
            "tel:131114",
            "tel:024",
            "tel:8009112000",
        ]
        assert dialog.get_by_role("link", name="Spain: 024").is_visible()
        assert_no_axe_violations(page, "safety panel")
        dialog.get_by_role("button", name="I understand").click()
        page.get_by_test_id("synced").wait_for()
        (event,) = list(db.events.find({"type": "symptom"}))
        assert (event["data"]["code"], event["data"]["severity"], event["red_flag"]) == ("seizure", 3, True)

    def test_dose_by_brand_name_and_a_note_for_the_doctor(self, app_context, app_url, mailbox, db):
        _user, headers = person("dose@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "dose@example.org")
        log_dose(page, "valium", "Diazepam (Valium)", "7.5")
        page.get_by_label("What would you like to remember?").fill("Ask about the next step")
        page.get_by_label("Question for my doctor").check()
        page.get_by_role("button", name="Save note").click()
        page.get_by_text("Note saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        dose = db.events.find_one({"type": "dose"})
        assert (dose["data"]["medication"], dose["data"]["amount_mg"]) == ("diazepam", 7.5)
        (note,) = api(app_url, headers, "GET", "/v1/events", params={"type": "note"}).json()["events"]
        assert note["data"] == {"text": "Ask about the next step", "tags": ["question_for_doctor"]}

    def test_a_symptom_and_a_medication_typed_with_a_typo_are_found_and_logged(
        self, app_context, app_url, mailbox, db
    ):
        person("typo@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "typo@example.org")
        page.get_by_label("Find a symptom").fill("Dizy")
        # The close spelling, and still the person's own words, in case they meant something else.
        page.get_by_text("Not what you meant? You can add it as your own:").wait_for()
        assert page.get_by_role("button", name="Add “Dizy” as my own symptom").is_visible()
        page.get_by_role("button", name="Dizziness, light-headedness or poor balance").click()
        how_much = page.get_by_role("group", name=re.compile("How much"))
        how_much.get_by_role("radio", name="2", exact=True).check()
        page.get_by_role("button", name="Save symptom").click()
        page.get_by_text("Dizziness, light-headedness or poor balance saved.").wait_for()
        log_dose(page, "Klonipin", "Clonazepam (Klonopin)", "0.5")
        page.get_by_test_id("synced").wait_for()
        symptom = db.events.find_one({"type": "symptom"})
        dose = db.events.find_one({"type": "dose"})
        assert (symptom["data"]["code"], symptom["data"]["severity"]) == ("dizziness_balance", 2)
        assert (dose["data"]["medication"], dose["data"]["amount_mg"]) == ("clonazepam", 0.5)

    def test_entries_are_logged_for_an_earlier_time_chosen_and_never_for_one_still_to_come(
        self, browser, app_url, mailbox, db
    ):
        _user, headers = person("earlier@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        yesterday = today - timedelta(days=1)
        with phone(browser, app_url, timezone_id="UTC") as context:
            page = context.new_page()
            sign_in(page, mailbox, "earlier@example.org")
            page.get_by_text("Log for an earlier time", exact=True).click()
            when = page.get_by_label("Date and time")
            when.fill(f"{today + timedelta(days=1)}T08:00")
            page.get_by_text("That time is still to come. Choose a time before now.").wait_for()
            page.get_by_role("radio", name="6", exact=True).check()
            # Not saved as now instead.
            assert page.get_by_role("button", name="Save check-in").is_disabled()
            when.fill(f"{yesterday}T21:00")
            page.get_by_text(re.compile("^What you save below is logged for ")).wait_for()
            assert page.get_by_role("heading", name="How were you then?").is_visible()
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text(re.compile("^Check-in saved for ")).wait_for()
            page.get_by_label("What would you like to remember?").fill("A hard evening")
            page.get_by_role("button", name="Save note").click()
            page.get_by_text(re.compile(r"^Note saved\. Logged for ")).wait_for()
            assert_no_axe_violations(page, "an earlier time chosen")
            # Closed again, what is saved is for now.
            page.get_by_text("Log for an earlier time", exact=True).click()
            page.get_by_role("heading", name="How are you right now?").wait_for()
            page.get_by_role("radio", name="3", exact=True).check()
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text(re.compile("^Check-in saved at ")).wait_for()
            page.get_by_test_id("synced").wait_for()
        stored = api(app_url, headers, "GET", "/v1/events").json()["events"]
        at = {(e["type"], e["data"].get("overall")): datetime.fromisoformat(e["occurred_at"]) for e in stored}
        chosen = datetime.fromisoformat(f"{yesterday}T21:00Z")
        assert (at["check_in", 6], at["note", None]) == (chosen, chosen)
        assert datetime.now(UTC) - at["check_in", 3] < timedelta(minutes=1)
        assert {e["local_day"] for e in stored if e["data"].get("overall") != 3} == {str(yesterday)}

    def test_a_first_visit_is_welcomed_until_the_first_entry_and_never_again_here(
        self, app_context, app_url, mailbox, db
    ):
        """A new person reads where to start and whose the data is, until they log something."""
        person("new@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "new@example.org")
        card = page.get_by_role("region", name="Welcome")
        card.get_by_text(
            re.compile("^Start with one check-in: how bad your symptoms are right now")
        ).wait_for()
        assert card.get_by_text(
            re.compile("^What you log is yours. No one sees it unless you share")
        ).is_visible()
        assert_no_axe_violations(page, "today, welcomed")
        page.get_by_role("radio", name="3", exact=True).check()
        page.get_by_role("button", name="Save check-in").click()
        card.wait_for(state="detached")
        page.reload()
        page.get_by_role("button", name="Save check-in").wait_for()
        page.get_by_test_id("synced").wait_for()
        assert card.count() == 0

    def test_the_welcome_closed_stays_closed_and_someone_who_logged_elsewhere_gets_none(
        self, browser, app_url, mailbox, db
    ):
        person("closes@example.org")
        _user, headers = person("returning@example.org")
        check_ins(app_url, headers, {datetime.now(UTC).date(): 4})
        with phone(browser, app_url) as context:
            page = context.new_page()
            sign_in(page, mailbox, "closes@example.org")
            page.get_by_role("region", name="Welcome").get_by_role("button", name="Got it").click()
            wait_for(
                lambda: page.evaluate("document.activeElement.tagName") == "H1", 5, "the focus on the heading"
            )
            page.reload()
            page.get_by_test_id("synced").wait_for()
            assert page.get_by_role("region", name="Welcome").count() == 0
        mailbox.clear()
        with phone(browser, app_url) as context:
            page = context.new_page()
            sign_in(page, mailbox, "returning@example.org")
            # Told by the server that there are entries, the device remembers to welcome no more.
            remembered = "localStorage.getItem('tyh.welcomed') === '1'"
            wait_for(lambda: page.evaluate(remembered), 10, "the device to know the person has logged before")
            assert page.get_by_role("region", name="Welcome").count() == 0

    def test_the_last_dose_taken_is_named_on_today_and_follows_what_is_logged(
        self, browser, app_url, mailbox, db
    ):
        """Yesterday's dose from another device, then a skipped dose (not one taken), then one taken now,
        offline: the dose card names the last one taken, with when."""
        _user, headers = person("last-dose@example.org", time_zone="UTC")
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        dose = {
            "type": "dose",
            "medication": "diazepam",
            "amount_mg": 10,
            "occurred_at": f"{yesterday}T21:00:00Z",
        }
        assert api(app_url, headers, "POST", "/v1/events", json=dose | {"event_id": uuid.uuid4().hex}).ok
        with phone(browser, app_url, timezone_id="UTC") as context:
            page = context.new_page()
            sign_in(page, mailbox, "last-dose@example.org")
            last = page.get_by_test_id("last-dose")
            expect_text = "Last dose logged: Diazepam 10 mg, yesterday at 9:00 PM."
            last.get_by_text(expect_text).wait_for()
            page.get_by_label("Medication", exact=True).fill("Diazepam")
            page.get_by_role("button", name=re.compile("^Diazepam")).click()
            page.get_by_label("Amount (mg)").fill("5")
            page.get_by_label("I skipped this dose").check()
            page.get_by_role("button", name="Save dose").click()
            page.get_by_text(re.compile(r"^Dose saved\.")).wait_for()
            page.get_by_test_id("synced").wait_for()
            assert last.inner_text() == expect_text
            context.set_offline(True)
            log_dose(page, "Diazepam", re.compile("^Diazepam"), "9")
            last.get_by_text(re.compile(r"^Last dose logged: Diazepam 9 mg, today at \d")).wait_for()

    def test_a_check_in_can_start_from_the_last_one_and_change_what_differs(
        self, browser, app_url, mailbox, db
    ):
        """Last night's check-in from another device: Today offers to start from it, fills in its answers
        (sleep and mood shown, not hidden), and what is saved is a new check-in with the change made."""
        _user, headers = person("again@example.org", time_zone="UTC")
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        last = {"type": "check_in", "overall": 6, "mood": 1, "sleep_hours": 5.5}
        assert api(
            app_url,
            headers,
            "POST",
            "/v1/events",
            json=last | {"event_id": "last", "occurred_at": f"{yesterday}T21:00:00Z"},
        ).ok
        with phone(browser, app_url, timezone_id="UTC") as context:
            page = context.new_page()
            sign_in(page, mailbox, "again@example.org")
            page.get_by_role("button", name="Start from your last check-in (yesterday at 9:00 PM)").click()
            page.get_by_text(
                "Filled in as your last check-in. Change what is different, then save."
            ).wait_for()
            overall = page.get_by_role("group", name="Overall, how bad are your symptoms?")
            assert overall.get_by_role("radio", name="6", exact=True).is_checked()
            assert (
                page.get_by_role("group", name="Mood").get_by_role("radio", name="1", exact=True).is_checked()
            )
            assert page.get_by_label("Hours slept").input_value() == "5.5"
            overall.get_by_role("radio", name="4", exact=True).check()  # a better day
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text("Check-in saved").wait_for()
            page.get_by_test_id("synced").wait_for()
            (saved,) = list(db.events.find({"type": "check_in", "event_id": {"$ne": "last"}}))
            assert (saved["data"]["overall"], saved["data"]["mood"], saved["data"]["sleep_hours"]) == (
                4,
                1,
                5.5,
            )
            assert saved["local_day"] == datetime.now(UTC).date().isoformat()
            # Offered again, now from the one just saved.
            page.get_by_role(
                "button", name=re.compile(r"^Start from your last check-in \(today at ")
            ).wait_for()

    def test_a_symptom_not_in_the_catalogue_is_added_as_my_own(self, app_context, app_url, mailbox, db):
        _user, headers = person("own@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "own@example.org")
        page.get_by_label("Find a symptom").fill("Buzzing earlobes")
        page.get_by_text("No symptom matches").wait_for()
        page.get_by_role("button", name="Add “Buzzing earlobes” as my own symptom").click()
        how_much = page.get_by_role("group", name=re.compile("How much"))
        how_much.get_by_role("radio", name="2", exact=True).check()
        page.get_by_role("button", name="Save symptom").click()
        page.get_by_text("Buzzing earlobes saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        symptoms = api(app_url, headers, "GET", "/v1/events", params={"type": "symptom"}).json()["events"]
        (symptom,) = symptoms
        assert symptom["data"]["custom_label"] == "Buzzing earlobes"
        assert symptom["data"]["severity"] == 2
        assert "code" not in symptom["data"]

    def test_my_own_symptom_cut_to_its_length_keeps_an_emoji_whole_and_syncs(
        self, app_context, app_url, mailbox, db
    ):
        """Cut at 80 characters, not at 80 UTF-16 units: half an emoji is not text, the server refuses the
        batch it is in, and every entry logged after it would wait on the device for good."""
        _user, headers = person("emoji@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "emoji@example.org")
        page.get_by_label("Find a symptom").fill("x" * 79 + "😀 and more")
        page.get_by_role("button", name=re.compile("as my own symptom$")).click()
        how_much = page.get_by_role("group", name=re.compile("How much"))
        how_much.get_by_role("radio", name="2", exact=True).check()
        page.get_by_role("button", name="Save symptom").click()
        page.get_by_role("button", name="Save symptom").wait_for(state="detached")  # saved on the device
        page.get_by_role("radio", name="3", exact=True).check()
        page.get_by_role("button", name="Save check-in").click()
        page.get_by_text("Check-in saved").wait_for()
        page.get_by_test_id("synced").wait_for()
        symptoms = api(app_url, headers, "GET", "/v1/events", params={"type": "symptom"}).json()["events"]
        assert [s["data"]["custom_label"] for s in symptoms] == ["x" * 79 + "😀"]
        assert db.events.count_documents({"type": "check_in"}) == 1

    def test_a_taper_step_by_brand_name(self, app_context, app_url, mailbox, db):
        _user, headers = person("step@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "step@example.org")
        page.get_by_label("Which medicine changed?").fill("klonopin")
        page.get_by_role("button", name=re.compile(r"^Clonazepam \(")).click()
        page.get_by_label("What changed").select_option(label="A cut")
        save = page.get_by_role("button", name="Save taper step")
        assert save.is_disabled()  # no new dose yet
        page.get_by_label("New daily dose (mg)").fill("0,75")
        save.click()
        page.get_by_text("Taper step saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        steps = api(app_url, headers, "GET", "/v1/events", params={"type": "taper_step"}).json()["events"]
        (step,) = steps
        assert step["data"] == {"kind": "cut", "medication": "clonazepam", "new_daily_dose_mg": 0.75}

    def test_a_crossover_names_both_medications_and_history_says_so(self, app_context, app_url, mailbox, db):
        _user, headers = person("crossover@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "crossover@example.org")
        page.get_by_label("Which medicine changed?").fill("xanax")
        page.get_by_role("button", name=re.compile(r"^Alprazolam \(")).click()
        page.get_by_label("What changed").select_option(label="A crossover to another medicine")
        page.get_by_label("New daily dose (mg)").fill("1.5")
        save = page.get_by_role("button", name="Save taper step")
        assert save.is_disabled()  # not yet crossing over to anything
        page.get_by_label("Crossing over to").fill("valium")
        page.get_by_role("button", name="Diazepam (Valium)").click()
        save.click()
        page.get_by_text("Taper step saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        (step,) = api(app_url, headers, "GET", "/v1/events", params={"type": "taper_step"}).json()["events"]
        assert step["data"] == {
            "kind": "crossover",
            "medication": "alprazolam",
            "to_medication": "diazepam",
            "new_daily_dose_mg": 1.5,
        }
        page.get_by_role("link", name="History").click()
        page.get_by_text("Crossover from Alprazolam to Diazepam: Alprazolam 1.5 mg a day").wait_for()

    def test_a_medication_not_in_the_catalogue_is_added_as_my_own(self, app_context, app_url, mailbox, db):
        _user, headers = person("ownmed@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "ownmed@example.org")
        log_dose(page, "Bromazepam", "Add “Bromazepam” as my own medication", "3")
        page.get_by_label("Which medicine changed?").fill("Bromazepam")
        page.get_by_role("button", name="Add “Bromazepam” as my own medication").click()
        page.get_by_label("New daily dose (mg)").fill("4.5")
        page.get_by_role("button", name="Save taper step").click()
        page.get_by_text("Taper step saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        stored = api(app_url, headers, "GET", "/v1/events").json()["events"]
        assert {e["type"]: e["data"] for e in stored} == {
            "dose": {"custom_medication": "Bromazepam", "amount_mg": 3, "form": "tablet", "status": "taken"},
            "taper_step": {"kind": "cut", "custom_medication": "Bromazepam", "new_daily_dose_mg": 4.5},
        }
        page.get_by_role("link", name="History").click()
        page.get_by_text("Bromazepam: 3 mg").wait_for()
        page.get_by_text("Taper step: Bromazepam, 4.5 mg a day").wait_for()

    def test_hours_slept_beyond_a_day_are_named_at_the_field_before_saving(self, app_context, mailbox, db):
        """Not refused later by the server, which would hold back the whole check-in."""
        person("sleep@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "sleep@example.org")
        page.get_by_role("radio", name="4", exact=True).check()
        page.get_by_text("Add sleep and mood").click()
        hours = page.get_by_label("Hours slept")
        save = page.get_by_role("button", name="Save check-in")
        for typed in ("25", "seven"):
            hours.fill(typed)
            assert save.is_disabled()
            assert hours.get_attribute("aria-invalid") == "true"
            page.get_by_text("Hours slept: a number from 0 to 24, e.g. 7.5.").wait_for()
        hours.fill("7,5")
        save.click()
        page.get_by_text("Check-in saved").wait_for()
        page.get_by_test_id("synced").wait_for()
        (event,) = list(db.events.find({"type": "check_in"}))
        assert (event["data"]["overall"], event["data"]["sleep_hours"]) == (4, 7.5)

    def test_a_double_tap_on_save_logs_each_entry_once(self, app_context, app_url, mailbox, db):
        """A shaky or impatient double tap on any Save, on Today or on an edit in History, is one entry."""
        _user, headers = person("twice@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "twice@example.org")
        page.get_by_role("radio", name="6", exact=True).check()
        page.get_by_role("button", name="Save check-in").dblclick()
        page.get_by_text("Check-in saved").wait_for()
        page.get_by_label("Find a symptom").fill("headache")
        page.get_by_role("button", name=re.compile("^Headache")).click()
        page.get_by_role("group", name=re.compile("How much")).get_by_role(
            "radio", name="2", exact=True
        ).check()
        page.get_by_role("button", name="Save symptom").dblclick()
        page.get_by_text(re.compile("^Headache.* saved\\.$")).wait_for()
        page.get_by_label("Medication").fill("valium")
        page.get_by_role("button", name="Diazepam (Valium)").click()
        page.get_by_label("Amount (mg)").fill("5")
        page.get_by_role("button", name="Save dose").dblclick()
        page.get_by_text("Dose saved.").wait_for()
        # A second tap once it is saved finds nothing to save again: the amount is for one dose.
        assert page.get_by_role("button", name="Save dose").is_disabled()
        page.get_by_label("Which medicine changed?").fill("valium")
        page.get_by_role("button", name="Diazepam (Valium)").click()
        page.get_by_label("New daily dose (mg)").fill("4")
        page.get_by_role("button", name="Save taper step").dblclick()
        page.get_by_text("Taper step saved.").wait_for()
        page.get_by_label("What would you like to remember?").fill("Ask about the next step")
        page.get_by_role("button", name="Save note").dblclick()
        page.get_by_text("Note saved.").wait_for()
        page.get_by_test_id("synced").wait_for()
        page.get_by_role("link", name="History").click()
        page.get_by_role("button", name="Edit Check-in: overall 6 of 10").click()
        page.get_by_role("radio", name="7", exact=True).check()
        page.get_by_role("button", name="Save change").dblclick()
        page.get_by_role("button", name="Edit Check-in: overall 7 of 10").wait_for()
        page.get_by_test_id("synced").wait_for()
        stored = api(app_url, headers, "GET", "/v1/events").json()["events"]
        assert sorted(e["type"] for e in stored) == ["check_in", "dose", "note", "symptom", "taper_step"]
        assert next(e for e in stored if e["type"] == "check_in")["data"]["overall"] == 7


class TestOffline:
    def test_entries_logged_offline_survive_a_reload_and_sync_exactly_once(self, app_context, mailbox, db):
        person("away@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "away@example.org")
        wait_for_worker(page)
        app_context.set_offline(True)
        for value in (1, 2, 3, 4, 5):
            page.get_by_role("radio", name=str(value), exact=True).check()
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text("Check-in saved").wait_for()
        page.get_by_text("Waiting to sync (5 entries)").wait_for()
        page.reload()  # offline: the worker serves the app, IndexedDB still holds the entries
        page.get_by_text("Waiting to sync (5 entries)").wait_for()
        assert db.events.count_documents({}) == 0
        app_context.set_offline(False)
        page.get_by_test_id("synced").wait_for()
        stored = sorted(e["data"]["overall"] for e in db.events.find({"type": "check_in"}))
        assert stored == [1, 2, 3, 4, 5]
        page.reload()
        page.get_by_test_id("synced").wait_for()
        assert db.events.count_documents({}) == 5

    def test_closing_the_browser_offline_loses_nothing(self, browser, app_url, mailbox, tmp_path, db):
        person("closed@example.org")
        profile = tmp_path / "profile"

        def open_browser(offline=False):
            # Offline from launch when asked, so nothing the browser starts can reach the server too early.
            context = browser.browser_type.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                base_url=app_url,
                viewport=PHONE,
                locale="en-US",
                offline=offline,
            )
            context.set_default_timeout(15_000)
            return context, context.pages[0] if context.pages else context.new_page()

        context, page = open_browser()
        sign_in(page, mailbox, "closed@example.org")
        wait_for_worker(page)
        context.set_offline(True)
        for value in (7, 8):
            page.get_by_role("radio", name=str(value), exact=True).check()
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text("Check-in saved").wait_for()
        page.get_by_text("Waiting to sync (2 entries)").wait_for()
        context.close()  # the whole browser, while offline

        context, page = open_browser(offline=True)
        try:
            page.goto("/app/")
            # Both entries are still on the device. Playwright may lift its offline emulation while it closes
            # the old browser, so that page can get them to the server without hearing back: either way each
            # must be stored once.
            page.get_by_text("Waiting to sync (2 entries)").wait_for()
            context.set_offline(False)
            page.get_by_test_id("synced").wait_for()
            assert sorted(e["data"]["overall"] for e in db.events.find()) == [7, 8]
            page.reload()
            page.get_by_test_id("synced").wait_for()
            assert db.events.count_documents({}) == 2
        finally:
            context.close()

    def test_a_conflicting_entry_stays_on_the_device_and_says_why(self, app_context, app_url, mailbox, db):
        _user, headers = person("edit@example.org")
        stored = {"event_id": "same-id", "type": "check_in", "occurred_at": "2026-12-01T09:00:00+00:00"}
        assert api(app_url, headers, "POST", "/v1/events", json=stored | {"overall": 3}).status_code == 202
        page = app_context.new_page()
        sign_in(page, mailbox, "edit@example.org")
        # Another version of the same entry, as an edit made on this device would leave it in the queue.
        queue_on_device(page, stored | {"overall": 9})
        page.reload()
        page.get_by_text("1 entry needs your attention").wait_for()
        page.get_by_role("link", name="History").click()
        refused = page.locator("li.rejected")
        refused.wait_for()
        assert "Not saved:" in refused.inner_text()
        assert db.events.find_one({"event_id": "same-id"})["data"]["overall"] == 3
        refused.get_by_role("button", name="Remove this entry").click()
        page.get_by_test_id("synced").wait_for()

    def test_a_refused_entry_says_what_the_server_found_wrong_in_plain_words(self, app_context, mailbox, db):
        """The server's reason for the field at fault, not its pointer to the problem's field list."""
        person("refused@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "refused@example.org")
        now = datetime.now(UTC).isoformat()
        # As an older app version could have queued it: more hours slept than a day has.
        queue_on_device(
            page,
            {"event_id": "too-long", "type": "check_in", "occurred_at": now, "overall": 3, "sleep_hours": 25},
        )
        page.reload()
        page.get_by_text("1 entry needs your attention").wait_for()
        page.get_by_role("link", name="History").click()
        refused = page.locator("li.rejected")
        refused.wait_for()
        assert (
            "Not saved: Must be greater than or equal to 0 and less than or equal to 24."
            in refused.inner_text()
        )
        assert "invalid_params" not in refused.inner_text()
        assert "waiting to sync" not in refused.inner_text()  # it will not be sent again as it is


def english_day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


class TestTrends:
    def test_a_planted_wave_shows_as_a_band_with_its_dates(self, app_context, app_url, mailbox, db):
        _user, headers = person("waves@example.org", time_zone="UTC")
        planted = plant_wave(app_url, headers)

        def episodes():
            body = api(
                app_url,
                headers,
                "GET",
                "/v1/summaries",
                params={"from": str(planted[0] - timedelta(days=30))},
            ).json()
            return [] if body["pending_recompute"] else body["episodes"]

        wait_for(lambda: any(e["kind"] == "wave" for e in episodes()), 60, "the wave to be found")
        (wave,) = [e for e in episodes() if e["kind"] == "wave"]
        start, end = date.fromisoformat(wave["start"]), date.fromisoformat(wave["end"])
        assert abs((start - planted[0]).days) <= 1 and abs((end - planted[1]).days) <= 1

        page = app_context.new_page()
        sign_in(page, mailbox, "waves@example.org")
        page.get_by_role("link", name="Trends").click()
        bands = page.get_by_test_id("episodes")
        bands.wait_for()
        assert f"Wave: {english_day(start)} \u2013 {english_day(end)}" in bands.inner_text()
        assert page.get_by_text("this describes your logs; it is not a diagnosis", exact=False).is_visible()
        # Beside a wave: what it is and is not, and that doses are for the prescriber (never advice).
        assert page.get_by_test_id("wave-note").inner_text().startswith("Waves are common during a taper")
        assert page.locator("[data-testid=chart] canvas").count() == 1
        page.get_by_text("Data table").click()
        assert page.get_by_role("row").count() == 28 + 1
        # On a phone each day and each number keeps to one line: the table scrolls sideways instead.
        assert max(page.locator("tbody th, tbody td").evaluate_all(LINES)) == 1
        assert_no_axe_violations(page, "trends with its data table")
        # "All" starts at the first check-in (40 days back, give or take the device clock's correction), not
        # at two years of empty days.
        first = date.fromisoformat(api(app_url, headers, "GET", "/v1/summaries").json()["first_day"])
        assert abs((date.today() - timedelta(days=39) - first).days) <= 1
        page.get_by_role("radio", name="All", exact=True).check()
        page.get_by_text("Data table").click()
        rows = (date.today() - first).days + 1 + 1  # and the header
        wait_for(lambda: page.get_by_role("row").count() == rows, 15, "the table from the first day")

    def test_each_logged_symptom_gets_its_own_small_multiple(self, app_context, app_url, mailbox, db):
        _user, headers = person("multiples@example.org", time_zone="UTC")
        now = datetime.now(UTC)
        logged = [
            ("restlessness", None, 1, 3),
            ("restlessness", None, 2, 1),
            (None, "Buzzing earlobes", 2, 4),
        ]
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "type": "symptom",
                "occurred_at": (now - timedelta(days=days_ago)).isoformat(),
                "severity": severity,
            }
            | ({"code": code} if code else {"custom_label": label})
            for code, label, days_ago, severity in logged
        ]
        r = api(
            app_url, headers, "POST", "/v1/events/batch", json={"sent_at": now.isoformat(), "events": events}
        )
        assert r.status_code == 200 and r.json()["accepted"] == 3, r.text
        wait_for(
            lambda: not api(app_url, headers, "GET", "/v1/summaries").json()["pending_recompute"],
            30,
            "summaries",
        )
        page = app_context.new_page()
        sign_in(page, mailbox, "multiples@example.org")
        page.get_by_role("link", name="Trends").click()
        multiples = page.get_by_test_id("symptom-multiples").get_by_role("listitem")
        multiples.first.wait_for()
        assert multiples.all_inner_texts() == [
            "Restlessness, feeling jumpy or on edge logged on 2 days, highest 3 of 4",
            "Buzzing earlobes logged on 1 day, highest 4 of 4",
        ]
        # One bar per logged day, on the same days as the chart (those from the first logged one).
        assert [m.locator("rect").count() for m in multiples.all()] == [2, 1]
        chart = page.locator("[data-testid=chart][data-drawn-days]")
        chart.wait_for()
        drawn = chart.get_attribute("data-drawn-days")
        assert multiples.first.locator("svg").get_attribute("viewBox") == f"0 0 {drawn} 40"

    def test_someone_who_logs_every_third_day_sees_their_wave_without_being_told_the_baseline_is_building(
        self, app_context, app_url, mailbox, db
    ):
        """Nine logged days in the four weeks shown, thirteen within the baseline's six weeks: the summaries
        have a baseline and find the wave. Before, the screen counted the days shown and said "Building your
        baseline: 9 of 10 days logged" above that very wave."""
        _user, headers = person("every-third@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        overall = {today - timedelta(days=k): 8 if k in (10, 13, 16) else 3 + k % 2 for k in range(1, 61, 3)}
        check_ins(app_url, headers, overall)

        def summary():
            body = api(app_url, headers, "GET", "/v1/summaries").json()
            return None if body["pending_recompute"] else body

        wait_for(lambda: (s := summary()) and s["episodes"], 30, "the wave to be found")
        assert summary()["baseline"]["state"] == "ready"
        page = app_context.new_page()
        sign_in(page, mailbox, "every-third@example.org")
        page.get_by_role("link", name="Trends").click()
        bands = page.get_by_test_id("episodes")
        bands.wait_for()
        assert bands.inner_text().startswith("Wave: ")
        assert page.get_by_text("Building your baseline").count() == 0

    def test_a_phone_a_day_behind_the_account_still_shows_the_account_s_today(
        self, browser, app_url, mailbox, db
    ):
        """The account counts days on Kiritimati (UTC+14), the phone is on Pago Pago (UTC-11): the phone's
        date is always one or two days behind. A check-in logged now is on the account's today, and the
        ranges end there (before, they ended on the phone's today, and today's entries were not shown)."""
        _user, headers = person("ahead@example.org", time_zone="Pacific/Kiritimati")
        now = datetime.now(UTC)
        event = {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": now.isoformat(),
            "overall": 7,
        }
        today = date.fromisoformat(
            api(app_url, headers, "POST", "/v1/events", json=event).json()["local_day"]
        )
        assert today == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
        wait_for(
            lambda: api(app_url, headers, "GET", "/v1/summaries").json()["days"][-1]["burden"] == 7,
            30,
            "the check-in in the summaries",
        )

        with phone(browser, app_url, timezone_id="Pacific/Pago_Pago") as context:
            page = context.new_page()
            sign_in(page, mailbox, "ahead@example.org")
            page.get_by_role("link", name="Trends").click()
            page.get_by_text("Data table").click()
            newest = page.get_by_role("row").nth(1)
            newest.wait_for()
            wait_for(
                lambda: (
                    newest.get_by_role("rowheader").inner_text() == english_day(today)
                    and newest.get_by_role("cell").first.inner_text() == "7"
                ),
                15,
                "the account's today, with its check-in, as the newest row",
            )


# Safari on an iPhone; outside the Home Screen it has no Web Push (added to it, iOS 16.4 on has).
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/18.1 Mobile/15E148 Safari/604.1"
)
NO_PUSH = "delete window.PushManager"
# The app opened from the home screen, as the browser says of it (its display mode).
STANDALONE = """(() => {
    const matchMedia = window.matchMedia.bind(window);
    window.matchMedia = query => matchMedia(query === "(display-mode: standalone)" ? "all" : query);
})()"""
# Chromium's offer to install, as it comes (its own dialog cannot open headless): whether the page kept it for
# later rather than let the browser show it, and a count of the dialogs asked for.
OFFER_TO_INSTALL = """() => {
    window.installDialogs = 0;
    const offer = new Event("beforeinstallprompt", {cancelable: true});
    offer.prompt = async () => { window.installDialogs += 1; };
    offer.userChoice = Promise.resolve({outcome: "accepted", platform: "web"});
    window.dispatchEvent(offer);
    return offer.defaultPrevented;
}"""
NEXT_FRAME = "() => new Promise(resolve => requestAnimationFrame(() => resolve(true)))"


@contextlib.contextmanager
def settings_on_an_iphone(browser, app_url: str, mailbox, email: str, script: str):
    """Settings, signed in as a new account `email` on an iPhone's Safari that runs `script` first."""
    person(email)
    with phone(browser, app_url, user_agent=IPHONE_SAFARI, has_touch=True) as context:
        context.add_init_script(script)
        page = context.new_page()
        sign_in(page, mailbox, email)
        page.get_by_role("link", name="Settings").click()
        yield page


class TestSettings:
    def test_time_zone_and_reminders_round_trip_export_and_erase(self, app_context, mailbox, db, tmp_path):
        user, _ = person("settings@example.org", time_zone="Europe/London")
        page = app_context.new_page()
        sign_in(page, mailbox, "settings@example.org")
        log_symptom(page, "dizzy", re.compile("^Dizziness"), 2)
        page.get_by_text(re.compile(r"^Dizziness.* saved\.")).wait_for()
        page.get_by_role("link", name="Settings").click()
        page.evaluate(
            "localStorage.setItem('tyh.paper', 'Letter')"
        )  # this device's own choice, as Reports keeps it
        ours = "Object.keys(localStorage).filter(k => k.startsWith('tyh.')).sort()"
        assert "tyh.recent_symptoms" in page.evaluate(ours)

        page.get_by_label("Find a time zone").fill("chicago")
        page.get_by_role("button", name="America/Chicago").click()
        page.get_by_text("Time zone saved: America/Chicago.").wait_for()
        assert db.users.find_one({"_id": user["_id"]})["time_zone"] == "America/Chicago"

        page.get_by_label("Remind me gently if I haven't logged").check()
        page.get_by_label("Reminder time").fill("08:30")
        page.get_by_role("button", name="Save reminder settings").click()
        page.get_by_text("Reminder settings saved.").wait_for()
        reminders = db.users.find_one({"_id": user["_id"]})["preferences"]["reminders"]
        assert (reminders["enabled"], reminders["local_time"]) == (True, "08:30")
        page.reload()
        assert page.get_by_label("Reminder time").input_value() == "08:30"

        with page.expect_download() as download:
            page.get_by_role("link", name="Download my data").click()
        path = tmp_path / "export.zip"
        download.value.save_as(path)
        with zipfile.ZipFile(path) as archive:
            assert any(name.endswith(".json") for name in archive.namelist())

        erase = page.get_by_role("button", name="Erase everything")
        assert erase.is_disabled()
        page.get_by_label("To confirm, type: erase my account").fill("erase my account")
        erase.click()
        page.get_by_role("heading", name="Sign in").wait_for()
        assert db.users.find_one({"_id": user["_id"]}) is None
        # Nothing of the person is left on the device for whoever uses it next: not even recent symptoms.
        assert page.evaluate(ours) == ["tyh.paper"]

    def test_the_device_list_opened_offline_is_read_when_back_and_another_device_signed_out_leaves_it(
        self, app_context, app_url, mailbox
    ):
        _user, phone = person("devices@example.org")  # signed in on "test phone" too
        page = app_context.new_page()
        sign_in(page, mailbox, "devices@example.org")
        app_context.set_offline(True)
        page.get_by_role("link", name="Settings").click()
        devices = page.get_by_role("region", name="Devices signed in")
        devices.get_by_text("The list of devices needs a connection.").wait_for()
        app_context.set_offline(False)  # read once the connection is back
        devices.get_by_role("button", name="Sign out test phone").click()
        wait_for(lambda: devices.get_by_text("test phone").count() == 0, 10, "the phone to leave the list")
        assert devices.get_by_role("listitem").count() == 1  # this one, still signed in
        assert api(app_url, phone, "GET", "/v1/me").status_code == 401
        assert page.get_by_role("heading", name="Settings").is_visible()

    def test_offline_each_change_says_it_needs_a_connection_and_nothing_changes(
        self, app_context, mailbox, db
    ):
        user, _ = person("settings-away@example.org", time_zone="Europe/London")
        page = app_context.new_page()
        sign_in(page, mailbox, "settings-away@example.org")
        wait_for_worker(page)
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Reminder time").wait_for()
        devices = page.get_by_role("region", name="Devices signed in")
        devices.get_by_role("button", name="Sign out test phone").wait_for()  # the list is read
        app_context.set_offline(True)
        needs = "needs a connection. Please try again when you are back online."

        page.get_by_label("Find a time zone").fill("chicago")
        page.get_by_role("button", name="America/Chicago").click()
        page.get_by_text(f"Changing the time zone {needs}").wait_for()
        page.get_by_label("Remind me gently if I haven't logged").check()
        page.get_by_role("button", name="Save reminder settings").click()
        page.get_by_text(f"Not saved: Saving settings {needs}").wait_for()
        devices.get_by_role("button", name="Sign out test phone").click()  # the account's other device
        devices.get_by_text(f"Signing out {needs}").wait_for()
        page.get_by_label("To confirm, type: erase my account").fill("erase my account")
        page.get_by_role("button", name="Erase everything").click()
        page.get_by_text(f"Erasing your account {needs}").wait_for()
        sign_out = page.get_by_role("button", name="Sign out on this device")
        sign_out.click()
        page.locator("section", has=sign_out).get_by_text(f"Signing out {needs}").wait_for()
        assert page.get_by_role("heading", name="Settings").is_visible()
        stored = db.users.find_one({"_id": user["_id"]})
        assert stored["time_zone"] == "Europe/London"
        assert not stored.get("preferences", {}).get("reminders", {}).get("enabled")

    def test_where_the_browser_offers_to_install_the_app_its_button_asks_once(self, app_context, mailbox, db):
        person("install@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "install@example.org")
        assert page.evaluate(OFFER_TO_INSTALL)  # on Today: kept for Settings, not shown by the browser
        page.get_by_role("link", name="Settings").click()
        card = page.get_by_role("region", name="On your home screen")
        add = card.get_by_role("button", name="Add to home screen")
        add.wait_for()
        assert_no_axe_violations(page, "settings with the offer to install")
        add.click()
        card.wait_for(state="detached")  # answered: the offer is spent
        assert page.evaluate("window.installDialogs") == 1
        # The reminders' switch is as before: this browser has Web Push.
        assert page.get_by_label("Send my reminders to this device").is_visible()

    def test_on_an_iphone_settings_says_how_to_add_it_to_the_home_screen_and_why_reminders_wait(
        self, browser, app_url, mailbox, db
    ):
        with settings_on_an_iphone(browser, app_url, mailbox, "iphone@example.org", NO_PUSH) as page:
            card = page.get_by_role("region", name="On your home screen")
            card.wait_for()
            assert card.get_by_role("button").count() == 0
            assert card.get_by_role("listitem").all_inner_texts() == [
                "Tap Share (the square with an arrow pointing up; if you do not see it, tap the button with"
                " three dots first).",
                "Choose “Add to Home Screen” (scroll down the list if it is not shown).",
                "Open the app from its icon on your Home Screen.",
            ]
            reminders = page.get_by_role("region", name="Reminders on this device")
            reminders.get_by_text(
                "On iPhone and iPad, reminders come to the app once it is on your"
            ).wait_for()
            assert reminders.get_by_text("This browser cannot show reminders").count() == 0
            assert_no_axe_violations(page, "settings on an iPhone")

            page.get_by_label("Language").select_option("es")
            card = page.get_by_role("region", name="En tu pantalla de inicio")
            assert card.get_by_role("listitem").nth(1).inner_text() == (
                "Elige «Añadir a pantalla de inicio» (si no aparece, desplázate hacia abajo en la lista)."
            )
            reminders = page.get_by_role("region", name="Recordatorios en este dispositivo")
            assert "En iPhone y iPad, los recordatorios llegan" in reminders.inner_text()

    def test_opened_from_the_home_screen_settings_says_nothing_of_adding_it(
        self, browser, app_url, mailbox, db
    ):
        with settings_on_an_iphone(browser, app_url, mailbox, "installed@example.org", STANDALONE) as page:
            page.get_by_label("Send my reminders to this device").wait_for()
            page.evaluate(OFFER_TO_INSTALL)  # even were one made
            page.evaluate(NEXT_FRAME)
            assert page.get_by_role("region", name="On your home screen").count() == 0
            assert page.get_by_text("Home Screen").count() == 0


class TestLanguage:
    def test_spanish_throughout_with_no_axe_violations(self, app_context, mailbox, db):
        _user, page = signed_in_in_spanish(app_context, mailbox, "es@example.org")
        page.get_by_role("link", name="Hoy").click()
        page.get_by_role("heading", name="Hoy", level=1).wait_for()
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.get_by_text("10 · lo peor").is_visible()
        assert_no_axe_violations(page, "Hoy")
        # Six Spanish words on a small phone (two rows of three): each fits its place, none runs into another.
        page.set_viewport_size({"width": 320, "height": 640})
        links = page.get_by_role("navigation").get_by_role("link").all()
        boxes = [link.bounding_box() for link in links]
        words = [link.evaluate(TEXT_WIDTH) for link in links]
        assert all(word <= box["width"] for word, box in zip(words, boxes, strict=True)), (words, boxes)
        apart = [
            a["x"] + a["width"] <= b["x"] + 0.5
            or b["x"] + b["width"] <= a["x"] + 0.5
            or a["y"] + a["height"] <= b["y"] + 0.5
            or b["y"] + b["height"] <= a["y"] + 0.5
            for a, b in itertools.combinations(boxes, 2)
        ]
        assert all(apart), boxes
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= 320 and b["height"] >= 44 for b in boxes), boxes
        page.set_viewport_size(PHONE)
        page.reload()  # the choice is kept
        page.get_by_role("heading", name="Hoy", level=1).wait_for()

    def test_erasure_is_confirmed_in_the_persons_own_words(self, app_context, mailbox, db):
        user, page = signed_in_in_spanish(app_context, mailbox, "es-borrar@example.org")
        erase = page.get_by_role("button", name="Borrarlo todo")
        typed = page.get_by_label("Para confirmar, escribe: borrar mi cuenta")
        typed.fill("erase my account")  # words this reader may not understand are not what they were asked
        assert erase.is_disabled()
        typed.fill("Borrar mi cuenta ")
        erase.click()
        page.get_by_role("heading", name="Iniciar sesión").wait_for()
        assert db.users.find_one({"_id": user["_id"]}) is None

    def test_symptoms_and_medications_by_their_spanish_names(self, app_context, mailbox, db):
        _user, page = signed_in_in_spanish(app_context, mailbox, "es-catalogo@example.org")
        page.get_by_role("link", name="Hoy").click()
        page.get_by_label("Buscar un síntoma").fill("mareo")
        page.get_by_role("button", name="Mareo, aturdimiento o falta de equilibrio").click()
        how_much = page.get_by_role("group", name=re.compile("¿Cuánto?"))
        how_much.get_by_role("radio", name="2", exact=True).check()
        page.get_by_role("button", name="Guardar síntoma").click()
        page.get_by_text("Mareo, aturdimiento o falta de equilibrio: guardado.").wait_for()
        page.get_by_label("Medicamento").fill("orfidal")  # a Spanish brand of lorazepam
        page.get_by_role("button", name=re.compile("^Lorazepam")).click()
        page.get_by_label("Cantidad (mg)").fill("0.5")
        page.get_by_role("button", name="Guardar dosis").click()
        page.get_by_text("Dosis guardada.").wait_for()
        page.get_by_role("link", name="Historial").click()
        page.get_by_text("Mareo, aturdimiento o falta de equilibrio: 2 de 4").wait_for()
        page.get_by_text("Lorazepam: 0,5 mg").wait_for()
        assert {e["data"].get("code") or e["data"].get("medication") for e in db.events.find()} == {
            "dizziness_balance",
            "lorazepam",
        }

    def test_an_entry_the_server_refuses_says_why_in_spanish(self, app_context, app_url, mailbox, db):
        """The server's words follow the language chosen in Settings, with no reload between."""
        _user, headers = person("es-rechazo@example.org")
        stored = {"event_id": "same-id", "type": "check_in", "occurred_at": "2026-12-01T09:00:00+00:00"}
        assert api(app_url, headers, "POST", "/v1/events", json=stored | {"overall": 3}).status_code == 202
        page = app_context.new_page()
        sign_in(page, mailbox, "es-rechazo@example.org")
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Language").select_option("es")
        queue_on_device(page, stored | {"overall": 9})  # the same id, another entry: the server refuses it
        page.evaluate("dispatchEvent(new Event('online'))")  # back online: the queue is sent
        page.get_by_role("link", name="Historial").click()
        refused = page.locator("li.rejected")
        refused.wait_for()
        assert "No guardado: Este event_id ya se usó para otro evento distinto." in refused.inner_text()

    def test_catalogues_kept_from_before_their_translations_show_english_names_offline(
        self, app_context, mailbox, db
    ):
        """A device that kept the catalogues before the API sent their Spanish words, opened offline: every
        entry is still named, found and logged, in English, and the dose reminders name doses as the push
        does. Until then the reminders had the Spanish names from the catalogue the app read."""
        _user, page = signed_in_in_spanish(app_context, mailbox, "es-copia-antigua@example.org")
        wait_for_worker(page)
        reminder_names = lambda: page.evaluate(READ_REMINDER_DISPLAY).get("names")  # noqa: E731
        wait_for(lambda: (reminder_names() or {}).get("zopiclone") == "Zopiclona", 10, "Spanish dose names")
        page.get_by_role("link", name="Hoy").click()
        # Both catalogues read and kept (Spanish names shown), then made as an API before `translations`.
        page.get_by_label("Buscar un síntoma").fill("mareo")
        page.get_by_role("button", name="Mareo, aturdimiento o falta de equilibrio").wait_for()
        page.get_by_label("Medicamento").fill("orfidal")
        page.get_by_role("button", name=re.compile("^Lorazepam")).wait_for()
        assert page.evaluate(FORGET_TRANSLATIONS) == 2
        # Offline, past the browser's HTTP cache too (routing turns it off), so only the kept copies answer.
        app_context.route("**/v1/catalog/**", lambda route: route.abort())
        app_context.set_offline(True)
        page.reload()
        page.get_by_label("Buscar un síntoma").fill("dizzy")
        page.get_by_role("button", name="Dizziness, light-headedness or poor balance").click()
        how_much = page.get_by_role("group", name=re.compile("¿Cuánto?"))
        how_much.get_by_role("radio", name="1", exact=True).check()
        page.get_by_role("button", name="Guardar síntoma").click()
        page.get_by_text("Dizziness, light-headedness or poor balance: guardado.").wait_for()
        page.get_by_label("Medicamento").fill("ativan")
        page.get_by_role("button", name=re.compile("^Lorazepam")).wait_for()
        wait_for(lambda: reminder_names() == {}, 10, "the reminders to name doses as the push does")
        assert page.evaluate(READ_REMINDER_DISPLAY)["language"] == "es"

    def test_the_language_chosen_in_settings_is_the_one_emails_come_in(self, app_context, mailbox, db):
        user, page = signed_in_in_spanish(app_context, mailbox, "es-correo@example.org")
        account = {"_id": user["_id"]}
        wait_for(lambda: db.users.find_one(account).get("language") == "es", 5, "the account's language")
        # As an account that never chose (its emails in English): signed out, this device still speaks
        # Spanish and asks in it, and signing in gives the account the app's language.
        db.users.update_one(account, {"$unset": {"language": ""}})
        mailbox.clear()
        page.get_by_role("button", name="Cerrar sesión en este dispositivo").click()
        page.get_by_label("Correo electrónico").fill("es-correo@example.org")
        sign_in_from_spanish_email_step(page, mailbox)
        assert db.users.find_one(account)["language"] == "es"

    def test_a_spanish_invitation_opens_the_app_and_its_emails_in_spanish(
        self, app_context, app_settings, mailbox, db
    ):
        """The waitlist entry's language rides on the invitation's link (?lang=es): on a browser that speaks
        English, the page, the welcome, the app it leads to and the sign-in email are Spanish, and the
        device keeps the language."""
        _invitation, url = invitations.create_invitation(
            app_settings, email="es-invitada@example.org", created_by="t"
        )
        page = app_context.new_page()
        page.goto("/invitations/" + url.rsplit("/", 1)[1] + "?lang=es")
        page.get_by_label("¿Cómo quieres que te llamemos?").fill("Lucía")
        page.get_by_label("Tu zona horaria").fill("Madrid")
        page.get_by_label(re.compile("Doy mi consentimiento explícito")).check()
        page.get_by_role("button", name="Crear mi cuenta").click()
        page.get_by_role("heading", name="Ya estás dentro, Lucía").wait_for()
        page.get_by_role("link", name="Abrir Track Your Healing").click()
        assert page.get_by_label("Correo electrónico").input_value() == "es-invitada@example.org"
        sign_in_from_spanish_email_step(page, mailbox)
        page.goto("/app/")  # no parameter now: the device remembers
        page.get_by_role("heading", name="Hoy", level=1).wait_for()
        assert db.users.find_one({"email_key": "es-invitada@example.org"})["language"] == "es"


class TestAccessibility:
    @pytest.mark.parametrize("width", [390, 1280])
    def test_every_screen_fits_its_width_and_on_a_computer_has_no_axe_violations(
        self, app_context, mailbox, db, width
    ):
        person("axe@example.org")
        page = app_context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/app/signin")
        page.get_by_label("Email address").wait_for()
        # On a phone, axe looks at every screen in each of its states (test_accessibility.py, TestAxe).
        check_axe = width > PHONE["width"]
        if check_axe:
            assert_no_axe_violations(page, "sign in")
        assert_no_horizontal_scroll(page, "sign in")
        sign_in(page, mailbox, "axe@example.org")
        for screen in SCREENS:
            page.goto(f"/app/{'' if screen == 'today' else screen}")
            page.get_by_role("heading", level=1).wait_for()
            page.wait_for_load_state("networkidle")
            if check_axe:
                assert_no_axe_violations(page, screen)
            assert_no_horizontal_scroll(page, screen)

    def test_the_focused_field_is_never_hidden_under_the_navigation(self, app_context, mailbox, db):
        """Moving through Today with the keyboard on a phone, each field scrolls into view above the fixed
        navigation at the bottom, not behind it."""
        person("keys@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "keys@example.org")
        page.get_by_role("radio", name="5", exact=True).check()
        nav_top = page.get_by_role("navigation").bounding_box()["y"]
        hidden = []
        for _ in range(14):  # from the check-in to the note, below the first screen
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if not focused["inNav"] and focused["bottom"] > nav_top:
                hidden.append(focused["name"])
        assert not hidden, f"behind the navigation: {hidden}"

    def test_the_scales_numbers_stay_whole_with_text_at_twice_its_size(self, app_context, mailbox, db):
        """A phone's largest text setting: "10" on the check-in's scale is one number, not "1" over "0"."""
        person("big-text@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "big-text@example.org")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert max(page.locator(".choice span").evaluate_all(LINES)) == 1
        assert_no_horizontal_scroll(page, "today with text at 200%")


class TestScreenshots:
    def test_today_trends_and_reports_look_as_committed(self, browser, app_url, app_settings, db, tmp_path):
        """The scene's screens against docs/app-*.png, which `make screenshots` writes."""
        shots = scene.take(browser, app_url, browser_cookie.cookie_name(app_settings))
        changed = []
        for (screen, width), png in shots.items():
            share = scene.differing(scene.path(screen, width).read_bytes(), png)
            if share is None or share > scene.MAX_DIFFERING:
                (tmp_path / scene.path(screen, width).name).write_bytes(png)
                changed.append(f"{screen} at {width} px: " + ("size" if share is None else f"{share:.2%}"))
        assert not changed, f"screens changed ({', '.join(changed)}); new pictures in {tmp_path}"


def check_ins(app_url: str, headers: dict, values: dict[date, int]) -> dict[date, str]:
    """Stored check-ins on the given UTC days (at noon, or today just before now); their event ids by day."""
    now = datetime.now(UTC)

    def instant(day: date) -> str:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return min(midnight + timedelta(hours=12), max(midnight, now - timedelta(seconds=1))).isoformat()

    ids = {day: uuid.uuid4().hex for day in values}
    events = [
        {"event_id": ids[day], "type": "check_in", "occurred_at": instant(day), "overall": overall}
        for day, overall in values.items()
    ]
    r = api(app_url, headers, "POST", "/v1/events/batch", json={"sent_at": now.isoformat(), "events": events})
    assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text
    return ids


class TestHistory:
    def test_a_symptom_and_a_check_in_say_how_long_after_the_last_dose_taken(
        self, browser, app_url, mailbox, db
    ):
        """Yesterday: a check-in before the morning dose, the dose at 08:00, a dose skipped at 20:00, a
        symptom at 21:00: the symptom is 13 h after a dose (the skipped one is no dose taken), the check-in
        after none."""
        _user, headers = person("interdose@example.org", time_zone="UTC")
        day = datetime.now(UTC).date() - timedelta(days=1)
        dose = {"type": "dose", "medication": "diazepam", "amount_mg": 9}
        events = [
            {"type": "check_in", "overall": 5, "occurred_at": f"{day}T07:00:00Z"},
            dose | {"occurred_at": f"{day}T08:00:00Z"},
            dose | {"occurred_at": f"{day}T20:00:00Z", "status": "skipped"},
            {"type": "symptom", "code": "insomnia", "severity": 3, "occurred_at": f"{day}T21:00:00Z"},
        ]
        body = {
            "sent_at": datetime.now(UTC).isoformat(),
            "events": [e | {"event_id": uuid.uuid4().hex} for e in events],
        }
        assert api(app_url, headers, "POST", "/v1/events/batch", json=body).json()["accepted"] == 4
        with phone(browser, app_url, timezone_id="UTC") as context:
            page = context.new_page()
            sign_in(page, mailbox, "interdose@example.org")
            page.get_by_role("link", name="History").click()
            entries = page.get_by_test_id("day").get_by_role("listitem")
            entries.filter(has_text="Trouble falling").get_by_text("9:00 PM · 13 h after a dose").wait_for()
            assert "after a dose" not in entries.filter(has_text="Check-in").inner_text()
            assert "after a dose" not in entries.filter(has_text="skipped").inner_text()

    def test_entries_by_day_edited_online_and_offline_and_deleted(self, app_context, app_url, mailbox, db):
        _user, headers = person("history@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        yesterday = today - timedelta(days=1)
        ids = check_ins(app_url, headers, {yesterday: 4, today: 6})
        page = app_context.new_page()
        sign_in(page, mailbox, "history@example.org")
        page.get_by_role("link", name="History").click()
        days = page.get_by_test_id("day")
        days.first.wait_for()
        assert [h.inner_text() for h in days.get_by_role("heading").all()] == [
            english_day(today),
            english_day(yesterday),
        ]
        day_before = days.filter(has=page.get_by_role("heading", name=english_day(yesterday)))

        day_before.get_by_role("button", name="Edit Check-in: overall 4 of 10").click()
        day_before.get_by_role("radio", name="7", exact=True).check()
        day_before.get_by_role("button", name="Save change").click()
        day_before.get_by_text("Check-in: overall 7 of 10").wait_for()
        page.get_by_test_id("synced").wait_for()
        (edited,) = db.events.find({"local_day": str(yesterday), "deleted_at": None})
        assert edited["data"]["overall"] == 7 and edited["event_id"] != ids[yesterday]

        # Offline: the edit waits on the device in place of the stored version, which stays until it is sent.
        app_context.set_offline(True)
        day_before.get_by_role("button", name="Edit Check-in: overall 7 of 10").click()
        day_before.get_by_role("radio", name="2", exact=True).check()
        day_before.get_by_role("button", name="Save change").click()
        day_before.get_by_text("edit waiting to sync").wait_for()
        page.get_by_text("Waiting to sync (1 entry)").wait_for()
        assert db.events.find_one({"local_day": str(yesterday), "deleted_at": None})["data"]["overall"] == 7
        app_context.set_offline(False)
        page.get_by_test_id("synced").wait_for()
        day_before.get_by_text("Check-in: overall 2 of 10").wait_for()
        live = {"deleted_at": None}
        assert [e["data"]["overall"] for e in db.events.find({"local_day": str(yesterday)} | live)] == [2]

        today_list = days.filter(has_text=english_day(today))
        delete = today_list.get_by_role("button", name="Delete Check-in: overall 6 of 10")
        delete.click()  # asked once more, as it cannot be undone
        today_list.get_by_text("Delete this entry for good? It cannot be undone.").wait_for()
        today_list.get_by_role("button", name="Keep it").click()
        delete.click()
        today_list.get_by_role("button", name="Yes, delete it").click()
        page.get_by_test_id("day").filter(has_text=english_day(today)).wait_for(state="detached")
        assert db.events.find_one({"event_id": ids[today]})["deleted_at"] is not None  # a tombstone
        assert db.events.count_documents(live) == 1
        assert_no_axe_violations(page, "history by day")

    def test_a_traveller_sees_each_time_as_the_clock_read_on_the_day_it_is_listed_under(
        self, browser, app_url, mailbox, db
    ):
        """The account counts days in New York; the phone is in Madrid. A check-in at 23:30 in New York is
        listed under its New York day with "11:30 PM EST", not Madrid's "5:30 AM" of the next day; edited
        after the account moved to Madrid, it stays on that day (and its wave or window with it)."""
        _user, headers = person("traveller@example.org", time_zone="America/New_York")
        new_york = ZoneInfo("America/New_York")
        day = datetime.now(new_york).date() - timedelta(days=2)
        late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=new_york)
        event = {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": late.isoformat(),
            "overall": 4,
        }
        assert api(app_url, headers, "POST", "/v1/events", json=event).json()["local_day"] == str(day)
        assert api(app_url, headers, "PATCH", "/v1/me", json={"time_zone": "Europe/Madrid"}).ok

        with phone(browser, app_url, timezone_id="Europe/Madrid") as context:
            page = context.new_page()
            sign_in(page, mailbox, "traveller@example.org")
            page.get_by_role("link", name="History").click()
            listed = page.get_by_test_id("day").filter(has=page.get_by_role("heading", name=english_day(day)))
            entry = listed.get_by_role("listitem").filter(has_text="Check-in: overall 4 of 10")
            entry.wait_for()
            assert re.search(r"11:30\sPM\sEST", entry.inner_text()), entry.inner_text()

            entry.get_by_role("button", name="Edit Check-in: overall 4 of 10").click()
            listed.get_by_role("radio", name="7", exact=True).check()
            listed.get_by_role("button", name="Save change").click()
            listed.get_by_text("Check-in: overall 7 of 10").wait_for()
            page.get_by_test_id("synced").wait_for()
            (edited,) = db.events.find({"deleted_at": None})
            assert (edited["local_day"], edited["data"]["overall"]) == (str(day), 7)
            # The version it replaced goes once the list is read again after the sync.
            listed.get_by_role("listitem").filter(has_text="overall 4 of 10").wait_for(state="detached")
            assert re.search(r"11:30\sPM\sEST", listed.get_by_role("listitem").inner_text())

    def test_a_long_note_can_be_added_to(self, app_context, app_url, mailbox, db):
        """An edit in History takes a note as long as Today does (5000 characters), so a long one can grow."""
        _user, headers = person("long-note@example.org", time_zone="UTC")
        long = "A long week. " * 200  # 2600 characters
        now = datetime.now(UTC).isoformat()
        note = {"event_id": uuid.uuid4().hex, "type": "note", "occurred_at": now, "text": long.strip()}
        assert api(app_url, headers, "POST", "/v1/events", json=note).status_code == 202
        page = app_context.new_page()
        sign_in(page, mailbox, "long-note@example.org")
        page.get_by_role("link", name="History").click()
        page.get_by_role("button", name=re.compile("^Edit Note: A long week")).click()
        text = page.get_by_label("What would you like to remember?")
        text.press("End")
        text.press_sequentially(" Better today.")
        page.get_by_role("button", name="Save change").click()

        def notes():
            return api(app_url, headers, "GET", "/v1/events", params={"type": "note"}).json()["events"]

        # The sync stores the edit, then deletes the version it replaces.
        grown = long.strip() + " Better today."
        wait_for(lambda: [n["data"]["text"] for n in notes()] == [grown], 15, "the edit to replace the note")

    def test_earlier_entries_page_by_page_and_an_old_one_deleted_keeps_them_shown(
        self, app_context, app_url, mailbox, db
    ):
        _user, headers = person("history-long@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        check_ins(app_url, headers, {today - timedelta(days=d): d % 11 for d in range(1, 131)})  # 100 a page
        page = app_context.new_page()
        sign_in(page, mailbox, "history-long@example.org")
        page.get_by_role("link", name="History").click()
        days = page.get_by_test_id("day")
        days.first.wait_for()
        assert days.count() == 100
        oldest, next_oldest = today - timedelta(days=130), today - timedelta(days=129)

        app_context.set_offline(True)
        page.get_by_role("button", name="Show earlier entries").click()
        page.get_by_role("alert").filter(has_text="need a connection").wait_for()
        app_context.set_offline(False)
        page.get_by_role("button", name="Show earlier entries").click()
        page.get_by_role("heading", name=english_day(oldest)).wait_for()
        assert days.count() == 130
        assert page.get_by_role("button", name="Show earlier entries").count() == 0  # that is everything

        days.filter(has_text=english_day(oldest)).get_by_role("button", name=re.compile("^Delete")).click()
        days.filter(has_text=english_day(oldest)).get_by_role("button", name="Yes, delete it").click()
        page.get_by_role("heading", name=english_day(oldest)).wait_for(state="detached")
        assert page.get_by_role("heading", name=english_day(next_oldest)).is_visible()
        assert days.count() == 129


class TestReports:
    def test_a_report_downloaded_shared_opened_by_the_clinician_and_revoked(
        self, app_context, browser, app_url, mailbox, tmp_path
    ):
        _user, headers = person("report@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        check_ins(app_url, headers, {today - timedelta(days=d): 3 + d % 3 for d in range(1, 8)})
        page = app_context.new_page()
        sign_in(page, mailbox, "report@example.org")
        page.get_by_role("link", name="Reports").click()
        page.get_by_text("No reports yet.").wait_for()
        page.get_by_role("button", name="Make my report").click()
        report = page.get_by_test_id("report")
        report.get_by_text("Ready", exact=True).wait_for(timeout=60_000)
        first, last = today - timedelta(days=7), today - timedelta(days=1)
        period = f"{english_day(first)} \u2013 {english_day(last)}"
        assert report.get_by_role("heading").inner_text() == period

        with page.expect_download() as download:
            report.get_by_role("link", name="Download PDF").click()
        pdf = tmp_path / "report.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")

        report.get_by_text("Share with a clinician").click()
        report.get_by_label("Who is it for?").fill("Dr Rivera")
        report.get_by_role("button", name="Make a link").click()
        url = report.get_by_label("Link for Dr Rivera").input_value()
        assert report.get_by_text("Not opened yet").is_visible()
        mail = report.get_by_role("link", name="Email it").get_attribute("href")
        assert mail.startswith("mailto:?") and requests.utils.quote(url, safe="") in mail
        assert_no_axe_violations(page, "reports with a share")

        clinician = browser.new_context()  # no account, no cookie
        try:
            opened = clinician.new_page().goto(url)
            assert opened.status == 200
        finally:
            clinician.close()
        page.reload()
        report.get_by_text("Share with a clinician").click()
        report.get_by_text(re.compile("Opened once")).wait_for()

        report.get_by_role("button", name="Revoke the link for Dr Rivera").click()
        report.get_by_text("revoked").wait_for()
        assert requests.get(url, timeout=10).status_code == 404

    def test_a_range_that_cannot_be_made_is_explained_before_asking(self, app_context, mailbox, db):
        person("range@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "range@example.org")
        page.goto("/app/reports")
        page.get_by_label("Days I choose").check()
        page.get_by_label("From", exact=True).fill("2026-03-10")
        page.get_by_label("To", exact=True).fill("2026-03-01")
        page.get_by_role("button", name="Make my report").click()
        page.get_by_role("alert").filter(has_text="comes before the first").wait_for()
        assert db.reports.count_documents({}) == 0

    def test_days_i_choose_are_the_account_s_days_on_a_phone_a_day_behind(
        self, browser, app_url, mailbox, db
    ):
        """Account on Kiritimati (UTC+14), phone on Pago Pago (UTC-11): the form starts on the account's
        yesterday, and the account's today can be chosen (before, the phone's days: today was refused as
        "still to come", though the server takes it)."""
        person("report-ahead@example.org", time_zone="Pacific/Kiritimati")
        today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
        with phone(browser, app_url, timezone_id="Pacific/Pago_Pago") as context:
            page = context.new_page()
            sign_in(page, mailbox, "report-ahead@example.org")
            page.get_by_role("link", name="Reports").click()
            page.get_by_label("Days I choose").check()
            assert page.get_by_label("To", exact=True).input_value() == str(today - timedelta(days=1))
            page.get_by_label("From", exact=True).fill(str(today - timedelta(days=6)))
            page.get_by_label("To", exact=True).fill(str(today))
            page.get_by_role("button", name="Make my report").click()
            wait_for(lambda: db.reports.count_documents({}) == 1, 15, "the report to be asked for")
            assert page.get_by_text("The last day is still to come").count() == 0

    def test_the_paper_chosen_is_the_report_s_and_this_device_keeps_it(self, browser, app_url, mailbox, db):
        """A British phone starts on A4; Letter chosen there is the report's paper, and the phone's after."""
        person("letter@example.org")
        with phone(browser, app_url, locale="en-GB") as context:
            page = context.new_page()
            sign_in(page, mailbox, "letter@example.org")
            page.get_by_role("link", name="Reports").click()
            paper = page.get_by_label("Paper size")
            assert paper.input_value() == "A4"
            paper.select_option("Letter")
            page.get_by_role("button", name="Make my report").click()
            wait_for(lambda: db.reports.count_documents({}) == 1, 15, "the report to be asked for")
            assert db.reports.find_one()["options"]["paper"] == "Letter"
            page.reload()
            assert page.get_by_label("Paper size").input_value() == "Letter"

    def test_a_link_made_or_revoked_offline_says_it_needs_a_connection(
        self, app_context, app_url, mailbox, db
    ):
        """Above all a revocation: the link must not look revoked, nor fail without a word."""
        _user, headers = person("share-away@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        check_ins(app_url, headers, {today - timedelta(days=d): 4 for d in range(1, 8)})
        page = app_context.new_page()
        sign_in(page, mailbox, "share-away@example.org")
        page.get_by_role("link", name="Reports").click()
        page.get_by_role("button", name="Make my report").click()
        report = page.get_by_test_id("report")
        report.get_by_text("Ready", exact=True).wait_for(timeout=60_000)
        report.get_by_text("Share with a clinician").click()
        report.get_by_label("Who is it for?").fill("Dr Rivera")
        needs = "needs a connection. Please try again when you are back online."
        app_context.set_offline(True)
        report.get_by_role("button", name="Make a link").click()
        report.get_by_text(f"Making a link {needs}").wait_for()
        app_context.set_offline(False)
        report.get_by_role("button", name="Make a link").click()
        report.get_by_label("Link for Dr Rivera").wait_for()
        app_context.set_offline(True)
        report.get_by_role("button", name="Revoke the link for Dr Rivera").click()
        report.get_by_text(f"Revoking a link {needs}").wait_for()
        assert report.get_by_label("Link for Dr Rivera").is_visible()
        assert db.report_shares.count_documents({"revoked_at": None}) == 1

    def test_asking_offline_says_it_needs_a_connection_and_the_list_comes_back_online(
        self, app_context, mailbox, db
    ):
        person("away-reports@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "away-reports@example.org")
        wait_for_worker(page)
        page.get_by_role("link", name="Reports").click()
        page.get_by_text("No reports yet.").wait_for()
        app_context.set_offline(True)
        page.get_by_role("button", name="Make my report").click()
        page.get_by_role("alert").filter(has_text="Asking for a report needs a connection").wait_for()
        page.reload()  # offline: the worker serves the app, the list cannot come
        page.get_by_text("Reports need a connection.", exact=False).wait_for()
        app_context.set_offline(False)
        page.get_by_text("No reports yet.").wait_for()  # as promised, with no reload
        assert db.reports.count_documents({}) == 0


class TestTrendsDoseAndRedFlags:
    def test_the_dose_line_taper_step_and_a_red_flag_show_with_their_days(
        self, app_context, app_url, mailbox
    ):
        _user, headers = person("dose-trend@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        first = today - timedelta(days=12)
        days = [first + timedelta(days=i) for i in range(12)]
        step_day, flag_day = days[6], days[8]
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "type": "dose",
                "occurred_at": f"{day}T08:00:00+00:00",
                "medication": "diazepam",
                "amount_mg": 10 if day < step_day else 8,
            }
            for day in days
        ]
        events += [
            {
                "event_id": uuid.uuid4().hex,
                "type": "taper_step",
                "occurred_at": f"{step_day}T07:00:00+00:00",
                "kind": "cut",
                "medication": "diazepam",
                "new_daily_dose_mg": 8,
            },
            {
                "event_id": uuid.uuid4().hex,
                "type": "symptom",
                "occurred_at": f"{flag_day}T20:00:00+00:00",
                "code": "chest_pain",
                "severity": 2,
            },
        ]
        page = app_context.new_page()
        sign_in(page, mailbox, "dose-trend@example.org")  # before the red flag's own email
        check_ins(app_url, headers, dict.fromkeys(days, 4))
        sent = {"sent_at": datetime.now(UTC).isoformat(), "events": events}
        r = api(app_url, headers, "POST", "/v1/events/batch", json=sent)
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text

        def summary():
            body = api(app_url, headers, "GET", "/v1/summaries", params={"from": str(first)}).json()
            return None if body["pending_recompute"] else body

        wait_for(lambda: (s := summary()) and s["red_flags"] and s["dose_timeline"], 60, "the summaries")
        page.get_by_role("link", name="Trends").click()
        flags = page.get_by_test_id("red-flags")
        flags.wait_for()
        assert f"{english_day(flag_day)}: Chest pain" in flags.inner_text()
        assert "get urgent help" in flags.inner_text()
        legend = page.locator("ul.legend").inner_text()
        assert "Daily dose (mg, diazepam-equivalent, right-hand scale)" in legend
        assert "Taper step" in legend and "Red flag logged" in legend

        page.get_by_text("Data table").click()
        rows = {
            row.get_by_role("rowheader").inner_text(): row.get_by_role("cell").all_inner_texts()
            for row in page.get_by_role("row").all()[1:]
        }
        assert rows[english_day(days[0])][-2:] == ["10", ""]
        assert rows[english_day(step_day)][-2:] == ["8", ""]
        assert rows[english_day(flag_day)][-1] == "Chest pain"
        assert_no_axe_violations(page, "trends with a dose and a red flag")


class TestEmailSettings:
    def test_weekly_report_quiet_hours_and_pause_round_trip_and_an_unsubscribe_shows(
        self, app_context, mailbox, db
    ):
        user, _ = person("mail@example.org", time_zone="Europe/Madrid")
        page = app_context.new_page()
        sign_in(page, mailbox, "mail@example.org")
        page.get_by_role("link", name="Settings").click()

        weekly = page.get_by_role("form", name="Weekly report")
        weekly.get_by_label("Email me a report of my week").check()
        weekly.get_by_label("Day").select_option("friday")
        weekly.get_by_label("Time").fill("18:15")
        weekly.get_by_label("Also send a link to a clinician").fill("dr.rivera@example.org")
        assert weekly.get_by_label("Paper size").input_value() == "Letter"  # not chosen yet: a US phone's
        weekly.get_by_label("Paper size").select_option("A4")
        weekly.get_by_role("button", name="Save weekly report settings").click()
        page.get_by_text("Weekly report settings saved.").wait_for()

        reminders = page.get_by_role("form", name="Check-in reminder")
        reminders.get_by_label("Remind me gently if I haven't logged").check()
        reminders.get_by_label("Quiet hours").check()
        reminders.get_by_label("Quiet from").fill("22:30")
        reminders.get_by_label("Quiet until").fill("07:00")
        reminders.get_by_label("Pause reminders until").fill("2026-12-24")
        reminders.get_by_role("button", name="Save reminder settings").click()
        page.get_by_text("Reminder settings saved.").wait_for()

        stored = db.users.find_one({"_id": user["_id"]})["preferences"]
        assert (
            stored["weekly_report"]["enabled"],
            stored["weekly_report"]["weekday"],
            stored["weekly_report"]["local_time"],
            stored["weekly_report"]["to_self"],
            stored["weekly_report"]["clinician_email"],
            stored["weekly_report"]["paper"],
        ) == (True, "friday", "18:15", True, "dr.rivera@example.org", "A4")
        assert stored["reminders"]["quiet_hours"] == {"start": "22:30", "end": "07:00"}
        assert stored["reminders"]["paused_until"] == "2026-12-24"

        # The weekly email's unsubscribe link turns the same settings off, the person's own copy only while a
        # clinician gets the report too: the app shows it.
        preferences.switch(email.address_key("mail@example.org"), email.REPORTS, False, datetime.now(UTC))
        page.reload()
        weekly.get_by_label("Day").wait_for()
        assert weekly.get_by_label("Email me a report of my week").is_checked()
        assert not weekly.get_by_label("Send it to me").is_checked()
        assert weekly.get_by_label("Day").input_value() == "friday"
        assert weekly.get_by_label("Paper size").input_value() == "A4"
        assert reminders.get_by_label("Quiet from").input_value() == "22:30"
        assert reminders.get_by_label("Pause reminders until").input_value() == "2026-12-24"

        # Not an address: the browser stops the form (in its own language), and nothing is stored.
        clinician = weekly.get_by_label("Also send a link to a clinician")
        clinician.fill("not an address")
        weekly.get_by_role("button", name="Save weekly report settings").click()
        assert clinician.evaluate("input => input.validity.typeMismatch") is True
        assert db.users.find_one({"_id": user["_id"]})["preferences"]["weekly_report"]["clinician_email"] == (
            "dr.rivera@example.org"
        )


class TestPlan:
    def test_enter_a_plan_and_see_its_schedule_and_the_next_step_on_today(self, app_context, mailbox, db):
        user, _headers = person("plan@example.org", time_zone="UTC")
        start = datetime.now(UTC).date() - timedelta(days=20)
        page = app_context.new_page()
        sign_in(page, mailbox, "plan@example.org")
        page.get_by_role("link", name="Plan").click()
        page.get_by_role("button", name="Enter my plan").click()
        page.get_by_label("Plan starts on").fill(start.isoformat())
        page.get_by_label("Medication", exact=True).select_option(label="Diazepam")
        page.get_by_label("Daily dose at the start (mg)").fill("20")
        page.get_by_label("Each step (%)").fill("10")
        page.get_by_role("button", name="Save as a new version").click()
        # Specific, at the field: the strength is missing, and nothing was sent.
        strength = page.get_by_label("One tablet (mg)")
        page.get_by_role("alert").filter(has_text="Enter the strength of one tablet").wait_for()
        assert strength.get_attribute("aria-invalid") == "true"
        assert db.taper_plans.count_documents({}) == 0
        strength.fill("2")
        page.get_by_label("Smallest piece").select_option(label="Quarters")
        page.get_by_role("button", name="Add a dose time").click()
        page.get_by_role("button", name="Add a dose time").click()
        for i, (time, share) in enumerate([("08:00", "50"), ("20:00", "50")]):
            page.locator(f"#time{i}-time").fill(time)
            page.locator(f"#time{i}-share").fill(share)
        page.get_by_role("button", name="Save as a new version").click()
        page.get_by_text("Saved as version 1.").wait_for()
        (stored,) = db.taper_plans.find({"user_id": user["_id"]})
        assert stored["medications"][0]["tablet_pieces"] == 4
        assert stored["dose_times"] == [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]
        # Started 20 days ago: 18 mg since day 14, the next cut (to 16.5 mg) on day 28.
        next_day = english_day(start + timedelta(days=28))
        step_text = f"Next planned step: {next_day}, Diazepam 18 → 16.5 mg"
        summary = page.get_by_test_id("plan-summary").inner_text()
        assert step_text in summary and "Diazepam: 18 mg (9 tablets)" in summary
        page.get_by_test_id("schedule-list").get_by_text(next_day).wait_for()
        page.get_by_role("radio", name="Calendar").check()
        today_cell = page.locator(f"[data-testid=calendar] td[data-day='{start + timedelta(days=20)}']")
        assert "18" in today_cell.inner_text()
        assert_no_axe_violations(page, "plan")
        page.get_by_role("link", name="Today").click()
        page.get_by_test_id("plan-today").get_by_text(step_text).wait_for()

    def test_a_high_daily_dose_is_the_first_question_for_my_doctor_with_its_source_in_each_language(
        self, app_context, app_url, mailbox, db
    ):
        """A taper from 60 mg diazepam: the first fact names today's planned dose and cites SA Health, in
        English as the server says it, in Spanish rebuilt from its figures."""
        _user, headers = person("plan-high@example.org", time_zone="UTC")
        plan = plans.plan(plans.diazepam_tablets(start_mg=60), start_day=str(datetime.now(UTC).date()))
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=plan).status_code == 201
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-high@example.org")
        page.get_by_role("link", name="Plan").click()
        first = page.get_by_test_id("plan-questions").get_by_role("listitem").first
        first.get_by_text(re.compile(r"is 60 mg diazepam-equivalent\. SA Health's guideline")).wait_for()
        assert "(Source: SA Health, Benzodiazepine withdrawal management" in first.inner_text()
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Language").select_option("es")
        page.get_by_role("link", name="Plan").click()
        first.get_by_text(
            re.compile("^La dosis diaria prevista del .+ es de 60 mg en equivalentes de diazepam")
        ).wait_for()
        assert "(Fuente: SA Health" in first.inner_text()

    def test_forty_days_after_the_plan_reached_0_mg_today_and_the_plan_say_so_and_what_may_go_on(
        self, app_context, app_url, mailbox, db
    ):
        """2 mg cut by 1 mg every 2 weeks, started 68 days ago: 0 mg since 40 days ago. Today and the Plan
        screen name that day and the days since, and, a month on, that symptoms may go on and who to tell."""
        _user, headers = person("after-zero@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        medication = plans.diazepam_tablets(start_mg=2, method="fixed_mg", step_mg=1)
        del medication["step_percent"]
        plan = plans.plan(medication, start_day=str(today - timedelta(days=68)))
        stored = api(app_url, headers, "POST", "/v1/plan/versions", json=plan).json()
        assert stored["progress"]["finish"] == str(today - timedelta(days=40))
        page = app_context.new_page()
        sign_in(page, mailbox, "after-zero@example.org")
        reached = f"Your plan reached 0 mg on {english_day(today - timedelta(days=40))}, 40 days ago."
        note = re.compile("^Some people have withdrawal symptoms for months after their last dose")
        card = page.get_by_test_id("plan-today")
        card.get_by_text(reached).wait_for()
        assert card.get_by_text(note).is_visible()
        page.get_by_role("link", name="Plan").click()
        summary = page.get_by_test_id("plan-summary")
        summary.get_by_text(reached).wait_for()
        assert summary.get_by_text(note).is_visible()
        assert summary.get_by_text("The plan reaches its end point").count() == 0

    def test_todays_doses_in_spanish_write_the_hour_as_spanish_does(self, app_context, app_url, mailbox, db):
        """In Spanish "8:00", not "08:00", as the server's texts and the reminders write it."""
        _user, headers = person("plan-horas@example.org", time_zone="UTC")
        times = [{"time": "08:00", "share": 0.5}, {"time": "13:30", "share": 0.5}]
        store_plan(app_url, headers, dose_times=times)
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-horas@example.org")
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Language").select_option("es")
        page.get_by_role("link", name="Hoy").click()
        doses = page.get_by_test_id("plan-today").get_by_test_id("planned-dose")
        doses.first.wait_for()
        assert [d.split(" · ")[0] for d in doses.all_inner_texts()] == ["8:00", "13:30"]

    def test_a_planned_dose_confirmed_offline_and_tapped_twice_is_stored_once(
        self, app_context, app_url, mailbox, db
    ):
        _user, headers = person("plan-dose@example.org", time_zone="UTC")
        times = [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]
        store_plan(app_url, headers, dose_times=times)
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-dose@example.org")
        wait_for_worker(page)
        doses = page.get_by_test_id("plan-today").get_by_test_id("planned-dose")
        doses.first.wait_for()
        assert doses.count() == 2
        morning = doses.filter(has_text="08:00")
        assert "Diazepam 9 mg" in morning.inner_text()
        # Offline, tapped twice: kept on the device, then stored once under the server's id for that dose.
        app_context.set_offline(True)
        morning.get_by_role("button", name="Taken").dblclick()
        morning.get_by_text("Taken: saved.").wait_for()
        page.get_by_text("Waiting to sync (1 entry)").wait_for()
        page.reload()
        morning.get_by_text("Taken: saved.").wait_for()
        assert db.events.count_documents({"type": "dose"}) == 0
        app_context.set_offline(False)
        page.get_by_test_id("synced").wait_for()
        (dose,) = db.events.find({"type": "dose"})
        assert (dose["data"]["status"], dose["data"]["amount_mg"], dose["data"]["medication"]) == (
            "taken",
            9,
            "diazepam",
        )
        today_doses = api(app_url, headers, "GET", "/v1/plan").json()["progress"]["today_doses"]
        assert [(d["time"], d["status"]) for d in today_doses] == [("08:00", "taken"), ("20:00", None)]
        assert dose["event_id"] == today_doses[0]["event_id"]

    def test_a_dose_answered_by_its_reminder_first_keeps_that_answer_and_asks_nothing_more(
        self, app_context, app_url, mailbox, db
    ):
        """Answered on the lock screen (the reminder's token), then in the app before it knew (offline):
        the first answer stays, as a second tap on the reminder would leave it, and the device does not
        ask the person to sort out an entry that is not wrong."""
        user, headers = person("answered-twice@example.org", time_zone="UTC")
        store_plan(app_url, headers, dose_times=[{"time": "08:00", "share": 1}])
        page = app_context.new_page()
        sign_in(page, mailbox, "answered-twice@example.org")
        wait_for_worker(page)
        dose = page.get_by_test_id("plan-today").get_by_test_id("planned-dose")
        dose.wait_for()
        app_context.set_offline(True)
        dose.get_by_role("button", name="Skipped").click()
        page.get_by_text("Waiting to sync (1 entry)").wait_for()
        (reminded,) = reminder_push(app_url, headers, user["_id"], "08:00")["doses"]
        confirm = {"token": reminded["token"], "status": "taken"}
        assert requests.post(f"{app_url}/v1/doses/confirm", json=confirm, timeout=10).status_code == 201

        app_context.set_offline(False)
        page.get_by_test_id("synced").wait_for()
        assert page.get_by_text("needs your attention").count() == 0
        (recorded,) = db.events.find({"type": "dose"})
        assert recorded["data"]["status"] == "taken"
        page.reload()
        dose.get_by_text("Taken: saved.").wait_for()

    def test_a_dose_left_unanswered_yesterday_is_answered_for_its_time_yesterday(
        self, browser, app_url, mailbox, db
    ):
        """With an earlier time chosen on yesterday, the plan's card lists yesterday's doses (offline it says
        they come once online, and they do); one answered is stored under that dose's id, for its planned
        time that day, and today's doses are back when the earlier time is closed."""
        user, headers = person("yesterday-dose@example.org", time_zone="UTC")
        store_plan(
            app_url, headers, dose_times=[{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]
        )
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        with phone(browser, app_url, timezone_id="UTC") as context:
            page = context.new_page()
            sign_in(page, mailbox, "yesterday-dose@example.org")
            card = page.get_by_test_id("plan-today")
            card.get_by_test_id("planned-dose").first.wait_for()
            context.set_offline(True)
            page.get_by_text("Log for an earlier time", exact=True).click()
            page.get_by_label("Date and time").fill(f"{yesterday}T21:00")
            card.get_by_text(
                "The planned doses of the day chosen above show here when you are online."
            ).wait_for()
            context.set_offline(False)
            card.get_by_role("heading", name=f"Planned doses on {english_day(yesterday)}").wait_for()
            assert_no_axe_violations(page, "yesterday's planned doses")
            morning = card.get_by_test_id("planned-dose").filter(has_text="08:00")
            morning.get_by_role("button", name="Taken").click()
            morning.get_by_text("Taken: saved.").wait_for()
            wait_for(lambda: db.events.count_documents({"type": "dose"}) > 0, 10, "the dose to be stored")
            (dose,) = db.events.find({"type": "dose"})
            assert dose["event_id"] == event_id(user["_id"], "diazepam", str(yesterday), "08:00")
            assert (dose["local_day"], dose["data"]["status"]) == (str(yesterday), "taken")
            assert dose["occurred_at"] == datetime.fromisoformat(f"{yesterday}T08:00Z")
            page.get_by_text("Log for an earlier time", exact=True).click()
            card.get_by_role("heading", name=re.compile("^Planned doses on")).wait_for(state="detached")
            assert card.get_by_role("button", name="Taken").count() == 2  # today's, both still to answer

    def test_a_late_answer_for_the_earlier_version_is_not_shown_over_the_newer(
        self, app_context, app_url, mailbox
    ):
        """The versions read when the screen opened (version 1) answers only after the one read for the
        version saved meanwhile: the list keeps the newer answer."""
        _user, headers = person("plan-late@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        first = plans.plan(plans.diazepam_tablets(), start_day=str(today - timedelta(days=20)))
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=first).status_code == 201
        stale = api(app_url, headers, "GET", "/v1/plan/versions").json()
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-late@example.org")
        held = []
        page.route("**/v1/plan/versions", lambda route: held.append(route) if not held else route.continue_())
        page.get_by_role("link", name="Plan").click()
        wait_for(lambda: page.wait_for_timeout(50) or held, 10, "the first read of the versions")
        page.get_by_role("button", name="Change my plan").click()
        page.get_by_label("Each step (%)").fill("5")
        page.get_by_role("button", name="Save as a new version").click()
        page.get_by_text("Versions").click()
        versions = page.get_by_test_id("plan-versions").get_by_role("listitem")
        wait_for(lambda: versions.count() == 2, 15, "the versions read for version 2")
        held[0].fulfill(json=stale)  # version 1's answer, late
        page.wait_for_timeout(300)
        assert versions.count() == 2

    def test_a_change_saved_elsewhere_meanwhile_says_so_then_the_plan_ends_and_is_deleted(
        self, app_context, app_url, mailbox, db
    ):
        user, headers = person("plan-two@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        first = plans.plan(plans.diazepam_tablets(), start_day=str(today - timedelta(days=20)))
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=first).status_code == 201
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-two@example.org")
        page.get_by_role("link", name="Plan").click()
        page.get_by_role("button", name="Change my plan").click()
        # Meanwhile, another device saves version 2.
        other = first | {"based_on_version": 1}
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=other).status_code == 201
        page.get_by_label("Each step (%)").fill("5")
        page.get_by_role("button", name="Save as a new version").click()
        changed = page.get_by_test_id("plan-changed")
        changed.get_by_text("changed elsewhere (now version 2)").wait_for()
        assert db.taper_plans.count_documents({"user_id": user["_id"]}) == 2
        changed.get_by_role("button", name="Reload the plan").click()
        page.get_by_text("Versions").click()
        versions = page.get_by_test_id("plan-versions").get_by_role("listitem")
        wait_for(
            lambda: versions.count() == 2, 15, "the reloaded plan's two versions"
        )  # fetched after the reload

        page.get_by_text("End or delete this plan").click()
        page.get_by_label("Last day of the plan").fill(str(today))
        page.get_by_role("button", name="End the plan").click()
        page.get_by_text(f"The plan now ends on {english_day(today)} (version 3).").wait_for()
        assert db.taper_plans.find_one({"version": 3})["ended_on"] == str(today)
        page.get_by_role("button", name="Delete the plan…").click()
        page.get_by_role("button", name="Yes, delete every version").click()
        page.get_by_text("Your plan was deleted.").wait_for()
        assert db.taper_plans.count_documents({"user_id": user["_id"]}) == 0

    def test_the_report_made_from_the_app_shows_the_plan(self, app_context, app_url, mailbox):
        _user, headers = person("plan-report@example.org", time_zone="UTC")
        today = datetime.now(UTC).date()
        check_ins(app_url, headers, {today - timedelta(days=d): 4 for d in range(1, 8)})
        plan = plans.plan(plans.diazepam_tablets(), start_day=str(today - timedelta(days=20)))
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=plan).status_code == 201
        page = app_context.new_page()
        sign_in(page, mailbox, "plan-report@example.org")
        page.get_by_role("link", name="Reports").click()
        page.get_by_role("button", name="Make my report").click()
        report = page.get_by_test_id("report")
        report.get_by_text("Ready", exact=True).wait_for(timeout=60_000)
        with page.context.expect_page() as opened:
            report.get_by_role("link", name="View").click()
        shown = opened.value
        shown.wait_for_load_state()
        text = shown.locator("#plan").inner_text()
        # The period ends yesterday; the plan's next cut, to 16.5 mg, is 28 days after its start.
        next_day = today + timedelta(days=8)
        assert "Taper plan (version 1, as entered): next planned step" in text
        assert f"{next_day.day} {next_day:%b}, 18 → 16.5 mg" in text


# The notifications the app's worker shows, as a lock screen would show them.
SHOWN = """() => self.registration.getNotifications().then(list => list.map(n => (
    {title: n.title, body: n.body, tokens: n.data.tokens, actions: n.actions.map(a => a.title)})))"""
CLOSE_ALL = "() => self.registration.getNotifications().then(list => list.forEach(n => n.close()))"


# Headless Chromium reaches no browser vendor's push service, so that part is faked: a subscription the page
# keeps in its storage, to a loopback endpoint nothing listens on. The app and the server are real.
FAKE_PUSH_SERVICE = """(() => {
    const KEY = "fake-push-subscription", KEYS = %s;
    const wrap = json => json && {
        endpoint: json.endpoint,
        toJSON: () => json,
        unsubscribe: async () => (localStorage.removeItem(KEY), true),
    };
    PushManager.prototype.getSubscription = async () => wrap(JSON.parse(localStorage.getItem(KEY)));
    PushManager.prototype.subscribe = async () => {
        const endpoint = "http://127.0.0.1:9/push/" + crypto.randomUUID();
        const json = {endpoint, expirationTime: null, keys: KEYS};
        localStorage.setItem(KEY, JSON.stringify(json));
        return wrap(json);
    };
})()"""
BROWSER_HOLDS_SUBSCRIPTION = "localStorage.getItem('fake-push-subscription') !== null"
NAMES_DOSES = """() => new Promise(resolve => {
    const open = indexedDB.open("track-your-healing-reminders", 1);
    open.onsuccess = () => {
        const get = open.result.transaction("device").objectStore("device").get("display");
        get.onsuccess = () => resolve(Boolean(get.result && get.result.showDoses));
    };
})"""

READ_REMINDER_DISPLAY = """() => new Promise(resolve => {
    const open = indexedDB.open("track-your-healing-reminders", 1);
    open.onsuccess = () => {
        const get = open.result.transaction("device").objectStore("device").get("display");
        get.onsuccess = () => resolve(get.result || {});
    };
})"""
# The app's kept catalogues made as an API before `translations` gave them: how many it changed.
FORGET_TRANSLATIONS = """() => new Promise(resolve => {
    const open = indexedDB.open("track-your-healing", 1);
    open.onsuccess = () => {
        const cache = open.result.transaction("cache", "readwrite").objectStore("cache");
        const all = cache.getAll();
        all.onsuccess = () => {
            const kept = all.result.filter(r => r.key.startsWith("catalog:"));
            for (const record of kept) {
                const entries = record.value.symptoms || record.value.medications;
                for (const entry of entries) delete entry.translations;
                cache.put(record);
            }
            resolve(kept.length);
        };
    };
})"""


def reminder_push(app_url: str, headers: dict, user_id: str, at: str) -> dict:
    """The push the notification service sends for today's doses at `at` (a person in UTC), with the
    tokens the API gives those doses."""
    tokens = {
        d["event_id"]: d["token"]
        for d in api(app_url, headers, "GET", "/v1/plan").json()["progress"]["today_doses"]
    }
    day = datetime.now(UTC).date()
    planned = [d for d in doses_on(schedule.build(store.current(user_id)), day) if d.time == at]
    return reminders.push_message(
        user_id, day.isoformat(), at, planned, [tokens[d.event_id(user_id)] for d in planned]
    )


def worker_push(app_context, page, app_url):
    """(the app's worker, show(payload) -> the notifications shown after it): a push arrives through the
    DevTools protocol, as the browser's push service would deliver it (one cannot be reached here)."""
    (worker,) = app_context.service_workers
    cdp = app_context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    # Protocol events arrive while Playwright waits, not while this thread sleeps.
    live = lambda: next((r for r in registrations if not r.get("isDeleted")), None)  # noqa: E731
    wait_for(lambda: page.wait_for_timeout(50) or live(), 10, "the worker's registration")

    def show(payload: dict) -> list[dict]:
        worker.evaluate(CLOSE_ALL)
        push = {"origin": app_url, "registrationId": live()["registrationId"], "data": json.dumps(payload)}

        def delivered_and_shown() -> bool:
            # On a loaded machine a push the protocol accepted can still go unseen; a push service
            # delivers again too, and the reminder's tag keeps it one notification.
            cdp.send("ServiceWorker.deliverPushMessage", push)
            return any(page.wait_for_timeout(250) or worker.evaluate(SHOWN) for _ in range(20))

        wait_for(delivered_and_shown, 30, "the reminder to show")
        return worker.evaluate(SHOWN)

    return worker, show


def reminded(app_context, app_url, mailbox, email: str):
    """A person whose plan has a dose at 08:00, signed in on a page whose worker a reminder can be pushed
    to: (their headers, the page, the worker, its `show`, that reminder's payload)."""
    user, headers = person(email, time_zone="UTC")
    store_plan(app_url, headers, dose_times=[{"time": "08:00", "share": 1}])
    app_context.grant_permissions(["notifications"], origin=app_url)
    page = app_context.new_page()
    sign_in(page, mailbox, email)
    wait_for_worker(page)
    worker, show = worker_push(app_context, page, app_url)
    return headers, page, worker, show, reminder_push(app_url, headers, user["_id"], "08:00")


class TestDoseReminders:
    def test_a_pushed_reminder_answered_offline_is_recorded_once_when_back(
        self, app_context, app_url, mailbox, db
    ):
        """The worker's own push and notificationclick handling, in Chromium: the push arrives through the
        DevTools protocol (a browser vendor's push service cannot be reached here) and the tap on "Taken"
        is dispatched in the worker as the browser would."""
        headers, page, worker, show, payload = reminded(app_context, app_url, mailbox, "reminded@example.org")
        (dose,) = api(app_url, headers, "GET", "/v1/plan").json()["progress"]["today_doses"]
        assert show(payload) == [
            {
                "title": "Your 08:00 reminder",
                "body": "From your plan. Tap to open, or answer here.",
                "tokens": [payload["doses"][0]["token"]],
                "actions": ["Taken", "Skipped"],
            }
        ]
        tap = """() => self.registration.getNotifications().then(([n]) => {
            const click = {notification: n, action: "taken"};
            self.dispatchEvent(new NotificationEvent("notificationclick", click));
            return true;
        })"""
        app_context.set_offline(True)
        worker.evaluate(tap)
        waiting = """() => new Promise(resolve => {
            const open = indexedDB.open("track-your-healing-confirmations", 1);
            open.onsuccess = () => {
                const all = open.result.transaction("pending").objectStore("pending").getAll();
                all.onsuccess = () => resolve(all.result.map(e => e.status));
            };
        })"""
        wait_for(lambda: worker.evaluate(waiting) == ["taken"], 10, "the answer to wait on the device")
        assert db.events.count_documents({"type": "dose"}) == 0
        app_context.set_offline(False)
        page.reload()  # the app sends what the worker kept
        wait_for(lambda: db.events.count_documents({"type": "dose"}) == 1, 10, "the dose to be recorded")
        wait_for(lambda: worker.evaluate(waiting) == [], 10, "the device's copy to go")
        (recorded,) = db.events.find({"type": "dose"})
        assert (recorded["event_id"], recorded["data"]["status"]) == (dose["event_id"], "taken")
        assert worker.evaluate(SHOWN) == []  # answered: the reminder is gone

    def test_a_reminder_names_the_dose_only_where_switched_on_in_the_apps_language(
        self, app_context, app_url, mailbox, db
    ):
        """What a locked screen shows: the time only, until the person turns on naming the dose for this
        device (kept across a reload); then the dose as the plan measures it, in the app's language."""
        _headers, page, _worker, show, payload = reminded(
            app_context, app_url, mailbox, "private@example.org"
        )
        neutral = {"title": "Your 08:00 reminder", "body": "From your plan. Tap to open, or answer here."}
        assert [{k: n[k] for k in neutral} for n in show(payload)] == [neutral]

        page.get_by_role("link", name="Settings").click()
        switch = page.get_by_label("Show the dose in notifications on this device")
        switch.wait_for()
        assert not switch.is_checked()
        switch.check()
        page.get_by_text("Reminders on this device now name the dose.").wait_for()
        page.reload()
        switch.wait_for()
        wait_for(switch.is_checked, 10, "the switch to read what the device kept")
        (named,) = show(payload)
        assert (named["title"], named["body"]) == (
            "Your 08:00 reminder",
            "In your plan: 18 mg diazepam (9 tablets)",
        )

        page.get_by_label("Language").select_option("es")
        page.get_by_label("Mostrar la dosis en las notificaciones de este dispositivo").wait_for()
        (spanish,) = show(payload)
        assert {k: spanish[k] for k in ("title", "body", "actions")} == {
            "title": "Tu recordatorio de las 8:00",
            "body": "En tu plan: 18 mg de diazepam (9 comprimidos)",
            "actions": ["Tomada", "Omitida"],
        }

    def test_a_check_in_reminder_names_nothing_about_health_in_the_apps_language(
        self, app_context, app_url, mailbox
    ):
        """The push the notifier sends for a check-in reminder (services/notification/push/checkin.py), as
        the worker shows it: no Taken / Skipped, and one notification a day (its tag)."""
        person("checkin@example.org")
        app_context.grant_permissions(["notifications"], origin=app_url)
        page = app_context.new_page()
        sign_in(page, mailbox, "checkin@example.org")
        wait_for_worker(page)
        worker, show = worker_push(app_context, page, app_url)
        payload = checkin.message(datetime.now(UTC).date().isoformat())
        english = {"title": "Time for your check-in", "body": "How is today going? A minute is enough."}
        assert [{k: n[k] for k in english} | {"actions": n["actions"]} for n in show(payload)] == [
            english | {"actions": []}
        ]
        tagged = "(tag) => self.registration.getNotifications({tag}).then(list => list.length)"
        assert worker.evaluate(tagged, f"checkin-{payload['day']}") == 1
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Language").select_option("es")
        page.get_by_role("heading", name="Ajustes").wait_for()
        spanish = ("Hora de tu registro", "¿Cómo va el día? Con un minuto basta.")
        wait_for(
            lambda: [(n["title"], n["body"]) for n in show(payload)] == [spanish], 20, "the Spanish reminder"
        )

    def test_the_settings_switch_asks_for_permission_only_when_turned_on(self, app_context, mailbox):
        person("switch@example.org")
        page = app_context.new_page()
        switch = dose_reminder_switch(page, mailbox, "switch@example.org")
        assert page.evaluate("Notification.permission") == "default"  # not asked by opening Settings
        switch.click()
        # Headless Chromium answers the prompt with "denied": the screen says where that is changed.
        page.get_by_text("Notifications are blocked for this app").wait_for()
        assert page.evaluate("Notification.permission") == "denied"

    def test_reminders_stop_with_the_devices_sign_out_and_its_switch_shows_it(
        self, app_context, app_url, mailbox, db
    ):
        """Signed out from another device (a lost phone), the device forgets its subscription and turns off
        naming doses as soon as it learns it; signed out on the device, the same, so whoever signs in next
        finds both switches off. Opened signed in, the app stores its subscription again, naming the device
        (one stored before that)."""
        user, elsewhere = person("lost-phone@example.org")
        keys = BrowserKeys().subscription("")["keys"]
        app_context.add_init_script(FAKE_PUSH_SERVICE % json.dumps(keys))
        app_context.grant_permissions(["notifications"], origin=app_url)
        page = app_context.new_page()
        subscriptions = db.push_subscriptions

        def switch_on() -> str:
            switch = dose_reminder_switch(page, mailbox, "lost-phone@example.org")
            switch.click()  # checked once the subscription is stored
            page.get_by_text("Reminders are on for this device.").wait_for()
            details = page.get_by_label("Show the dose in notifications on this device")
            details.wait_for()
            wait_for(details.is_enabled, 10, "the device's choice to be read")
            assert not details.is_checked()
            details.click()
            page.get_by_text("Reminders on this device now name the dose.").wait_for()
            phone = db.devices.find_one({"user_id": user["_id"], "platform": "web", "revoked_at": None})
            (stored,) = subscriptions.find({"user_id": user["_id"]})
            assert stored["device_id"] == phone["_id"]
            return phone["_id"]

        phone = switch_on()
        subscriptions.update_one({"user_id": user["_id"]}, {"$unset": {"device_id": ""}})  # an older one
        page.reload()
        wait_for(
            lambda: subscriptions.find_one({"user_id": user["_id"]}).get("device_id") == phone,
            10,
            "the app to store its subscription again with its device",
        )

        assert api(app_url, elsewhere, "DELETE", f"/v1/me/devices/{phone}").status_code == 204
        assert subscriptions.count_documents({"user_id": user["_id"]}) == 0
        page.reload()
        page.get_by_label("Email address").wait_for()
        forgotten = lambda: not page.evaluate(BROWSER_HOLDS_SUBSCRIPTION) and not page.evaluate(NAMES_DOSES)  # noqa: E731
        wait_for(forgotten, 10, "the device to forget its reminders")
        mailbox.clear()

        switch_on()  # off after signing in again, as nothing reaches the device
        page.get_by_role("button", name="Sign out on this device").click()
        page.get_by_label("Email address").wait_for()
        wait_for(forgotten, 10, "the device to forget its reminders")
        assert subscriptions.count_documents({"user_id": user["_id"]}) == 0

    def test_a_subscription_the_browser_renews_is_stored_at_once(self, app_context, app_url, mailbox, db):
        """Firefox renews a subscription when its push service rotates it (`pushsubscriptionchange`), with
        or without handing the new one over. Chromium never does, so the event is dispatched in the worker
        as the browser would, and the vendor's subscribe is faked there."""
        user, _headers = person("renewed@example.org")
        page = app_context.new_page()
        sign_in(page, mailbox, "renewed@example.org")
        wait_for_worker(page)
        (worker,) = app_context.service_workers
        renew = """([endpoint, keys, handedOver]) => {
            const json = {endpoint, expirationTime: null, keys};
            const subscription = {toJSON: () => json, unsubscribe: async () => true};
            PushManager.prototype.subscribe = async () => subscription;
            const event = new ExtendableEvent("pushsubscriptionchange");
            Object.defineProperty(event, "newSubscription", {value: handedOver ? subscription : null});
            self.dispatchEvent(event);
            return true;
        }"""
        phone = db.devices.find_one({"user_id": user["_id"], "platform": "web"})["_id"]
        for name, handed_over in (("handed-over", True), ("subscribed-again", False)):
            endpoint = f"http://127.0.0.1:9/push/{name}"
            worker.evaluate(renew, [endpoint, BrowserKeys().subscription(endpoint)["keys"], handed_over])
            wait_for(
                lambda e=endpoint: db.push_subscriptions.find_one({"endpoint": e}), 10, "the renewal stored"
            )
            stored = db.push_subscriptions.find_one({"endpoint": endpoint})
            assert (stored["user_id"], stored["device_id"]) == (user["_id"], phone)
