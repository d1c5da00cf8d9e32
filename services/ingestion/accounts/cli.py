"""Operator commands: `flask --app services.ingestion.wsgi accounts dev-token EMAIL`, and invitations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from services.ingestion.accounts import service, zones
from shared import invitations, users
from shared.email import address_key
from shared.runtime import runtime_of

accounts_cli = AppGroup("accounts", help="Accounts for local development and scripts.")


@accounts_cli.command("dev-token")
@click.argument("email")
@click.option("--name", default="Developer", show_default=True)
@click.option("--time-zone", default="UTC", show_default=True)
def dev_token(email: str, name: str, time_zone: str) -> None:
    """Create the account if needed and print only a new device token (for scripts and load tests)."""
    if time_zone not in zones.time_zones():
        raise click.BadParameter("use an IANA time zone name", param_hint="--time-zone")
    user = users.find_by_email(address_key(email))
    if user is None:
        consent = {"recorded_by": "operator (dev-token command)"}
        user = service.create_account(email, name, time_zone, consent)
    token, _device = service.issue_device_token(user["_id"], "dev-token", "other")
    click.echo(token)


@accounts_cli.command("invite")
@click.argument("email")
@click.option("--name", default=None)
def invite(email: str, name: str | None) -> None:
    """Create an invitation for development and print its link (no email is sent)."""
    _invitation, url = invitations.create_invitation(
        runtime_of().settings, email=email, name=name, created_by="cli"
    )
    click.echo(url)
