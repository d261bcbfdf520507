"""Thirty simulated days of captures, refunds, disputes and fees for two merchants.

Merchant A (SEK) is paid daily three days after capture, with its own fee plans; merchant B (EUR)
weekly on Mondays, at once, with a 10 % rolling reserve kept seven days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from paylater.db import Database
from paylater.disputes import service as disputes
from paylater.kit.clock import FixedClock
from paylater.kit.money import round_minor
from paylater.ledger.service import verify
from paylater.settlement import pain001
from paylater.settlement.models import payout_exports, settlement_transactions
from tests.api.flows import capture, order_consumer, place_order, refund
from tests.settlement.support import (
    ADMIN,
    DE_IBAN,
    SE_IBAN,
    all_payouts,
    at,
    check_books,
    events,
    run,
    shopper,
    statement,
)

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "xsd" / "pain.001.001.03.xsd")))
FIRST = date(2026, 12, 1)
DAYS = 30


def _configure(client: TestClient, merchant_a: dict[str, Any], merchant_b: dict[str, Any]) -> None:
    answer = client.put(
        f"/admin/v1/merchants/{merchant_a['id']}/settlement",
        json={
            "delay_days": 3,
            "iban": SE_IBAN,
            "fee_plans": {
                "pay_in_3": {"rate_bp": 350, "fixed_minor": 200},
                "pay_later": {"rate_bp": 200, "fixed_minor": 0},
            },
        },
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    answer = client.put(
        f"/admin/v1/merchants/{merchant_b['id']}/settlement",
        json={
            "payout_schedule": "weekly",
            "payout_weekday": 0,
            "delay_days": 0,
            "reserve_rate_bp": 1000,
            "reserve_days": 7,
            "iban": DE_IBAN,
            "bic": "COBADEFFXXX",
            "account_holder": "Maison Durand SARL",
        },
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text


def _export(database: Database, clock: FixedClock, day: date) -> pain001.PayoutExport | None:
    clock.set(at(day, 16))
    return database.run(lambda c: pain001.export_payouts(c, now=clock.now()))


def _api_payout(client: TestClient, merchant: dict[str, Any], reference: str) -> dict[str, Any]:
    headers = merchant["headers"]
    payout = client.get(f"/settlements/v1/payouts/{reference}", headers=headers).json()
    listed = client.get(
        "/settlements/v1/transactions",
        params={"payment_reference": reference, "size": 500},
        headers=headers,
    ).json()
    report = client.get(
        "/settlements/v1/reports/payout-with-transactions",
        params={"payment_reference": reference},
        headers=headers,
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    lines = report.text.splitlines()
    rows = [line.split(",") for line in lines[4:]]
    return {
        "payout": payout,
        "transactions": listed["transactions"],
        "csv_header": lines[1].split(","),
        "csv_amounts": [int(row[-1]) for row in rows],
    }


def test_thirty_days_of_settlement(
    client: TestClient,
    make_merchant: Any,
    database: Database,
    clock: FixedClock,
) -> None:
    merchant_a = make_merchant("Nordic Goods AB", "SE")
    merchant_b = make_merchant("Maison Durand", "FR")
    _configure(client, merchant_a, merchant_b)
    a, b = merchant_a["headers"], merchant_b["headers"]
    orders_a: dict[int, str] = {}
    orders_b: dict[int, str] = {}
    carried: list[tuple[date, str, int]] = []
    documents: list[bytes] = []
    pending_disputes: dict[str, str] = {}

    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        result = run(database, clock, day)
        carried.extend((day, merchant, amount.minor) for merchant, amount in result.carried_forward)
        clock.set(at(day))
        orders_a[n] = place_order(client, a, 100_000 + 100 * n, plan="pay_in_3", person=shopper())
        assert capture(client, a, orders_a[n], 100_000 + 100 * n).status_code == 201
        if n % 2 == 0:
            orders_b[n] = place_order(
                client, b, 5_000 + 10 * n, plan="pay_later", country="FR", person=shopper()
            )
            assert capture(client, b, orders_b[n], 5_000 + 10 * n).status_code == 201
        if n == 1:  # refund day 0's purchase in full before its sale is due: a negative balance
            assert refund(client, a, orders_a[0], 100_000).status_code == 201
        if n % 3 == 2:  # partial refunds along the way
            assert refund(client, a, orders_a[n - 1], 2_500).status_code == 201
        if n == 10:
            assert refund(client, b, orders_b[8], 1_000).status_code == 201
        if n == 5:  # contested, decided for the merchant
            pending_disputes["won"] = _open(database, clock, orders_a[4], "not_received")
        if n == 7:
            answer = client.post(
                f"/disputes/v1/disputes/{pending_disputes['won']}/respond",
                json={"evidence": "Delivered on 2026-12-05, signed by the consumer."},
                headers=a,
            )
            assert answer.status_code == 200, answer.text
        if n == 9:
            answer = client.post(
                f"/admin/v1/disputes/{pending_disputes['won']}/decide",
                json={"outcome": "merchant", "note": "proof of delivery"},
                headers=ADMIN,
            )
            assert answer.status_code == 200, answer.text
            pending_disputes["accepted"] = _open(database, clock, orders_a[8], "faulty")
        if n == 11:
            answer = client.post(
                f"/disputes/v1/disputes/{pending_disputes['accepted']}/accept", headers=a
            )
            assert answer.status_code == 200, answer.text
            pending_disputes["late"] = _open(database, clock, orders_b[10], "unauthorized")
        if n == 19:  # B never answered: lost at its 7-day deadline
            assert database.run(lambda c: disputes.expire_due(c, now=clock.now())) == 1
        if n == 14:
            pending_disputes["open"] = _open(database, clock, orders_a[13], "not_as_described")
        if day.weekday() == 1:  # Tuesdays: send what is pending to the bank
            found = _export(database, clock, day)
            if found is not None and found.created:
                documents.append(found.document)

    last = FIRST + timedelta(days=DAYS)
    run(database, clock, last)
    final = _export(database, clock, last)
    assert final is not None and final.created
    documents.append(final.document)

    # Negative balances carried forward: day 0's refund came before its sale was due.
    assert (FIRST + timedelta(days=2), merchant_a["id"], -100_000) in [
        (d, m, amount) for d, m, amount in carried
    ]

    # Every payout equals the sum of the transactions it lists, in the database and in the API.
    payouts = all_payouts(database)
    rows = statement(database)
    listed: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["payout_id"]:
            listed[row["payout_id"]] += row["amount"]
            count[row["payout_id"]] += 1
    assert len(payouts) > 20
    for payout in payouts:
        assert payout["amount"] > 0
        assert payout["amount"] == listed[payout["id"]], payout
        assert payout["transaction_count"] == count[payout["id"]]
        assert payout["status"] == "sent"
    for payout in payouts[:5] + [p for p in payouts if p["merchant_id"] == merchant_b["id"]][:3]:
        owner = merchant_a if payout["merchant_id"] == merchant_a["id"] else merchant_b
        seen = _api_payout(client, owner, payout["payment_reference"])
        assert seen["payout"]["amount"] == payout["amount"]
        assert seen["payout"]["totals"]["settlement_amount"] == payout["amount"]
        assert sum(t["amount"] for t in seen["transactions"]) == payout["amount"]
        assert sum(seen["csv_amounts"]) == payout["amount"]
        assert len(seen["csv_amounts"]) == payout["transaction_count"]

    # Weekly merchant: only Mondays, with reserves held and released.
    b_payouts = [p for p in payouts if p["merchant_id"] == merchant_b["id"]]
    assert b_payouts and all(p["run_date"].weekday() == 0 for p in b_payouts)
    kinds = {row["type"] for row in rows if row["merchant_id"] == merchant_b["id"]}
    assert {"SALE", "FEE", "RETURN", "RESERVE_HOLD", "RESERVE_RELEASE", "DISPUTE_LOSS"} <= kinds
    a_kinds = {row["type"] for row in rows if row["merchant_id"] == merchant_a["id"]}
    assert {"DISPUTE_HOLD", "DISPUTE_RELEASE", "DISPUTE_LOSS", "RETURN", "FEE"} <= a_kinds
    # The still-open dispute's hold is in the statement and deducted from a payout.
    open_hold = [r for r in rows if r["source_id"] == pending_disputes["open"]]
    assert [r["type"] for r in open_hold] == ["DISPUTE_HOLD"] and open_hold[0]["payout_id"]

    # Fees follow the fee plan: 3.5 % + 2.00 SEK on each pay-in-3 capture of merchant A.
    fees = [r for r in rows if r["merchant_id"] == merchant_a["id"] and r["type"] == "FEE"]
    sales = {r["source_id"]: r["amount"] for r in rows if r["type"] == "SALE"}
    for fee in fees:
        rate = Decimal(sales[fee["source_id"]]) * 350 / 10_000
        assert -fee["amount"] == round_minor(rate) + 200

    # Running every day again changes nothing; exporting again pays nothing again.
    before = (all_payouts(database), statement(database))
    for n in range(DAYS + 1):
        assert run(database, clock, FIRST + timedelta(days=n)).already_ran
    again = _export(database, clock, last)
    assert again is not None and not again.created and again.document == final.document
    assert (all_payouts(database), statement(database)) == before
    exports = database.run(
        lambda c: c.execute(select(func.count()).select_from(payout_exports)).scalar()
    )
    assert exports == len(documents)

    # Every file validates against the official schema and carries the payout references.
    references = {p["payment_reference"] for p in payouts}
    in_files = []
    for document in documents:
        tree = etree.fromstring(document)
        XSD.assertValid(tree)
        ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{pain001.MESSAGE}"}
        for item in tree.iterfind(".//p:CdtTrfTxInf", ns):
            end_to_end = item.findtext("p:PmtId/p:EndToEndId", namespaces=ns)
            assert item.findtext("p:RmtInf/p:Ustrd", namespaces=ns) == end_to_end
            in_files.append(end_to_end)
    assert sorted(in_files) == sorted(references)
    assert len(events(database, merchant_a["id"], "payout.sent")) == len(payouts) - len(b_payouts)

    # The books agree.
    database.run(check_books)
    report = database.run(verify, readonly=True)
    assert report.ok, report
    unpaid = database.run(
        lambda c: c.execute(
            select(func.count())
            .select_from(settlement_transactions)
            .where(settlement_transactions.c.payout_id.is_(None))
        ).scalar()
    )
    assert unpaid > 0  # the last days' sales are not due yet


def _open(database: Database, clock: FixedClock, order_id: str, reason: str) -> str:
    consumer_id = order_consumer(database, order_id)
    dispute = database.run(
        lambda c: disputes.open_dispute(
            c,
            consumer_id=consumer_id,
            order_id=order_id,
            reason=reason,
            message="The parcel never arrived.",
            now=clock.now(),
        )
    )
    return str(dispute["id"])
