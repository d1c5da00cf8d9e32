"""The app as a person with a screen reader, a keyboard or large text meets it, in Debian's Chromium on a
390 px phone against the real stack: axe on every screen and state (signed out and in, with data, the
dialogs, the forms' problems) in English and Spanish and in the dark theme, with touch targets of 44 px;
the navigation whole at twice the text size, and at the page's end when taller than a third of the screen;
focus on each new screen's heading and its title in the document's; dialogs that keep focus and give it
back; focus kept where an answer or an edit was saved; a field's problem tied to it and announced; what
each screen saves or refuses, and what fails to load (the account, the Plan screen's code, Trends, the
plan's schedule), said by a live region there before its words."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from tests.browser import axe, scene
from tests.browser.app_stack import PHONE, api, plant_wave, store_plan
from tests.browser.test_app import OFFER_TO_INSTALL, code_from, log_symptom
from tests.factories.accounts import person
from tests.support.servers import wait_for

SCREENS = ("today", "plan", "trends", "history", "reports", "settings")
LOCALES = {"en": "en-US", "es": "es-ES"}
MIN_TARGET = 44
# Every visible control a finger aims at, drawn smaller than 44 px a side (links inside a sentence are
# exempt, as WCAG's target size allows).
TARGETS = (
    "button, a.button, summary, nav a, label.check, .choice span, dialog a, .page-links a, select,"
    " input:not([type=radio]):not([type=checkbox])"
)
SMALL_TARGETS = """([selector, min]) => [...document.querySelectorAll(selector)]
    .filter(e => e.getClientRects().length)
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.height < min - 0.5 || r.width < min - 0.5)
    .map(([e, r]) => `${e.tagName} "${e.textContent.trim().slice(0, 30)}" ${r.width | 0}x${r.height | 0}`)"""
# The navigation's links: where each is drawn, and whether its word fits its box.
NAV_LINKS = """() => [...document.querySelectorAll('nav a')].map(a => {
    const r = a.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(a);
    const text = range.getBoundingClientRect();
    return {name: a.textContent, x: r.x, y: r.y, height: r.height, right: r.right, bottom: r.bottom,
            clipped: a.scrollWidth > a.clientWidth + 1 || text.width > r.width + 1
                     || text.left < r.left - 1 || text.right > r.right + 1};
})"""
# Buttons whose words do not fit them, or that reach past the screen's edge.
CLIPPED_BUTTONS = """() => [...document.querySelectorAll('main :is(button, a.button, summary), dialog button')
    ].filter(e => e.getClientRects().length)
    .filter(e => {
        const r = e.getBoundingClientRect();
        return e.scrollWidth > e.clientWidth + 1 || r.left < -0.5 || r.right > innerWidth + 0.5;
    }).map(e => e.textContent.trim())"""
FOCUSED = """() => {
    const e = document.activeElement;
    return {tag: e.tagName, text: e.textContent.trim(), inDialog: e.closest('dialog[open]') !== null,
            outline: getComputedStyle(e).outlineStyle, id: e.id, label: e.getAttribute('aria-label'),
            dose: e.closest('[data-testid=planned-dose]')?.firstChild.textContent ?? null};
}"""


def focus_on(page, key: str, value: str) -> None:
    """Wait for the focus to come to the element whose `key` (of FOCUSED) is `value`: the app moves it once
    the screen has drawn what it moves it to, which a busy machine may take a moment to do."""
    wait_for(lambda: page.evaluate(FOCUSED)[key] == value, 5, f"the focus on {value!r}")


# An alert with its words (the app's live regions are there, silent, before them).
WORDS = re.compile(r"\S")
NAV_HEIGHT = "getComputedStyle(document.documentElement).getPropertyValue('--nav-height').trim()"


@pytest.fixture
def phone(browser, app_url, db, redis, mailbox):
    """A factory of phone-sized pages on the app's origin, in a language and colour scheme (`options` for
    the context)."""
    contexts = []

    def open_page(language: str = "en", scheme: str = "light", **options):
        context = browser.new_context(
            base_url=app_url,
            viewport=PHONE,
            locale=LOCALES[language],
            color_scheme=scheme,
            timezone_id="UTC",
            **options,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def ask_and_sign_in(page, mailbox, email: str, check=lambda where: None) -> None:
    """Signed out, in whatever language the page speaks: the email, the code; `check` at each step, with a
    problem shown at each too."""
    page.goto("/app/")
    page.locator("#email").wait_for()
    check("sign-in: email")
    page.locator("#email").fill("someone@example")  # the server refuses it: its problem shows
    page.locator("form button[type=submit]").click()
    page.get_by_role("alert").filter(has_text=WORDS).wait_for()
    check("sign-in: email refused")
    page.locator("#email").fill(email)
    page.locator("form button[type=submit]").click()
    page.locator("#code").wait_for()
    message = mailbox.wait_for_one_to(email)  # not a late email an earlier test caused
    check("sign-in: code")
    page.locator("#code").fill("000000")
    page.locator("form button[type=submit]").click()
    page.get_by_role("alert").filter(has_text=WORDS).wait_for()
    check("sign-in: wrong code")
    page.locator("#code").fill(code_from(message))
    page.locator("form button[type=submit]").click()
    page.locator("main h1").and_(page.locator(":not(#signin-title)")).wait_for()


def plant_history(app_url: str, headers: dict, today: date) -> None:
    """A scene's taper, plan and wave, and today a symptom, a note and a dose."""
    scene.plant_taper(app_url, headers, today)
    scene.plant_plan(app_url, headers, today)
    plant_wave(app_url, headers, today)
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=5)).isoformat()
    events = [
        {"type": "symptom", "code": "insomnia", "severity": 2},
        {"type": "note", "text": "Slept badly", "tags": ["question_for_doctor"]},
        {"type": "dose", "medication": "diazepam", "amount_mg": 4},
    ]
    events = [e | {"event_id": uuid.uuid4().hex, "occurred_at": at} for e in events]
    body = {"sent_at": now.isoformat(), "events": events}
    r = api(app_url, headers, "POST", "/v1/events/batch", json=body)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text


