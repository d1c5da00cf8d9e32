"""The symptom and medication catalogues match domain.md and every value resolves to a cited source."""

import json
import re
from pathlib import Path

import pytest

from shared import catalog

CATALOG_DIR = Path(catalog.__file__).parent
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# The tables print ranges with an en dash; the tables below use "-" for readability.
EN_DASH = "\u2013"

RED_FLAGS = {
    "seizure",
    "confusion_disorientation",
    "psychosis",
    "suicidal_thoughts_self_harm",
    "chest_pain",
    "severe_agitation",
    "cannot_keep_fluids_down",
}

# ASAM/JCPG 2025 Table 7 (domain.md section 6): mg approximately equal to oral diazepam 10 mg, as printed.
TABLE_7 = {
    "alprazolam": ("0.5", "1"),
    "chlordiazepoxide": ("25", "25"),
    "clonazepam": ("0.5", "1"),
    "clorazepate": ("15", "15"),
    "diazepam": ("10", "10"),
    "estazolam": ("1-2", "1"),
    "flurazepam": ("15-30", "15"),
    "lorazepam": ("1", "2"),
    "oxazepam": ("20", "30"),
    "quazepam": ("20", "10"),
    "temazepam": ("20", "15"),
    "triazolam": ("0.5", "0.25"),
}

# NHS Scotland switching table: (printed per diazepam 5 mg, derived per 10 mg).
NHS_SCOTLAND = {
    "diazepam": ("5", "10"),
    "chlordiazepoxide": ("12.5", "25"),
    "clobazam": ("10", "20"),
    "clonazepam": ("0.25", "0.5"),
    "loprazolam": ("0.5-1", "1-2"),
    "lorazepam": ("0.5", "1"),
    "oxazepam": ("10", "20"),
    "nitrazepam": ("5", "10"),
    "temazepam": ("10", "20"),
    "zolpidem": ("10", "20"),
    "zopiclone": ("7.5", "15"),
    "lormetazepam": ("0.5-1", "1-2"),
}

# Every sign in JCPG 2025 Table 3 (domain.md section 1.2) must be findable in some symptom's source terms.
JCPG_TABLE_3 = [
    "raised blood pressure",
    "headache",
    "sweating",
    "night sweats",
    "anxiety",
    "panic",
    "depression",
    "dysphoria",
    "irritability",
    "agitation",
    "aggression",
    "chest pain",
    "palpitations",
    "tachycardia",
    "abdominal cramps",
    "diarrhoea",
    "nausea",
    "vomiting",
    "cognitive impairment",
    "confusion",
    "delirium",
    "perceptual disturbance",
    "seizures",
    "sensory hypersensitivity",
    "tingling/numbness",
    "tinnitus",
    "coordination/balance",
    "dysesthesia",
    "kinetic disorders",
    "muscle pain",
    "twitches, jerks, fasciculations",
    "tremor",
    "akathisia",
    "restlessness",
    "depersonalisation/derealisation",
    "psychosis",
    "paranoia",
    "suicidality",
    "self-harm",
    "hypersomnia",
    "insomnia",
    "nightmares",
]

# Ashton Table 1 (domain.md section 1.1), one printed fragment per row.
ASHTON_TABLE_1 = [
    "excitability",
    "insomnia",
    "nightmares",
    "other sleep problems",
    "more anxiety",
    "panic",
    "agoraphobia",
    "social phobia",
    "perceptual distortions",
    "depersonalisation, derealisation",
    "hallucinations, misperceptions",
    "depression",
    "obsessions",
    "paranoid thoughts",
    "rage, aggression, irritability",
    "poor memory/concentration",
    "intrusive memories",
    "craving",
    "headache",
    "pain/stiffness",
    "tingling, numbness, altered sensation",
    "weakness",
    "fatigue",
    "flu-like",
    "muscle twitches",
    "tremor",
    "dizziness, light-headedness, poor balance",
    "blurred/double vision",
    "hypersensitivity (light, sound, touch, taste, smell)",
    "nausea",
    "vomiting",
    "diarrhoea",
    "constipation",
    "GI (pain)",
    "distension",
    "difficulty swallowing",
    "appetite/weight change",
    "dry mouth",
    "metallic taste",
    "unusual smell",
    "urinary",
    "menstrual",
    "rashes, itching",
    "fits",
]


