"""HTML pages for people following links (emails, forms): the browser-facing twin of problem+json."""

from __future__ import annotations

from flask import Blueprint, render_template

# The page layout and stylesheet both HTTP services use (templates/pages/, static/site.css at /assets/).
pages_bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


def message_page(
    title: str,
    *paragraphs: str,
    status: int = 200,
    action_url: str | None = None,
    action_label: str | None = None,
):
    """A calm page with one message, e.g. 'This link has expired' (template: pages/message.html)."""
    html = render_template(
        "pages/message.html",
        title=title,
        paragraphs=paragraphs,
        action_url=action_url,
        action_label=action_label,
    )
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
