"""HTML pages for people following links (emails, forms): the browser-facing twin of problem+json."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path

from babel.support import NullTranslations
from flask import Blueprint, Flask, current_app, g, render_template

from shared import languages, translations
from shared.runtime import runtime_of

# The page layout, stylesheet and small scripts both HTTP services use (templates/pages/, static/ at
# /assets/), and the about, privacy and contact pages every public page links to in its footer.
pages_bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}
CATALOGS = "page_catalogs"


def init_page_languages(app: Flask, directory: Path | None = None) -> None:
    """Pages are written in English with Jinja's `_()`. A view may show its page in the person's language
    (`speak`) where the service keeps a catalog for it in `directory` (shared/translations.py)."""
    found = {lang: translations.load(directory, lang) for lang in languages.LANGUAGES} if directory else {}
    app.extensions[CATALOGS] = {languages.DEFAULT: NullTranslations()} | found
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(
        lambda message: _catalog().gettext(message),
        lambda singular, plural, n: _catalog().ngettext(singular, plural, n),
        newstyle=True,  # _("... %(name)s ...", name=value), the value escaped like any other
    )
    app.context_processor(lambda: {"page_language": page_language()})


def speak(language: str | None) -> str:
    """This request's pages in `language` where the service has it, else English; the one used."""
    g.page_language = language if language in current_app.extensions[CATALOGS] else languages.DEFAULT
    return g.page_language


def page_language() -> str:
    return g.get("page_language", languages.DEFAULT)


def gettext(message: str) -> str:
    """Text a view hands to a page (a message page's title and paragraphs), in this request's language."""
    return _catalog().gettext(message)


def _catalog() -> NullTranslations:
    return current_app.extensions[CATALOGS][page_language()]


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
