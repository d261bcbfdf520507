"""Settlement settings: defaults, IBAN checks, fee plans per plan type used by captures."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.orders.models import captures
from tests.api.flows import assert_error, capture, place_order
from tests.settlement.support import ADMIN, SE_IBAN, shopper


def _url(merchant: dict[str, Any]) -> str:
    return f"/admin/v1/merchants/{merchant['id']}/settlement"


def test_defaults_when_the_merchant_has_none(client: TestClient, merchant: dict[str, Any]) -> None:
    answer = client.get(_url(merchant), headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["payout_schedule"], body["delay_days"], body["reserve_rate_bp"]) == (
        "daily",
        7,
        0,
    )
    assert body["iban"] == ""
    assert body["fee_plans"]["pay_in_3"] == {"rate_bp": 290, "fixed_minor": 0}
    assert set(body["fee_plans"]) == {"pay_later", "pay_in_3", "pay_in_4", "financing", "pay_now"}


def test_iban_and_bic_are_checked(client: TestClient, merchant: dict[str, Any]) -> None:
    bad_iban = client.put(_url(merchant), json={"iban": "SE4550000000058398257467"}, headers=ADMIN)
    assert_error(bad_iban, 400, "BAD_VALUE")
    bad_bic = client.put(_url(merchant), json={"iban": SE_IBAN, "bic": "NOTABIC"}, headers=ADMIN)
    assert_error(bad_bic, 400, "BAD_VALUE")
    assert_error(client.put(_url(merchant), json={"payout_schedule": "hourly"}, headers=ADMIN), 400)
    assert_error(client.put(_url(merchant), json={"reserve_rate_bp": 500}, headers=ADMIN), 400)
    good = client.put(
        _url(merchant),
        json={"iban": "se45 5000 0000 0583 9825 7466", "bic": "ESSESESS"},
        headers=ADMIN,
    )
    assert good.status_code == 200, good.text
    assert good.json()["iban"] == SE_IBAN
    assert good.json()["account_holder"] == "Nordic Goods AB"
    assert_error(client.get("/admin/v1/merchants/mer_nobody/settlement", headers=ADMIN), 404)
    assert_error(client.get(_url(merchant)), 401)


def test_captures_use_the_fee_plan_of_their_plan_type(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    answer = client.put(
        _url(merchant),
        json={"fee_plans": {"pay_later": {"rate_bp": 150, "fixed_minor": 300}}},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    headers = merchant["headers"]
    later = place_order(client, headers, 20_000, plan="pay_later", person=shopper())
    in_three = place_order(client, headers, 60_000, plan="pay_in_3", person=shopper())
    assert capture(client, headers, later, 10_000).status_code == 201
    assert capture(client, headers, later, 10_000).status_code == 201
    assert capture(client, headers, in_three, 60_000).status_code == 201

    def fees(order_id: str) -> list[int]:
        return database.run(
            lambda c: [
                row.fee_amount
                for row in c.execute(
                    select(captures.c.fee_amount)
                    .where(captures.c.order_id == order_id)
                    .order_by(captures.c.captured_at, captures.c.id)
                )
            ],
            readonly=True,
        )

    # 1.5 % of each capture, the fixed 3.00 once per order; pay in 3 keeps the default 2.9 %.
    assert sorted(fees(later)) == [150, 450]
    assert fees(in_three) == [1_740]


def test_bad_queries_are_bad_values(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    for url in (
        "/settlements/v1/payouts?start_date=yesterday",
        "/settlements/v1/payouts?size=0",
        "/settlements/v1/transactions?payment_reference=%00",
        "/settlements/v1/reports/payout-with-transactions",
        "/disputes/v1/disputes?status=won",
    ):
        assert_error(client.get(url, headers=headers), 400)
    assert_error(client.get("/settlements/v1/payouts"), 401)
    assert_error(client.get("/disputes/v1/disputes/dsp_none", headers=headers), 404)
    assert_error(
        client.post("/disputes/v1/disputes/dsp_none/respond", json={}, headers=headers), 400
    )
