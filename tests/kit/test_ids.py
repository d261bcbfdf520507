"""Identifiers are valid RFC 4122 UUIDs of the version they claim."""

from __future__ import annotations

import time
import uuid

from paylater.kit.ids import new_ordered_uuid, new_ordered_uuids, new_uuid


def test_random_ids_are_version_4_uuids_in_canonical_text() -> None:
    made = [new_uuid() for _ in range(2_000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text


def test_ordered_ids_are_version_7_and_sort_by_time() -> None:
    first = new_ordered_uuid()
    time.sleep(0.002)
    later = [new_ordered_uuid() for _ in range(100)]
    assert all(first < text for text in later)
    for text in [first, *later]:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert str(parsed) == text
        assert abs((parsed.int >> 80) - time.time_ns() // 1_000_000) < 60_000


def test_a_run_of_ordered_ids_is_unique_sorted_and_valid() -> None:
    runs = [new_ordered_uuids(2_000) for _ in range(20)]
    made = [text for run in runs for text in run]
    assert len(set(made)) == len(made)
    for run in runs:
        assert run == sorted(run)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert str(parsed) == text
        assert abs((parsed.int >> 80) - time.time_ns() // 1_000_000) < 60_000
    assert new_ordered_uuids(0) == []