def shared_report(app_url: str, headers: dict) -> None:
    """Last week's report, made, with a link shared with a named clinician."""
    r = api(app_url, headers, "POST", "/v1/reports", json={})
    assert r.status_code in (201, 202), r.text
    report_id = r.json()["id"]

    def ready() -> bool:
        return api(app_url, headers, "GET", f"/v1/reports/{report_id}").json()["status"] == "ready"

    wait_for(ready, 90, "the report")
    share = {"recipient": "Dr Rivera", "expires_in_days": 14}
    r = api(app_url, headers, "POST", f"/v1/reports/{report_id}/shares", json=share)
    assert r.status_code == 201, r.text


def go(page, screen: str) -> None:
    page.locator(f'nav a[href="/app/{"" if screen == "today" else screen}"]').click()
    page.locator("main h1").wait_for()


def loaded(page) -> None:
    """Until the screen shown has its data: no "Loading…" left in it. (A wait for the network to go idle does
    not serve: a move between the app's screens is no page load, so that wait ends at once.)"""
    loading = page.locator("main").get_by_text(re.compile("^(Loading|Cargando)…$"))
    wait_for(lambda: loading.count() == 0, 10, "the screen's data")


def sweep_today(page, check) -> None:
    """The plan's doses, an earlier time refused, the check-in's details with a problem, a symptom's scale,
    the safety dialog."""
    page.get_by_test_id("planned-dose").first.wait_for()
    check("today")
    page.locator("details.earlier > summary").click()
    page.locator("#earlier-at").fill("2999-01-01T08:00")
    page.locator("#earlier-note.error").wait_for()
    check("today: an earlier time refused")
    page.locator("details.earlier > summary").click()  # closed: what follows is saved for now
    page.locator("form[aria-labelledby=checkin-title] details > summary").click()
    page.locator("#sleep-hours").fill("30")
    page.locator("#sleep-hours-error").get_by_text("24").wait_for()
    check("today: hours slept refused")
    page.locator("#symptom-search").fill("convulsion")
    page.locator("ul.picks button").first.click()
    page.locator("input[name=severity][value='3']").check()
    check("today: a symptom's scale")
    page.locator("form:has(input[name=severity]) button[type=submit]").click()
    page.locator("dialog.safety[open]").wait_for()
    check("today: the safety dialog")
    page.keyboard.press("Escape")


def sweep_plan(page, check) -> None:
    """The summary and schedule, the calendar, versions, ending or deleting, the form with its problems."""
    go(page, "plan")
    page.get_by_test_id("plan-summary").wait_for()
    page.get_by_test_id("schedule-list").wait_for()
    check("plan")
    page.locator("input[name=plan-view]").nth(1).check()
    page.get_by_test_id("calendar").wait_for()
    for summary in page.locator("details.card > summary").all():
        summary.click()
    page.get_by_test_id("plan-versions").get_by_role("listitem").first.wait_for()
    check("plan: calendar, versions, end or delete")
    page.locator("button.danger-outline").click()
    page.locator("dialog.confirm[open]").wait_for()
    check("plan: delete confirm")
    page.keyboard.press("Escape")
    page.locator("main > button.primary").click()  # change the plan
    page.locator("#med0-strength").fill("")
    page.locator("#med0-start").fill("-1")
    page.locator("form button[type=submit].primary").click()
    page.get_by_test_id("plan-errors").wait_for()
    check("plan: the form with its problems")


