"""The waitlist pages in headless chromium: readable fields, a consent box that is easy to hit and says
what is wrong, a tick that survives a failed submit, and a referral link that copies."""

from __future__ import annotations

import re

from services.notification.waitlist.service import POSITION_PURPOSE
from shared import tokens
from tests.factories import waitlist

MIN_EDGE_CONTRAST = 3.0  # WCAG 2.2, 1.4.11 non-text contrast
MIN_TARGET_PX = 24  # WCAG 2.2, 2.5.8 target size (minimum)


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _edge_and_backdrop(page, selector: str) -> tuple[str, str]:
    """The field's border colour and the colour of what surrounds it (the nearest opaque ancestor)."""
    return page.eval_on_selector(
        selector,
        """field => {
            const colour = (el, what) => getComputedStyle(el)[what];
            let around = field.parentElement;
            while (around && colour(around, 'backgroundColor').endsWith(', 0)')) {
                around = around.parentElement;
            }
            return [colour(field, 'borderTopColor'), colour(around || document.body, 'backgroundColor')];
        }""",
    )


def test_fields_have_visible_edges_and_the_consent_box_is_large_and_tied_to_its_error(page):
    page.goto("/waitlist")
    for selector in ("#email", "#name"):
        edge, backdrop = _edge_and_backdrop(page, selector)
        assert _contrast(edge, backdrop) >= MIN_EDGE_CONTRAST, (selector, edge, backdrop)
    box = page.locator("#consent").bounding_box()
    assert box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX, box

    page.fill("#email", "someone@example.org")
    page.click("button[type=submit]")  # consent not ticked
    consent = page.locator("#consent")
    assert consent.get_attribute("aria-invalid") == "true"
    described_by = consent.get_attribute("aria-describedby")
    assert "tick the box" in page.locator(f"#{described_by}").inner_text()

    page.fill("#email", "not an address")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector("#email-error")
    assert page.locator("#email").get_attribute("aria-describedby") == "email-error"
    assert page.is_checked("#consent")  # the tick survives the failed submit
    assert page.locator("#consent").get_attribute("aria-invalid") is None
    assert page.locator("script:not([src])").count() == 0


def test_the_referral_link_copies_and_the_page_says_what_it_brought(page, live_settings):
    ana = waitlist.entry(1, name="Ana", referral_credits=3)
    token = tokens.sign(live_settings.secret_key, POSITION_PURPOSE, ana["_id"], expiring=False)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/waitlist/you/{token}")
    assert "So far, 3 people have joined with your link" in page.inner_text("#referrals")
    page.click("button:has-text('Copy link')")
    page.wait_for_selector("text=Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.input_value("#referral-link")
    assert copied.endswith(f"/waitlist?ref={ana['referral_code']}")
    assert page.locator("script:not([src])").count() == 0


def test_a_spanish_place_page_copies_and_says_so_in_spanish(page, live_settings):
    lucia = waitlist.entry(2, name="Lucía", language="es", referral_credits=1)
    token = tokens.sign(live_settings.secret_key, POSITION_PURPOSE, lucia["_id"], expiring=False)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/waitlist/you/{token}")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Hasta ahora, 1 persona se ha unido con tu enlace" in page.inner_text("#referrals")
    page.click("button:has-text('Copiar enlace')")
    page.wait_for_selector("text=Copiado. Puedes pegarlo en un mensaje.")  # copy.js speaks the page's words
