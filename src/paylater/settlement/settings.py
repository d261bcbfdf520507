"""A merchant's settlement settings: fee plan per plan type, payout schedule, reserve, bank account.

A merchant without a row here gets the defaults: paid daily, seven days after capture, no reserve,
and the fee stored on the merchant itself (percentage + fixed per order) for every plan type.
Payouts are only sent once a settlement IBAN is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select
from stdnum import bic as bic_number
from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError

from paylater.fastsql import execute
from paylater.kit.errors import BadValue
from paylater.kit.money import round_minor
from paylater.merchants.service import Merchant, get_merchant
from paylater.plans.schedule import PlanType
from paylater.settlement.models import merchant_fee_plans, merchant_settlement_settings

DAILY = "daily"
WEEKLY = "weekly"
DEFAULT_DELAY_DAYS = 7
MAX_DELAY_DAYS = 90
MAX_RESERVE_DAYS = 365


@dataclass(frozen=True, slots=True)
class FeePlan:
    rate_bp: int  # basis points of the captured amount
    fixed_minor: int  # per order, charged on its first capture


@dataclass(frozen=True, slots=True)
class SettlementSettings:
    merchant_id: str
    payout_schedule: str = DAILY
    payout_weekday: int = 0
    delay_days: int = DEFAULT_DELAY_DAYS
    reserve_rate_bp: int = 0
    reserve_days: int = 0
    iban: str = ""
    bic: str = ""
    account_holder: str = ""

    def pays_on(self, weekday: int) -> bool:
        return self.payout_schedule == DAILY or weekday == self.payout_weekday


_SETTINGS = select(merchant_settlement_settings).where(
    merchant_settlement_settings.c.merchant_id == bindparam("merchant_id")
)


def get_settings(connection: Connection, merchant_id: str) -> SettlementSettings:
    row = execute(connection, _SETTINGS, {"merchant_id": merchant_id}).first()
    if row is None:
        return SettlementSettings(merchant_id)
    return SettlementSettings(
        merchant_id=merchant_id,
        payout_schedule=row.payout_schedule,
        payout_weekday=row.payout_weekday,
        delay_days=row.delay_days,
        reserve_rate_bp=row.reserve_rate_bp,
        reserve_days=row.reserve_days,
        iban=row.iban,
        bic=row.bic,
        account_holder=row.account_holder,
    )


def validated_iban(value: str) -> str:
    """The IBAN in compact form, or BadValue when its country format or check digits are wrong."""
    try:
        return str(iban_number.validate(value))
    except ValidationError as error:
        raise BadValue(f"iban is not a valid IBAN: {error}") from None


def validated_bic(value: str) -> str:
    if not value:
        return ""
    try:
        return str(bic_number.validate(value))
    except ValidationError as error:
        raise BadValue(f"bic is not a valid BIC: {error}") from None


def save_settings(
    connection: Connection,
    merchant_id: str,
    *,
    payout_schedule: str,
    payout_weekday: int,
    delay_days: int,
    reserve_rate_bp: int,
    reserve_days: int,
    iban: str,
    bic: str,
    account_holder: str,
    now: datetime,
) -> SettlementSettings:
    """Create or replace the merchant's settlement settings (checked first)."""
    merchant = get_merchant(connection, merchant_id)
    if payout_schedule not in (DAILY, WEEKLY):
        raise BadValue("payout_schedule must be daily or weekly")
    if not 0 <= payout_weekday <= 6:
        raise BadValue("payout_weekday must be 0 (Monday) to 6 (Sunday)")
    if not 0 <= delay_days <= MAX_DELAY_DAYS:
        raise BadValue(f"delay_days must be 0 to {MAX_DELAY_DAYS}")
    if not 0 <= reserve_rate_bp <= 10_000 or not 0 <= reserve_days <= MAX_RESERVE_DAYS:
        raise BadValue(f"a reserve is 0 to 100 % kept 0 to {MAX_RESERVE_DAYS} days")
    if reserve_rate_bp and not reserve_days:
        raise BadValue("a reserve needs reserve_days")
    values = {
        "payout_schedule": payout_schedule,
        "payout_weekday": payout_weekday,
        "delay_days": delay_days,
        "reserve_rate_bp": reserve_rate_bp,
        "reserve_days": reserve_days,
        "iban": validated_iban(iban) if iban else "",
        "bic": validated_bic(bic),
        "account_holder": (account_holder or merchant.name).strip()[:140],
        "updated_at": now,
    }
    table = merchant_settlement_settings
    exists = connection.execute(
        select(table.c.merchant_id).where(table.c.merchant_id == merchant_id).with_for_update()
    ).first()
    if exists is None:
        connection.execute(table.insert().values(merchant_id=merchant_id, **values))
    else:
        connection.execute(table.update().where(table.c.merchant_id == merchant_id).values(values))
    return get_settings(connection, merchant_id)


def fee_plans(connection: Connection, merchant: Merchant) -> dict[str, FeePlan]:
    """The fee for every plan type: the merchant's own plan, else its default fee."""
    rows = connection.execute(
        select(merchant_fee_plans).where(merchant_fee_plans.c.merchant_id == merchant.id)
    ).all()
    own = {row.plan: FeePlan(row.rate_bp, row.fixed_minor) for row in rows}
    default = FeePlan(merchant.fee_rate_bp, merchant.fee_fixed_minor)
    return {plan.value: own.get(plan.value, default) for plan in PlanType}


def set_fee_plan(
    connection: Connection, merchant_id: str, plan: PlanType, *, rate_bp: int, fixed_minor: int
) -> FeePlan:
    get_merchant(connection, merchant_id)
    if not 0 <= rate_bp <= 10_000 or fixed_minor < 0:
        raise BadValue("fees must be between 0 and 100 % and not negative")
    table = merchant_fee_plans
    connection.execute(
        table.delete().where(table.c.merchant_id == merchant_id, table.c.plan == plan.value)
    )
    connection.execute(
        table.insert().values(
            merchant_id=merchant_id, plan=plan.value, rate_bp=rate_bp, fixed_minor=fixed_minor
        )
    )
    return FeePlan(rate_bp, fixed_minor)


def capture_fee(
    merchant: Merchant, own_plan: FeePlan | None, amount: int, *, first_capture: bool
) -> int:
    """The merchant's fee on a capture: the plan type's rate, plus the fixed part once per order.

    ``own_plan`` is the merchant's fee plan for the order's plan type (``merchant_fee_plans``,
    read with the order), if it has one; otherwise the merchant's default rates apply. Never
    more than the captured amount.
    """
    terms = own_plan or FeePlan(merchant.fee_rate_bp, merchant.fee_fixed_minor)
    fee = round_minor(Decimal(amount) * Decimal(terms.rate_bp) / 10_000)
    if first_capture:
        fee += terms.fixed_minor
    return min(fee, amount)
