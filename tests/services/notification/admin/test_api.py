"""The admin JSON API: token-authenticated reads and actions, problem+json errors."""

from __future__ import annotations

import pytest

from shared.mongo import mongo
from shared.web import json_body
from tests.factories import waitlist


def test_lists_with_filters_and_validates_them(client, api_headers):
    waitlist.entry(1)
    waitlist.entry(2, status="pending")
    body = client.get("/admin/api/entries?status=pending", headers=api_headers).get_json()
    assert [e["email"] for e in body["items"]] == ["Person.2@Example.org"]
    assert body["has_next"] is False
    bad = client.get("/admin/api/entries?sort=random", headers=api_headers)
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    assert bad.get_json()["invalid_params"][0]["name"] == "sort"


def test_entry_detail_includes_consent_and_position(client, api_headers):
    entry = waitlist.entry(1)
    body = client.get(f"/admin/api/entries/{entry['_id']}", headers=api_headers).get_json()
    assert body["consent"]["ip"] == "203.0.113.7"
    assert body["position"] == 1
    assert body["emails"] == []


def test_invite_next_and_erase_are_audited_as_api(client, api_headers, mailbox):
    first, second = waitlist.entry(1), waitlist.entry(2)
    response = client.post("/admin/api/invitations", json={"next": 1}, headers=api_headers)
    assert response.get_json()["invited"] == 1
    assert mailbox.wait_for(1)[0]["To"] == first["email"]
    assert client.delete(f"/admin/api/entries/{second['_id']}", headers=api_headers).status_code == 204
    assert client.delete(f"/admin/api/entries/{second['_id']}", headers=api_headers).status_code == 404
    assert {a["via"] for a in mongo.db.admin_audit.find({"action": {"$in": ["invite", "erase"]}})} == {"api"}


def test_invitations_need_json_and_one_choice(client, api_headers):
    assert client.post("/admin/api/invitations", data="next=1", headers=api_headers).status_code == 415
    both = client.post(
        "/admin/api/invitations", json={"next": 1, "entry_ids": ["a" * 32]}, headers=api_headers
    )
    assert both.status_code == 422


def test_stats_and_audit(client, api_headers, redis):
    waitlist.entry(1)
    stats = client.get("/admin/api/stats", headers=api_headers).get_json()
    assert stats["total"] == 1 and stats["confirmation_rate"] == 1.0
    assert client.get("/admin/api/audit", headers=api_headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, json_body.TOO_DEEP),
        ('{"next": ' + "9" * 5000 + "}", json_body.BIG_NUMBER),
        ('{"entry_ids": ["\\udfff"]}', json_body.NOT_TEXT),
    ],
)
def test_hostile_json_is_a_400_problem(client, api_headers, body, reason):
    # This API reads its body with Flask's request.get_json, through the same parser as the others.
    response = client.post(
        "/admin/api/invitations", data=body, headers=api_headers, content_type="application/json"
    )
    assert (response.status_code, response.mimetype) == (400, "application/problem+json")
    assert response.json["invalid_params"][0]["reason"] == reason


def test_problems_stay_english_for_staff_whatever_the_browser_asks(anon, client, api_headers):
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    refused = anon.get("/admin/api/entries", headers=spanish)
    assert refused.status_code == 401 and refused.json["title"] == "Authentication required"
    assert refused.headers["Content-Language"] == "en"
    bad = client.get("/admin/api/entries?sort=random", headers=api_headers | spanish)
    assert (bad.status_code, bad.json["title"]) == (422, "Invalid input")
    assert bad.json["invalid_params"][0]["reason"].startswith("Must be one of:")
    # The public sign-up beside it answers the same browser in Spanish.
    public = anon.post("/v1/waitlist", json={"consent": True}, headers=spanish)
    assert public.json["title"] == "Datos no válidos"
