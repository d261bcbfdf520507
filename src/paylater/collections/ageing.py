"""The ageing report: unpaid overdue instalments per currency and bucket, as of one day.

An instalment counts once its grace period is over (each country's cutoff from
:func:`paylater.credit.service.overdue_cutoff`); instalments of a paused order are not ageing
while the pause lasts, and debt already written off is no longer a receivable, so neither is
counted. Buckets are computed in SQL from due-date ranges, one grouped query per country.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, select

from paylater.billing.models import instalments
from paylater.collections.models import WRITTEN_OFF, collection_cases
from paylater.collections.rules import BUCKETS, Bucket
from paylater.credit.countries import all_rules
from paylater.credit.service import overdue_cutoff
from paylater.kit.money import Money
from paylater.servicing.models import pauses

OWED = instalments.c.amount - instalments.c.paid_amount
# The order is paused (a reported problem): its instalments are held, not ageing.
PAUSED = exists().where(
    and_(pauses.c.order_id == instalments.c.order_id, pauses.c.status == "active")
)
WRITTEN_OFF_ORDER = exists().where(
    and_(
        collection_cases.c.order_id == instalments.c.order_id,
        collection_cases.c.status == WRITTEN_OFF,
    )
)


@dataclass(frozen=True, slots=True)
class BucketTotal:
    bucket: Bucket
    instalments: int
    amount: Money

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket.label,
            "min_days": self.bucket.low,
            "max_days": self.bucket.high,
            "instalments": self.instalments,
            "amount": self.amount.minor,
        }


@dataclass(slots=True)
class AgeingReport:
    as_of: date
    country: str | None
    # Per currency, one total per bucket in bucket order (zeros included).
    by_currency: dict[str, list[BucketTotal]] = field(default_factory=dict)

    def add(self, currency: str, label: str, count: int, amount: int) -> None:
        totals = self.by_currency.setdefault(
            currency, [BucketTotal(bucket, 0, Money(0, currency)) for bucket in BUCKETS]
        )
        for index, total in enumerate(totals):
            if total.bucket.label == label:
                totals[index] = BucketTotal(
                    total.bucket,
                    total.instalments + count,
                    total.amount + Money(amount, currency),
                )

    def as_dict(self) -> dict[str, Any]:
        currencies = []
        for currency in sorted(self.by_currency):
            totals = self.by_currency[currency]
            currencies.append(
                {
                    "currency": currency,
                    "buckets": [total.as_dict() for total in totals],
                    "instalments": sum(total.instalments for total in totals),
                    "amount": sum(total.amount.minor for total in totals),
                }
            )
        return {
            "as_of": self.as_of.isoformat(),
            "country": self.country,
            "currencies": currencies,
        }


def _bucket_label(today: date) -> Any:
    whens = []
    for bucket in BUCKETS[:-1]:
        earliest, _latest = bucket.due_dates(today)
        whens.append((instalments.c.due_date >= earliest, literal(bucket.label)))
    return case(*whens, else_=literal(BUCKETS[-1].label))


def _country_query(country: str, today: date) -> Any:
    # Overdue means past the grace period *and* at least one calendar day past due.
    latest = min(overdue_cutoff(today, country), BUCKETS[0].due_dates(today)[1])
    aged = (
        select(
            instalments.c.currency.label("currency"),
            _bucket_label(today).label("bucket"),
            OWED.label("owed"),
        )
        .where(instalments.c.status == "open")
        .where(instalments.c.country == country)
        .where(instalments.c.due_date <= latest)
        .where(OWED > 0)
        .where(~PAUSED)
        .where(~WRITTEN_OFF_ORDER)
        .subquery()
    )
    # Grouped outside: PostgreSQL would not match the CASE's bound dates in a GROUP BY.
    return select(aged.c.currency, aged.c.bucket, func.count(), func.sum(aged.c.owed)).group_by(
        aged.c.currency, aged.c.bucket
    )


def ageing(connection: Connection, today: date, *, country: str | None = None) -> AgeingReport:
    """Overdue instalments and what is still owed on them, per currency and ageing bucket."""
    report = AgeingReport(as_of=today, country=country)
    countries = [country] if country else sorted(all_rules())
    for code in countries:
        for currency, label, count, amount in connection.execute(_country_query(code, today)):
            report.add(currency, label, int(count), int(amount))
    return report