def sweep_history(page, check) -> None:
    """The days, an entry's edit, the question before a deletion."""
    go(page, "history")
    page.get_by_test_id("day").first.wait_for()
    check("history")
    entry = page.locator("ul.history li").filter(has=page.locator("button")).first
    entry.locator("button").first.click()  # edit
    page.locator("form.edit").wait_for()
    check("history: an edit")
    page.locator("form.edit button[type=button]").click()
    entry.locator("button").last.click()  # delete
    page.locator("dialog.confirm[open]").wait_for()
    check("history: delete confirm")
    page.keyboard.press("Escape")


def sweep_settings(page, check) -> None:
    """Every group, the reminders' quiet hours and pause shown, time zones found, a refused address, the
    browser's offer to install the app."""
    go(page, "settings")
    page.locator("ul.devices li").first.wait_for()
    assert page.evaluate(OFFER_TO_INSTALL)
    page.locator("#install-title").wait_for()
    reminders = page.locator("form[aria-labelledby=reminders-title] label.check input")
    reminders.nth(0).check()
    reminders.nth(1).check()  # quiet hours: their fields show
    page.locator("#paused-until").fill(str(datetime.now(UTC).date() + timedelta(days=7)))
    page.locator("#tz-search").fill("Madrid")
    page.locator("ul.picks button").first.wait_for()
    page.locator("#weekly-clinician").fill("someone@example")  # refused by the server
    weekly = page.locator("form[aria-labelledby=weekly-title]")
    weekly.locator("button[type=submit]").click()
    weekly.get_by_role("alert").wait_for()
    check("settings, its forms open and a problem shown")


class TestAxe:
    # Each language and each colour scheme once: contrast depends on the scheme, lengths on the language.
    @pytest.mark.parametrize("look", [("en", "light"), ("es", "dark")], ids="-".join)
    def test_every_screen_state_and_dialog_has_no_violations(self, phone, app_url, mailbox, look):
        """Each screen signed out and in with data, its dialogs and its forms' problems: no axe violation of a
        failing impact, and every control a finger aims at 44 px a side at least."""
        language, scheme = look
        email = f"axe-{language}-{scheme}@example.org"
        _user, headers = person(email, time_zone="UTC")
        plant_history(app_url, headers, datetime.now(UTC).date())
        shared_report(app_url, headers)
        page = phone(language, scheme)
        failures: list[str] = []

        def check(where: str) -> None:
            found = [v for v in axe.violations(page) if v["impact"] in axe.FAILING]
            if found:
                failures.append(f"{where}:\n{axe.report(found)}")
            small = page.evaluate(SMALL_TARGETS, [TARGETS, MIN_TARGET])
            if small:
                failures.append(f"{where}: targets under {MIN_TARGET} px: {small}")

        ask_and_sign_in(page, mailbox, email, check)
        assert page.evaluate("document.documentElement.lang") == language
        sweep_today(page, check)
        sweep_plan(page, check)
        go(page, "trends")
        page.locator("[data-testid=chart][data-drawn-days]").wait_for()
        page.locator("main details > summary").click()
        check("trends with its table")
        sweep_history(page, check)
        go(page, "reports")
        page.locator("[data-testid=report] details > summary").first.click()
        page.get_by_test_id("share").first.wait_for()
        check("reports with a shared link")
        sweep_settings(page, check)
        assert not failures, "\n\n".join(failures)


def screen_at_twice_the_text(page, where: str) -> list[str]:
    """What is wrong with the navigation and the buttons on the screen shown, at 200 % text."""
    problems = []
    links = page.evaluate(NAV_LINKS)
    width = page.viewport_size["width"]
    for link in links:
        if link["clipped"]:
            problems.append(f"{where}: {link['name']} is cut off")
        if link["x"] < -0.5 or link["right"] > width + 0.5:
            problems.append(
                f"{where}: {link['name']} is outside the screen, at {link['x']:.0f}-{link['right']:.0f}"
            )
        if link["height"] < MIN_TARGET - 0.5:
            problems.append(f"{where}: {link['name']} is {link['height']:.0f} px tall")
    for a, b in itertools.combinations(links, 2):
        apart = (
            a["right"] <= b["x"] + 0.5
            or b["right"] <= a["x"] + 0.5
            or a["bottom"] <= b["y"] + 0.5
            or b["bottom"] <= a["y"] + 0.5
        )
        if not apart:
            problems.append(f"{where}: {a['name']} overlaps {b['name']}")
    clipped = page.evaluate(CLIPPED_BUTTONS)
    if clipped:
        problems.append(f"{where}: buttons cut off or off the screen: {clipped}")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if widths[0] > widths[1]:
        problems.append(f"{where}: the page is {widths[0]} px wide in {widths[1]} px")
    return problems


