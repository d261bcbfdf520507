"""Per-country servicing rules: when reminders go out, which fees apply and their caps.

Defaults follow PRODUCT.md §6; a lender overrides them with a JSON file named by
``PAYLATER_SERVICING_RULES`` (same field names, amounts in minor units)::

    {"SE": {"fee_steps": [{"offset_days": 0, "amount": 6000, "kind": "reminder"}]}}

Offsets count calendar days from the *first overdue day*: the first business day after the
grace period (due Friday 2027-01-15 in Sweden, grace 18–20 → first overdue day the 21st).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from paylater.kit.money import round_minor


@dataclass(frozen=True, slots=True)
class FeeStep:
    """A fee charged ``offset_days`` after the first overdue day, with that day's reminder."""

    offset_days: int
    amount: int
    kind: str = "reminder"  # reminder | late


@dataclass(frozen=True, slots=True)
class CapTier:
    """Total fees on an order of at least ``min_order_amount``: at most ``fixed`` and, when
    ``percent`` is set, at most that share of the order (an Afterpay-style tiered cap)."""

    min_order_amount: int
    fixed: int
    percent: Decimal | None = None

    def cap(self, order_amount: int) -> int:
        if self.percent is None:
            return self.fixed
        return min(self.fixed, round_minor(Decimal(order_amount) * self.percent / 100))


@dataclass(frozen=True, slots=True)
class ServicingRules:
    country: str
    grace_business_days: int = 3
    upcoming_days_before: int = 3
    # Overdue reminders, in calendar days after the first overdue day.
    reminder_offsets: tuple[int, ...] = (0, 14, 28)
    fee_steps: tuple[FeeStep, ...] = ()
    # Sweden: a reminder fee only if the terms accepted at purchase include it.
    fee_needs_agreement: bool = False
    cap_per_instalment: int | None = None
    cap_per_order: int | None = None
    order_cap_tiers: tuple[CapTier, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def overdue_offsets(self) -> tuple[int, ...]:
        """Every day after the first overdue one that gets a reminder (fee days included)."""
        return tuple(sorted({*self.reminder_offsets, *(s.offset_days for s in self.fee_steps)}))

    def order_cap(self, order_amount: int) -> int | None:
        """The most fees one order may carry, from the fixed cap and the tiers."""
        caps = [self.cap_per_order] if self.cap_per_order is not None else []
        tiers = [t for t in self.order_cap_tiers if order_amount >= t.min_order_amount]
        if tiers:
            caps.append(max(tiers, key=lambda t: t.min_order_amount).cap(order_amount))
        return min(caps) if caps else None


_DEFAULTS: dict[str, ServicingRules] = {
    rules.country: rules
    for rules in (
        # One reminder fee of at most 60 SEK per invoice, only if agreed at purchase.
        ServicingRules(
            "SE",
            fee_steps=(FeeStep(0, 6_000),),
            fee_needs_agreement=True,
            cap_per_instalment=6_000,
        ),
        ServicingRules(
            "NO", fee_steps=(FeeStep(0, 3_500), FeeStep(14, 3_500)), cap_per_instalment=7_000
        ),
        ServicingRules(
            "DK",
            fee_steps=(FeeStep(0, 10_000), FeeStep(14, 10_000), FeeStep(28, 10_000)),
            cap_per_instalment=30_000,
        ),
        ServicingRules(
            "FI", fee_steps=(FeeStep(0, 500), FeeStep(14, 500)), cap_per_instalment=1_000
        ),
        # The first reminder is free; later ones carry a small fee.
        ServicingRules("DE", fee_steps=(FeeStep(14, 250), FeeStep(28, 250)), cap_per_order=500),
        ServicingRules("AT", fee_steps=(FeeStep(14, 250), FeeStep(28, 250)), cap_per_order=500),
        ServicingRules("NL"),
        ServicingRules("BE"),
        ServicingRules("FR"),
        ServicingRules("ES"),
        ServicingRules("IT"),
        # A late fee of £5, at most two per order.
        ServicingRules(
            "GB",
            fee_steps=(FeeStep(0, 500, "late"), FeeStep(14, 500, "late")),
            cap_per_order=1_000,
        ),
        # Late fees of $10 then $7 a week later; per order at most $10 under $40, else the lower
        # of 25 % of the order and $68.
        ServicingRules(
            "US",
            fee_steps=(FeeStep(0, 1_000, "late"), FeeStep(7, 700, "late")),
            order_cap_tiers=(
                CapTier(0, 1_000),
                CapTier(4_000, 6_800, Decimal(25)),
            ),
        ),
    )
}


def _parse(base: ServicingRules, values: dict[str, Any]) -> ServicingRules:
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name == "fee_steps":
            changes[name] = tuple(
                FeeStep(int(s["offset_days"]), int(s["amount"]), s.get("kind", "reminder"))
                for s in value
            )
        elif name == "order_cap_tiers":
            changes[name] = tuple(
                CapTier(
                    int(t["min_order_amount"]),
                    int(t["fixed"]),
                    Decimal(str(t["percent"])) if t.get("percent") is not None else None,
                )
                for t in value
            )
        elif name == "reminder_offsets":
            changes[name] = tuple(int(v) for v in value)
        else:
            changes[name] = value
    return replace(base, **changes)


@lru_cache(maxsize=1)
def all_servicing_rules() -> dict[str, ServicingRules]:
    rules = dict(_DEFAULTS)
    override = os.environ.get("PAYLATER_SERVICING_RULES")
    if override:
        for country, values in json.loads(Path(override).read_text()).items():
            code = country.upper()
            rules[code] = _parse(rules.get(code, ServicingRules(code)), values)
    return rules


def servicing_rules(country: str) -> ServicingRules:
    """The country's rules; a country without its own gets reminders and no fees."""
    return all_servicing_rules().get(country.upper()) or ServicingRules(country.upper())
