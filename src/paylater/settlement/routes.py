"""Settlements API for merchants (payouts, their transactions, reports) and the admin settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import Caller, api_caller, json_response, run_query, services
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel
from paylater.merchants.routes import require_admin
from paylater.merchants.service import Merchant, get_merchant
from paylater.plans.schedule import PlanType
from paylater.settlement import payouts, settings, transactions

router = APIRouter(tags=["Settlements"])
MAX_PAGE = 500
REFERENCE_PATTERN = r"^[A-Za-z0-9-]{1,35}$"


class Pagination(ApiModel):
    count: int
    total: int
    offset: int


class PayoutTotals(ApiModel):
    sale_amount: int
    fee_amount: int
    return_amount: int
    dispute_hold_amount: int
    dispute_release_amount: int
    dispute_loss_amount: int
    reserve_hold_amount: int
    reserve_release_amount: int
    settlement_amount: int


class PayoutRead(ApiModel):
    payment_reference: str
    payment_date: date
    merchant_id: str
    currency_code: str
    amount: int
    status: str
    sent_at: datetime | None
    transaction_count: int
    totals: PayoutTotals


class PayoutList(ApiModel):
    payouts: list[PayoutRead]
    pagination: Pagination


class TransactionRead(ApiModel):
    transaction_id: str
    type: transactions.TransactionType
    amount: int
    currency_code: str
    order_id: str | None
    capture_id: str | None
    refund_id: str | None
    dispute_id: str | None
    merchant_reference1: str
    merchant_reference2: str
    plan: str | None
    occurred_at: datetime
    available_on: date
    payment_reference: str | None


class TransactionList(ApiModel):
    transactions: list[TransactionRead]
    pagination: Pagination


class FeePlanBody(ApiModel):
    rate_bp: int = Field(ge=0, le=10_000)
    fixed_minor: int = Field(ge=0)


class SettlementSettingsBody(ApiModel):
    payout_schedule: str = Field(default=settings.DAILY, pattern="^(daily|weekly)$")
    payout_weekday: int = Field(default=0, ge=0, le=6)
    delay_days: int = Field(default=settings.DEFAULT_DELAY_DAYS, ge=0, le=settings.MAX_DELAY_DAYS)
    reserve_rate_bp: int = Field(default=0, ge=0, le=10_000)
    reserve_days: int = Field(default=0, ge=0, le=settings.MAX_RESERVE_DAYS)
    iban: str = Field(default="", max_length=42)
    bic: str = Field(default="", max_length=11)
    account_holder: str = Field(default="", max_length=140)
    fee_plans: dict[PlanType, FeePlanBody] = Field(default_factory=dict)


class SettlementSettingsRead(ApiModel):
    merchant_id: str
    payout_schedule: str
    payout_weekday: int
    delay_days: int
    reserve_rate_bp: int
    reserve_days: int
    iban: str
    bic: str
    account_holder: str
    fee_plans: dict[str, FeePlanBody]


def _payouts_json(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = payouts.payout_totals(connection, [row["id"] for row in rows])
    return [payouts.payout_json(row, totals[row["id"]]) for row in rows]


@router.get("/settlements/v1/payouts", response_model=PayoutList, responses=ERRORS)
async def list_payouts(
    request: Request,
    caller: Caller = Depends(api_caller),
    start_date: date | None = None,
    end_date: date | None = None,
    size: int = Query(default=20, ge=1, le=MAX_PAGE),
    offset: int = Query(default=0, ge=0),
) -> Response:
    """The merchant's payouts, newest first, with their totals by transaction type."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> dict[str, Any]:
        rows, total = payouts.list_payouts(
            connection,
            merchant.id,
            start_date=start_date,
            end_date=end_date,
            limit=size,
            offset=offset,
        )
        return {
            "payouts": _payouts_json(connection, rows),
            "pagination": {"count": len(rows), "total": total, "offset": offset},
        }

    return json_response(await run_query(request, caller, work))


