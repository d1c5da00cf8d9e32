"""GET /v1/catalog/symptoms and /medications: the catalogues as shared/catalog holds them, cacheable."""

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


def test_both_are_in_the_openapi_document_as_public_operations(client):
    paths = client.get("/openapi.json").json["paths"]
    for path in ("/v1/catalog/symptoms", "/v1/catalog/medications"):
        operation = paths[path]["get"]
        assert operation["security"] == []
        assert "200" in operation["responses"]
        assert "304" in operation["responses"]


def test_a_client_that_takes_no_json_is_told_so(client):
    for path in ("/v1/catalog/symptoms", "/v1/catalog/medications"):
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 406
        assert client.get(path, headers={"Accept": "text/html, */*;q=0.1"}).status_code == 200
        assert client.get(path).status_code == 200
