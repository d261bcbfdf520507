"""`paylater backoffice`: operator accounts and the first user of a merchant's portal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from paylater.backoffice import accounts
from paylater.backoffice.models import MERCHANT_ROLES, OPERATOR_ROLES
from paylater.config import Settings
from paylater.kit.errors import DomainError
from paylater.merchants.service import get_merchant
from paylater.sandbox import service as sandbox

backoffice_app = typer.Typer(
    help="Staff accounts: back-office operators and merchant portal users.", no_args_is_help=True
)
console = Console()


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
    database, clock = sandbox.database_and_clock()
    try:
        operator_id = database.run(
            lambda c: accounts.create_operator(
                c, email, role=role, password=password, at=clock.now()
            )
        )
    except DomainError as refusal:
        console.print(f"[red]{'; '.join(refusal.messages)}[/red]")
        raise typer.Exit(1) from refusal
    finally:
        database.dispose()
    console.print(f"operator {operator_id} ({role}) created")


@backoffice_app.command("invite-merchant-user")
def invite_merchant_user(
    merchant_id: str,
    email: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(MERCHANT_ROLES)}")] = "owner",
) -> None:
    """Invite a merchant's first portal user by e-mail; the link is printed too."""
    settings = Settings()
    database, clock = sandbox.database_and_clock()

    def work(connection: object) -> tuple[str, str]:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        get_merchant(connection, merchant_id)
        return accounts.invite_user(
            connection, merchant_id, email, role=role, base_url=settings.public_url, at=clock.now()
        )

    try:
        user_id, link = database.run(work)
    except DomainError as refusal:
        console.print(f"[red]{'; '.join(refusal.messages)}[/red]")
        raise typer.Exit(1) from refusal
    finally:
        database.dispose()
    console.print(f"user {user_id} invited; invitation link: {link}")
