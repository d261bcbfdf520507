"""Pure collections rules: ageing buckets and each country's threshold for collections.

An instalment is *overdue* once its grace period is over (see
:func:`paylater.credit.service.overdue_cutoff`); its age is counted in calendar days from the due
date. Ages fall into the buckets 1–30, 31–60, 61–90 and 90+ (91 days and more). Once an order has
an instalment more than the country's threshold of days overdue (60 by default), its debt goes to
collections and the consumer can no longer buy.

A lender changes thresholds with a JSON file named by ``PAYLATER_COLLECTIONS_RULES``, e.g.
``{"SE": {"threshold_days": 45}, "DE": {"threshold_days": 90}}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

DEFAULT_THRESHOLD_DAYS = 60
RULES_ENV = "PAYLATER_COLLECTIONS_RULES"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Days overdue from ``low`` to ``high`` inclusive (``high`` is ``None`` for open-ended)."""

    label: str
    low: int
    high: int | None

    def holds(self, days: int) -> bool:
        return days >= self.low and (self.high is None or days <= self.high)

    def due_dates(self, today: date) -> tuple[date | None, date]:
        """The (earliest, latest) due dates whose age today falls in this bucket."""
        earliest = None if self.high is None else today - timedelta(days=self.high)
        return earliest, today - timedelta(days=self.low)


BUCKETS: tuple[Bucket, ...] = (
    Bucket("1-30", 1, 30),
    Bucket("31-60", 31, 60),
    Bucket("61-90", 61, 90),
    Bucket("90+", 91, None),
)


def days_overdue(today: date, due_date: date) -> int:
    """Calendar days from the due date to today (0 or less when not yet past due)."""
    return (today - due_date).days


def bucket_for(days: int) -> Bucket | None:
    """The bucket of an instalment ``days`` past its due date; ``None`` when not past due."""
    for bucket in BUCKETS:
        if bucket.holds(days):
            return bucket
    return None


@dataclass(frozen=True, slots=True)
class CollectionsRules:
    country: str
    # An order goes to collections once an instalment is more than this many days overdue.
    threshold_days: int = DEFAULT_THRESHOLD_DAYS

    def goes_to_collections(self, days: int) -> bool:
        return days > self.threshold_days

    def latest_due_date(self, today: date) -> date:
        """The latest due date whose unpaid instalment sends its order to collections today."""
        return today - timedelta(days=self.threshold_days + 1)


def _load_overrides(path: Path) -> dict[str, CollectionsRules]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object of countries")
    found: dict[str, CollectionsRules] = {}
    for country, values in data.items():
        threshold = values.get("threshold_days", DEFAULT_THRESHOLD_DAYS)
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ValueError(f"{path}: {country} threshold_days must be a positive integer")
        unknown = set(values) - {"threshold_days"}
        if unknown:
            raise ValueError(f"{path}: {country} has unknown settings {sorted(unknown)}")
        found[country.upper()] = CollectionsRules(country.upper(), threshold)
    return found


@lru_cache(maxsize=1)
def _overrides() -> dict[str, CollectionsRules]:
    path = os.environ.get(RULES_ENV)
    return _load_overrides(Path(path)) if path else {}


def rules_for(country: str) -> CollectionsRules:
    """The collections rules of ``country``: its override, or the defaults."""
    code = country.upper()
    return _overrides().get(code) or CollectionsRules(code)


def reload() -> None:
    """Forget cached overrides (after ``PAYLATER_COLLECTIONS_RULES`` changed)."""
    _overrides.cache_clear()
