"""The report in the person's language: a Spanish-speaking account's report read back from its HTML, its
chart and its PDF, and the workers' catalog holding every sentence the report can say."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from services.workers.reports import charts, model, plan, render
from services.workers.summaries import episodes
from services.workers.summaries import taper as summary_taper
from shared import catalog, languages, scales
from shared.plans import questions
from tests.services.workers.reports.test_render import (
    a_plan,
    build,
    chart_svg,
    notes_of,
    pages,
    text_of,
)
from tests.support import catalogs
from tests.support.report_patients import QUESTION

WORKERS = catalogs.ROOT / "services/workers"
SOURCES = [WORKERS / "reports/templates/report.html", WORKERS / "reports/charts.py"]
# Sentences built in Python from constants, and the words at the ends of the scales the report shows.
LOOKED_UP = {
    model.DISCLAIMER,
    model.URGENT_CARE,
    model.ASSOCIATION,
    model.UNNAMED,
    *summary_taper.PACE_NOTES.values(),
    summary_taper.EQUIVALENT_UNIT.removeprefix("mg").strip(),
    *plan.FACTS.values(),
    plan.UNLOGGED,
    plan.EQUIVALENT_MG,
    episodes.DISCLAIMER,
    catalog.reference_note(),
    *(
        scales.SCALES[name][end]
        for name in ("burden", "severity", "sleep_quality")
        for end in ("min_label", "max_label")
    ),
    *(style["label"] for style in charts.SHADING.values()),
}


def messages() -> set[str]:
    return catalogs.marked(SOURCES) | LOOKED_UP


def english_fragments() -> set[str]:
    """The English words of every message, cut at its placeholders: runs of three words or more, which a
    Spanish report must not show."""
    fragments = set()
    for message in messages():
        for part in re.split(r"%\(\w+\)s|%%|[():;]", message):
            if len(part.split()) >= 3:
                fragments.add(" ".join(part.split()))
    return fragments


def spanish(patient, start, end, **kwargs):
    return build(patient, start, end, language="es", **kwargs)


def first_page(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


@pytest.mark.parametrize("language", [lang for lang in languages.LANGUAGES if lang != languages.DEFAULT])
def test_every_sentence_of_the_report_has_a_translation(language):
    # A new English sentence in the report, its chart or the text the model builds cannot ship untranslated.
    own = catalogs.read(WORKERS / "translations" / language / "LC_MESSAGES" / "messages.po", language)
    found = messages()
    assert len(found) > 100  # the extraction found the template's and the chart's text
    assert "Top symptoms" in found and "day's burden" in found
    assert catalogs.untranslated(found, [own]) == []
    assert catalogs.placeholder_errors(own) == []


class TestSpanish:
    def test_headings_dates_numbers_and_the_lang_attribute(self, patient):
        content, page = spanish(patient, "2026-03-09", "2026-03-15", include_notes=True)
        assert content["language"] == "es" and '<html lang="es">' in page
        text = text_of(page)
        assert "Informe de reducción · Sam" in text
        assert "9\N{EN DASH}15 de marzo de 2026 (7 días)" in text
        assert f"{content['days_logged']} de 7 días registrados" in text
        for heading in ("Dosis diaria actual", "Dosis inicial", "Síntomas principales", "Pasos de reducción"):
            assert heading in text
        assert "mg eq. de diazepam" in text and "diazepam-equivalent" not in text
        mean = content["burden"]["mean"]
        assert f"Media {mean:g}".replace(".", ",") in text  # a decimal comma, as the Spanish emails write
        assert "Carga (0 nada … 10 lo peor)" in text and "Intensidad 0 nada … 4 muchísimo" in text

    def test_symptoms_come_from_the_catalogue_in_spanish_and_what_the_person_wrote_stays(self, patient):
        start, end = "2026-01-15", "2026-03-15"
        english, _page = build(patient, start, end, include_notes=True)
        content, page = spanish(patient, start, end, include_notes=True)
        table = text_of(page[page.index('id="symptoms"') : page.index('id="taper"')])
        by_label = {item["label"]: item["code"] for item in catalog.symptoms()}
        named = [s["label"] for s in english["top_symptoms"] if s["label"] in by_label]
        assert named
        for label in named:
            translated = catalog.symptom_label(by_label[label], "es")
            assert translated != label and translated in table and label not in table
        # The person's own words are never translated: a custom symptom, their questions.
        custom = [s["label"] for s in english["top_symptoms"] if s["label"] not in by_label]
        assert all(label in table for label in custom)
        asked = [n for n in notes_of(patient, start, end) if QUESTION in n["data"]["tags"]]
        assert asked and asked[0]["data"]["text"][:40] in page
        assert content["questions"] == english["questions"]

    def test_red_flags_point_to_urgent_care_in_spanish(self, patient):
        day = patient.red_flag_days[-1]
        _content, page = spanish(
            patient, (day - timedelta(days=3)).isoformat(), (day + timedelta(days=3)).isoformat()
        )
        box = text_of(page[page.index('id="red-flags"') : page.index('id="chart"')])
        assert "Síntomas urgentes registrados en este periodo" in box
        assert catalog.symptom_label("chest_pain", "es") in box
        assert "servicios de urgencias" in box and "número local de emergencias" in box
        assert "Chest pain" not in box

    def test_disclaimers_say_information_never_advice(self, patient):
        _content, page = spanish(patient, "2026-03-09", "2026-03-15")
        text = text_of(page)
        assert "no es un diagnóstico, ni un consejo médico, ni nunca una indicación de dosis" in text
        assert "Los equivalentes de diazepam son valores de referencia aproximados" in text
        assert "asociación, no causa" in text

    def test_the_chart_labels_and_legend_and_days(self, patient):
        _content, page = spanish(patient, "2026-03-09", "2026-03-15", plan_doc=a_plan())
        svg = chart_svg(page)
        for label in ("Dosis, mg", "Carga", "carga del día", "mediana de 7 días", "mitad central (RIC)"):
            assert label in svg
        assert "dosis prevista" in svg and "10 lo peor" in svg
        assert "lun" in svg and "9 mar" in svg and "dom" in svg
        assert "day's burden" not in svg and "Mon" not in svg

    def test_the_dose_axis_writes_a_decimal_comma_below_one_mg(self, patient):
        content, _page = spanish(patient, "2026-03-09", "2026-03-15")
        for point in content["dose"]["timeline"]:
            point["amount"] = 0.25  # the last weeks of a taper
        ticks = re.findall(r">\s*([\d.,]+)\s*</text>", chart_svg(render.html(content)))
        assert "0" in ticks and [t for t in ticks if t.startswith("0,")]  # "0,15", "0,3"
        assert not [t for t in ticks if "." in t]

    def test_the_plan_and_its_facts_in_spanish(self, patient):
        content, page = spanish(patient, "2026-03-09", "2026-03-15", include_notes=True, plan_doc=a_plan())
        text = text_of(page)
        plan_line = "Plan de reducción (versión 3, tal como se introdujo): próximo paso previsto"
        assert f"{plan_line} el dom 22 mar, 13 → 10,5 mg." in text
        first_cut = "El primer recorte del plan es del 20 % (de 20 mg a 16 mg, el dom 8 mar 2026)."
        assert f"Del plan de reducción: {first_cut}" in text
        assert (
            "la dosis diaria prevista baja un 34 % (de 16 mg a 10,5 mg)" in text
        )  # whole per cent, as in English
        [_first, _pace, differs] = content["plan"]["questions"]
        assert differs["text"].startswith("En ") and "difieren del plan" in differs["text"]

    def test_every_kind_of_plan_fact_is_said_in_spanish(self):
        wave = {
            "kind": questions.NEXT_CUT_IN_WAVE,
            "text": "English",
            "step_day": "2026-03-16",
            "medication": "diazepam",
            "from_mg": 13.5,
            "to_mg": 12.5,
            "wave_start": "2026-03-04",
            "wave_last_day": "2026-03-09",
            "source": None,
        }
        said = plan.said_in(wave, "es")["text"]
        assert said.startswith(
            "El próximo recorte del plan (Diazepam, de 13,5 mg a 12,5 mg) es el lun 16 mar 2026."
        )
        assert "una ola que empezó el mié 4 mar 2026 y seguía el lun 9 mar 2026" in said
        hold = {
            "kind": questions.HOLD_LONGER,
            "text": "English",
            "hold_start": "2026-02-01",
            "lasted_days": 30,
            "earlier_days": [14, 21],
            "source": None,
        }
        said = plan.said_in(hold, "es")["text"]
        assert said == (
            "Tu pausa actual empezó el dom 1 feb 2026 y dura ya 30 días. "
            "Tus pausas recientes duraron 14, 21 días."
        )
        assert plan.said_in(hold, "en") == hold  # English keeps the app's own text
        high = {
            "kind": questions.HIGH_DAILY_DOSE,
            "text": "English",
            "dose_day": "2026-03-10",
            "daily_mg": 60.0,
            "equivalent": True,
            "source": questions.HIGH_DOSE_SOURCE,
        }
        assert plan.said_in(high, "es")["text"].startswith(
            "La dosis diaria prevista del mar 10 mar 2026 es de 60 mg en equivalentes de diazepam. "
            "La guía de SA Health sobre la abstinencia de benzodiacepinas incluye una dosis de más de 50 mg"
        )
        assert {*plan.FACTS} == {
            questions.HIGH_DAILY_DOSE,
            questions.NEXT_CUT_IN_WAVE,
            questions.FIRST_CUT_ABOVE_GUIDELINE,
            questions.PACE_ABOVE_GUIDELINE,
            questions.LOGGED_DIFFERS,
            questions.HOLD_LONGER,
        }

    def test_pace_notes_in_spanish_and_an_older_summary_keeps_its_english_note(self):
        pace = {"kind": "first_cut", "percent": 20}
        assert model.pace_note({"pace": pace}, "es").startswith("Esta primera reducción fue del 20 %.")
        english = summary_taper.pace_note(pace)
        assert model.pace_note({"pace": pace, "pace_note": english}, "en") == english
        assert model.pace_note({"pace_note": english}, "es") == english  # made before notes kept numbers

    def test_no_template_text_is_left_in_english(self, patient):
        day = patient.red_flag_days[-1]
        shown = []
        for start, end, kwargs in (
            ("2026-03-09", "2026-03-15", {"include_notes": True, "plan_doc": a_plan()}),
            ("2026-01-16", "2026-03-15", {"include_notes": True, "plan_doc": a_plan()}),
            ((day - timedelta(days=3)).isoformat(), (day + timedelta(days=3)).isoformat(), {}),
            ("2026-05-04", "2026-05-10", {}),
        ):
            content, page = spanish(patient, start, end, **kwargs)
            # The person's own words and the sources' titles are shown as written.
            for kept in [q["text"] for q in content["questions"]]:
                page = page.replace(kept, "")
            shown.append(text_of(page) + re.sub(r"<[^>]+>", " ", chart_svg(page)))
        text = " ".join(" ".join(shown).split())
        left = sorted(fragment for fragment in english_fragments() if fragment in text)
        assert left == []


class TestSpanishPaper:
    @pytest.mark.parametrize("paper", ["A4", "Letter"])
    def test_a_typical_week_is_one_page(self, patient, paper):
        _content, page = spanish(patient, "2026-03-09", "2026-03-15", paper=paper, include_notes=True)
        pdf = render.pdf(page)
        assert pdf.startswith(b"%PDF") and pages(pdf) == 1
        assert "Informe de reducción" in first_page(pdf)

    @pytest.mark.parametrize("paper", ["A4", "Letter"])
    def test_a_week_with_a_plan_its_facts_notes_and_an_urgent_symptom_is_still_one_page(self, patient, paper):
        day = patient.red_flag_days[-1]
        start, end = (day - timedelta(days=3)).isoformat(), (day + timedelta(days=3)).isoformat()
        plan_doc = a_plan(step_percent=10)
        content, page = spanish(patient, start, end, include_notes=True, paper=paper, plan_doc=plan_doc)
        assert content["red_flags"] and content["plan"]["questions"] and content["questions"]
        assert pages(render.pdf(page)) == 1

    def test_a_busy_week_still_fits_and_sends_the_rest_to_detail_pages(self, patient):
        content, _page = spanish(patient, "2026-03-09", "2026-03-15", paper="Letter", include_notes=True)
        found = (content["taper"]["steps"] or [content["taper"]["last_before"]])[0]
        long_note = model.pace_note(
            {"pace": {"kind": "window", "percent": 30, "days": 14, "limit": 25}}, "es"
        )
        step = {**found, "pace_note": long_note}
        content["taper"]["steps"] = [step] * 2
        content["red_flags"] = [
            {"day": "2026-03-10", "label": catalog.symptom_label("chest_pain", "es"), "severity": 3}
        ] * 3
        content["questions"] = [
            {"day": "2026-03-10", "text": "¿Podríamos mantener la dosis más tiempo? " * 5}
        ] * 2
        assert pages(render.pdf(render.html(content))) == 1
        content["questions"] = [
            {"day": "2026-03-10", "text": "¿Podríamos mantener la dosis más tiempo? " * 5}
        ] * 5
        page = render.html(content)
        assert pages(render.pdf(page)) == 2
        assert "Preguntas para mi médico, completas" in page

    def test_a_long_period_adds_daily_detail_in_spanish(self, patient):
        _content, page = spanish(patient, "2026-01-16", "2026-03-15")
        reader = PdfReader(io.BytesIO(render.pdf(page)))
        assert len(reader.pages) >= 2
        detail = " ".join(reader.pages[1].extract_text().split())
        assert (
            "DETALLE DIARIO" in detail.upper()
            and "sí" in detail
            and re.search(r"\b(lun|mar|mié) \d+ ", detail)
        )


def test_an_english_account_keeps_its_english_report(patient):
    content, page = build(patient, "2026-03-09", "2026-03-15")
    assert content["language"] == "en" and '<html lang="en">' in page
    assert "9 March 2026 \N{EN DASH} 15 March 2026" in text_of(page) and "Mean " in text_of(page)
