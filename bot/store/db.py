"""Database connections and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event

from bot.config import ConfigError, Settings
from resources_db.seed import load_seed

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT = 15.0
"""Seconds a connection waits for SQLite's write lock before giving up (Twilio waits 15)."""
WRITES = "haven_writes"
"""An execution option: the connections of this engine begin with ``BEGIN IMMEDIATE``."""


def make_engine(url: str) -> Engine:
    """An engine; SQLite files are set up for one machine's concurrent requests.

    SQLite gets write-ahead logging (readers never wait for the writer), a busy
    timeout, foreign keys and ``secure_delete``, and takes over ``BEGIN`` from
    pysqlite (SQLAlchemy's recipe for SQLite transactions): a transaction of
    ``writing(engine)`` begins with ``BEGIN IMMEDIATE``, so it holds the write
    lock from its first statement and never fails halfway on a lock it cannot
    upgrade; others begin with a plain ``BEGIN`` and only read.
    """
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def writing(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that write."""
    return engine.execution_options(**{WRITES: True})


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own: see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    # secure_delete overwrites deleted rows with zeros, so a wiped conversation
    # leaves no readable residue in the file (and, once checkpointed, in its -wal).
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def checkpoint(engine: Engine) -> bool:
    """Copy SQLite's write-ahead log into the database file and empty it (TRUNCATE).

    Run after a wipe or a purge: deleted rows are zeroed in the database file, but the
    log still holds the pages as they were until it is checkpointed. False when a
    reader kept it from finishing within the busy timeout (the next one will).
    PostgreSQL has no such file to empty: always True there.
    """
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return not busy


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
    load_seed(writing(database))
    return database