def printed(text):
    return text.replace("-", EN_DASH)


def equivalent(code, source):
    rows = [row for row in catalog.medication(code)["diazepam_equivalents"] if row["source"] == source]
    assert len(rows) == 1, (code, source)
    return rows[0]


def source_terms(source):
    return " | ".join(item["source_terms"].get(source, "") for item in catalog.symptoms())


class TestFiles:
    @pytest.mark.parametrize("name", [catalog.SYMPTOMS_FILE, catalog.MEDICATIONS_FILE])
    def test_file_is_utf8_json_with_a_date_version(self, name):
        document = json.loads((CATALOG_DIR / name).read_bytes().decode("utf-8"))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", document["version"])

    def test_both_files_share_the_catalog_version(self):
        assert (
            catalog.catalog_version()
            == json.loads((CATALOG_DIR / catalog.SYMPTOMS_FILE).read_text())["version"]
        )

    def test_package_data_ships_the_json(self):
        import fnmatch
        import tomllib

        pyproject = tomllib.loads((CATALOG_DIR.parents[1] / "pyproject.toml").read_text())
        patterns = pyproject["tool"]["setuptools"]["package-data"]
        rules = patterns.get("shared.catalog", []) + patterns.get("*", [])
        for path in CATALOG_DIR.glob("*.json"):
            assert any(fnmatch.fnmatch(path.name, rule) for rule in rules), path.name


class TestTranslations:
    def test_every_translation_names_a_catalogue_code_and_every_code_is_translated(self):
        spanish = catalog.translations("es")
        assert set(spanish["symptoms"]) == {item["code"] for item in catalog.symptoms()}
        assert set(spanish["medications"]) == {item["code"] for item in catalog.medications()}

    def test_every_red_flag_and_only_a_red_flag_has_a_spanish_reason_pointing_to_urgent_care(self):
        spanish = catalog.translations("es")["symptoms"]
        for code, entry in spanish.items():
            if code in catalog.red_flag_codes():
                assert re.search(r"urgencias|emergencias", entry["red_flag_reason"]), code
            else:
                assert "red_flag_reason" not in entry, code

    def test_names_in_a_language_fall_back_to_english_and_unknown_codes_give_none(self):
        assert catalog.symptom_label("insomnia", "es") == "Dificultad para dormirse o para seguir dormido"
        assert catalog.symptom_label("insomnia") == catalog.symptom("insomnia")["label"]
        assert catalog.medication_name("zopiclone", "es") == "Zopiclona"
        assert catalog.medication_name("zopiclone", "en") == "Zopiclone"
        assert catalog.symptom_label("not_a_symptom", "es") is None
        assert catalog.medication_name("not_a_drug", "es") is None
        assert catalog.translations("en") == {"symptoms": {}, "medications": {}}

    def test_translations_share_the_catalogue_version(self):
        for language in ("es",):
            document = json.loads((CATALOG_DIR / f"{language}.json").read_text(encoding="utf-8"))
            assert document["version"] == catalog.catalog_version()


