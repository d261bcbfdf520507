"""The back office through HTTP: operators, fraud reviews, disputes, pages, the audit log, and
the separation of merchant, operator and consumer sessions."""

from __future__ import annotations

import base64
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from paylater.backoffice.models import audit_log, operators
from paylater.bank import service as bank
from paylater.bank.references import reference_for_instalment
from paylater.bank.statements import import_file
from paylater.config import Settings
from paylater.db import Database
from paylater.disputes import service as disputes
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from paylater.notifications.webhook_models import webhook_events
from tests.api.flows import capture, consumer, order_consumer, place_order, read_order, session_body
from tests.backoffice.support import add_merchant_user, add_operator, csrf, log_in, post
from tests.bank.camtfiles import Tx, camt
from tests.bank.conftest import AT, make_consumer, make_invoice
from tests.bank.conftest import make_merchant as make_bank_merchant

REVIEWS = "/backoffice/reviews"


def _pending_order(client: TestClient, headers: dict[str, str]) -> str:
    """An order the credit decision sent to manual review (shipping abroad, new account)."""
    body = session_body(100_000, "SE", shipping_address={"country": "DE"})
    session_id = client.post("/payments/v1/sessions", json=body, headers=headers).json()[
        "session_id"
    ]
    authorized = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    ).json()
    order = client.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order",
        json=body,
        headers=headers,
    ).json()
    assert order["fraud_status"] == "PENDING"
    return str(order["order_id"])


def _audit(database: Database, *, with_log_ins: bool = False) -> list[Any]:
    query = select(audit_log).order_by(audit_log.c.at, audit_log.c.action)
    if not with_log_ins:
        query = query.where(audit_log.c.action != "operator.log_in")
    return database.run(lambda c: list(c.execute(query).all()))


