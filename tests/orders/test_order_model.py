"""A model-based test of the order lifecycle over the HTTP API (hypothesis stateful).

Random orders (pay later, pay in 3 or 4) are captured, refunded, cancelled, extended and paid in
random amounts — sometimes too much — while the clock moves. After every step the API, the
instalments and the ledger must agree with a simple model of what each order holds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from paylater.billing.service import record_payment
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, account, balance, verify
from tests.api.flows import consumer, session_body
from tests.conftest import START

ORDERS = "/ordermanagement/v1/orders"
PARTS = {"pay_later": 1, "pay_in_3": 3, "pay_in_4": 4}
VALIDITY = timedelta(days=28)
MAXIMUM_AGE = timedelta(days=180)
_examples = itertools.count()


@dataclass
class Order:
    id: str
    plan: str
    consumer_id: str
    authorized: int
    created_at: datetime
    expires_at: datetime
    status: str = "AUTHORIZED"
    captured: int = 0
    refunded: int = 0
    paid: int = 0  # applied to instalments, less what refunds paid back
    credit: int = 0  # paid beyond the debt, or paid back: owed to the consumer

    @property
    def owed(self) -> int:
        return self.captured - self.refunded - self.paid

    def capturable(self, now: datetime) -> bool:
        return self.status in ("AUTHORIZED", "PART_CAPTURED") and now < self.expires_at

    def shown_status(self, now: datetime) -> str:
        # At expiry what remains authorized is released.
        if self.status == "AUTHORIZED" and now >= self.expires_at:
            return "EXPIRED"
        if self.status == "PART_CAPTURED" and now >= self.expires_at:
            return "CAPTURED"
        return self.status


def _machine(
    client: TestClient, headers: dict[str, str], database: Database, clock: FixedClock
) -> type[RuleBasedStateMachine]:
    class OrderLifecycle(RuleBasedStateMachine):
        orders = Bundle("orders")

        def __init__(self) -> None:
            super().__init__()
            clock.set(START)
            self.example = next(_examples)
            self.model: dict[str, Order] = {}
            self.consumers: set[str] = set()
            self.last_status = 0

        def _expect(self, answer: Any, status: int, code: str | None = None) -> None:
            self.last_status = answer.status_code
            event(
                f"{answer.request.method} {answer.request.url.path.split('/')[-1]} "
                f"→ {answer.status_code}"
            )
            assert answer.status_code == status, (status, answer.status_code, answer.text)
            if code is not None:
                assert answer.json()["error_code"] == code, answer.text

        @initialize(
            target=orders, plan=st.sampled_from(sorted(PARTS)), amount=st.integers(35_000, 400_000)
        )
        def first_order(self, plan: str, amount: int) -> str:
            return self.create_order(plan, amount, 0)

        @rule(
            target=orders,
            plan=st.sampled_from(sorted(PARTS)),
            amount=st.integers(35_000, 400_000),
            shopper=st.integers(0, 2),
        )
        def another_order(self, plan: str, amount: int, shopper: int) -> str:
            return self.create_order(plan, amount, shopper)

        def create_order(self, plan: str, amount: int, shopper: int) -> str:
            email = f"model-{self.example}-{shopper}@example.com"
            session = client.post(
                "/payments/v1/sessions", json=session_body(amount), headers=headers
            )
            self._expect(session, 200)
            answer = client.post(
                f"/sandbox/v1/sessions/{session.json()['session_id']}/authorize",
                json={"payment_method_category": plan, "consumer": consumer(email)},
                headers=headers,
            )
            self._expect(answer, 200)
            decision = answer.json()
            if not decision["approved"]:
                # Three shoppers with sound details: only their own history can say no.
                assert decision["reason_codes"], decision
                assert set(decision["reason_codes"]) <= {
                    "EXPOSURE_LIMIT",
                    "OVERDUE_DEBT",
                    "VELOCITY_LIMIT",
                }, decision
                return ""
            created = client.post(
                f"/payments/v1/authorizations/{decision['authorization_token']}/order",
                json=session_body(amount),
                headers=headers,
            )
            self._expect(created, 200)
            order_id = created.json()["order_id"]
            consumer_id = database.run(
                lambda c: c.execute(
                    text("SELECT consumer_id FROM orders WHERE id = :id"), {"id": order_id}
                ).scalar_one()
            )
            now = clock.now()
            self.model[order_id] = Order(order_id, plan, consumer_id, amount, now, now + VALIDITY)
            self.consumers.add(consumer_id)
            return str(order_id)

        @rule(order_id=orders, tenths=st.integers(1, 13))
        def capture(self, order_id: str, tenths: int) -> None:
            """Capture tenths/10 of what remains: 10 is all of it, more is too much."""
            if not order_id:
                return
            order = self.model[order_id]
            remaining = order.authorized - order.captured
            amount = max(1, remaining * tenths // 10) if remaining else tenths
            answer = client.post(
                f"{ORDERS}/{order_id}/captures", json={"captured_amount": amount}, headers=headers
            )
            if not order.capturable(clock.now()) or amount > remaining:
                self._expect(answer, 403, "CAPTURE_NOT_ALLOWED")
            elif amount < PARTS[order.plan]:
                self._expect(answer, 400, "BAD_VALUE")
            else:
                self._expect(answer, 201)
                order.captured += amount
                order.status = "CAPTURED" if order.captured == order.authorized else "PART_CAPTURED"

        @rule(order_id=orders, tenths=st.integers(1, 12))
        def refund(self, order_id: str, tenths: int) -> None:
            """Refund tenths/10 of what is refundable: more than 10 is too much."""
            if not order_id:
                return
            order = self.model[order_id]
            refundable = order.captured - order.refunded
            if not refundable and tenths % 4:
                return  # refunding nothing is refused; try it only now and then
            amount = max(1, refundable * tenths // 10) if refundable else tenths
            answer = client.post(
                f"{ORDERS}/{order_id}/refunds", json={"refunded_amount": amount}, headers=headers
            )
            if amount > order.captured - order.refunded:
                self._expect(answer, 403, "REFUND_NOT_ALLOWED")
                return
            self._expect(answer, 201)
            order.refunded += amount
            payback = max(0, order.paid - (order.captured - order.refunded))
            order.paid -= payback
            order.credit += payback
            if payback:
                event("refund paid money back")

        @rule(order_id=orders, dice=st.integers(0, 3))
        def cancel(self, order_id: str, dice: int) -> None:
            if not order_id or dice:  # a cancel ends an order's story: only one time in four
                return
            order = self.model[order_id]
            answer = client.post(f"{ORDERS}/{order_id}/cancel", headers=headers)
            if order.shown_status(clock.now()) == "AUTHORIZED":
                self._expect(answer, 204)
                order.status = "CANCELLED"
            else:
                self._expect(answer, 403, "NOT_ALLOWED")

        @rule(order_id=orders)
        def extend(self, order_id: str) -> None:
            if not order_id:
                return
            order = self.model[order_id]
            now = clock.now()
            answer = client.post(f"{ORDERS}/{order_id}/extend-authorization-time", headers=headers)
            limit = order.created_at + MAXIMUM_AGE
            wanted = min(now + VALIDITY, limit)
            if not order.capturable(now) or (
                wanted <= order.expires_at and order.expires_at >= limit
            ):
                self._expect(answer, 403, "NOT_ALLOWED")
            else:
                self._expect(answer, 204)
                order.expires_at = max(order.expires_at, wanted)

        @rule(order_id=orders, tenths=st.integers(1, 12))
        def pay(self, order_id: str, tenths: int) -> None:
            """The consumer pays tenths/10 of what is owed; more than 10 leaves a credit."""
            if not order_id or not self.model[order_id].captured:
                return
            order = self.model[order_id]
            amount = max(1, max(order.owed, 1000) * tenths // 10)
            applied = database.run(
                lambda c: record_payment(
                    c,
                    order_id=order_id,
                    consumer_id=order.consumer_id,
                    payment=Money(amount, "SEK"),
                    at=clock.now(),
                    channel="card",
                )
            )
            assert applied == min(amount, order.owed), (applied, amount, order)
            order.paid += applied
            order.credit += amount - applied

        @rule(days=st.sampled_from([0, 1, 3, 10, 14, 27, 31]))
        def advance_clock(self, days: int) -> None:
            clock.advance(timedelta(days=days, hours=1))

        @invariant()
        def never_a_server_error(self) -> None:
            assert self.last_status < 500

        @invariant()
        def the_api_agrees_with_the_model(self) -> None:
            now = clock.now()
            for order in self.model.values():
                answer = client.get(f"{ORDERS}/{order.id}", headers=headers)
                assert answer.status_code == 200
                shown = answer.json()
                assert shown["status"] == order.shown_status(now), (shown["status"], order)
                assert (shown["captured_amount"], shown["refunded_amount"]) == (
                    order.captured,
                    order.refunded,
                )
                remaining = order.authorized - order.captured if order.capturable(now) else 0
                assert shown["remaining_authorized_amount"] == remaining
                schedule = shown["payment_schedule"]
                assert sum(i["amount"] for i in schedule) == order.captured - order.refunded
                assert sum(i["paid_amount"] for i in schedule) == order.paid
                assert all(
                    i["amount"] >= 0 and 0 <= i["paid_amount"] <= i["amount"] for i in schedule
                ), schedule
                assert len({i["capture_id"] for i in schedule}) == len(shown["captures"])
                assert len(schedule) == PARTS[order.plan] * len(shown["captures"])

        @invariant()
        def the_ledger_agrees_with_the_instalments(self) -> None:
            if not self.model:
                return
            report = database.run(verify)
            assert report.ok, report
            for consumer_id in self.consumers:
                mine = [o for o in self.model.values() if o.consumer_id == consumer_id]

                def balances(c: Any, consumer_id: str = consumer_id) -> tuple[int, int, int]:
                    owed = c.execute(
                        text(
                            "SELECT COALESCE(SUM(amount - paid_amount), 0) FROM instalments "
                            "WHERE consumer_id = :c"
                        ),
                        {"c": consumer_id},
                    ).scalar_one()
                    return (
                        balance(c, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", consumer_id)),
                        balance(c, account(AccountKind.CONSUMER_PAYABLE, "SEK", consumer_id)),
                        int(owed),
                    )

                receivable, payable, owed = database.run(balances, readonly=True)
                assert receivable == owed == sum(o.owed for o in mine)
                assert payable == -sum(o.credit for o in mine)

    return OrderLifecycle


def test_order_lifecycle_model(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    machine = _machine(client, merchant["headers"], database, clock)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
