"""The admin API: cases, the CSV export, write-offs in the ledger, and the admin token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.app import create_app
from paylater.billing.models import instalments
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import AccountKind, account, balance, verify
from tests.api.flows import (
    assert_error,
    authorize,
    capture,
    consumer,
    create_order,
    order_consumer,
)
from tests.collections.support import ADMIN, TODAY, Debt, at_nine, cases, pay, set_due_dates

HEADER = "case_id,consumer_name,email,country,order_id,currency,amount_owed,days_overdue,opened_on"


def test_cases_are_listed_and_filtered_by_status(
    client: TestClient,
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    paid = make_debt([70, -20, -50])
    owing = make_debt([61, -20, -50], email="bo@example.com")
    assert run_day(TODAY) == 2
    pay(database, paid, 90_000, TODAY)
    pay(database, owing, 10_000, TODAY)
    assert run_day(TODAY + timedelta(days=1)) == 1

    every = client.get("/admin/v1/collections/cases", headers=ADMIN)
    assert every.status_code == 200, every.text
    assert {case["order_id"] for case in every.json()} == {paid.order_id, owing.order_id}
    [open_case] = client.get("/admin/v1/collections/cases?status=open", headers=ADMIN).json()
    assert open_case == {
        "case_id": open_case["case_id"],
        "consumer_id": owing.consumer_id,
        "order_id": owing.order_id,
        "country": "SE",
        "currency": "SEK",
        "amount_owed_at_opening": 90_000,
        "amount_owed": 80_000,
        "oldest_due_date": (TODAY - timedelta(days=61)).isoformat(),
        "days_overdue_at_opening": 61,
        "opened_on": TODAY.isoformat(),
        "status": "open",
        "closed_on": None,
        "written_off_amount": None,
        "write_off_entry_id": None,
    }
    [closed] = client.get("/admin/v1/collections/cases?status=closed", headers=ADMIN).json()
    assert (closed["order_id"], closed["closed_on"]) == (paid.order_id, "2027-03-16")
    assert client.get("/admin/v1/collections/cases?country=FR", headers=ADMIN).json() == []
    one = client.get("/admin/v1/collections/cases?limit=1&offset=1", headers=ADMIN).json()
    assert len(one) == 1
    assert_error(
        client.get("/admin/v1/collections/cases?status=lost", headers=ADMIN), 400, "BAD_VALUE"
    )
    assert_error(client.get("/admin/v1/collections/cases?limit=0", headers=ADMIN), 400, "BAD_VALUE")


def test_the_export_lists_open_cases_exactly(
    client: TestClient,
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
    run_day: Callable[..., int],
) -> None:
    first = make_debt([61, -20, -50], amount=100_001)  # 33 335 + 33 333 + 33 333
    tricky = make_debt(
        [60, -20, -50],
        email="=x@example.com",
        given_name="=HYPERLINK(1)",
        family_name="Smith, Jr.",
    )
    french = make_debt([40, 20, -50], email="bo@example.fr", country="FR", given_name="Bo")
    closed = make_debt([75, -20, -50], email="cy@example.com")
    assert run_day(TODAY) == 2  # first and closed
    assert run_day(TODAY, "FR") == 0  # 40 days is not past the threshold
    pay(database, closed, 90_000, TODAY)
    day = TODAY + timedelta(days=1)
    assert run_day(day) == 2  # closed one, opened tricky
    assert run_day(day + timedelta(days=20), "FR") == 1
    pay(database, first, 1, day)  # what is owed now is exported

    clock.set(at_nine(day + timedelta(days=30)))
    answer = client.get("/admin/v1/collections/export.csv", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="collections-2027-04-15.csv"'
    )
    ids = {case.order_id: case.id for case in cases(database, status="open")}
    assert answer.text == (
        f"{HEADER}\r\n"
        f"{ids[first.order_id]},Anna Svensson,anna@example.com,SE,{first.order_id},SEK,"
        "1000.00,92,2027-03-15\r\n"
        f"{ids[tricky.order_id]},\"'=HYPERLINK(1) Smith, Jr.\",'=x@example.com,SE,"
        f"{tricky.order_id},SEK,900.00,91,2027-03-16\r\n"
        f"{ids[french.order_id]},Bo Svensson,bo@example.fr,FR,{french.order_id},EUR,"
        "900.00,71,2027-04-05\r\n"
    )
    only_fr = client.get("/admin/v1/collections/export.csv?country=FR", headers=ADMIN).text
    assert only_fr.count("\r\n") == 2 and french.order_id in only_fr


def test_an_empty_export_is_the_header(client: TestClient) -> None:
    answer = client.get("/admin/v1/collections/export.csv", headers=ADMIN)
    assert answer.text == f"{HEADER}\r\n"


def _write_off(client: TestClient, case_id: str) -> Any:
    return client.post(f"/admin/v1/collections/cases/{case_id}/write-off", headers=ADMIN)


def test_a_write_off_posts_credit_losses_once(
    client: TestClient,
    merchant: dict[str, Any],
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1
    pay(database, debt, 25_000, TODAY)
    [case] = cases(database)
    clock.set(at_nine(TODAY + timedelta(days=3)))

    answer = _write_off(client, case.id)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["written_off_amount"], body["closed_on"]) == (
        "written_off",
        65_000,
        "2027-03-18",
    )
    assert body["write_off_entry_id"]

    def ledger(connection: Any) -> tuple[bool, int, int]:
        return (
            verify(connection).ok,
            balance(connection, account(AccountKind.CREDIT_LOSSES, "SEK")),
            balance(connection, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", debt.consumer_id)),
        )

    assert database.run(ledger, readonly=True) == (True, 65_000, 0)

    assert_error(_write_off(client, case.id), 409, "CASE_NOT_OPEN")
    assert database.run(ledger, readonly=True) == (True, 65_000, 0)
    assert_error(_write_off(client, "no-such-case"), 404, "NO_SUCH_CASE")

    # Written off: no new case for the order, not ageing any more, and the consumer stays blocked.
    assert run_day(TODAY + timedelta(days=4)) == 0
    assert [c.status for c in cases(database)] == ["written_off"]
    ageing = client.get("/admin/v1/collections/ageing", headers=ADMIN).json()
    assert ageing["currencies"] == []
    _, declined = authorize(
        client, merchant["headers"], 10_000, plan="pay_later", person=consumer()
    )
    assert declined["approved"] is False
    assert "IN_COLLECTIONS" in declined["reason_codes"]


def test_money_paid_after_a_write_off_is_booked_as_a_recovery(
    client: TestClient,
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
    run_day: Callable[..., int],
) -> None:
    """The receivable left the books with the write-off: what the consumer pays afterwards
    comes back out of credit losses (and beyond the debt becomes the consumer's credit),
    whichever way it is paid."""
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1
    [case] = cases(database)
    clock.set(at_nine(TODAY + timedelta(days=3)))
    assert _write_off(client, case.id).json()["written_off_amount"] == 90_000

    def books(connection: Any) -> tuple[bool, int, int, int]:
        return (
            verify(connection).ok,
            balance(connection, account(AccountKind.CREDIT_LOSSES, "SEK")),
            balance(connection, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", debt.consumer_id)),
            balance(connection, account(AccountKind.CONSUMER_PAYABLE, "SEK", debt.consumer_id)),
        )

    assert database.run(books, readonly=True) == (True, 90_000, 0, 0)
    pay(database, debt, 25_000, TODAY + timedelta(days=5))
    assert database.run(books, readonly=True) == (True, 65_000, 0, 0)
    pay(database, debt, 70_000, TODAY + timedelta(days=6))  # 5,000 more than is owed
    assert database.run(books, readonly=True) == (True, 0, 0, -5_000)
    assert [c.status for c in cases(database)] == ["written_off"]


def test_a_paid_case_cannot_be_written_off(
    client: TestClient,
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1
    pay(database, debt, 90_000, TODAY)
    [case] = cases(database)
    assert_error(_write_off(client, case.id), 409, "CASE_NOT_OPEN")  # paid, not yet closed
    assert run_day(TODAY + timedelta(days=1)) == 1
    assert_error(_write_off(client, case.id), 409, "CASE_NOT_OPEN")


ROUTES = [
    ("GET", "/admin/v1/collections/ageing"),
    ("GET", "/admin/v1/collections/cases"),
    ("GET", "/admin/v1/collections/export.csv"),
    ("POST", "/admin/v1/collections/cases/some-case/write-off"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_admin_token_is_required(client: TestClient, method: str, path: str) -> None:
    assert_error(client.request(method, path), 401, "UNAUTHORIZED")
    wrong = {"Authorization": "Bearer not-the-token"}
    assert_error(client.request(method, path, headers=wrong), 401, "UNAUTHORIZED")
    basic = {"Authorization": "Basic dGVzdC1hZG1pbi10b2tlbjo="}
    assert_error(client.request(method, path, headers=basic), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_admin_api_is_off_without_a_token(
    database: Database, clock: FixedClock, settings: Settings, method: str, path: str
) -> None:
    app = create_app(settings.model_copy(update={"admin_token": None}), database, clock)
    with TestClient(app) as client:
        assert_error(client.request(method, path, headers=ADMIN), 404, "NOT_FOUND")


def test_unpaid_financing_interest_returns_to_deferred_interest(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_day: Callable[..., int],
) -> None:
    headers = merchant["headers"]
    person = consumer("fin@example.com", monthly_income=6_000_000, monthly_expenses=1_000_000)
    _, first = authorize(client, headers, 10_000, plan="pay_later", person=person)
    assert first["approved"]
    clock.advance(timedelta(days=1))  # a returning consumer: no new-account review
    _, answer = authorize(
        client, headers, 1_200_000, plan="financing", person=person, financing_months=12
    )
    assert answer["approved"], answer
    created = create_order(client, headers, answer["authorization_token"], 1_200_000)
    order_id = created.json()["order_id"]
    assert capture(client, headers, order_id, 1_200_000).status_code == 201
    due = [TODAY - timedelta(days=61)] + [TODAY + timedelta(days=30 * n) for n in range(1, 12)]
    set_due_dates(database, order_id, due)
    debt = Debt(order_id, order_consumer(database, order_id))
    pay(database, debt, 50_000, TODAY)
    assert run_day(TODAY) == 1
    [case] = cases(database)

    def amounts(connection: Any) -> tuple[int, int]:
        rows = connection.execute(
            select(instalments.c.amount - instalments.c.paid_amount, instalments.c.interest)
            .where(instalments.c.order_id == order_id)
            .where(instalments.c.status == "open")
        ).all()
        return sum(int(r[0]) for r in rows), sum(min(int(r[1]), int(r[0])) for r in rows)

    owed, unearned = database.run(amounts, readonly=True)
    assert unearned > 0
    answer = _write_off(client, case.id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["written_off_amount"] == owed

    def ledger(connection: Any) -> tuple[bool, int, int]:
        return (
            verify(connection).ok,
            balance(connection, account(AccountKind.CREDIT_LOSSES, "SEK")),
            balance(connection, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", debt.consumer_id)),
        )

    assert database.run(ledger, readonly=True) == (True, owed - unearned, 0)