def test_operators_approve_and_reject_reviews_and_each_action_is_audited(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    kept, refused = _pending_order(client, headers), _pending_order(client, headers)
    add_operator(database, clock, "ops@lender.example")
    assert log_in(client, "backoffice", "ops@lender.example").status_code == 303
    page = client.get(REVIEWS)
    assert kept in page.text and refused in page.text
    assert post(client, f"{REVIEWS}/{kept}/approve", REVIEWS).status_code == 303
    assert post(client, f"{REVIEWS}/{refused}/reject", REVIEWS).status_code == 303
    assert post(client, f"{REVIEWS}/{refused}/approve", REVIEWS).status_code == 403  # decided
    assert read_order(client, headers, kept)["fraud_status"] == "ACCEPTED"
    assert capture(client, headers, kept, 100_000).status_code == 201
    gone = read_order(client, headers, refused)
    assert (gone["fraud_status"], gone["status"]) == ("REJECTED", "CANCELLED")
    events = database.run(lambda c: c.execute(select(webhook_events.c.type)).scalars().all())
    assert "order.cancelled" in events
    rows = _audit(database)
    assert [(r.operator_email, r.action, r.subject_id) for r in rows] == [
        ("ops@lender.example", "fraud_review.approve", kept),
        ("ops@lender.example", "fraud_review.reject", refused),
    ]
    assert rows[1].before == {"fraud_status": "PENDING", "status": "AUTHORIZED"}
    assert rows[1].after == {"fraud_status": "REJECTED", "status": "CANCELLED"}
    log_ins = [r.action for r in _audit(database, with_log_ins=True)]
    assert log_ins.count("operator.log_in") == 1
    audit_page = client.get("/backoffice/audit").text
    assert "fraud_review.reject" in audit_page and "ops@lender.example" in audit_page


def test_read_only_operators_cannot_act(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = _pending_order(client, merchant["headers"])
    add_operator(database, clock, "auditor@lender.example", "read_only")
    log_in(client, "backoffice", "auditor@lender.example")
    assert client.get(REVIEWS).status_code == 200
    assert post(client, f"{REVIEWS}/{order_id}/approve", REVIEWS).status_code == 403
    assert read_order(client, merchant["headers"], order_id)["fraud_status"] == "PENDING"
    assert _audit(database) == []


def test_an_operator_decides_a_contested_dispute(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100_000)
    assert capture(client, headers, order_id, 100_000).status_code == 201
    owner = order_consumer(database, order_id)
    dispute = database.run(
        lambda c: disputes.open_dispute(
            c,
            consumer_id=owner,
            order_id=order_id,
            reason="not_received",
            message="Nothing arrived",
            now=clock.now(),
        )
    )
    add_merchant_user(database, clock, merchant["id"], "ops@shop.example", "operations")
    log_in(client, "merchant", "ops@shop.example")
    page = "/merchant/disputes"
    assert "Nothing arrived" in client.get(page).text
    answered = post(client, f"{page}/{dispute['id']}/respond", page, evidence="Tracking PN1")
    assert answered.status_code == 303
    add_operator(database, clock, "ops@lender.example")
    log_in(client, "backoffice", "ops@lender.example")
    listed = client.get("/backoffice/disputes").text
    assert "Tracking PN1" in listed
    decided = post(
        client,
        f"/backoffice/disputes/{dispute['id']}/decide",
        "/backoffice/disputes",
        outcome="consumer",
        note="no proof of delivery",
    )
    assert decided.status_code == 303
    closed = database.run(lambda c: disputes.get_dispute(c, dispute["id"]))
    assert (closed["status"], closed["outcome"]) == ("closed", "consumer")
    assert read_order(client, headers, order_id)["refunded_amount"] == 100_000
    (row,) = _audit(database)
    assert row.action == "dispute.decide" and row.before["status"] == "responded"
    assert row.after["outcome"] == "consumer"
    assert database.run(verify).ok


def test_back_office_pages_render(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000, person=consumer("eva@example.se"))
    add_operator(database, clock, "admin@lender.example", "admin")
    log_in(client, "backoffice", "admin@lender.example")
    for path in (
        "/backoffice/",
        "/backoffice/ledger",
        "/backoffice/collections",
        "/backoffice/bank",
    ):
        assert client.get(path).status_code == 200, path
    assert "Ledger verified" in client.get("/backoffice/ledger").text
    found = client.get("/backoffice/lookup", params={"q": "eva@example.se"}).text
    assert order_id in found
    by_name = client.get("/backoffice/lookup", params={"q": "nordic"}).text
    assert "Nordic Goods AB" in by_name and order_id in by_name


def test_sessions_do_not_cross_between_doors(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    add_operator(database, clock, "ops@lender.example")
    merchant_token = log_in(client, "merchant", "owner@shop.example").cookies["pl_merchant"]
    operator_token = log_in(client, "backoffice", "ops@lender.example").cookies["pl_operator"]
    stranger = TestClient(client.app)
    # A merchant user's session opens no back-office page, and the other way round.
    stranger.cookies.set("pl_operator", merchant_token)
    assert stranger.get("/backoffice/", follow_redirects=False).status_code == 303
    stranger.cookies.clear()
    stranger.cookies.set("pl_merchant", operator_token)
    assert stranger.get("/merchant/orders", follow_redirects=False).status_code == 303
    stranger.cookies.clear()
    # A consumer's portal session is no staff session either.
    stranger.cookies.set("pl_session", merchant_token)
    stranger.cookies.set("pl_merchant", "not-a-session")
    for path in ("/merchant/orders", "/backoffice/", "/merchant/settings/credentials"):
        answer = stranger.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login")
    # Merchant API credentials open no page.
    token = base64.b64encode(f"{merchant['username']}:{merchant['secret']}".encode()).decode()
    answer = stranger.get(
        "/merchant/orders", headers={"Authorization": f"Basic {token}"}, follow_redirects=False
    )
    assert answer.status_code == 303
    # Logging out ends the session.
    assert client.get("/merchant/orders").status_code == 200
    assert post(client, "/merchant/logout", "/merchant/orders").status_code == 303
    assert client.get("/merchant/orders", follow_redirects=False).status_code == 303


def test_cli_creates_an_operator(database: Database, settings: Settings) -> None:
    from paylater.cli import app

    result = CliRunner().invoke(
        app,
        ["backoffice", "create-operator", "Boss@Lender.example", "--role", "admin"],
        env={
            "PAYLATER_DATABASE_URL": database.url,
            "PAYLATER_OPERATOR_PASSWORD": "a long passphrase",
            "PAYLATER_SANDBOX": "false",
        },
    )
    assert result.exit_code == 0, result.output
    row = database.run(lambda c: c.execute(select(operators)).one())
    assert (row.email, row.role) == ("boss@lender.example", "admin")
    assert "a long passphrase" not in row.password_hash and row.password_hash.startswith("scrypt$")
    again = CliRunner().invoke(
        app,
        ["backoffice", "create-operator", "boss@lender.example", "--role", "admin"],
        env={"PAYLATER_DATABASE_URL": database.url, "PAYLATER_OPERATOR_PASSWORD": "x" * 12},
    )
    assert again.exit_code == 1


def test_an_operator_applies_an_unmatched_payment_in_one_click(
    client: TestClient, database: Database, clock: FixedClock
) -> None:
    def work(connection: Connection) -> tuple[str, str]:
        shop = make_bank_merchant(connection)
        invoice = make_invoice(
            connection, shop, make_consumer(connection, "Marie", "Dupont"), [8990]
        )
        return invoice.instalment_ids[0], reference_for_instalment(
            connection, invoice.instalment_ids[0], AT
        )

    instalment_id, reference = database.run(work)
    typo = reference[:-3] + ("7" if reference[-3] != "7" else "8") + reference[-2:]
    document = camt(
        [
            Tx(8990, reference=typo, payer="M. Dupont", servicer_ref="T1"),
            Tx(1234, payer="Somebody Else", servicer_ref="U1"),
        ]
    )
    database.run(lambda c: import_file(c, document, at=AT))
    queue = database.run(lambda c: bank.search_unmatched(c), readonly=True)
    suggested = next(entry for entry in queue if entry.suggestions)
    stranger = next(entry for entry in queue if not entry.suggestions)
    add_operator(database, clock, "ops@lender.example")
    log_in(client, "backoffice", "ops@lender.example")
    page = "/backoffice/bank"
    assert "M. Dupont" in client.get(page).text
    applied = post(client, f"{page}/{suggested.id}/apply", page, instalment_id=instalment_id)
    assert applied.status_code == 303
    again = post(client, f"{page}/{suggested.id}/apply", page, instalment_id=instalment_id)
    assert again.status_code == 403
    returned = post(client, f"{page}/{stranger.id}/return", page, note="unknown payer")
    assert returned.status_code == 303
    assert database.run(lambda c: bank.search_unmatched(c), readonly=True) == []
    rows = _audit(database)
    assert [(r.action, r.subject_id) for r in rows] == [
        ("bank.apply", suggested.id),
        ("bank.return", stranger.id),
    ]
    assert rows[0].after == {"instalment_id": instalment_id, "applied": 8990}
    assert database.run(verify).ok


def test_demo_accounts_are_created_once_and_sign_in(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    from paylater.backoffice.demo import seed_demo_accounts

    logins = database.run(lambda c: seed_demo_accounts(c, merchant["id"], at=clock.now()))
    assert database.run(lambda c: seed_demo_accounts(c, merchant["id"], at=clock.now())) == logins
    password = logins["password"]
    assert log_in(client, "merchant", logins["merchant_user"], password).status_code == 303
    assert log_in(client, "backoffice", logins["operator"], password).status_code == 303


def test_an_operator_extends_then_ends_a_reported_problems_pause(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    from paylater.servicing.pauses import ProblemReason, report_problem

    order_id = place_order(client, merchant["headers"], 100_000)
    assert capture(client, merchant["headers"], order_id, 100_000).status_code == 201
    owner = order_consumer(database, order_id)
    outcome = database.run(
        lambda c: report_problem(
            c,
            consumer_id=owner,
            order_id=order_id,
            reason=ProblemReason.payment_not_registered,
            details="Paid on Monday",
            now=clock.now(),
        )
    )
    add_operator(database, clock, "ops@lender.example")
    log_in(client, "backoffice", "ops@lender.example")
    page = "/backoffice/problems"
    assert "Paid on Monday" in client.get(page).text
    assert outcome.status == "open"
    report_id = outcome.report_id
    assert post(client, f"{page}/{report_id}/extend", page, days="7").status_code == 303
    assert post(client, f"{page}/{report_id}/extend", page, days="x").status_code == 400
    assert post(client, f"{page}/{report_id}/end", page).status_code == 303
    assert post(client, f"{page}/{report_id}/end", page).status_code == 403
    assert "No open report" in client.get(page).text
    assert sorted(r.action for r in _audit(database)) == ["problem.end", "problem.extend"]


def _upload(client: TestClient, document: bytes, name: str = "camt054.xml") -> Any:
    token = csrf(client, "/backoffice/bank")
    return client.post(
        "/backoffice/bank/import",
        data={"csrf_token": token},
        files={"file": (name, document, "application/xml")},
        follow_redirects=False,
    )


def test_an_operator_imports_a_bank_file_from_the_back_office(
    client: TestClient, database: Database, clock: FixedClock
) -> None:
    def work(connection: Connection) -> str:
        shop = make_bank_merchant(connection)
        invoice = make_invoice(
            connection, shop, make_consumer(connection, "Marie", "Dupont"), [8990]
        )
        return reference_for_instalment(connection, invoice.instalment_ids[0], AT)

    reference = database.run(work)
    document = camt(
        [
            Tx(8990, reference=reference, payer="Marie Dupont", servicer_ref="T1"),
            Tx(1234, payer="Somebody Else", servicer_ref="U1"),
        ]
    )
    add_operator(database, clock, "ops@lender.example")
    log_in(client, "backoffice", "ops@lender.example")
    assert 'id="bank-import"' in client.get("/backoffice/bank").text

    imported = _upload(client, document)
    assert imported.status_code == 200, imported.text
    assert "2 entries, 2 new" in imported.text
    assert re.search(r"Applied to instalments</th><td[^>]*>1<", imported.text)
    assert re.search(r"Unmatched \(in suspense\)</th><td[^>]*>1<", imported.text)
    assert "Somebody Else" in client.get("/backoffice/bank").text

    again = _upload(client, document)
    assert again.status_code == 200 and "nothing changed" in again.text
    assert [
        (r.action, r.after["applied"], r.after["already_imported"]) for r in _audit(database)
    ] == [
        ("bank.import", 1, False),
        ("bank.import", 0, True),
    ]
    assert database.run(verify).ok


def test_a_bad_bank_file_or_a_forged_form_changes_nothing(
    client: TestClient, database: Database, clock: FixedClock
) -> None:
    add_operator(database, clock, "ops@lender.example")
    add_operator(database, clock, "viewer@lender.example", role="read_only")
    log_in(client, "backoffice", "ops@lender.example")
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document>&x;</Document>"
    )
    refused_file = _upload(client, hostile, "evil.xml")
    assert refused_file.status_code == 400
    assert "Bank file refused" in refused_file.text and "root:" not in refused_file.text
    forged = client.post(
        "/backoffice/bank/import",
        data={"csrf_token": "0" * 64},
        files={"file": ("camt054.xml", camt([Tx(100, servicer_ref="F1")]), "application/xml")},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    client.cookies.clear()
    log_in(client, "backoffice", "viewer@lender.example")
    viewer = _upload(client, camt([Tx(100, servicer_ref="V1")]))
    assert viewer.status_code == 403
    assert database.run(lambda c: bank.search_unmatched(c), readonly=True) == []
    assert _audit(database) == []