class TestLargeText:
    @pytest.mark.parametrize("language", ["en", "es"])
    def test_at_twice_the_text_size_the_navigation_and_buttons_are_whole(
        self, phone, app_url, mailbox, db, language
    ):
        """As a phone's largest text or the browser's text zoom draws it: every navigation item inside the
        screen, its word whole, none over another; every button's words inside it; the navigation kept to
        a third of the screen at most, and the end of each screen above it."""
        email = f"big-{language}@example.org"
        person(email)
        page = phone(language)
        ask_and_sign_in(page, mailbox, email)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        problems = []
        for screen in SCREENS:
            go(page, screen)
            loaded(page)
            problems += screen_at_twice_the_text(page, screen)
            nav = page.locator("nav").bounding_box()
            if nav["height"] > PHONE["height"] / 3:
                problems.append(f"{screen}: the navigation is {nav['height']:.0f} px tall")
            # Scrolled to the end: the screen's last words are above the navigation, not under it.
            page.evaluate("scrollTo(0, document.documentElement.scrollHeight)")
            last = page.locator("main > :last-child").bounding_box()
            nav = page.locator("nav").bounding_box()
            if last["y"] + last["height"] > nav["y"] + 0.5:
                problems.append(f"{screen}: its end is under the navigation")
        assert not problems, "\n".join(problems)

    def test_a_navigation_taller_than_a_third_of_the_screen_stays_at_the_pages_end(self, phone, mailbox, db):
        """Very large text on a turned phone: kept at the bottom, the navigation would hide more than a third
        of what is read, so it stays at the page's end (and what the keyboard reaches no longer scrolls
        above it); back at an ordinary size, it is at the bottom of the screen again."""
        person("tall-nav@example.org")
        page = phone()
        ask_and_sign_in(page, mailbox, "tall-nav@example.org")
        go(page, "settings")  # a long screen
        turned = {"width": PHONE["height"], "height": PHONE["width"]}
        page.set_viewport_size(turned)
        nav = page.locator("nav")
        page.evaluate("document.documentElement.style.fontSize = '400%'")
        wait_for(lambda: nav.bounding_box()["height"] > turned["height"] / 3, 5, "a navigation that tall")
        wait_for(lambda: page.evaluate(NAV_HEIGHT) == "0px", 5, "no room kept for the navigation")
        page.evaluate("scrollTo(0, 0)")
        assert nav.bounding_box()["y"] >= turned["height"], "the navigation covers the screen's top"
        page.evaluate("scrollTo(0, document.documentElement.scrollHeight)")
        box, last = nav.bounding_box(), page.locator("main > :last-child").bounding_box()
        assert last["y"] + last["height"] <= box["y"] + 0.5, "the screen's end is under the navigation"
        bottom = box["y"] + box["height"]
        assert abs(bottom - turned["height"]) <= 1, "the navigation is not at the page's end"
        page.evaluate("document.documentElement.style.fontSize = ''")
        wait_for(lambda: page.evaluate(NAV_HEIGHT) not in ("", "0px"), 5, "room kept for the navigation")
        page.evaluate("scrollTo(0, 0)")
        box = nav.bounding_box()
        bottom = box["y"] + box["height"]
        assert abs(bottom - turned["height"]) <= 1, "the navigation left the screen's bottom"


