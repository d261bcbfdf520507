"""Schema management: Alembic migrations, run from the CLI and by the test fixtures."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from paylater.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def import_models() -> None:
    """Import every table module so the shared metadata knows the whole schema."""
    from paylater.api import models as _api  # noqa: F401
    from paylater.backoffice import models as _backoffice  # noqa: F401
    from paylater.bank import models as _bank  # noqa: F401
    from paylater.billing import models as _billing  # noqa: F401
    from paylater.checkout import models as _checkout  # noqa: F401
    from paylater.collections import models as _collections  # noqa: F401
    from paylater.consumers import models as _consumers  # noqa: F401
    from paylater.credit import models as _credit  # noqa: F401
    from paylater.disputes import models as _disputes  # noqa: F401
    from paylater.jobs import models as _jobs  # noqa: F401
    from paylater.ledger import models as _ledger  # noqa: F401
    from paylater.merchants import models as _merchants  # noqa: F401
    from paylater.notifications import models as _notifications  # noqa: F401
    from paylater.orders import models as _orders  # noqa: F401
    from paylater.payments import models as _payments  # noqa: F401
    from paylater.sandbox import models as _sandbox  # noqa: F401
    from paylater.servicing import models as _servicing  # noqa: F401
    from paylater.settlement import models as _settlement  # noqa: F401
    from paylater.web import models as _web  # noqa: F401


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def migrate(database: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    with database.engine.begin() as connection:
        config = alembic_config(database)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
