"""`flask admin ...`: creating admins (password asked twice) and API tokens."""

from __future__ import annotations

from services.notification.admin import accounts
from shared.mongo import mongo


def test_create_asks_twice_and_refuses_short_passwords(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["admin", "create", "ops@example.org"], input="short\nshort\n")
    assert short.exit_code != 0 and "too short" in short.output
    mismatch = runner.invoke(args=["admin", "create", "ops@example.org"], input="a long password 1\nother\n")
    assert mismatch.exit_code != 0
    ok = runner.invoke(
        args=["admin", "create", "Ops@Example.org"], input="a long password 1\na long password 1\n"
    )
    assert ok.exit_code == 0, ok.output
    assert "a long password" not in ok.output
    assert accounts.check_password("ops@example.org", "a long password 1") is not None
    again = runner.invoke(
        args=["admin", "create", "ops@example.org"], input="a long password 1\na long password 1\n"
    )
    assert "already exists" in again.output


def test_token_create_prints_it_once_and_revoke_ends_it(app, admin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "token", "create", admin["email"], "--name", "nightly export"])
    token = result.output.strip().splitlines()[-1]
    assert accounts.account_for_token(token)["_id"] == admin["_id"]
    prefix = mongo.db.admin_api_tokens.find_one()["prefix"]
    assert prefix in runner.invoke(args=["admin", "token", "list", admin["email"]]).output
    assert runner.invoke(args=["admin", "token", "revoke", admin["email"], prefix]).exit_code == 0
    assert accounts.account_for_token(token) is None
    assert mongo.db.admin_audit.count_documents({"via": "cli"}) == 2