class TestFocus:
    def test_each_new_screen_takes_focus_on_its_heading_and_names_the_document(
        self, phone, app_url, mailbox, db
    ):
        person("focus@example.org")
        page = phone()
        ask_and_sign_in(page, mailbox, "focus@example.org")
        # Signing in moved to Today: its heading has the focus (the button pressed is gone).
        focus_on(page, "text", "Today")
        assert page.evaluate(FOCUSED)["tag"] == "H1"
        assert page.title() == "Today · Track Your Healing"
        titles = set()
        for screen in SCREENS[1:]:
            go(page, screen)
            heading = page.locator("main h1").inner_text()
            focus_on(page, "text", heading)
            focused = page.evaluate(FOCUSED)
            assert focused["tag"] == "H1", screen
            assert focused["outline"] == "none", f"{screen}: a focus ring after a tap"
            assert page.title() == f"{heading} · Track Your Healing"
            titles.add(page.title())
        assert len(titles) == len(SCREENS) - 1
        # With the keyboard: a link in the navigation, Enter; then Back.
        page.locator('nav a[href="/app/trends"]').focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Trends", level=1).wait_for()
        focus_on(page, "text", "Trends")
        page.go_back()
        page.get_by_role("heading", name="Settings", level=1).wait_for()
        focus_on(page, "text", "Settings")
        assert page.title() == "Settings · Track Your Healing"
        # Signing out lands on the sign-in screen's heading.
        page.get_by_role("button", name="Sign out on this device").click()
        page.get_by_role("heading", name="Sign in", level=1).wait_for()
        focus_on(page, "text", "Sign in")
        assert page.title() == "Sign in · Track Your Healing"

    def test_the_safety_dialog_keeps_focus_reads_from_its_title_and_gives_it_back(self, phone, mailbox, db):
        person("dialog@example.org")
        page = phone()
        ask_and_sign_in(page, mailbox, "dialog@example.org")
        log_symptom(page, "convulsion", "Seizure", 3)
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        focus_on(page, "tag", "H2")
        assert page.evaluate(FOCUSED)["inDialog"]  # its heading, not a crisis line one tap from a call
        for _ in range(12):  # past its last control and round again
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            # BODY: on the browser's own controls, the modal dialog's way out for the keyboard.
            assert focused["inDialog"] or focused["tag"] == "BODY", focused
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        focus_on(page, "id", "symptom-search")

    def test_deleting_in_history_asks_in_a_dialog_that_keeps_and_returns_focus(
        self, phone, app_url, mailbox, db
    ):
        _user, headers = person("confirm@example.org", time_zone="UTC")
        now = datetime.now(UTC)
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "type": "check_in",
                "occurred_at": at.isoformat(),
                "overall": overall,
            }
            for at, overall in ((now - timedelta(minutes=5), 3), (now - timedelta(minutes=10), 4))
        ]
        body = {"sent_at": now.isoformat(), "events": events}
        assert api(app_url, headers, "POST", "/v1/events/batch", json=body).json()["accepted"] == 2
        page = phone()
        ask_and_sign_in(page, mailbox, "confirm@example.org")
        go(page, "history")
        # An edit left unsaved gives focus back to its button (its form, with the focus in it, is gone).
        edit = page.get_by_role("button", name="Edit Check-in: overall 3 of 10")
        edit.click()
        page.get_by_role("button", name="Cancel").click()
        focus_on(page, "label", "Edit Check-in: overall 3 of 10")
        delete = page.get_by_role("button", name="Delete Check-in: overall 3 of 10")
        delete.click()
        dialog = page.get_by_role("dialog", name="Delete this entry for good? It cannot be undone.")
        dialog.wait_for()
        focus_on(page, "text", "Keep it")  # the safe answer first
        for _ in range(6):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            assert focused["inDialog"] or focused["tag"] == "BODY", focused
        page.keyboard.press("Escape")  # keeps it
        dialog.wait_for(state="hidden")
        focus_on(page, "label", "Delete Check-in: overall 3 of 10")
        delete.click()
        dialog.get_by_role("button", name="Keep it").click()
        focus_on(page, "label", "Delete Check-in: overall 3 of 10")
        delete.click()
        dialog.get_by_role("button", name="Yes, delete it").click()
        delete.wait_for(state="detached")
        # The entry and its button are gone: focus is on its day, which has the other entry still.
        focus_on(page, "tag", "H2")
        assert (
            requests.get(f"{app_url}/v1/events", headers=headers, timeout=10).json()["events"][0]["data"][
                "overall"
            ]
            == 4
        )

    def test_answering_a_planned_dose_keeps_the_focus_on_that_dose(self, phone, app_url, mailbox, db):
        """Taken or Skipped, pressed with the keyboard: its buttons are gone, and the focus is on what was
        saved for that dose (read out there), so the next Tab reaches the next dose."""
        _user, headers = person("dose-focus@example.org", time_zone="UTC")
        times = [{"time": "08:00", "share": 0.5}, {"time": "20:00", "share": 0.5}]
        store_plan(app_url, headers, dose_times=times)
        page = phone()
        ask_and_sign_in(page, mailbox, "dose-focus@example.org")
        doses = page.get_by_test_id("planned-dose")
        morning = doses.filter(has_text="08:00")
        morning.get_by_role("button", name="Taken").focus()
        page.keyboard.press("Enter")
        focus_on(page, "text", "Taken: saved.")  # moved there once the button pressed is gone
        focused = page.evaluate(FOCUSED)
        assert (focused["dose"] or "")[:5] == "08:00", focused
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert (focused["tag"], focused["text"], focused["dose"][:5]) == ("BUTTON", "Taken", "20:00"), focused
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Skipped
        focus_on(page, "text", "Skipped: saved.")
        focused = page.evaluate(FOCUSED)
        assert (focused["dose"] or "")[:5] == "20:00", focused

    def test_saving_an_edit_in_history_gives_the_focus_to_the_entry_it_made(
        self, phone, app_url, mailbox, db
    ):
        """The edit's form, with the focus in it, is gone once saved: the focus goes to the entry the edit
        made, while it waits to sync and then on its Edit button, not to the page's start."""
        _user, headers = person("edit-focus@example.org", time_zone="UTC")
        now = datetime.now(UTC)
        event = {"event_id": uuid.uuid4().hex, "type": "check_in", "occurred_at": now.isoformat()}
        body = {"sent_at": now.isoformat(), "events": [event | {"overall": 3}]}
        assert api(app_url, headers, "POST", "/v1/events/batch", json=body).json()["accepted"] == 1
        page = phone()
        ask_and_sign_in(page, mailbox, "edit-focus@example.org")
        go(page, "history")
        page.get_by_role("button", name="Edit Check-in: overall 3 of 10").click()
        page.locator("form.edit").get_by_role("radio", name="5", exact=True).check()
        page.get_by_role("button", name="Save change").focus()
        page.keyboard.press("Enter")
        edited = "Edit Check-in: overall 5 of 10"
        page.get_by_role("button", name=edited).wait_for()
        focus_on(page, "label", edited)
        assert (
            requests.get(f"{app_url}/v1/events", headers=headers, timeout=10).json()["events"][0]["data"][
                "overall"
            ]
            == 5
        )

    def test_saving_the_plan_gives_the_focus_to_the_plan_saved(self, phone, app_url, mailbox, db):
        """The plan's form, with the focus in it, is replaced by the plan it saved: the focus goes to that
        plan (its summary, read out there), not to the page's start; the next Tab reaches Change my plan."""
        _user, headers = person("plan-focus@example.org", time_zone="UTC")
        store_plan(app_url, headers)
        page = phone()
        ask_and_sign_in(page, mailbox, "plan-focus@example.org")
        go(page, "plan")
        page.get_by_role("button", name="Change my plan").click()
        page.get_by_label("Each step (%)").fill("5")
        page.get_by_role("button", name="Save as a new version").focus()
        page.keyboard.press("Enter")
        page.get_by_test_id("plan-summary").wait_for()
        focus_on(page, "label", "My plan")
        assert db.taper_plans.count_documents({}) == 2
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["text"] == "Change my plan"


