"""Settings from `PAYLATER_*` environment variables; the defaults run the embedded sandbox."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_pool_size() -> int:
    """Two PostgreSQL units of work per usable core. Each unit alternates between Python, which
    holds the interpreter lock, and waits on the database; two per core keep the cores busy. More
    only share the cores between more units: each takes longer, the ones with more statements
    (a capture) longest, and the p99 latency grows with them (see BENCHMARKS.md)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count() or 1
    return 2 * cores


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAYLATER_", extra="ignore")

    database_url: str = "sqlite:///var/paylater.db"
    data_dir: Path = Path("var")
    sandbox: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    # Keys API secrets are hashed with; generated into data_dir on first use when unset.
    secret_key: str | None = None
    # Bearer token for the lender's admin API (/admin/v1); the admin API is off when unset.
    admin_token: str | None = None
    # Threads serving database work on PostgreSQL (SQLite runs one writer inline).
    db_pool_size: int = Field(default_factory=default_pool_size)
    log_requests: bool = False
    # E-mail: SMTP when a host is set; otherwise the dev inbox (the messages table) only.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "paylater <no-reply@paylater.localhost>"
    # Webhook endpoints must be public https URLs; local development and tests may allow loopback.
    webhooks_allow_loopback: bool = False
    # Rows per transaction of the daily run's bulk tasks (see paylater.jobs.daily).
    daily_chunk_size: int = 100
    # Milliseconds the daily run rests after each write transaction: more room for other writers
    # (a slow disk, a busy API) at the cost of a longer run. No pause by default.
    daily_chunk_pause_ms: int = Field(default=0, ge=0, le=1000)

    @cached_property
    def hashing_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
