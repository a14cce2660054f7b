"""Database connections and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

from bot.config import ConfigError, Settings
from resources_db.seed import load_seed

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine; SQLite files get foreign keys, a busy timeout and ``secure_delete``."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # secure_delete overwrites deleted rows with zeros, so a wiped conversation
    # leaves no readable residue in the file.
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database to the newest migration."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), "head")


@cache
def head_revision() -> str | None:
    """The newest migration (read once: the scripts do not change while Haven runs)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def is_current(engine: Engine) -> bool:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head_revision()


def prepare(settings: Settings, engine: Engine) -> None:
    """Migrate in development; in production only check, as migrations are a deploy step.

    A database already at the newest migration is left alone: reading the revision is one
    query, while running Alembic imports every migration script.
    """
    if is_current(engine):
        return
    if settings.is_production:
        raise ConfigError("the database is not at the newest migration: run `haven db upgrade`")
    upgrade(settings.effective_database_url)


def open_database(settings: Settings) -> Engine:
    """A migrated database holding the seed directory."""
    settings.check_production()
    database = make_engine(settings.effective_database_url)
    prepare(settings, database)
    load_seed(database)
    return database
