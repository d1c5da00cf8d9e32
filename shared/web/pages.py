"""HTML pages for people following links (emails, forms): the browser-facing twin of problem+json."""

from __future__ import annotations

from email.utils import parseaddr

from flask import Blueprint, render_template

from shared.runtime import runtime_of

# The page layout, stylesheet and small scripts both HTTP services use (templates/pages/, static/ at
# /assets/), and the about, privacy and contact pages every public page links to in its footer.
pages_bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pages_bp.get("/about")
def about():
    # The waitlist form is on the notification service, whichever service shows this page.
    waitlist_url = runtime_of().settings.public_base_url.rstrip("/") + "/waitlist"
    return render_template("pages/about.html", waitlist_url=waitlist_url), 200, HTML


@pages_bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html"), 200, HTML


@pages_bp.get("/contact")
def contact():
    # Replies to our emails reach the From address, so it is also the one to write to.
    address = parseaddr(runtime_of().settings.mail_from)[1]
    return render_template("pages/contact.html", address=address), 200, HTML


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
