import re

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2 import UndefinedError
from jinja2.ext import babel_extract

from services.notification.email.templates import (
    CATALOGS,
    CATEGORY_LABELS,
    FORMAL,
    TEMPLATE_DIR,
    TEMPLATES,
    TRANSLATIONS_DIR,
    render,
)
from shared import languages
from shared.email import TIME_CRITICAL_TEMPLATES, TRANSACTIONAL

# Words that would reveal health information to anyone who sees a subject line or a notification preview.
HEALTH_WORDS = re.compile(
    r"benzo|diazepam|clonazepam|lorazepam|alprazolam|taper|withdraw|symptom|seizure|dose|mg\b|medic|"
    r"psychos|suicid|panic|anxiety|insomnia|diagnos|red flag|wave|window|"
    # and in Spanish
    r"benzodiacep|abstinencia|reducci[oó]n|s[ií]ntoma|convulsi|dosis|m[eé]dic|p[aá]nico|ansiedad|insomnio|"
    r"bandera roja|\bolas?\b|ventana",
    re.IGNORECASE,
)


@pytest.mark.parametrize("language", languages.LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_email_has_one_source_and_a_plain_subject(name, language):
    assert (TEMPLATE_DIR / "emails" / f"{name}.jinja").exists()
    subject = CATALOGS[language].gettext(TEMPLATES[name].subject)
    assert not HEALTH_WORDS.search(subject), subject
    assert "{" not in subject and "%" not in subject  # fixed strings: no data can leak into a subject


def test_one_source_renders_both_parts_with_css_inlined():
    rendered = render(
        "product_news",
        {
            "headline": "A <calm> update",
            "paragraphs": ["First.", "Second."],
            "link_url": "https://x.test/a?b=1&c=2",
            "link_label": "Read it",
        },
        unsubscribe_url="https://x.test/u/tok",
    )
    assert "<style" not in rendered.html
    assert 'style="' in rendered.html
    assert "A &lt;calm&gt; update" in rendered.html  # escaped in HTML
    assert "A <calm> update" in rendered.text  # literal in text
    assert "https://x.test/a?b=1&c=2" in rendered.text
    assert "Unsubscribe from product news: https://x.test/u/tok" in rendered.text
    assert 'href="https://x.test/u/tok"' in rendered.html
    assert "<" not in rendered.text.replace("<calm>", "")


def test_transactional_mail_has_no_unsubscribe_footer():
    rendered = render("sign_in_code", {"code": "482913", "minutes": 10})
    assert "482913" in rendered.text
    assert "Unsubscribe" not in rendered.text
    assert "482913" not in rendered.subject


def test_missing_data_fails_the_render_instead_of_sending_a_gap():
    with pytest.raises(UndefinedError):
        render("sign_in_code", {"minutes": 10})


def test_the_clinicians_email_names_who_shared_which_report_and_still_goes_out_without():
    data = {"share_url": "https://x.test/r/t", "expires_on": "5 January 2027"}
    named = render("clinician_report_link", data | {"shared_by": "Robin", "period": "1 to 7 December 2026"})
    assert "Robin shared a report with you" in named.text and "for 1 to 7 December 2026" in named.text
    assert "If you don't know Robin" in named.text
    assert "Robin" not in named.subject
    # Requested before these fields existed (waiting in the outbox across a deploy): less specific, sent.
    older = render("clinician_report_link", data)
    assert "Someone shared a report with you" in older.text and "If you weren't expecting" in older.text


def test_the_clinicians_email_in_spanish_addresses_them_formally_and_names_no_one_it_does_not_know():
    data = {"share_url": "https://x.test/r/t", "expires_on": "5 de enero de 2027"}
    named = render(
        "clinician_report_link",
        data | {"shared_by": "Ana", "period": "1\u20137 de diciembre de 2026"},
        unsubscribe_url="https://x.test/u/tok",
        language="es",
    )
    text = " ".join(named.text.split())  # the plain-text part is wrapped
    assert named.subject == "Han compartido un informe con usted"
    assert "Ana ha compartido un informe con usted" in text
    assert "su informe del periodo 1\u20137 de diciembre de 2026" in text
    assert "El enlace funciona hasta el 5 de enero de 2027. Le rogamos que no reenvíe este correo" in text
    assert "Si no conoce a Ana" in text and "porque Ana ha decidido compartir" in text
    # No display name: "alguien", and no "if you don't know" a name it does not have.
    unnamed = render(
        "clinician_report_link", data | {"period": "1\u20137 de diciembre de 2026"}, language="es"
    )
    text = " ".join(unnamed.text.split())
    assert "Alguien ha compartido un informe con usted" in text
    assert "Si no esperaba este correo, puede ignorarlo." in text and "conoce" not in text


def test_a_dose_reminder_names_its_time_as_each_language_reads_it():
    """Spanish says the hour with no leading zero, "la" for one o'clock; English keeps the 24-hour clock."""
    dose = {"mg": 1, "name": "clonazepam", "tablets": None, "ml": None, "taken_url": "t", "skipped_url": "s"}

    def heading(time: str, language: str) -> str:
        data = {"time": time, "doses": [dose], "settings_url": "https://x.test/app/settings"}
        text = render("dose_reminder", data, language=language).text
        return next(line for line in text.splitlines() if "eminder" in line or "ecordatorio" in line)

    assert heading("01:30", "es") == "Tu recordatorio de la 1:30"
    assert heading("08:00", "es") == "Tu recordatorio de las 8:00"
    assert heading("13:30", "es") == "Tu recordatorio de las 13:30"
    assert heading("00:15", "es") == "Tu recordatorio de las 0:15"
    assert heading("01:30", "en") == "Your 01:30 reminder"


def test_time_critical_mail_is_exactly_the_transactional_category():
    # The producer's record says how soon a lost attempt is retried; the category decides it here.
    transactional = {name for name, spec in TEMPLATES.items() if spec.category == TRANSACTIONAL}
    assert transactional == TIME_CRITICAL_TEMPLATES


def marked_messages(pattern: str = "*.jinja", folder: str = "emails") -> set[str | tuple[str, ...]]:
    """Every message the email templates mark with _() or ngettext(), as Babel's extraction finds them;
    with the subjects, category and unsubscribe labels the renderer looks up."""
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    found: set[str | tuple[str, ...]] = set()
    for path in sorted((TEMPLATE_DIR / folder).glob(pattern)):
        with path.open("rb") as source:
            found |= {message for _, message, _, _ in extract(babel_extract, source, options=options)}
    if pattern != "*.jinja":
        return found
    found |= {spec.subject for spec in TEMPLATES.values() if spec.translated}
    labels = {spec.unsubscribe_label for spec in TEMPLATES.values() if spec.unsubscribe_label}
    return found | set(CATEGORY_LABELS.values()) | labels


def test_the_formal_words_are_those_of_the_parts_every_email_shares():
    # A formal email (the clinician's) writes its own words formally; the catalog's formal entries are for
    # what it shares with the person's emails (layout, macros) and the unsubscribe pages its link opens, so
    # none may be for a message they don't say.
    with (TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    formal = {entry.id for entry in catalog if entry.context == FORMAL}
    pages = marked_messages("*.html", folder="email")
    shared = marked_messages("layout.*.jinja") | marked_messages("_ui.*.jinja") | pages
    assert "In an emergency, call your local emergency number." in formal
    assert "You're unsubscribed" in formal
    assert formal <= shared
    assert all(catalog.get(message, context=FORMAL).string for message in formal)
    assert [name for name, spec in TEMPLATES.items() if spec.formal] == ["clinician_report_link"]


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_marked_message_has_a_translation(language):
    # A new English sentence in an email cannot ship untranslated: it fails here until the catalog has it.
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    messages = marked_messages()
    assert len(messages) > 40  # the extraction found the templates' text
    missing = []
    for message in messages:
        entry = catalog.get(message[0] if isinstance(message, tuple) else message)
        forms = entry.string if entry else None
        forms = forms if isinstance(forms, tuple) else (forms,)
        if entry is None or entry.fuzzy or not all(forms):
            missing.append(message)
    assert missing == []
    assert [(entry.id, errors) for entry, errors in catalog.check()] == []  # placeholders match
