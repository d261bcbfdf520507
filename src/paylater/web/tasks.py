"""Jobs and daily tasks of this package (imported by workers to register them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from paylater.jobs.daily import daily_task
from paylater.web.models import web_login_codes, web_sessions

# One-time codes are kept a day after they expire: the hourly send limit counts them.
CODE_RETENTION = timedelta(days=1)


@daily_task("web.forget_expired_sign_ins")
def forget_expired_sign_ins(connection: Connection, day: date, now: datetime) -> int:
    """Delete browser sessions that have expired and one-time codes nobody can use any more."""
    sessions = connection.execute(web_sessions.delete().where(web_sessions.c.expires_at <= now))
    codes = connection.execute(
        web_login_codes.delete().where(web_login_codes.c.expires_at <= now - CODE_RETENTION)
    )
    return int(sessions.rowcount or 0) + int(codes.rowcount or 0)
