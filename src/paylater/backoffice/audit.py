"""The audit log: every operator action, who did it, when, and the state before and after.

Rows are written in the same transaction as the action, so an action that rolls back leaves no
trace and one that commits always has its row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.backoffice.accounts import StaffUser
from paylater.backoffice.models import audit_log
from paylater.kit.ids import new_uuid


def _plain(value: Any) -> Any:
    """A JSON-friendly copy (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    connection: Connection,
    operator: StaffUser,
    action: str,
    subject_type: str,
    subject_id: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: datetime,
) -> str:
    entry_id = new_uuid()
    connection.execute(
        audit_log.insert().values(
            id=entry_id,
            operator_id=operator.id,
            operator_email=operator.email,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=_plain(before),
            after=_plain(after),
            at=at,
        )
    )
    return entry_id


def entries(
    connection: Connection,
    *,
    subject_id: str | None = None,
    before: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first; ``before`` is the (at, id) cursor of the last row of the previous page."""
    query = select(audit_log)
    if subject_id:
        query = query.where(audit_log.c.subject_id == subject_id)
    if before is not None:
        at, entry_id = before
        query = query.where(
            (audit_log.c.at < at) | ((audit_log.c.at == at) & (audit_log.c.id < entry_id))
        )
    rows = connection.execute(
        query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]
