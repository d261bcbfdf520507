"""Helpers for the staff pages' tests: accounts, signing in, CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from paylater.backoffice import accounts
from paylater.db import Database
from paylater.kit.clock import Clock
from paylater.notifications.models import messages

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def add_merchant_user(
    database: Database, clock: Clock, merchant_id: str, email: str, role: str = "owner"
) -> str:
    """An active merchant user (invited, then the invitation accepted), returns its id."""

    def work(connection: Connection) -> str:
        _, link = accounts.invite_user(
            connection, merchant_id, email, role=role, base_url="http://x", at=clock.now()
        )
        token = link.rsplit("/", 1)[1]
        return accounts.accept_invitation(connection, token, PASSWORD, now=clock.now())

    return database.run(work)


def add_operator(database: Database, clock: Clock, email: str, role: str = "operator") -> str:
    return database.run(
        lambda c: accounts.create_operator(c, email, role=role, password=PASSWORD, at=clock.now())
    )


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    found = _TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def log_in(client: TestClient, area: str, email: str, password: str = PASSWORD) -> Any:
    """Sign in to ``area`` ("merchant" or "backoffice")."""
    token = csrf(client, f"/{area}/login")
    return client.post(
        f"/{area}/login",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )


def post(client: TestClient, path: str, form_page: str, **fields: str) -> Any:
    """POST a form the way the browser does, with the CSRF token of ``form_page``."""
    token = csrf(client, form_page)
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def last_mail(database: Database, to: str, kind: str) -> str:
    row = database.run(
        lambda c: c.execute(
            select(messages.c.text_body)
            .where(messages.c.to_address == to, messages.c.kind == kind)
            .order_by(messages.c.created_at.desc())
        ).first(),
        readonly=True,
    )
    assert row is not None
    return str(row.text_body)
