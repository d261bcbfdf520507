"""Pure rules: bucket boundaries, per-country thresholds, and the IN_COLLECTIONS credit rule."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from paylater.collections import rules
from paylater.credit.countries import rules_for as credit_rules
from paylater.credit.rules import AuthorizationInputs, Outcome, decide_authorization
from paylater.plans.schedule import PlanType


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-3, None),
        (0, None),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (2_000, "90+"),
    ],
)
def test_bucket_boundaries(days: int, label: str | None) -> None:
    found = rules.bucket_for(days)
    assert (found.label if found else None) == label


def test_bucket_due_date_ranges_match_the_day_counts() -> None:
    today = date(2027, 3, 15)
    for bucket in rules.BUCKETS:
        earliest, latest = bucket.due_dates(today)
        assert rules.days_overdue(today, latest) == bucket.low
        if earliest is None:
            assert bucket.high is None
        else:
            assert rules.days_overdue(today, earliest) == bucket.high


def test_default_threshold_is_sixty_days_overdue() -> None:
    se = rules.rules_for("se")
    assert se == rules.CollectionsRules("SE", 60)
    assert not se.goes_to_collections(60)
    assert se.goes_to_collections(61)
    assert se.latest_due_date(date(2027, 3, 15)) == date(2027, 1, 13)  # 61 days before


def test_thresholds_are_overridden_per_country(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "collections.json"
    path.write_text(json.dumps({"se": {"threshold_days": 30}, "DE": {"threshold_days": 90}}))
    monkeypatch.setenv(rules.RULES_ENV, str(path))
    rules.reload()
    assert rules.rules_for("SE").threshold_days == 30
    assert rules.rules_for("DE").threshold_days == 90
    assert rules.rules_for("FR").threshold_days == 60


@pytest.mark.parametrize(
    "content",
    [
        {"SE": {"threshold_days": 0}},
        {"SE": {"threshold_days": "30"}},
        {"SE": {"threshold_days": True}},
        {"SE": {"threshold": 30}},
        ["SE"],
    ],
)
def test_bad_overrides_are_refused(
    content: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(content))
    monkeypatch.setenv(rules.RULES_ENV, str(path))
    rules.reload()
    with pytest.raises(ValueError):
        rules.rules_for("SE")


GOOD = AuthorizationInputs(
    plan=PlanType.pay_later,
    amount=10_000,
    currency="SEK",
    age=36,
    overdue_instalments=0,
    exposure=0,
    repaid_on_time=0,
    account_age_days=30,
    authorizations_today=0,
    device_authorizations_today=0,
    billing_country="SE",
    shipping_country="SE",
)


def test_a_debt_in_collections_declines_with_its_own_reason() -> None:
    se = credit_rules("SE")
    assert se is not None
    assert decide_authorization(se, GOOD).outcome is Outcome.ACCEPTED
    declined = decide_authorization(se, replace(GOOD, collection_cases=1))
    assert declined.outcome is Outcome.REJECTED
    assert declined.reason_codes == ["IN_COLLECTIONS"]
