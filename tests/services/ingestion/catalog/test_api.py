"""GET /v1/catalog/symptoms and /medications: the catalogues as shared/catalog holds them, each entry with its
words in the other languages, cacheable."""

import re

from shared import catalog


class TestSymptomCatalog:
    def test_lists_every_symptom_with_the_scale_version_and_cited_sources(self, client):
        r = client.get("/v1/catalog/symptoms")
        assert r.status_code == 200
        body = r.json
        assert body["version"] == catalog.catalog_version()
        assert [s["code"] for s in body["symptoms"]] == [s["code"] for s in catalog.symptoms()]
        assert body["severity_scale"]["levels"][0]["label"] == "Not at all"
        cited = {source for s in body["symptoms"] for source in s["sources"]}
        assert cited <= set(body["sources"])
        seizure = next(s for s in body["symptoms"] if s["code"] == "seizure")
        assert seizure["red_flag"] is True
        assert "convulsion" in seizure["synonyms"]

    def test_is_public_and_cacheable_with_an_etag(self, client):
        r = client.get("/v1/catalog/symptoms")
        assert "public" in r.headers["Cache-Control"]
        etag = r.headers["ETag"]
        again = client.get("/v1/catalog/symptoms", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        stale = client.get("/v1/catalog/symptoms", headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200

    def test_each_symptom_carries_its_spanish_words_and_only_a_red_flag_a_reason(self, client):
        symptoms = client.get("/v1/catalog/symptoms").json["symptoms"]
        for served in symptoms:
            code = served["code"]
            assert set(served["translations"]) == {"es"}, code  # English is the entry itself
            spanish = served["translations"]["es"]
            assert spanish["label"] == catalog.symptom_label(code, "es"), code
            assert spanish["synonyms"] == catalog.translations("es")["symptoms"][code]["synonyms"], code
            if served["red_flag"]:
                assert re.search(r"urgencias|emergencias", spanish["red_flag_reason"]), code
            else:
                assert "red_flag_reason" not in spanish, code
            # The English words are the catalogue's, untouched, and the shared entry gains nothing.
            assert {k: v for k, v in served.items() if k != "translations"} == catalog.symptom(code)
            assert "translations" not in catalog.symptom(code)
        dizzy = next(s for s in symptoms if s["code"] == "dizziness_balance")
        assert dizzy["translations"]["es"]["label"] == "Mareo, aturdimiento o falta de equilibrio"
        assert "mareo" in dizzy["translations"]["es"]["synonyms"]


class TestMedicationCatalog:
    def test_lists_generics_with_brand_aliases_and_the_reference_note(self, client):
        r = client.get("/v1/catalog/medications")
        assert r.status_code == 200
        body = r.json
        assert body["version"] == catalog.catalog_version()
        assert body["reference_note"] == catalog.reference_note()
        diazepam = next(m for m in body["medications"] if m["code"] == "diazepam")
        assert "Valium" in diazepam["aliases"]
        for medication in body["medications"]:
            for row in medication["diazepam_equivalents"]:
                assert row["source"] in body["sources"]
        etag = r.headers["ETag"]
        assert etag != client.get("/v1/catalog/symptoms").headers["ETag"]
        assert client.get("/v1/catalog/medications", headers={"If-None-Match": etag}).status_code == 304

    def test_each_medication_carries_its_spanish_name_and_brands(self, client):
        medications = client.get("/v1/catalog/medications").json["medications"]
        for served in medications:
            code = served["code"]
            assert served["translations"] == {"es": catalog.translations("es")["medications"][code]}, code
            assert {k: v for k, v in served.items() if k != "translations"} == catalog.medication(code)
        by_code = {m["code"]: m for m in medications}
        assert by_code["zopiclone"]["translations"]["es"]["name"] == "Zopiclona"
        assert "Orfidal" in by_code["lorazepam"]["translations"]["es"]["aliases"]
        assert by_code["lorazepam"]["aliases"] == ["Ativan"]  # the English brands stay apart


def test_both_are_in_the_openapi_document_as_public_operations(client):
    paths = client.get("/openapi.json").json["paths"]
    for path in ("/v1/catalog/symptoms", "/v1/catalog/medications"):
        operation = paths[path]["get"]
        assert operation["security"] == []
        assert "200" in operation["responses"]
        assert "304" in operation["responses"]


def test_the_openapi_document_describes_the_translations(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    for entry, words in (
        ("Symptom", {"label", "synonyms", "red_flag_reason"}),
        ("Medication", {"name", "aliases"}),
    ):
        translations = schemas[entry]["properties"]["translations"]
        assert "English" in translations["description"]
        translation = schemas[translations["additionalProperties"]["$ref"].rsplit("/", 1)[1]]
        assert set(translation["properties"]) == words
        assert all(field.get("description") for field in translation["properties"].values())


def test_a_client_that_takes_no_json_is_told_so(client):
    for path in ("/v1/catalog/symptoms", "/v1/catalog/medications"):
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 406
        assert client.get(path, headers={"Accept": "text/html, */*;q=0.1"}).status_code == 200
        assert client.get(path).status_code == 200
