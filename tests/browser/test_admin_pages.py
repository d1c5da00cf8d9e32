"""The admin list in headless chromium: every filter control shows its whole text at common widths."""

from __future__ import annotations

import pytest

from services.notification.admin import accounts
from tests.factories import waitlist

PASSWORD = "a long admin password"

# The width a select needs: its longest option in its own font, plus its padding and the arrow.
NEEDED = """select => {
    const style = getComputedStyle(select);
    const context = document.createElement('canvas').getContext('2d');
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const longest = Math.max(...[...select.options].map(o => context.measureText(o.text).width));
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    return {needed: longest + padding + 16, has: select.clientWidth};
}"""


@pytest.mark.parametrize("width", [1280, 800])
def test_the_sort_and_filter_selects_are_not_cut_off(page, width):
    accounts.create_account("admin@example.org", PASSWORD)
    waitlist.entry(1, source="newsletter")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/admin/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Waitlist')")
    card = page.locator(".card").bounding_box()
    for selector in ("#sort", "#status", "#source"):
        size = page.eval_on_selector(selector, NEEDED)
        assert size["has"] >= size["needed"], (selector, width, size)
        box = page.locator(selector).bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"], (selector, width, box, card)
