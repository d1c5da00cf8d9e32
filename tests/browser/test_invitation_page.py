"""The invitation page in headless chromium: the time zone comes from the browser, a city name is enough."""

from __future__ import annotations

from shared import invitations
from shared.mongo import mongo


def test_the_browser_zone_is_filled_in_and_a_typed_city_is_understood(
    browser, ingestion_server, live_settings, db
):
    _invitation, url = invitations.create_invitation(live_settings, email="tz@example.org", created_by="t")
    accept_url = f"{ingestion_server}/invitations/{url.rsplit('/', 1)[1]}"
    context = browser.new_context(timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(accept_url)
        assert page.input_value("#time_zone") == "Asia/Tokyo"  # from the browser, by time-zone.js

        page.fill("#display_name", "Tai")
        page.fill("#time_zone", "London")
        page.check("input[name=health_data_consent]")
        page.click("button[type=submit]")
        page.wait_for_selector('h1:has-text("You\'re in, Tai")')
    finally:
        context.close()
    assert mongo.db.users.find_one({"email_key": "tz@example.org"})["time_zone"] == "Europe/London"