# A live region's words each time they change, recorded on the element (what a screen reader is told).
WATCH = """e => { e.said = [];
    new MutationObserver(() => e.said.push(e.textContent.trim()))
        .observe(e, {subtree: true, childList: true, characterData: true}); }"""


def watch(region):
    """The live region `region` finds, there and silent before what it is to announce, watched."""
    handle = region.element_handle(timeout=2_000)
    assert handle.inner_text() == ""
    handle.evaluate(WATCH)
    return handle


def said(handle) -> list[str] | None:
    """What the region watched has said since, or None when it is no longer the same element."""
    return handle.evaluate("e => e.isConnected ? e.said.filter(Boolean) : null")


def says(handle, *words: str) -> None:
    """Wait until the region watched, still the same element, has said `words`, in order."""
    wait_for(lambda: said(handle) == list(words), 10, f"the live region to say {words}")


class TestAnnouncements:
    def test_what_each_screen_saves_or_refuses_is_said_by_a_live_region_there_before(
        self, phone, app_url, mailbox, db
    ):
        """Settings (a group saved, twice, and refused; the time zone changed, and offline), a report asked
        for offline, a plan ended: each message comes into a live region that was there, silent, before it
        (one added with its words is often not read), an alert for a problem; the same words twice are said
        twice."""
        _user, headers = person("said@example.org", time_zone="UTC")
        store_plan(app_url, headers)
        page = phone()
        ask_and_sign_in(page, mailbox, "said@example.org")

        go(page, "settings")
        weekly = page.locator("form[aria-labelledby=weekly-title]")
        saved, refused = watch(weekly.get_by_role("status")), watch(weekly.get_by_role("alert"))
        weekly.get_by_role("button", name="Save weekly report settings").click()
        says(saved, "Weekly report settings saved.")
        weekly.get_by_role("button", name="Save weekly report settings").click()
        says(saved, "Weekly report settings saved.", "Weekly report settings saved.")
        weekly.locator("#weekly-clinician").fill("someone@example")  # refused by the server
        weekly.get_by_role("button", name="Save weekly report settings").click()
        refused.wait_for_element_state("visible")
        assert refused.inner_text().startswith("Not saved:") and saved.inner_text() == ""

        zone = page.locator("section[aria-labelledby=tz-title]")
        saved, refused = watch(zone.get_by_role("status")), watch(zone.get_by_role("alert"))
        page.get_by_label("Find a time zone").fill("Madrid")
        zone.get_by_role("button", name="Europe/Madrid").click()
        says(saved, "Time zone saved: Europe/Madrid.")
        page.context.set_offline(True)
        page.get_by_label("Find a time zone").fill("Lisbon")
        zone.get_by_role("button", name="Europe/Lisbon").click()
        says(refused, "Changing the time zone needs a connection. Please try again when you are back online.")

        go(page, "reports")
        ask = page.locator("form[aria-labelledby=ask-title]")
        refused = watch(ask.get_by_role("alert"))
        ask.get_by_role("button", name="Make my report").click()
        says(refused, "Asking for a report needs a connection. Please try again when you are back online.")
        page.context.set_offline(False)

        go(page, "plan")
        page.get_by_text("End or delete this plan").click()
        ending = page.locator("details.card:has(#plan-end-day)")
        saved = watch(ending.get_by_role("status"))
        ending.get_by_role("button", name="End the plan").click()
        wait_for(lambda: said(saved), 10, "the live region to say the plan's end")
        (words,) = said(saved)
        assert words.startswith("The plan now ends on") and words.endswith("(version 2).")

    def test_a_plan_changed_elsewhere_is_said_by_a_region_there_before(self, phone, app_url, mailbox, db):
        """A save refused because another device saved a version meanwhile: its words come into an alert
        that was there, silent, before them, and its button to reload is beside it."""
        _user, headers = person("plan-elsewhere@example.org", time_zone="UTC")
        plan = store_plan(app_url, headers)
        page = phone()
        ask_and_sign_in(page, mailbox, "plan-elsewhere@example.org")
        go(page, "plan")
        page.get_by_role("button", name="Change my plan").click()
        other = plan | {"based_on_version": 1}
        assert api(app_url, headers, "POST", "/v1/plan/versions", json=other).status_code == 201
        changed = page.get_by_test_id("plan-changed")
        refused = watch(changed.get_by_role("alert"))
        page.get_by_role("button", name="Save as a new version").click()
        wait_for(lambda: said(refused), 10, "the live region to say the plan changed elsewhere")
        (words,) = said(refused)
        assert "changed elsewhere (now version 2)" in words
        changed.get_by_role("button", name="Reload the plan").wait_for()


