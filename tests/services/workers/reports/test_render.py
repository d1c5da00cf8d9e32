"""The report for a generated patient, read back from its HTML and its PDF."""

from __future__ import annotations

import base64
import copy
import dataclasses
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from services.workers.reports import charts, i18n, interdose, model, render
from services.workers.summaries import params as summary_params
from shared import catalog
from shared.settings import Settings
from tests.factories import plans
from tests.support.report_patients import QUESTION, stored_events, summaries

KEYS = Settings.from_env({}).encryption_keys
PARAMS = summary_params.load()
TODAY = date(2026, 3, 16)  # a Monday: the week before runs Monday 9 to Sunday 15 March


def notes_of(patient, start: str, end: str) -> list[dict]:
    """Note events as the builder has them once opened (decrypted)."""
    return [
        {
            "local_day": e["occurred_at"][:10],
            "occurred_at": e["occurred_at"],
            "data": {"text": e["text"], "tags": e["tags"]},
        }
        for e in patient.events
        if e["type"] == "note" and start <= e["occurred_at"][:10] <= end
    ]


def timed_of(patient, start: str, end: str) -> list[dict]:
    """Symptom and dose events as the builder reads them for the time since the last dose."""
    found = stored_events("u1", patient, KEYS, tuple(interdose.TYPES))
    return [e for e in found if interdose.first_day(start) <= e["local_day"] <= end]


def build(
    patient,
    start: str,
    end: str,
    *,
    paper="A4",
    include_notes=False,
    days=None,
    person=None,
    plan_doc=None,
    language="en",
    generated_at=datetime(2026, 3, 16, 7, tzinfo=UTC),
):
    if days is None:
        days, person = summaries(patient, KEYS, TODAY.isoformat(), PARAMS)
    report = {
        "_id": "r1",
        "kind": "on_demand",
        "period_start": start,
        "period_end": end,
        "options": {"include_notes": include_notes, "paper": paper},
    }
    content = model.assemble(
        report,
        user={"display_name": "Sam", "time_zone": patient.time_zone},
        days=[d for d in days if model.lookback_start(start, end) <= d["day"] <= end],
        person=person,
        notes=notes_of(patient, start, end),
        timed=timed_of(patient, start, end),
        keys=KEYS,
        generated_at=generated_at,
        plan_doc=plan_doc,
        language=language,
    )
    page = render.html(content)
    return content, page


def a_plan(**med) -> dict:
    """A diazepam plan started 1 March: 20% every week is above both of the guideline's reference values."""
    return plans.plan(
        plans.diazepam_tablets(**({"step_percent": 20, "interval_days": 7} | med)),
        start_day="2026-03-01",
        version=3,
    )


def text_of(page: str) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<style.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", body.replace("&#39;", "'").replace("&amp;", "&"))


def chart_svg(page: str) -> str:
    """The report's chart, as the SVG embedded in the page."""
    encoded = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page).group(1)
    return base64.b64decode(encoded).decode("utf-8")


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def drawn(pdf: bytes) -> set[str]:
    """Every character the PDF's fonts can draw: the union of its embedded fonts' character maps (a
    character no local font has is drawn as an empty box, and is in none of them)."""
    chars = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get_object()["/FontFile2"].get_object().get_data()
            chars |= {chr(c) for c in TTFont(io.BytesIO(program)).getBestCmap()}
    return chars


def crowd(content: dict, language: str) -> None:
    """Every part of the first page past what it holds at most: steps with the longest pace note, urgent
    symptoms, long questions, and each fact from the plan twice over."""
    found = (content["taper"]["steps"] or [content["taper"]["last_before"]])[0]
    note = model.pace_note({"pace": {"kind": "window", "percent": 33, "days": 14, "limit": 25}}, language)
    content["taper"]["steps"] = [{**found, "pace_note": note}] * 3
    flag = {"day": "2026-03-10", "label": catalog.symptom_label("chest_pain", language), "severity": 3}
    content["red_flags"] = [flag] * 4
    content["questions"] = [
        {"day": f"2026-03-1{n}", "text": f"Question {n}: could we hold this dose for longer? " * 6}
        for n in range(3)
    ]
    content["plan"]["questions"] = content["plan"]["questions"] * 2