class TestSources:
    def test_every_source_has_title_and_url(self):
        for source_id, source in catalog.sources().items():
            assert SNAKE.match(source_id), source_id
            assert source["title"].strip(), source_id
            assert source["url"].startswith(("http://", "https://")), source_id

    def test_source_ids_do_not_collide_between_files(self):
        symptom_ids = json.loads((CATALOG_DIR / catalog.SYMPTOMS_FILE).read_text())["sources"]
        medication_ids = json.loads((CATALOG_DIR / catalog.MEDICATIONS_FILE).read_text())["sources"]
        assert not set(symptom_ids) & set(medication_ids)

    def test_every_referenced_source_exists(self):
        known = set(catalog.sources())
        referenced = {catalog.severity_scale()["source"]}
        for item in catalog.symptoms():
            referenced |= set(item["sources"]) | set(item.get("red_flag_sources", []))
        for item in catalog.medications():
            referenced.add(item["default_factor_source"])
            referenced |= {row["source"] for row in item["diazepam_equivalents"]}
            if item["half_life_hours"]:
                referenced.add(item["half_life_hours"]["source"])
            if item["aliases"]:
                referenced.add(item["aliases_source"])
        assert referenced <= known, referenced - known


class TestSymptoms:
    def test_codes_are_unique_snake_case(self):
        codes = [item["code"] for item in catalog.symptoms()]
        assert len(codes) == len(set(codes))
        assert all(SNAKE.match(code) for code in codes), codes

    def test_every_symptom_is_complete(self):
        for item in catalog.symptoms():
            assert item["label"].strip() and item["synonyms"], item["code"]
            assert item["group"] in {"psychological", "physical"}, item["code"]
            assert item["sources"] and set(item["sources"]) == set(item["source_terms"]), item["code"]
            assert isinstance(item["bzd_specific"], bool) and isinstance(item["verified"], bool)

    def test_red_flags_are_exactly_the_product_set(self):
        assert catalog.red_flag_codes() == RED_FLAGS
        for code in RED_FLAGS:
            assert catalog.symptom(code)["red_flag_reason"].endswith("now."), code

    def test_domain_is_set_only_where_jcpg_lists_the_symptom(self):
        for item in catalog.symptoms():
            assert (item["domain"] is not None) == ("jcpg_2025_table3" in item["sources"]), item["code"]

    def test_bzd_specific_follows_its_source(self):
        specific = {item["code"] for item in catalog.symptoms() if item["bzd_specific"]}
        assert specific == {
            item["code"] for item in catalog.symptoms() if "bzd_specific_list" in item["sources"]
        }
        assert {"depersonalisation_derealisation", "muscle_twitches", "tingling_numbness"} <= specific
        assert "anxiety" not in specific

    @pytest.mark.parametrize("term", JCPG_TABLE_3)
    def test_every_jcpg_table_3_sign_is_covered(self, term):
        assert term in source_terms("jcpg_2025_table3")

    @pytest.mark.parametrize("term", ASHTON_TABLE_1)
    def test_every_ashton_table_1_row_is_covered(self, term):
        assert term in source_terms("ashton_table1")

    def test_blank_ashton_rows_are_marked_unverified(self):
        unverified = {item["code"] for item in catalog.symptoms() if not item["verified"]}
        assert unverified == {"tinnitus", "sweating", "palpitations", "flushing", "over_breathing"}
        for code in unverified:
            item = catalog.symptom(code)
            assert item["unverified_sources"] == ["ashton_table1"]
            assert "[UNVERIFIED" in item["note"]

    def test_severity_scale_has_the_ciwa_b_anchors(self):
        scale = catalog.severity_scale()
        labels = {level["value"]: level["label"] for level in scale["levels"]}
        assert labels[0] == "Not at all"
        assert labels[4] == "Very much so"
        assert sorted(labels) == [0, 1, 2, 3, 4]

    def test_unknown_symptom_is_none(self):
        assert catalog.symptom("not_a_symptom") is None


