"""Per-country lending rules: currency, the amount range of each plan, financing terms, limits.

Defaults follow PRODUCT.md §3–4; a lender overrides them with a JSON file named by
``PAYLATER_COUNTRY_RULES`` (same field names, amounts in minor units).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from paylater.plans.schedule import PlanType


@dataclass(frozen=True, slots=True)
class CountryRules:
    country: str
    currency: str
    locale: str
    timezone: str  # IANA name; the country's daily run starts at its local midnight
    # Inclusive (min, max) order amount per plan, minor units.
    plan_ranges: dict[PlanType, tuple[int, int]]
    financing_rate: Decimal  # nominal yearly rate, e.g. Decimal("0.199")
    financing_setup_fee: int
    financing_months: tuple[int, ...] = (6, 12, 24, 36)
    new_consumer_limit: int = 0  # exposure limit of a consumer with no repayment history
    max_limit: int = 0  # the limit never grows beyond this
    limit_growth_percent: int = 25  # share of everything repaid on time added to the limit
    # A new account buying above this goes to manual fraud review (PENDING).
    review_amount_new_account: int = 0
    affordability_share_percent: int = 40  # monthly cost ≤ this share of disposable income
    velocity_per_day: int = 10  # authorizations per consumer, e-mail or device per 24 h
    minimum_age: int = 18
    extra: dict[str, str] = field(default_factory=dict)


def _rules(
    country: str,
    currency: str,
    locale: str,
    timezone: str,
    unit: int,
    rate: str,
    setup_fee: int = 0,
) -> CountryRules:
    """Defaults scaled by ``unit``: the number of minor units in roughly one euro of value."""
    return CountryRules(
        country=country,
        currency=currency,
        locale=locale,
        timezone=timezone,
        plan_ranges={
            PlanType.pay_now: (1 * unit, 10_000 * unit),
            PlanType.pay_later: (1 * unit, 1_500 * unit),
            PlanType.pay_in_3: (35 * unit, 1_500 * unit),
            PlanType.pay_in_4: (35 * unit, 1_500 * unit),
            PlanType.financing: (200 * unit, 10_000 * unit),
        },
        financing_rate=Decimal(rate),
        financing_setup_fee=setup_fee,
        new_consumer_limit=1_500 * unit,
        max_limit=15_000 * unit,
        review_amount_new_account=1_000 * unit,
    )


_DEFAULTS: dict[str, CountryRules] = {
    rules.country: rules
    for rules in (
        _rules("SE", "SEK", "sv-SE", "Europe/Stockholm", 1_000, "0.199", 19_500),
        _rules("NO", "NOK", "nb-NO", "Europe/Oslo", 1_000, "0.199", 0),
        _rules("DK", "DKK", "da-DK", "Europe/Copenhagen", 750, "0.159", 0),
        _rules("FI", "EUR", "fi-FI", "Europe/Helsinki", 100, "0.149", 0),
        _rules("DE", "EUR", "de-DE", "Europe/Berlin", 100, "0.119", 0),
        _rules("AT", "EUR", "de-AT", "Europe/Vienna", 100, "0.119", 0),
        _rules("NL", "EUR", "nl-NL", "Europe/Amsterdam", 100, "0.129", 0),
        _rules("BE", "EUR", "fr-BE", "Europe/Brussels", 100, "0.129", 0),
        _rules("FR", "EUR", "fr-FR", "Europe/Paris", 100, "0.159", 0),
        _rules("ES", "EUR", "es-ES", "Europe/Madrid", 100, "0.159", 0),
        _rules("IT", "EUR", "it-IT", "Europe/Rome", 100, "0.149", 0),
        _rules("GB", "GBP", "en-GB", "Europe/London", 100, "0.189", 0),
        _rules("US", "USD", "en-US", "America/New_York", 100, "0.199", 0),
    )
}


def _apply_overrides(defaults: dict[str, CountryRules], path: Path) -> dict[str, CountryRules]:
    data = json.loads(path.read_text())
    merged = dict(defaults)
    for country, values in data.items():
        base = merged.get(country.upper())
        if base is None:
            raise ValueError(f"{path}: country {country} needs a full rule set, not an override")
        changes: dict[str, object] = {}
        for name, value in values.items():
            if name == "plan_ranges":
                ranges = dict(base.plan_ranges)
                for plan, bounds in value.items():
                    ranges[PlanType(plan)] = (int(bounds[0]), int(bounds[1]))
                changes[name] = ranges
            elif name == "financing_rate":
                changes[name] = Decimal(str(value))
            elif name == "financing_months":
                changes[name] = tuple(int(v) for v in value)
            else:
                changes[name] = value
        merged[country.upper()] = replace(base, **changes)  # type: ignore[arg-type]
    return merged


@lru_cache(maxsize=1)
def all_rules() -> dict[str, CountryRules]:
    override = os.environ.get("PAYLATER_COUNTRY_RULES")
    return _apply_overrides(_DEFAULTS, Path(override)) if override else dict(_DEFAULTS)


def rules_for(country: str) -> CountryRules | None:
    return all_rules().get(country.upper())
