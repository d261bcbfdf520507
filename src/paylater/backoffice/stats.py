"""A merchant's statistics per day, week or month: sales volume (captured), orders, average
order value, plan mix, refund rate and disputes, in one currency, and the approval rate of its
checkouts' credit decisions (all currencies).

Each figure is summed per day in SQL (one grouped query per source table, over the window only),
then the days are folded into weeks or months here.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from paylater.credit.models import credit_decisions
from paylater.credit.rules import Outcome
from paylater.disputes.models import disputes
from paylater.kit.money import Money
from paylater.orders.models import captures, orders, refunds

PERIODS = {"day": 30, "week": 12, "month": 12}  # how many periods a page shows


@dataclass(slots=True)
class Bucket:
    start: date
    orders: int = 0
    ordered: int = 0  # order amounts, minor units
    captured: int = 0
    refunded: int = 0
    refunds: int = 0
    disputes: int = 0
    decisions: int = 0  # credit decisions at authorization, every currency
    approved: int = 0
    plans: dict[str, int] = field(default_factory=dict)

    @property
    def average_order(self) -> int:
        return self.ordered // self.orders if self.orders else 0

    @property
    def approval_rate_bp(self) -> int:
        """Authorizations accepted as a share of those decided, in basis points."""
        return self.approved * 10_000 // self.decisions if self.decisions else 0

    @property
    def refund_rate_bp(self) -> int:
        """Refunded volume as a share of captured volume, in basis points."""
        return self.refunded * 10_000 // self.captured if self.captured else 0


@dataclass(slots=True)
class Statistics:
    period: str
    currency: str
    buckets: list[Bucket]

    def plan_mix(self) -> dict[str, int]:
        mix: dict[str, int] = defaultdict(int)
        for bucket in self.buckets:
            for plan, count in bucket.plans.items():
                mix[plan] += count
        return dict(sorted(mix.items()))


def _period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _starts(today: date, period: str) -> list[date]:
    count = PERIODS[period]
    if period == "day":
        return [today - timedelta(days=count - 1 - i) for i in range(count)]
    if period == "week":
        monday = _period_start(today, "week")
        return [monday - timedelta(weeks=count - 1 - i) for i in range(count)]
    first = today.replace(day=1)
    starts = []
    year, month = first.year, first.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _day(connection: Connection, column: Any) -> Any:
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def default_currency(connection: Connection, merchant_id: str) -> str | None:
    return connection.execute(
        select(orders.c.purchase_currency)
        .where(orders.c.merchant_id == merchant_id)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .limit(1)
    ).scalar()


def statistics(
    connection: Connection, merchant_id: str, currency: str, period: str, *, today: date
) -> Statistics:
    if period not in PERIODS:
        period = "day"
    starts = _starts(today, period)
    since = datetime.combine(starts[0], time(), UTC)
    buckets = {start: Bucket(start) for start in starts}

    def add(day_text: str) -> Bucket | None:
        return buckets.get(_period_start(date.fromisoformat(day_text), period))

    mine = (orders.c.merchant_id == merchant_id) & (orders.c.purchase_currency == currency)
    created = _day(connection, orders.c.created_at)
    for day_text, plan, count, amount in connection.execute(
        select(created, orders.c.plan, func.count(), func.sum(orders.c.order_amount))
        .where(mine, orders.c.created_at >= since)
        .group_by(created, orders.c.plan)
    ):
        bucket = add(day_text)
        if bucket is not None:
            bucket.orders += int(count)
            bucket.ordered += int(amount or 0)
            bucket.plans[plan] = bucket.plans.get(plan, 0) + int(count)
    captured = _day(connection, captures.c.captured_at)
    for day_text, amount in connection.execute(
        select(captured, func.sum(captures.c.captured_amount))
        .join(orders, orders.c.id == captures.c.order_id)
        .where(mine, captures.c.captured_at >= since)
        .group_by(captured)
    ):
        bucket = add(day_text)
        if bucket is not None:
            bucket.captured += int(amount or 0)
    refunded = _day(connection, refunds.c.refunded_at)
    for day_text, count, amount in connection.execute(
        select(refunded, func.count(), func.sum(refunds.c.refunded_amount))
        .join(orders, orders.c.id == refunds.c.order_id)
        .where(mine, refunds.c.refunded_at >= since)
        .group_by(refunded)
    ):
        bucket = add(day_text)
        if bucket is not None:
            bucket.refunds += int(count)
            bucket.refunded += int(amount or 0)
    opened = _day(connection, disputes.c.opened_at)
    for day_text, count in connection.execute(
        select(opened, func.count())
        .where(disputes.c.merchant_id == merchant_id, disputes.c.currency == currency)
        .where(disputes.c.opened_at >= since)
        .group_by(opened)
    ):
        bucket = add(day_text)
        if bucket is not None:
            bucket.disputes += int(count)
    decided = _day(connection, credit_decisions.c.created_at)
    accepted = case((credit_decisions.c.outcome == Outcome.ACCEPTED.value, 1), else_=0)
    for day_text, count, approved in connection.execute(
        select(decided, func.count(), func.sum(accepted))
        .where(credit_decisions.c.merchant_id == merchant_id)
        .where(credit_decisions.c.stage == "authorization")
        .where(credit_decisions.c.created_at >= since)
        .group_by(decided)
    ):
        bucket = add(day_text)
        if bucket is not None:
            bucket.decisions += int(count)
            bucket.approved += int(approved or 0)
    return Statistics(period, currency, [buckets[start] for start in starts])


def _major(minor: int, currency: str) -> str:
    return str(Money(minor, currency).to_decimal())


def _percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}"


def to_csv(stats: Statistics) -> str:
    out = io.StringIO()
    plans = sorted(stats.plan_mix())
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "period_start",
            "currency",
            "orders",
            "sales_volume",
            "average_order_value",
            "refunds",
            "refunded",
            "refund_rate_percent",
            "disputes",
            "approval_rate_percent",
            *[f"plan_{plan}" for plan in plans],
        ]
    )
    for bucket in stats.buckets:
        writer.writerow(
            [
                bucket.start.isoformat(),
                stats.currency,
                bucket.orders,
                _major(bucket.captured, stats.currency),
                _major(bucket.average_order, stats.currency),
                bucket.refunds,
                _major(bucket.refunded, stats.currency),
                _percent(bucket.refund_rate_bp),
                bucket.disputes,
                _percent(bucket.approval_rate_bp),
                *[bucket.plans.get(plan, 0) for plan in plans],
            ]
        )
    return out.getvalue()
