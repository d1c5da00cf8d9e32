"""`flask --app services.notification.wsgi admin ...`: admins, their API tokens, the stats' counters."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from services.notification.admin import accounts, audit
from services.notification.waitlist import repository

admin_cli = AppGroup("admin", help="Manage admin accounts and API tokens.")
token_cli = AppGroup("token", help="Create and revoke admin API tokens.")
admin_cli.add_command(token_cli)


def _account(email: str) -> dict:
    account = accounts.find_by_email(email)
    if account is None:
        raise click.ClickException(f"no admin account for {email}")
    return account


@admin_cli.command("create")
@click.argument("email")
@click.password_option(help="Asked for twice when not given.")
def create(email: str, password: str) -> None:
    """Create an admin account (the password is asked for twice, and not echoed)."""
    try:
        account = accounts.create_account(email, password)
    except accounts.AccountExists:
        raise click.ClickException(f"an admin account for {email} already exists") from None
    except accounts.WeakPassword as exc:
        raise click.ClickException(f"password too short: {exc}") from None
    audit.record(account, "create admin", account["email"], via="cli")
    click.echo(f"Created admin {account['email']}.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
def token_create(email: str, name: str) -> None:
    """Create an API token for EMAIL and print it once."""
    account = _account(email)
    token, record = accounts.create_token(account["_id"], name)
    audit.record(account, "create api token", record["prefix"], via="cli", name=name)
    click.echo("This token is shown once. Store it somewhere safe:")
    click.echo(token)


@token_cli.command("revoke")
@click.argument("email")
@click.argument("prefix")
def token_revoke(email: str, prefix: str) -> None:
    """Revoke EMAIL's token that starts with PREFIX (as listed by `admin token list`)."""
    account = _account(email)
    if not accounts.revoke_token(account["_id"], prefix):
        raise click.ClickException("no live token with that prefix")
    audit.record(account, "revoke api token", prefix, via="cli")
    click.echo("Revoked.")


@token_cli.command("list")
@click.argument("email")
def token_list(email: str) -> None:
    """List EMAIL's tokens (prefix, name, created, last used, revoked)."""
    for record in accounts.tokens_of(_account(email)["_id"]):
        state = f"revoked {record['revoked_at']:%Y-%m-%d}" if record["revoked_at"] else "live"
        used = f"{record['last_used_at']:%Y-%m-%d %H:%M}" if record["last_used_at"] else "never"
        click.echo(
            f"{record['prefix']}  {record['name']}  "
            f"created {record['created_at']:%Y-%m-%d}  used {used}  {state}"
        )


@admin_cli.command("recount")
def recount() -> None:
    """Count the waitlist's stats counters again from the entries (at a quiet moment: one pass)."""
    click.echo(f"Counted {repository.recount():,} entries.")
