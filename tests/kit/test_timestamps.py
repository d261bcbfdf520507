"""UTCDateTime on SQLite writes exactly the text SQLAlchemy's own DATETIME would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from paylater.db import UTCDateTime

SQLITE = sqlite.dialect()
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)


def _sqlalchemy_text(value: datetime) -> str:
    column = UTCDateTime()
    impl = column.impl_instance.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert impl is not None
    return str(impl(column.process_bind_param(value, SQLITE)))


@given(
    moment=st.datetimes(
        min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES
    )
)
def test_the_stored_text_is_sqlalchemys(moment: datetime) -> None:
    to_text = UTCDateTime().bind_processor(SQLITE)
    assert to_text is not None
    assert to_text(moment) == _sqlalchemy_text(moment)


def test_whole_seconds_keep_their_microseconds_and_none_stays_none() -> None:
    to_text = UTCDateTime().bind_processor(SQLITE)
    assert to_text is not None
    assert to_text(datetime(2026, 11, 22, 23, 1, 4, tzinfo=UTC)) == "2026-11-22 23:01:04.000000"
    assert to_text(None) is None
    with pytest.raises(ValueError, match="naive"):
        to_text(datetime(2026, 11, 22, 23, 1, 4))