class TestMedications:
    def test_codes_are_unique_snake_case(self):
        codes = [item["code"] for item in catalog.medications()]
        assert len(codes) == len(set(codes))
        assert all(SNAKE.match(code) for code in codes), codes

    def test_every_medication_is_complete(self):
        for item in catalog.medications():
            assert item["class"] in {"benzodiazepine", "z-drug"}, item["code"]
            assert item["diazepam_equivalents"], item["code"]
            sources = [row["source"] for row in item["diazepam_equivalents"]]
            assert item["default_factor_source"] in sources, item["code"]

    def test_the_catalogue_is_exactly_table_7_and_nhs_scotland(self):
        assert {item["code"] for item in catalog.medications()} == set(TABLE_7) | set(NHS_SCOTLAND)

    @pytest.mark.parametrize("code", sorted(TABLE_7))
    def test_table_7_columns_as_printed(self, code):
        ashton, va_dod = TABLE_7[code]
        assert equivalent(code, "jcpg_2025_table7_ashton")["range"] == printed(ashton)
        assert equivalent(code, "jcpg_2025_table7_vadod")["range"] == printed(va_dod)
        assert catalog.medication(code)["default_factor_source"] == "jcpg_2025_table7_ashton"

    @pytest.mark.parametrize("code", sorted(NHS_SCOTLAND))
    def test_nhs_scotland_10mg_column_is_derived_from_5mg(self, code):
        per_5mg, per_10mg = NHS_SCOTLAND[code]
        row = equivalent(code, "nhs_scotland_switching")
        assert row["range"] == printed(per_10mg)
        assert row["derived_from"] == {"per_mg_diazepam": 5, "printed": printed(per_5mg)}
        if code not in TABLE_7:
            assert catalog.medication(code)["default_factor_source"] == "nhs_scotland_switching"

    def test_numbers_match_their_printed_ranges(self):
        for item in catalog.medications():
            for row in item["diazepam_equivalents"]:
                low, _, high = row["range"].partition(EN_DASH)
                value = row["mg_equivalent_to_10mg_diazepam"]
                if high:
                    assert value == (float(low) + float(high)) / 2, (item["code"], row)
                    assert "midpoint" in row["value_basis"]
                else:
                    assert value == float(low), (item["code"], row)

    def test_specific_values(self):
        assert equivalent("alprazolam", "jcpg_2025_table7_vadod")["mg_equivalent_to_10mg_diazepam"] == 1
        assert equivalent("zolpidem", "nhs_scotland_switching")["mg_equivalent_to_10mg_diazepam"] == 20
        assert equivalent("flurazepam", "jcpg_2025_table7_ashton")["mg_equivalent_to_10mg_diazepam"] == 22.5
        assert catalog.medication("zopiclone")["class"] == "z-drug"

    def test_aliases_are_only_the_brand_names_in_domain_md(self):
        aliases = {item["code"]: item["aliases"] for item in catalog.medications() if item["aliases"]}
        assert aliases == {
            "alprazolam": ["Xanax"],
            "clonazepam": ["Klonopin"],
            "diazepam": ["Valium"],
            "lorazepam": ["Ativan"],
        }

    def test_reference_note_says_not_dosing_advice(self):
        note = catalog.reference_note()
        assert "approximate" in note
        assert "never dosing advice" in note

    def test_unknown_medication_is_none(self):
        assert catalog.medication("not_a_drug") is None


class TestDiazepamFactor:
    @pytest.mark.parametrize(
        ("code", "factor", "source"),
        [
            ("diazepam", 1.0, "jcpg_2025_table7_ashton"),
            ("lorazepam", 10.0, "jcpg_2025_table7_ashton"),
            ("clonazepam", 20.0, "jcpg_2025_table7_ashton"),
            ("temazepam", 0.5, "jcpg_2025_table7_ashton"),
            ("zolpidem", 0.5, "nhs_scotland_switching"),
        ],
    )
    def test_factor_and_citation(self, code, factor, source):
        value, citation = catalog.diazepam_factor(code)
        assert value == factor
        assert citation["id"] == source
        assert citation["url"] == catalog.sources()[source]["url"]
        assert citation["title"]

    def test_midpoint_is_cited_as_a_midpoint(self):
        value, citation = catalog.diazepam_factor("estazolam")
        assert value == pytest.approx(10 / 1.5)
        assert citation["range"] == printed("1-2")
        assert citation["value_basis"] == "midpoint of printed range"

    def test_unknown_code_is_none(self):
        assert catalog.diazepam_factor("not_a_drug") is None
