"""`paylater backoffice`: operator accounts and the first user of a merchant's portal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Connection

from paylater.backoffice import accounts, api_tokens
from paylater.backoffice.models import MERCHANT_ROLES, OPERATOR_ROLES
from paylater.config import Settings
from paylater.kit.errors import DomainError
from paylater.merchants.service import get_merchant
from paylater.sandbox import service as sandbox

backoffice_app = typer.Typer(
    help="Staff accounts: back-office operators and merchant portal users.", no_args_is_help=True
)
console = Console()
T = TypeVar("T")


def _in_database(work: Callable[[Connection, datetime], T]) -> T:
    """Run ``work`` (given the clock's time) in one transaction; a refusal is printed and ends
    the command with exit code 1."""
    database, clock = sandbox.database_and_clock()
    try:
        return database.run(lambda connection: work(connection, clock.now()))
    except DomainError as refusal:
        console.print(f"[red]{'; '.join(refusal.messages)}[/red]")
        raise typer.Exit(1) from refusal
    finally:
        database.dispose()


@backoffice_app.command("create-operator")
def create_operator(
    email: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(OPERATOR_ROLES)}")] = "operator",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="PAYLATER_OPERATOR_PASSWORD",
            help="At least 10 characters (asked when not given)",
        ),
    ] = "",
) -> None:
    """Add a back-office operator who signs in at /backoffice/login."""
    operator_id = _in_database(
        lambda c, now: accounts.create_operator(c, email, role=role, password=password, at=now)
    )
    console.print(f"operator {operator_id} ({role}) created")


@backoffice_app.command("invite-merchant-user")
def invite_merchant_user(
    merchant_id: str,
    email: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(MERCHANT_ROLES)}")] = "owner",
) -> None:
    """Invite a merchant's first portal user by e-mail; the link is printed too."""
    settings = Settings()

    def work(connection: Connection, now: datetime) -> tuple[str, str]:
        get_merchant(connection, merchant_id)
        return accounts.invite_user(
            connection, merchant_id, email, role=role, base_url=settings.public_url, at=now
        )

    user_id, link = _in_database(work)
    console.print(f"user {user_id} invited; invitation link: {link}")


@backoffice_app.command("operator-token")
def operator_token(
    email: str,
    label: Annotated[str, typer.Option(help="What the token is for, e.g. a script's name")] = "",
) -> None:
    """Issue an admin API token for an operator; calls made with it are audited under them.
    The token is shown once: keep it."""
    key = Settings().hashing_key
    token = _in_database(lambda c, now: api_tokens.issue(c, email, key=key, label=label, at=now))
    console.print(f"admin API token for {email} (shown once): {token}")


@backoffice_app.command("revoke-operator-tokens")
def revoke_operator_tokens(email: str) -> None:
    """Revoke every admin API token of an operator."""
    revoked = _in_database(lambda c, now: api_tokens.revoke_all(c, email, at=now))
    console.print(f"{revoked} token(s) of {email} revoked")
