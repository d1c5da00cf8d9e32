"""What search engines may read, on both real services: the public pages (the waitlist's sign-up, about,
privacy, contact), in every language, with a description; never a page reached by a token or after a form,
nor the API, the app or the admin (shared/web/pages.py ROBOTS, templates/pages/base.html)."""

from __future__ import annotations

import re

import pytest
from protego import Protego

from shared.web.pages import PUBLIC_PAGES

ROBOTS_META = re.compile(r'<meta name="robots" content="noindex">')


@pytest.fixture(params=["ingestion", "notification"])
def app(request, redis):
    return request.getfixturevalue(f"{request.param}_app")


def rules(client) -> Protego:
    answer = client.get("/robots.txt")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    return Protego.parse(answer.get_data(as_text=True))


def test_robots_txt_lets_crawlers_read_the_public_pages_in_any_language_and_nothing_else(app):
    robots = rules(app.test_client())
    for path in PUBLIC_PAGES:
        for url in (path, f"{path}?lang=es"):
            assert robots.can_fetch(f"https://example.org{url}", "Googlebot"), url
    # Every other page and call the service has, each route with a made-up token where it takes one.
    others = {re.sub(r"<[^>]+>", "some-token", rule.rule) for rule in app.url_map.iter_rules()}
    others -= set(PUBLIC_PAGES) | {"/robots.txt"}
    assert {"/waitlist/you/some-token", "/u/some-token", "/v1/summaries", "/app/"} & others
    for path in others:
        assert not robots.can_fetch(f"https://example.org{path}", "Googlebot"), path
    assert not robots.can_fetch("https://example.org/waitlist/thanks?lang=es", "Googlebot")


def test_the_public_pages_may_be_indexed_and_the_others_say_noindex(app, settings):
    client = app.test_client()
    served = [path for path in PUBLIC_PAGES if client.get(path).status_code == 200]
    assert {"/about", "/privacy", "/contact"} <= set(served)
    for path in served:
        page = client.get(f"{path}?lang=es").get_data(as_text=True)
        assert not ROBOTS_META.search(page), path
        assert 'rel="icon"' in page
    unknown = client.get("/u/not-a-token" if app.name.endswith("notification.app") else "/doses/not-a-token")
    assert ROBOTS_META.search(unknown.get_data(as_text=True))


def test_the_sign_up_and_about_pages_describe_the_service_in_the_readers_language(notification_app):
    client = notification_app.test_client()
    for path in ("/", "/about"):
        english = client.get(path).get_data(as_text=True)
        spanish = client.get(f"{path}?lang=es").get_data(as_text=True)
        assert '<meta name="description" content="Track Your Healing is a free, private place' in english
        assert re.search(r'<meta name="description" content="Track Your Healing es un \w+ gratuito', spanish)
