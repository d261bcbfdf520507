"""Staff accounts for the embedded sandbox: a merchant owner and an admin operator, so the demo's
merchant portal and back office can be opened at once. Never used outside sandbox mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from paylater.backoffice import accounts
from paylater.backoffice.models import merchant_users, operators
from paylater.consumers.service import normalize_email

DEMO_MERCHANT_USER = "merchant@demo.paylater.example"
DEMO_OPERATOR = "operator@demo.paylater.example"
DEMO_PASSWORD = "sandbox-only-password"  # noqa: S105 - the sandbox's published demo login


def seed_demo_accounts(connection: Connection, merchant_id: str, *, at: datetime) -> dict[str, str]:
    """Create the demo logins once (a second call changes nothing); returns them."""
    user = connection.execute(
        select(merchant_users.c.id).where(merchant_users.c.email == DEMO_MERCHANT_USER)
    ).first()
    if user is None:
        _, link = accounts.invite_user(
            connection, merchant_id, DEMO_MERCHANT_USER, role="owner", base_url="http://demo", at=at
        )
        accounts.accept_invitation(connection, link.rsplit("/", 1)[1], DEMO_PASSWORD, now=at)
    operator = connection.execute(
        select(operators.c.id).where(operators.c.email == normalize_email(DEMO_OPERATOR))
    ).first()
    if operator is None:
        accounts.create_operator(
            connection, DEMO_OPERATOR, role="admin", password=DEMO_PASSWORD, at=at
        )
    return {
        "merchant_portal": "/merchant/login",
        "merchant_user": DEMO_MERCHANT_USER,
        "back_office": "/backoffice/login",
        "operator": DEMO_OPERATOR,
        "password": DEMO_PASSWORD,
    }
