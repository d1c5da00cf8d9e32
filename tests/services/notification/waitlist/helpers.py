"""Signing up and reading links in waitlist tests."""

from __future__ import annotations

import re

from shared.runtime import runtime_of
from tests.support.queues import wait_until_idle

LINK = re.compile(r"https?://\S+")


def join_json_unsettled(client, email, ip="203.0.113.7", headers=None, **fields):
    """Sign up through the API; the worker stores the entry later."""
    body = {"email": email, "consent": True, **fields}
    return client.post("/v1/waitlist", json=body, headers=headers, environ_base={"REMOTE_ADDR": ip})


def join_json(client, email, ip="203.0.113.7", headers=None, **fields):
    """Sign up through the API, then let the worker store the entry (and request its email)."""
    response = join_json_unsettled(client, email, ip, headers, **fields)
    wait_until_idle(runtime_of(client.application).settings)
    return response


def join_form(client, email, ip="203.0.113.7", **fields):
    """Sign up through the form, then let the worker store the entry (and request its email)."""
    form = {"email": email, "consent": "yes", **fields}
    response = client.post("/waitlist", data=form, environ_base={"REMOTE_ADDR": ip})
    wait_until_idle(runtime_of(client.application).settings)
    return response


def links_in(message, base_url) -> dict[str, str]:
    """The confirm and leave paths in an email's plain-text part, keyed by kind."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    paths = [url.removeprefix(base_url) for url in LINK.findall(text) if url.startswith(base_url)]
    return {path.split("/")[2]: path for path in paths if path.startswith("/waitlist/")}


def emailed_links(mailbox, email: str, base_url: str) -> dict[str, str]:
    """The confirm and leave links (confirm_url, leave_url) of the confirmation email `email` received."""
    links = links_in(mailbox.wait_for_one_to(email), base_url)
    return {"confirm_url": base_url + links["confirm"], "leave_url": base_url + links["leave"]}