class TestContent:
    def test_header_period_days_logged_and_dose(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15")
        text = text_of(page)
        assert "9 March 2026 \N{EN DASH} 15 March 2026" in text
        logged = 7 - sum(1 for d in patient.missing_days if date(2026, 3, 9) <= d <= date(2026, 3, 15))
        assert f"{logged} of 7 days logged" in text
        assert content["days_logged"] == logged
        assert "Current daily dose" in text and "Starting dose 10 mg" in text
        assert "mg diazepam-equivalent" in text
        assert "Joint Clinical Practice Guideline on Benzodiazepine Tapering (ASAM, 2025), Table 7" in text

    def test_taper_steps_with_neutral_pace_notes_and_association(self, patient):
        steps = [d.isoformat() for d in patient.step_days]
        start = next(s for s in steps if s >= "2026-02-01")
        end = (date.fromisoformat(start) + timedelta(days=6)).isoformat()
        content, page = build(patient, start, end)
        text = text_of(page)
        [step] = content["taper"]["steps"]
        assert step["day"] == start and step["percent_change"] == pytest.approx(-10, abs=0.6)
        assert "-10%" in text and "since start" in text
        assert "association, not cause" in text
        assert "Pace notes quote Joint Clinical Practice Guideline" in text  # without a plan, on its own
        assert "never advice" in text  # the guideline is cited as information

    def test_top_symptoms_compare_with_the_previous_period(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15")
        top = content["top_symptoms"]
        assert 1 <= len(top) <= 5
        assert [t["score"] for t in top] == sorted((t["score"] for t in top), reverse=True)
        table = page[page.index('id="symptoms"') : page.index('id="taper"')]
        for entry in top:
            assert entry["label"] in table
            assert entry["change"] in {"higher", "lower", "similar", "new this period"}  # earlier data exist
        assert "head pressure" in page or all(t["label"] != "head pressure" for t in top)  # custom, decrypted

    def test_red_flag_box_leads_the_page_with_urgent_care(self, patient):
        day = patient.red_flag_days[-1]
        start, end = (day - timedelta(days=3)).isoformat(), (day + timedelta(days=3)).isoformat()
        _content, page = build(patient, start, end)
        assert page.index('id="red-flags"') < page.index('id="chart"')
        box = text_of(page[page.index('id="red-flags"') : page.index('id="chart"')])
        assert "Chest pain" in box and "urgent care" in box and "emergency number" in box

    def test_no_red_flag_box_in_a_calm_week(self, patient):
        calm = next(
            d
            for d in (TODAY - timedelta(days=i) for i in range(8, 100))
            if all(abs((d - f).days) > 7 for f in patient.red_flag_days)
        )
        _content, page = build(patient, (calm - timedelta(days=6)).isoformat(), calm.isoformat())
        assert 'id="red-flags"' not in page

    def test_questions_only_when_the_person_includes_notes(self, patient):
        start, end = "2026-01-15", "2026-03-15"
        content, page = build(patient, start, end, include_notes=True)
        asked = [n for n in notes_of(patient, start, end) if QUESTION in n["data"]["tags"]]
        assert asked and len(content["questions"]) == len(asked)
        assert asked[0]["data"]["text"][:40] in page
        assert "A private note that stays out of reports" not in page
        _content, without = build(patient, start, end)
        assert 'id="questions"' not in without and asked[0]["data"]["text"][:40] not in without

    @pytest.mark.parametrize(("language", "said"), [("en", "Diazepam: skipped"), ("es", "Diazepam: omitida")])
    def test_a_dose_logged_as_skipped_on_the_latest_day_is_not_shown_as_0_mg(self, patient, language, said):
        skipped = copy.deepcopy(patient)
        last = [e for e in skipped.events if e["type"] == "dose" and e["occurred_at"][:10] == "2026-03-15"]
        for event in last:
            event["status"] = "skipped"
        content, page = build(skipped, "2026-03-09", "2026-03-15", language=language)
        assert last and content["dose"]["latest_day"] == "2026-03-15"
        text = text_of(page)
        assert f"{said}." in text and "Diazepam 0 mg" not in text

    def test_the_dose_header_reads_as_one_phrase(self, patient):
        _content, page = build(patient, "2026-03-09", "2026-03-15")
        header = PdfReader(io.BytesIO(render.pdf(page))).pages[0].extract_text()
        assert re.search(r"CURRENT DAILY DOSE\s+[\d.]+ mg diazepam-equivalent\s", header)
        assert re.search(r"STARTING DOSE\s+10 mg diazepam-equivalent\s", header)
        assert "MG DIAZEPAM" not in header  # the unit is not repeated in capitals under the number

    def test_the_first_week_says_how_many_logged_days_the_baseline_needs(self, patient):
        first = min(d["occurred_at"][:10] for d in patient.events)
        end = (date.fromisoformat(first) + timedelta(days=6)).isoformat()
        # The report as it would have been made at the end of the person's first week.
        early = dataclasses.replace(
            patient, events=[e for e in patient.events if e["occurred_at"][:10] <= end]
        )
        days, person = summaries(early, KEYS, end, PARAMS)
        content, page = build(patient, first, end, days=days, person=person)
        baseline = person["baseline"]
        needed = baseline["needed_days"] - baseline["logged_days"]
        assert baseline["state"] == "building" and needed > 0
        assert f"needs {needed} more logged days" in text_of(page)
        # Nothing was logged before this week: no symptom is "new this period", there is nothing to compare.
        assert content["top_symptoms"]
        assert {t["change"] for t in content["top_symptoms"]} == {"no earlier entries"}

    def test_symptoms_are_shown_by_the_hours_after_the_last_dose_taken(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15")
        # The generated person logs a dose at 08:00 and most symptoms at 18:00 or 19:00.
        counts = [b["entries"] for b in content["interdose"]["bands"]]
        assert counts[2] == max(counts) and sum(counts) == content["interdose"]["placed"] > 0
        heads = " ".join(f"{low}\N{EN DASH}{high} h" for low, high in interdose.BANDS)
        text = text_of(page)
        assert f"Hours after the last dose taken {heads}" in text
        assert "had no dose logged" not in text
        content["interdose"]["unplaced"] = 2
        assert "2 symptom entries had no dose logged as taken in the 48 h before them." in text_of(
            render.html(content)
        )
        content["interdose"] |= {"placed": 0, "bands": []}  # symptoms, but no dose taken before any
        assert 'id="interdose"' not in render.html(content)

    def test_scales_running_opposite_ways_are_labelled_at_both_ends(self, patient):
        rated = copy.deepcopy(patient)
        for event in rated.events:
            if event["type"] == "check_in":
                event["sleep_quality"] = 3
        _content, page = build(rated, "2026-03-09", "2026-03-15")
        text = text_of(page)
        assert "Burden (0 none … 10 worst)" in text
        assert "(0 very poor … 4 very good)" in text  # sleep quality: higher is better
        assert "Severity 0 not at all … 4 very much so" in text

    @pytest.mark.parametrize(
        ("time_zone", "made_at", "made_on"),
        [
            (
                "Pacific/Kiritimati",
                datetime(2026, 3, 15, 19, tzinfo=UTC),
                "16 Mar 2026",
            ),  # Monday 09:00 there
            ("America/St_Johns", datetime(2026, 3, 17, 1, tzinfo=UTC), "16 Mar 2026"),  # Monday 22:30 there
        ],
    )
    def test_the_day_it_was_made_is_the_persons_own(self, patient, time_zone, made_at, made_on):
        far = dataclasses.replace(patient, time_zone=time_zone)
        _content, page = build(far, "2026-03-09", "2026-03-15", generated_at=made_at)
        assert f"Made {made_on} from the person's own entries ({time_zone})" in text_of(page)

    def test_the_burden_range_keeps_its_decimals_as_the_mean_does(self, patient):
        content, _page = build(patient, "2026-03-09", "2026-03-15")
        # Days without a check-in: each burden is the mean of the day's highest severities x 2.5.
        days = [{"burden": 2.5}, {"burden": 2.5}, {"burden": 7.5}]
        content["burden"] = model.burden_stats(days, [])
        section = render.html(content).split('id="burden"')[1].split("</section>")[0]
        assert "Mean <b>4.2</b> · median <b>2.5</b> · range 2.5\N{EN DASH}7.5" in section  # not 2 to 8

    def test_what_the_person_wrote_is_drawn_in_any_script(self, patient):
        content, _page = build(patient, "2026-03-09", "2026-03-15", include_notes=True)
        # Not Arabic, which DejaVu draws: it is shaped, so the fonts' maps list other forms of its letters.
        words = {
            "name": "Саша 李",
            "symptom": "Головная боль 头痛",
            "question": "🙏 我晚上睡不着。眠れない日が続いています。잠을 못 자요.",
        }
        content["name"] = words["name"]
        content["top_symptoms"][0]["label"] = words["symptom"]
        content["questions"] = [{"day": "2026-03-10", "text": words["question"]}]
        pdf = render.pdf(render.html(content))
        missing = {c for c in "".join(words.values()) if not c.isspace()} - drawn(pdf)
        assert not missing, f"drawn as empty boxes: {' '.join(sorted(missing))}"

    def test_a_long_custom_symptom_name_does_not_squeeze_the_taper_steps_beside_it(self, patient):
        content, _page = build(patient, "2026-03-09", "2026-03-15", paper="Letter")
        content["top_symptoms"][0]["label"] = "Druckkopfschmerzverschlimmerungsgefühlnachjederdosisreduktion"
        found = []

        def heading(text, cm, tm, _font, _size):
            if text.startswith("TAPER"):
                found.append(cm[0] * tm[4] + cm[4])  # in points from the page's left edge

        PdfReader(io.BytesIO(render.pdf(render.html(content)))).pages[0].extract_text(visitor_text=heading)
        # The steps keep their share of the row (1 to the symptoms' 1.2), from about the page's middle.
        assert found and found[0] < 612 * 0.6, f"the steps start {found} pt into a 612 pt page"

    @pytest.mark.parametrize(
        ("language", "said"),
        [
            ("en", ["<title>Taper report, 15 March 2026</title>", "Sam 15 March 2026 (1 day)"]),
            (
                "es",
                [
                    "<title>Informe de reducción, 15 de marzo de 2026</title>",
                    "Sam 15 de marzo de 2026 (1 día)",
                ],
            ),
        ],
    )
    def test_a_one_day_report_names_its_day_and_compares_with_the_day_before(self, patient, language, said):
        """Its day in the title (the browser tab, a saved page's name) as in the header, not a range."""
        _content, page = build(patient, "2026-03-15", "2026-03-15", language=language)
        text = text_of(page)
        assert all(words in text or words in page for words in said)
        assert ("vs previous day" if language == "en" else "frente al día anterior") in text
        assert "previous 1 days" not in text.lower() and "1 días anteriores" not in text

    def test_disclaimer_and_chart_are_on_every_report(self, patient):
        _content, page = build(patient, "2026-03-09", "2026-03-15")
        assert "not medical advice" in page and "never a dosing instruction" in page
        assert 'src="data:image/svg+xml;base64,' in page


class TestPaper:
    @pytest.mark.parametrize("paper", ["A4", "Letter"])
    def test_a_typical_week_is_one_page(self, patient, paper):
        _content, page = build(patient, "2026-03-09", "2026-03-15", paper=paper, include_notes=True)
        pdf = render.pdf(page)
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == ({"A4": (595, 842), "Letter": (612, 792)}[paper])
        assert "Taper report" in reader.pages[0].extract_text()

    def test_a_busy_week_still_fits_and_sends_the_rest_to_detail_pages(self, patient):
        content, _page = build(patient, "2026-03-09", "2026-03-15", paper="Letter", include_notes=True)
        found = (content["taper"]["steps"] or [content["taper"]["last_before"]])[0]
        step = {**found, "pace_note": "The 2025 guideline notes … " * 6}
        content["taper"]["steps"] = [step] * 2
        content["red_flags"] = [{"day": "2026-03-10", "label": "Chest pain", "severity": 3}] * 3
        content["questions"] = [{"day": "2026-03-10", "text": "Could we hold longer? " * 10}] * 2
        assert pages(render.pdf(render.html(content))) == 1
        content["questions"] = [{"day": "2026-03-10", "text": "Could we hold longer? " * 10}] * 5
        page = render.html(content)
        assert pages(render.pdf(page)) == 2
        assert "Questions for my doctor, in full" in page

    @pytest.mark.parametrize("paper", ["A4", "Letter"])
    @pytest.mark.parametrize("language", ["en", "es"])
    def test_a_crowded_week_keeps_its_whole_summary_on_page_one_and_the_rest_in_full_after(
        self, patient, paper, language
    ):
        content, _page = build(
            patient,
            "2026-03-09",
            "2026-03-15",
            paper=paper,
            include_notes=True,
            plan_doc=a_plan(),
            language=language,
        )
        crowd(content, language)
        # With the most on page one, its end spills onto a page of its own before the detail.
        assert pages(render.pdf(render.html(content))) == 3
        page, pdf = render.page_and_pdf(content)
        first, detail = (" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
        source_end = content["dose"]["sources"][-1]["url"][-8:]
        assert source_end in first and source_end not in detail  # the footer's last words
        assert "Question 0:" not in first  # the oldest: page one holds the newest
        # What left page one is all on the next, in full: every question, fact, step and urgent symptom.
        text = text_of(page)
        for question in content["questions"]:
            assert " ".join(question["text"].split()) in detail
        for fact in content["plan"]["questions"]:
            assert " ".join(fact["text"].split()) in text
        note = " ".join(content["taper"]["steps"][0]["pace_note"].split())
        assert detail.count(note) == len(content["taper"]["steps"])
        assert detail.count(content["red_flags"][0]["label"]) == len(content["red_flags"])

    def test_a_long_period_with_a_plan_and_notes_keeps_its_summary_on_page_one_on_letter_in_spanish(
        self, patient
    ):
        # 93 days, the longest a person can ask for: many steps and questions, three urgent symptoms.
        content, _page = build(
            patient,
            "2025-12-13",
            "2026-03-15",
            paper="Letter",
            include_notes=True,
            plan_doc=a_plan(),
            language="es",
        )
        _page, pdf = render.page_and_pdf(content)
        first, *rest = (" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
        source_end = content["dose"]["sources"][-1]["url"][-8:]
        assert source_end in first  # the footer's last words, not alone at the top of page two
        assert "DETALLE DIARIO" in rest[0].upper()
        # The plan's facts left page one for the detail, in full.
        assert "Todos los datos del plan están en la página siguiente." in first
        for fact in content["plan"]["questions"]:
            assert " ".join(fact["text"].split()) in " ".join(rest)

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_a_long_periods_page_one_lists_the_most_recent_steps_and_urgent_symptoms_first(
        self, patient, language
    ):
        """Page one holds only a few: the newest, newest first; the detail keeps all in date order."""
        content, _page = build(patient, "2026-01-16", "2026-03-15", include_notes=True, language=language)
        found = (content["taper"]["steps"] or [content["taper"]["last_before"]])[0]
        days = ["2026-01-20", "2026-02-03", "2026-02-17", "2026-03-03"]
        content["taper"]["steps"] = [
            {**found, "day": day, "from_mg": 10.0 - n, "to_mg": 9.0 - n, "pace_note": None}
            for n, day in enumerate(days)
        ]
        flag = {"label": catalog.symptom_label("chest_pain", language), "severity": 3}
        content["red_flags"] = [{**flag, "day": f"2026-0{m}-0{day}"} for m in (1, 2, 3) for day in (5, 6)]
        content["questions"] = [{"day": f"2026-0{m}-10", "text": f"Question of month {m}"} for m in (1, 2, 3)]
        page, _pdf = render.page_and_pdf(content)
        first, detail = (text_of(part) for part in page.split('id="daily-detail"'))
        weekday_day = lambda day: f"{i18n.weekday(day, language)} {i18n.short_date(day, language)}"  # noqa: E731
        shown_steps = [day for day in reversed(days) if weekday_day(day) in first]
        assert shown_steps and shown_steps == list(reversed(days))[: len(shown_steps)]
        assert weekday_day(days[0]) not in first
        box = text_of(re.search(r'id="red-flags">(.*?)</section>', page, re.S).group(1))
        flags = re.findall(r"(\d+ \w+) \(", box)
        assert flags[:3] == [i18n.short_date(d, language) for d in ("2026-03-06", "2026-03-05", "2026-02-06")]
        if "Question of month" in first:
            assert "Question of month 3" in first and "Question of month 1" not in first
        # The detail keeps every one, oldest first.
        listed = [detail.index(f"{i18n.short_date(day, language)}: ") for day in days]
        assert listed == sorted(listed)

    def test_recorded_holds_and_pauses_are_named_on_the_detail_page_too(self, patient):
        content, _page = build(patient, "2026-03-09", "2026-03-15")
        [cut] = content["taper"]["steps"]
        # A hold and a pause the person recorded with no change of dose: the summaries keep them without a
        # new dose (services/workers/summaries/taper.py).
        recorded = {"to_mg": None, "percent_change": None, "cumulative_percent": None, "pace_note": None}
        content["taper"]["steps"] = [
            cut,
            {**cut, **recorded, "day": "2026-03-12", "kind": "hold", "held_days": 2},
            {**cut, **recorded, "day": "2026-03-14", "kind": "pause", "held_days": 2, "held_ongoing": True},
        ]
        detail = text_of(render.html(content)).split("All taper steps")[1]
        assert "12 Mar: hold recorded" in detail and "14 Mar: pause recorded" in detail
        assert "\N{EN DASH} mg" not in detail

    def test_a_long_period_adds_daily_detail_after_the_summary_page(self, patient):
        _content, page = build(patient, "2026-01-16", "2026-03-15")
        pdf = render.pdf(page)
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) >= 2
        assert "Taper report" in reader.pages[0].extract_text()
        assert "DAILY DETAIL" in reader.pages[1].extract_text().upper()


class TestMissingData:
    def test_a_period_with_no_data_is_a_valid_report_that_says_so(self, patient):
        content, page = build(patient, "2026-05-04", "2026-05-10")
        assert content["has_data"] is False and content["days_logged"] == 0
        text = text_of(page)
        assert "No entries in this period" in text and "0 of 7 days logged" in text
        assert "range" not in text and "0 days with a rating." in text  # not a range of three dashes
        assert pages(render.pdf(page)) == 1

    def test_a_person_with_nothing_at_all(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15", days=[], person=None)
        assert content["dose"]["current"] is None and content["top_symptoms"] == []
        assert "No entries in this period" in text_of(page)
        assert pages(render.pdf(page)) == 1

    def test_missing_days_are_gaps_not_zeros(self, patient):
        content, _page = build(patient, "2026-01-16", "2026-03-15")
        missing = {d.isoformat() for d in patient.missing_days}
        for point in content["series"]:
            if point["day"] in missing:
                assert point["burden"] is None


class TestPlan:
    def test_the_plan_is_restated_with_planned_versus_logged_and_its_facts_lead_the_questions(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15", include_notes=True, plan_doc=a_plan())
        text = text_of(page)
        # 20 mg from 1 Mar, cut 20% on 8 and 15 Mar (16, 13 mg); the next cut, on 22 Mar, is to 10.5 mg.
        assert "Taper plan (version 3, as entered): next planned step Sun 22 Mar, 13 → 10.5 mg." in text
        counts = content["plan"]["counts"]
        assert sum(counts.values()) == 7
        assert "days as planned" in text and f"{counts['not_logged']} not logged" in text
        # The patient logs 4.3 mg a day, so three facts: two about the guideline and one about the logs.
        kinds = [q["kind"] for q in content["plan"]["questions"]]
        assert kinds == ["first_cut_above_guideline", "pace_above_guideline", "logged_differs"]
        assert (
            text.index("Questions for my doctor")
            < text.index("From the taper plan:")
            < text.index(content["questions"][0]["text"][:40])
        )
        # The pace notes and the plan's facts quote the same guideline: it is cited once.
        assert "Pace notes and facts from the taper plan quote Joint Clinical Practice Guideline" in text
        assert "Pace notes quote" not in text and "Facts from the taper plan quote" not in text
        first, detail = (
            " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render.pdf(page))).pages
        )
        # Two on the summary page, all three with their sources on the detail page that follows.
        assert "5-10% as the usual initial reduction" in first and "differ from the plan" not in first
        assert "All facts from the plan are on the following page." in first
        assert "differ from the plan" in detail and "Recommendation 6" in detail

    @pytest.mark.parametrize("paper", ["A4", "Letter"])
    def test_a_week_with_a_plan_its_facts_and_notes_is_still_one_page(self, patient, paper):
        plan_doc = a_plan(step_percent=10)
        content, page = build(
            patient, "2026-03-09", "2026-03-15", include_notes=True, paper=paper, plan_doc=plan_doc
        )
        assert len(content["plan"]["questions"]) == 1
        assert "From the taper plan: On " in text_of(page)
        assert pages(render.pdf(page)) == 1

    def test_plan_facts_appear_without_the_notes_too(self, patient):
        _content, page = build(patient, "2026-03-09", "2026-03-15", plan_doc=a_plan(step_percent=10))
        text = text_of(page)
        assert "Questions for my doctor" in text and "From the taper plan: On " in text
        assert "No notes tagged" not in text

    def test_without_a_plan_the_report_says_nothing_of_one(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15")
        assert content["plan"] is None
        assert "Taper plan" not in text_of(page) and "From the taper plan" not in page

    def test_the_dose_panel_draws_the_planned_dose_beside_the_logged_one(self, patient):
        content, page = build(patient, "2026-03-09", "2026-03-15", plan_doc=a_plan())
        # The plan's 16 mg from 8 Mar and 13 mg from 15 Mar, day by day, in the logged dose's unit.
        assert charts.planned_series(content) == [16.0] * 6 + [13.0]
        svg = chart_svg(page)
        assert "dose planned" in svg and "dose logged" in svg
        assert "stroke-dasharray" in svg
        _content, plain = build(patient, "2026-03-09", "2026-03-15")
        assert "dose planned" not in chart_svg(plain)

    def test_the_daily_detail_shows_the_planned_dose_beside_the_logged_one(self, patient):
        content, page = build(patient, "2026-01-16", "2026-03-15", plan_doc=a_plan())
        assert content["plan"]["planned_eq_by_day"]["2026-03-09"] == 16.0
        assert content["plan"]["planned_eq_by_day"]["2026-02-20"] is None  # before the plan began
        assert '<th class="n">Planned</th>' in page