# The app's words when something failed to load, and a server's failure as the API answers one (RFC 9457).
LOAD_ERROR = "Something went wrong. Nothing you logged is lost; please try again."
SERVER_ERROR = {
    "status": 500,
    "content_type": "application/problem+json",
    "body": json.dumps({"type": "about:blank", "title": "Internal Server Error", "status": 500}),
}
# What a Wi-Fi's sign-in page sends in place of any answer: not JSON.
PORTAL_PAGE = {"content_type": "text/html", "body": "<html><h1>Sign in to the Wi-Fi</h1></html>"}


def load_error_said(page, url: str, open_screen, fail, scope: str = "main"):
    """Hold the requests to `url` unanswered (a fault at the network's edge; the app's own code runs as it
    is), open the screen that sends them, watch every alert in `scope` while it waits for them, then answer
    them with `fail(route)`: the one alert, there and silent before, that says the app's load error."""
    held = []

    def keep(route) -> None:  # not held.append: Playwright marks its handler, and a builtin takes no mark
        held.append(route)

    page.route(url, keep)
    open_screen()
    # A route reaches the test only while it waits on the browser, so the polling waits there.
    wait_for(lambda: held or page.wait_for_timeout(50), 10, "the request held")
    alerts = [watch(alert) for alert in page.locator(scope).get_by_role("alert").all()]
    for route in held:
        fail(route)
    return one_says(alerts, LOAD_ERROR)


def one_says(handles: list, words: str):
    """Wait until one of the alerts watched, still the same element, has said `words` once, and the others
    nothing; that one."""

    def heard():
        saying = [h for h in handles if said(h) == [words]]
        return saying if len(saying) == 1 and all(said(h) == [] for h in handles if h not in saying) else None

    wait_for(heard, 10, f"an alert there before to say {words!r}")
    (handle,) = heard()
    return handle


