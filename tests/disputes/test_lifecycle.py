"""Disputes: opened by the consumer, answered or accepted by the merchant, decided by operators."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.config import Settings
from paylater.db import Database
from paylater.disputes import service
from paylater.disputes import tasks as _tasks  # noqa: F401  (registers the deadline job)
from paylater.jobs import Worker
from paylater.jobs.models import jobs
from paylater.kit.clock import FixedClock
from paylater.kit.errors import NotFound
from paylater.ledger.service import verify
from paylater.notifications.models import messages
from paylater.servicing.models import pauses
from tests.api.flows import assert_error, capture, order_consumer, place_order, read_order
from tests.settlement.support import ADMIN, at, check_books, events, run, shopper, statement

DAY = date(2026, 12, 1)


@pytest.fixture
def purchase(client: TestClient, merchant: dict[str, Any], clock: FixedClock) -> dict[str, Any]:
    clock.set(at(DAY))
    order_id = place_order(client, merchant["headers"], 90_000, plan="pay_in_3", person=shopper())
    assert capture(client, merchant["headers"], order_id, 90_000).status_code == 201
    return {"order_id": order_id}


def _open(
    database: Database,
    clock: FixedClock,
    order_id: str,
    reason: str = "not_received",
    consumer_id: str | None = None,
) -> dict[str, Any]:
    owner = consumer_id or order_consumer(database, order_id)
    return dict(
        database.run(
            lambda c: service.open_dispute(
                c,
                consumer_id=owner,
                order_id=order_id,
                reason=reason,
                message="Nothing arrived.",
                now=clock.now(),
            )
        )
    )


def _emails(database: Database, order_id: str) -> list[str]:
    consumer_id = order_consumer(database, order_id)
    return database.run(
        lambda c: [
            row.kind
            for row in c.execute(
                select(messages.c.kind)
                .where(messages.c.consumer_id == consumer_id)
                .order_by(messages.c.created_at, messages.c.kind)
            )
        ],
        readonly=True,
    )


def _pause(database: Database, order_id: str) -> Any:
    return database.run(
        lambda c: c.execute(select(pauses).where(pauses.c.order_id == order_id)).one(),
        readonly=True,
    )


def test_open_pauses_holds_and_tells_the_merchant(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    clock.set(at(DAY + timedelta(days=2)))
    dispute = _open(database, clock, order_id, "faulty")
    assert dispute["deadline"] == clock.now() + timedelta(days=21)
    assert dispute["amount"] == 90_000 and dispute["status"] == "open"
    pause = _pause(database, order_id)
    assert (pause.status, pause.reason, pause.days) == ("active", "dispute", 35)
    [opened] = events(database, merchant["id"], "dispute.opened")
    assert opened["dispute_id"] == dispute["id"]
    assert opened["response_deadline"] == dispute["deadline"].isoformat()
    assert "dispute.opened" in _emails(database, order_id)
    # The deadline job is scheduled for the deadline.
    job = database.run(
        lambda c: c.execute(select(jobs).where(jobs.c.dedupe_key == dispute["id"])).one()
    )
    assert job.kind == service.DEADLINE_JOB and job.run_at == dispute["deadline"]

    answer = client.get(f"/disputes/v1/disputes/{dispute['id']}", headers=merchant["headers"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "open" and body["disputed_amount"] == 90_000
    assert [e["kind"] for e in body["events"]] == ["opened"]
    listing = client.get("/disputes/v1/disputes?status=open", headers=merchant["headers"]).json()
    assert [d["dispute_id"] for d in listing["disputes"]] == [dispute["id"]]
    # One open dispute per purchase.
    with pytest.raises(service.AlreadyDisputed):
        _open(database, clock, order_id)
    database.run(check_books)


def test_unauthorized_gets_seven_days_and_window_is_180_days(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    clock.set(at(DAY) + timedelta(days=181))
    with pytest.raises(service.DisputeWindowClosed):
        _open(database, clock, order_id, "unauthorized")
    clock.set(at(DAY) + timedelta(days=180))
    dispute = _open(database, clock, order_id, "unauthorized")
    assert dispute["deadline"] == clock.now() + timedelta(days=7)
    with pytest.raises(NotFound):
        _open(database, clock, order_id, consumer_id="someone-else")
    with pytest.raises(Exception, match="reason must be"):
        _open(database, clock, order_id, reason="bored")


def test_respond_then_operator_decides_for_the_merchant(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    clock.set(at(DAY + timedelta(days=1)))
    dispute_id = _open(database, clock, order_id)["id"]
    path = f"/disputes/v1/disputes/{dispute_id}"
    # The operator cannot decide before the merchant has answered.
    decide = f"/admin/v1/disputes/{dispute_id}/decide"
    assert_error(client.post(decide, json={"outcome": "merchant"}, headers=ADMIN), 403)
    clock.set(at(DAY + timedelta(days=3)))
    answer = client.post(
        f"{path}/respond",
        json={"evidence": "Tracking shows delivery."},
        headers=merchant["headers"],
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "responded"
    assert events(database, merchant["id"], "dispute.updated")[-1]["status"] == "responded"
    # Responding again is refused; the deadline job does nothing to an answered dispute.
    assert_error(
        client.post(f"{path}/respond", json={"evidence": "again"}, headers=merchant["headers"]),
        403,
        "DISPUTE_CLOSED",
    )
    assert_error(client.post(decide, json={"outcome": "merchant"}), 401)

    clock.set(at(DAY + timedelta(days=5)))
    answer = client.post(
        f"/admin/v1/disputes/{dispute_id}/decide",
        json={"outcome": "merchant", "note": "delivered"},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    decided = answer.json()
    assert (decided["status"], decided["outcome"], decided["resolution"]) == (
        "closed",
        "merchant",
        "decided",
    )
    assert decided["refund_id"] is None
    pause = _pause(database, order_id)
    assert (pause.status, pause.end_reason) == ("ended", "dispute")
    assert read_order(client, merchant["headers"], order_id)["refunded_amount"] == 0
    assert "dispute.lost" in _emails(database, order_id)
    assert events(database, merchant["id"], "dispute.updated")[-1]["outcome"] == "merchant"
    kinds = sorted(r["type"] for r in statement(database) if r["source_id"] == dispute_id)
    assert kinds == ["DISPUTE_HOLD", "DISPUTE_RELEASE"]
    # Held, then released: the payout is the whole sale less its fee.
    [payout] = run(database, clock, DAY + timedelta(days=7)).payouts
    assert payout["amount"] == 90_000 - 2_610 and payout["transaction_count"] == 4
    database.run(check_books)
    assert database.run(verify, readonly=True).ok


def test_respond_then_operator_decides_for_the_consumer(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    clock.set(at(DAY + timedelta(days=1)))
    dispute_id = _open(database, clock, order_id, "not_as_described")["id"]
    client.post(
        f"/disputes/v1/disputes/{dispute_id}/respond",
        json={"evidence": "As pictured."},
        headers=merchant["headers"],
    )
    answer = client.post(
        f"/admin/v1/disputes/{dispute_id}/decide", json={"outcome": "consumer"}, headers=ADMIN
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["refund_id"]
    assert read_order(client, merchant["headers"], order_id)["refunded_amount"] == 90_000
    assert "dispute.won" in _emails(database, order_id)
    assert_error(
        client.post(
            f"/admin/v1/disputes/{dispute_id}/decide", json={"outcome": "merchant"}, headers=ADMIN
        ),
        403,
        "DISPUTE_CLOSED",
    )
    database.run(check_books)
    assert database.run(verify, readonly=True).ok


def test_accept_refunds_and_the_payout_deducts_it(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    other_order = place_order(client, merchant["headers"], 50_000, person=shopper())
    assert capture(client, merchant["headers"], other_order, 50_000).status_code == 201
    clock.set(at(DAY + timedelta(days=2)))
    dispute_id = _open(database, clock, order_id)["id"]
    # Paid out a week after capture: the sales minus the fees (2.9 %) minus the held amount.
    [held] = run(database, clock, DAY + timedelta(days=7)).payouts
    assert held["amount"] == 140_000 - 2_610 - 1_450 - 90_000
    clock.set(at(DAY + timedelta(days=8)))
    answer = client.post(f"/disputes/v1/disputes/{dispute_id}/accept", headers=merchant["headers"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["resolution"]) == ("consumer", "accepted")
    assert read_order(client, merchant["headers"], order_id)["refunded_amount"] == 90_000
    # The release and the refund cancel out: nothing more is due.
    result = run(database, clock, DAY + timedelta(days=9))
    assert result.payouts == []
    assert [m.minor for _, m in result.carried_forward] == [0]
    kinds = sorted(r["type"] for r in statement(database) if r["order_id"] == order_id)
    assert kinds == ["DISPUTE_HOLD", "DISPUTE_LOSS", "DISPUTE_RELEASE", "FEE", "SALE"]
    database.run(check_books)


def test_late_answer_loses_at_the_deadline(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Settings,
    purchase: dict[str, Any],
) -> None:
    order_id = purchase["order_id"]
    clock.set(at(DAY + timedelta(days=1)))
    dispute = _open(database, clock, order_id, "unauthorized")
    worker = Worker(
        database,
        clock=clock,
        settings=settings,
        kinds=(service.DEADLINE_JOB,),
        schedule_daily=False,
    )
    clock.set(dispute["deadline"] - timedelta(minutes=1))
    worker.drain(threading.Event())
    assert database.run(lambda c: service.get_dispute(c, dispute["id"]))["status"] == "open"
    clock.set(dispute["deadline"] + timedelta(minutes=1))
    assert_error(
        client.post(
            f"/disputes/v1/disputes/{dispute['id']}/respond",
            json={"evidence": "late"},
            headers=merchant["headers"],
        ),
        403,
        "DISPUTE_DEADLINE_PASSED",
    )
    worker.drain(threading.Event())
    closed = database.run(lambda c: service.get_dispute(c, dispute["id"]))
    assert (closed["status"], closed["outcome"], closed["resolution"]) == (
        "closed",
        "consumer",
        "late",
    )
    assert read_order(client, merchant["headers"], order_id)["refunded_amount"] == 90_000
    database.run(check_books)


def test_merchants_see_only_their_own(
    client: TestClient,
    merchant: dict[str, Any],
    make_merchant: Any,
    database: Database,
    clock: FixedClock,
    purchase: dict[str, Any],
) -> None:
    other = make_merchant("Other Shop AB", "SE")
    [payout] = run(database, clock, DAY + timedelta(days=7)).payouts
    clock.set(at(DAY + timedelta(days=8)))
    dispute_id = _open(database, clock, purchase["order_id"])["id"]
    path = f"/disputes/v1/disputes/{dispute_id}"
    assert_error(client.get(path, headers=other["headers"]), 404)
    assert_error(client.post(f"{path}/accept", headers=other["headers"]), 404)
    assert_error(
        client.post(f"{path}/respond", json={"evidence": "mine"}, headers=other["headers"]), 404
    )
    assert client.get("/disputes/v1/disputes", headers=other["headers"]).json()["disputes"] == []
    assert_error(client.get(path), 401)
    # The payout is the merchant's alone too.
    reference = payout["payment_reference"]
    for url in (
        f"/settlements/v1/payouts/{reference}",
        f"/settlements/v1/transactions?payment_reference={reference}",
        f"/settlements/v1/reports/payout-with-transactions?payment_reference={reference}",
    ):
        assert_error(client.get(url, headers=other["headers"]), 404)
        assert client.get(url, headers=merchant["headers"]).status_code == 200
    assert client.get("/settlements/v1/payouts", headers=other["headers"]).json()["payouts"] == []
