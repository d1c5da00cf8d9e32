"""HTML pages for people following links (emails, forms): the browser-facing twin of problem+json."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path

from babel.support import NullTranslations
from flask import Blueprint, Flask, current_app, g, render_template, request, url_for

from shared import languages, translations
from shared.runtime import runtime_of

# The page layout, stylesheet and small scripts both HTTP services use (templates/pages/, static/ at
# /assets/), and the about, privacy and contact pages every public page links to in its footer.
pages_bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}
CATALOGS = "page_catalogs"
FORMAL_CATALOGS = "formal_page_catalogs"
# The Spanish (and any other language's) text of the layout and those pages; a service's own catalog is
# merged over it, so its pages need translate only their own text.
SHARED_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# A link's (or a form's hidden field's) choice of language: ?lang=es. Links between pages keep it.
LANGUAGE_PARAMETER = "lang"


def init_page_languages(app: Flask, directory: Path | None = None) -> None:
    """Pages are written in English with Jinja's `_()`. A view shows its page in a language (`speak`) from
    the shared catalog, with the service's own in `directory` merged over it (shared/translations.py)."""
    directories = [SHARED_TRANSLATIONS, *([directory] if directory else [])]
    app.extensions[CATALOGS] = {
        lang: translations.load_merged(directories, lang) for lang in languages.LANGUAGES
    }
    app.extensions[FORMAL_CATALOGS] = {
        lang: translations.Formal(catalog) for lang, catalog in app.extensions[CATALOGS].items()
    }
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(
        lambda message: _catalog().gettext(message),
        lambda singular, plural, n: _catalog().ngettext(singular, plural, n),
        newstyle=True,  # _("... %(name)s ...", name=value), the value escaped like any other
    )
    app.jinja_env.globals["page_url"] = page_url
    app.context_processor(lambda: {"page_language": page_language()})
    app.after_request(_vary_by_browser_language)


def speak(language: str | None) -> str:
    """This request's pages in `language` where we speak it, else English; the one used."""
    g.page_language = language if language in current_app.extensions[CATALOGS] else languages.DEFAULT
    return g.page_language


def requested_language() -> str | None:
    """The language this request asks for: a `lang` parameter naming one we speak (the link's, or the
    form's hidden field), else the browser's first Accept-Language we speak; None when neither does."""
    asked = request.args.get(LANGUAGE_PARAMETER) or request.form.get(LANGUAGE_PARAMETER)
    if asked and (language := languages.from_tag(asked)):
        g.language_by_link = True  # a choice, English too: the page's links keep it (page_url)
        return language
    g.page_varies = True  # the answer depends on the header: a cache must keep one per language
    return languages.from_accept(request.accept_languages)


def _vary_by_browser_language(response):
    if g.get("page_varies"):
        response.vary.add("Accept-Language")
    return response


def speak_requested() -> str:
    """This request's pages in the language it asks for (`requested_language`), else English."""
    return speak(requested_language())


def speak_formally() -> None:
    """This request's page speaks formally ("usted"), as the email whose link opened it did: the catalogs'
    FORMAL entries where they have one (shared/translations.py)."""
    g.page_formal = True


def page_language() -> str:
    return g.get("page_language", languages.DEFAULT)


def page_url(endpoint: str, **values) -> str:
    """url_for, keeping this page's language on a link to another page: English needs no parameter, unless
    the link chose it (on a browser that prefers Spanish, the next page would be Spanish without it)."""
    if page_language() != languages.DEFAULT or g.get("language_by_link"):
        values.setdefault(LANGUAGE_PARAMETER, page_language())
    return url_for(endpoint, **values)


def gettext(message: str) -> str:
    """Text a view hands to a page (a message page's title and paragraphs), in this request's language."""
    return _catalog().gettext(message)


def _catalog() -> NullTranslations:
    return current_app.extensions[FORMAL_CATALOGS if g.get("page_formal") else CATALOGS][page_language()]


# What search engines may read (RFC 9309): the public pages, on whichever service serves them (the waitlist's
# sign-up at / and /waitlist on the notification service), and nothing else. Every page not listed also says
# noindex itself (templates/pages/base.html), in case a crawler finds one by a link.
PUBLIC_PAGES = ("/", "/waitlist", "/about", "/privacy", "/contact")
ROBOTS = "\n".join(
    ["User-agent: *"]
    + [f"Allow: {path}{end}" for path in PUBLIC_PAGES for end in ("$", "?")]  # alone, or with ?lang=es
    + ["Disallow: /", ""]
)


@pages_bp.get("/robots.txt")
def robots():
    return (
        ROBOTS,
        200,
        {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=86400"},
    )


@pages_bp.get("/about")
def about():
    speak_requested()
    # The waitlist form is on the notification service, whichever service shows this page.
    waitlist_url = runtime_of().settings.public_base_url.rstrip("/") + "/waitlist"
    if page_language() != languages.DEFAULT:
        waitlist_url += f"?{LANGUAGE_PARAMETER}={page_language()}"
    return render_template("pages/about.html", waitlist_url=waitlist_url), 200, HTML


@pages_bp.get("/privacy")
def privacy():
    speak_requested()
    return render_template("pages/privacy.html"), 200, HTML


@pages_bp.get("/contact")
def contact():
    speak_requested()
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
    """A calm page with one message, e.g. 'This link has expired' (template: pages/message.html).

    Its text is looked up in the page catalogs, so a caller may hand the English of a catalog's message.
    Where the view chose no language (`speak`), the page takes the one the request asks for, but only if
    every text has a translation there: a page is never half in one language and half in another."""
    texts = [title, *paragraphs, *([action_label] if action_label else [])]
    if "page_language" not in g:
        wanted = requested_language()
        catalog = current_app.extensions[CATALOGS].get(wanted)
        speak(wanted if catalog and all(catalog.gettext(text) != text for text in texts) else None)
    html = render_template(
        "pages/message.html",
        title=gettext(title),
        paragraphs=[gettext(paragraph) for paragraph in paragraphs],
        action_url=action_url,
        action_label=gettext(action_label) if action_label else None,
    )
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