@router.get(
    "/settlements/v1/payouts/{payment_reference}", response_model=PayoutRead, responses=ERRORS
)
async def read_payout(
    payment_reference: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """One payout by its payment reference (the text on the merchant's bank line)."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> dict[str, Any]:
        payout = payouts.get_payout(connection, merchant.id, payment_reference)
        return _payouts_json(connection, [payout])[0]

    return json_response(await run_query(request, caller, work))


@router.get("/settlements/v1/transactions", response_model=TransactionList, responses=ERRORS)
async def list_transactions(
    request: Request,
    caller: Caller = Depends(api_caller),
    payment_reference: str | None = Query(default=None, pattern=REFERENCE_PATTERN),
    size: int = Query(default=100, ge=1, le=MAX_PAGE),
    offset: int = Query(default=0, ge=0),
) -> Response:
    """The transactions of one payout, or all the merchant's recorded transactions."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> dict[str, Any]:
        payout_id = None
        if payment_reference is not None:
            payout_id = payouts.get_payout(connection, merchant.id, payment_reference)["id"]
        rows = transactions.transaction_rows(
            connection, merchant.id, payout_id=payout_id, limit=size, offset=offset
        )
        total = transactions.count_transactions(connection, merchant.id, payout_id)
        return {
            "transactions": [transactions.transaction_json(row) for row in rows],
            "pagination": {"count": len(rows), "total": total, "offset": offset},
        }

    return json_response(await run_query(request, caller, work))


@router.get(
    "/settlements/v1/reports/payout-with-transactions",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "description": "The payout and every transaction in it, as CSV (minor units)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
async def payout_report(
    request: Request,
    caller: Caller = Depends(api_caller),
    payment_reference: str = Query(pattern=REFERENCE_PATTERN),
) -> Response:
    """CSV report of one payout with all its transactions (the same numbers as the API)."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> str:
        payout = payouts.get_payout(connection, merchant.id, payment_reference)
        rows = transactions.transaction_rows(connection, merchant.id, payout_id=payout["id"])
        return transactions.report_csv(payout, rows)

    text = await run_query(request, caller, work)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payout-{payment_reference}.csv"'},
    )


def _settings_json(connection: Connection, merchant_id: str) -> dict[str, Any]:
    found = settings.get_settings(connection, merchant_id)
    plans = settings.fee_plans(connection, get_merchant(connection, merchant_id))
    return {
        "merchant_id": merchant_id,
        "payout_schedule": found.payout_schedule,
        "payout_weekday": found.payout_weekday,
        "delay_days": found.delay_days,
        "reserve_rate_bp": found.reserve_rate_bp,
        "reserve_days": found.reserve_days,
        "iban": found.iban,
        "bic": found.bic,
        "account_holder": found.account_holder,
        "fee_plans": {
            plan: {"rate_bp": fee.rate_bp, "fixed_minor": fee.fixed_minor}
            for plan, fee in plans.items()
        },
    }


@router.get(
    "/admin/v1/merchants/{merchant_id}/settlement",
    response_model=SettlementSettingsRead,
    tags=["Admin"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)
async def read_settlement_settings(merchant_id: str, request: Request) -> Response:
    """A merchant's fee plans, payout schedule, reserve and settlement account."""
    found = services(request)
    data = await found.database.run_async(
        lambda connection: _settings_json(connection, merchant_id), readonly=True
    )
    return json_response(data)


@router.put(
    "/admin/v1/merchants/{merchant_id}/settlement",
    response_model=SettlementSettingsRead,
    tags=["Admin"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)
async def save_settlement_settings(
    merchant_id: str, body: SettlementSettingsBody, request: Request
) -> Response:
    """Set a merchant's settlement settings; the IBAN and BIC are checked. Fee plans given here
    replace those plan types' fees (others keep theirs)."""
    found = services(request)
    now = found.clock.now()

    def work(connection: Connection) -> dict[str, Any]:
        settings.save_settings(
            connection,
            merchant_id,
            payout_schedule=body.payout_schedule,
            payout_weekday=body.payout_weekday,
            delay_days=body.delay_days,
            reserve_rate_bp=body.reserve_rate_bp,
            reserve_days=body.reserve_days,
            iban=body.iban,
            bic=body.bic,
            account_holder=body.account_holder,
            now=now,
        )
        for plan, fee in body.fee_plans.items():
            settings.set_fee_plan(
                connection, merchant_id, plan, rate_bp=fee.rate_bp, fixed_minor=fee.fixed_minor
            )
        return _settings_json(connection, merchant_id)

    return json_response(await found.database.run_async(work))
