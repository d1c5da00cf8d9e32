"""The app as a person with a screen reader, a keyboard or large text meets it, in Debian's Chromium on a
390 px phone against the real stack: focus on each new screen's heading and its title in the document's."""

from __future__ import annotations

import pytest

from tests.browser.app_stack import PHONE
from tests.browser.test_app import code_from
from tests.factories.accounts import person

SCREENS = ("today", "plan", "trends", "history", "reports", "settings")
LOCALES = {"en": "en-US", "es": "es-ES"}
FOCUSED = """() => {
    const e = document.activeElement;
    return {tag: e.tagName, text: e.textContent.trim(), inDialog: e.closest('dialog[open]') !== null,
            outline: getComputedStyle(e).outlineStyle, id: e.id, label: e.getAttribute('aria-label')};
}"""


@pytest.fixture
def phone(browser, app_url, db, redis, mailbox):
    """A factory of phone-sized pages on the app's origin, in a language and colour scheme."""
    contexts = []

    def open_page(language: str = "en", scheme: str = "light"):
        context = browser.new_context(
            base_url=app_url, viewport=PHONE, locale=LOCALES[language], color_scheme=scheme, timezone_id="UTC"
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
    page.get_by_role("alert").wait_for()
    check("sign-in: email refused")
    page.locator("#email").fill(email)
    page.locator("form button[type=submit]").click()
    page.locator("#code").wait_for()
    (message,) = mailbox.wait_for(1)
    check("sign-in: code")
    page.locator("#code").fill("000000")
    page.locator("form button[type=submit]").click()
    page.get_by_role("alert").wait_for()
    check("sign-in: wrong code")
    page.locator("#code").fill(code_from(message))
    page.locator("form button[type=submit]").click()
    page.locator("main h1").and_(page.locator(":not(#signin-title)")).wait_for()


def go(page, screen: str) -> None:
    page.locator(f'nav a[href="/app/{"" if screen == "today" else screen}"]').click()
    page.locator("main h1").wait_for()


class TestFocus:
    def test_each_new_screen_takes_focus_on_its_heading_and_names_the_document(
        self, phone, app_url, mailbox, db
    ):
        person("focus@example.org")
        page = phone()
        ask_and_sign_in(page, mailbox, "focus@example.org")
        # Signing in moved to Today: its heading has the focus (the button pressed is gone).
        focused = page.evaluate(FOCUSED)
        assert (focused["tag"], focused["text"]) == ("H1", "Today")
        assert page.title() == "Today · Track Your Healing"
        titles = set()
        for screen in SCREENS[1:]:
            go(page, screen)
            heading = page.locator("main h1").inner_text()
            focused = page.evaluate(FOCUSED)
            assert (focused["tag"], focused["text"]) == ("H1", heading), screen
            assert focused["outline"] == "none", f"{screen}: a focus ring after a tap"
            assert page.title() == f"{heading} · Track Your Healing"
            titles.add(page.title())
        assert len(titles) == len(SCREENS) - 1
        # With the keyboard: a link in the navigation, Enter; then Back.
        page.locator('nav a[href="/app/trends"]').focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Trends", level=1).wait_for()
        assert page.evaluate(FOCUSED)["text"] == "Trends"
        page.go_back()
        page.get_by_role("heading", name="Settings", level=1).wait_for()
        assert page.evaluate(FOCUSED)["text"] == "Settings"
        assert page.title() == "Settings · Track Your Healing"
        # Signing out lands on the sign-in screen's heading.
        page.get_by_role("button", name="Sign out on this device").click()
        page.get_by_role("heading", name="Sign in", level=1).wait_for()
        assert page.evaluate(FOCUSED)["text"] == "Sign in"
        assert page.title() == "Sign in · Track Your Healing"