class TestLoadErrors:
    """What failed to load is said by an alert that was there, silent, before its words, and looks like
    the app's other problems. Each failure is the server's or the network's, made at the browser's edge."""

    def test_the_account_failing_to_load_is_said_by_an_alert_there_before(self, phone):
        """The account's answer unreadable (a Wi-Fi's sign-in page where JSON should be): the app says it
        could not load, in the alert its shell has from the start."""
        page = phone()
        said_it = load_error_said(
            page, "**/v1/me", lambda: page.goto("/app/"), lambda route: route.fulfill(**PORTAL_PAGE)
        )
        assert said_it.get_attribute("class") == "error"

    def test_the_plan_screens_code_failing_to_load_is_said_by_an_alert_there_before(
        self, phone, app_url, mailbox, db
    ):
        """The Plan screen's code, fetched when first opened, never arrives (no service worker keeps it
        here): the screen says it could not load, in an alert there while it was loading."""
        person("plan-code@example.org", time_zone="UTC")
        page = phone(service_workers="block")
        ask_and_sign_in(page, mailbox, "plan-code@example.org")
        load_error_said(
            page,
            "**/assets/Plan-*.js",
            page.locator('nav a[href="/app/plan"]').click,
            lambda route: route.abort(),
        )
        assert page.get_by_text("Loading…").count() == 0

    def test_trends_failing_to_load_is_said_by_an_alert_there_before(self, phone, app_url, mailbox, db):
        """The summaries answered with a server's failure, and no copy on this device: Trends says it, in
        an alert there while it was loading, drawn as a problem."""
        person("trends-failed@example.org", time_zone="UTC")
        page = phone()
        ask_and_sign_in(page, mailbox, "trends-failed@example.org")
        said_it = load_error_said(
            page, "**/v1/summaries?*", lambda: go(page, "trends"), lambda route: route.fulfill(**SERVER_ERROR)
        )
        assert said_it.get_attribute("class") == "error"

    def test_the_plans_schedule_failing_to_load_is_said_by_an_alert_there_before(
        self, phone, app_url, mailbox, db
    ):
        """The plan's schedule answered with a server's failure, and no copy on this device: its card says
        it, in an alert there while it was loading, drawn as a problem."""
        _user, headers = person("schedule-failed@example.org", time_zone="UTC")
        store_plan(app_url, headers)
        page = phone()
        ask_and_sign_in(page, mailbox, "schedule-failed@example.org")
        said_it = load_error_said(
            page,
            "**/v1/plan/schedule?*",
            lambda: go(page, "plan"),
            lambda route: route.fulfill(**SERVER_ERROR),
            scope='[aria-labelledby="schedule-title"]',
        )
        assert said_it.get_attribute("class") == "error"
        page.get_by_test_id("plan-summary").wait_for()  # the plan itself still shown


# A field's state as a screen reader gets it: invalid or not, and the words it is described by.
DESCRIBED = """e => ({invalid: e.getAttribute('aria-invalid'),
    described: (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
        .map(id => document.getElementById(id)?.textContent.trim() ?? `missing #${id}`)})"""


class TestProblems:
    def test_a_fields_problem_is_tied_to_it_and_announced(self, phone, mailbox, db):
        """A refused code, a plan's field, hours slept: each field says it is invalid and is described by its
        problem, which is announced (an alert, or a live region there before its words)."""
        person("problems@example.org")
        page = phone()
        page.goto("/app/")
        page.get_by_label("Email address").fill("someone-else@example.org")  # a typo: no account, no email
        page.get_by_role("button", name="Email me a code").click()
        page.get_by_role("button", name="Use another email").click()
        focus_on(page, "id", "email")  # its button gone, focus not lost
        page.get_by_label("Email address").fill("problems@example.org")
        page.get_by_role("button", name="Email me a code").click()
        message = mailbox.wait_for_one_to("problems@example.org")
        code = page.get_by_label("6-digit code")
        code.fill("000000")
        page.get_by_role("button", name="Sign in").click()
        alert = page.get_by_role("alert").filter(has_text=WORDS)
        alert.wait_for()
        assert code.evaluate(DESCRIBED) == {
            "invalid": "true",
            "described": [page.locator("#code-hint").inner_text(), alert.inner_text()],
        }
        code.fill(code_from(message))
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today", level=1).wait_for()

        hours = page.get_by_label("Hours slept")
        page.get_by_text("Add sleep and mood").click()
        live = page.locator("#sleep-hours-error")
        assert live.get_attribute("aria-live") == "polite" and live.inner_text() == ""
        hours.fill("30")
        live.get_by_text("24").wait_for()
        assert hours.evaluate(DESCRIBED) == {"invalid": "true", "described": [live.inner_text()]}

        go(page, "plan")
        page.get_by_role("button", name="Enter my plan").click()
        page.get_by_label("Daily dose at the start (mg)").fill("-1")
        page.get_by_role("button", name="Save as a new version").click()
        page.get_by_test_id("plan-errors").wait_for()
        start = page.get_by_label("Daily dose at the start (mg)")
        state = start.evaluate(DESCRIBED)
        assert state["invalid"] == "true" and len(state["described"]) == 1
        assert state["described"][0] in page.get_by_test_id("plan-errors").inner_text()
