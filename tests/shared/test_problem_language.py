"""How a problem's English finds its translation (shared/web/problem_language.py): by its whole text, by
the template it was formatted from (values kept as sent, a nested {reason} translated in turn), sentence by
sentence, and else not at all: what no catalog has stays English."""

from __future__ import annotations

from shared import languages
from shared.translations import entries
from shared.web.problem_language import SHARED_TRANSLATIONS, ProblemCatalog

CATALOG = ProblemCatalog.of(
    {
        "Unknown field.": "Este campo no existe.",
        "Must be greater than {min}.": "Tiene que ser mayor que {min}.",
        "Must be greater than or equal to {min}.": "Tiene que ser {min} o más.",
        "The shares add up to {total:g}; they must add up to 1.": "Suman {total:g}; deben sumar 1.",
        "The body cannot be accepted: {reason}": "No se acepta el cuerpo: {reason}",
        "{name} is not a JSON value.": "{name} no es un valor JSON.",
        "From {day} to {day}.": "Del {day} al {day}.",
        "Did you mean {codes}?": "¿Querías decir {codes}?",
    }
)


def test_a_whole_text_and_a_template_s_values_as_sent():
    assert CATALOG.translate("Unknown field.") == "Este campo no existe."
    assert CATALOG.translate("The shares add up to 0.95; they must add up to 1.") == (
        "Suman 0.95; deben sumar 1."
    )
    assert CATALOG.translate("From 2026-01-01 to 2026-01-01.") == "Del 2026-01-01 al 2026-01-01."
    assert CATALOG.translate("From 2026-01-01 to 2026-02-01.") == "From 2026-01-01 to 2026-02-01."


def test_the_most_specific_template_wins():
    # "Must be greater than {min}." would take "or equal to 5" as its value.
    assert CATALOG.translate("Must be greater than or equal to 5.") == "Tiene que ser 5 o más."
    assert CATALOG.translate("Must be greater than 5.") == "Tiene que ser mayor que 5."


def test_a_reason_inside_a_message_is_translated_and_other_values_are_not():
    assert CATALOG.translate("The body cannot be accepted: NaN is not a JSON value.") == (
        "No se acepta el cuerpo: NaN no es un valor JSON."
    )
    assert CATALOG.translate("Unknown field. is not a JSON value.") == "Unknown field. no es un valor JSON."


def test_sentences_are_translated_one_by_one_and_what_no_catalog_has_stays_english():
    assert (
        CATALOG.translate("Unknown field. Did you mean tremor?")
        == "Este campo no existe. ¿Querías decir tremor?"
    )
    assert CATALOG.translate("Unknown field. Something new.") == "Este campo no existe. Something new."
    assert CATALOG.translate("Something new.") == "Something new."


def test_english_has_no_catalog_and_a_fuzzy_entry_is_not_used(tmp_path):
    assert entries(SHARED_TRANSLATIONS, languages.DEFAULT, "problems") == {}
    po = tmp_path / "es" / "LC_MESSAGES" / "problems.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        '#, fuzzy\nmsgid "Unknown field."\nmsgstr "Campo desconocido."\n\nmsgid "Gone"\nmsgstr "Ya no está"\n'
    )
    assert entries(tmp_path, "es", "problems") == {"Gone": "Ya no está"}
    assert entries(tmp_path / "nothing", "es", "problems") == {}
