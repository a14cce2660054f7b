"""Deletion by the database: whoever deletes a session, nothing of its conversation stays.

Every table that holds something of a conversation references ``sessions.key``, so
the database itself deletes a conversation's rows with its session: a quick exit, the
purge, or a plain ``DELETE`` typed by an operator all leave nothing behind.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, Table, create_engine, func, insert, inspect, select, text

from bot.core.states import Handoff
from bot.runtime import Runtime
from bot.store import answers
from bot.store.db import alembic_config, upgrade
from bot.store.models import Base, HandoffRow, NoteRow, ProviderCopyRow, WebOutboxRow
from common.clock import utcnow
from tests.conftest import Chat

UNLINKED_ON_DELETE = {"provider_copies": "SET NULL"}
"""The one exception to ``ON DELETE CASCADE``: a provider's copy of a message (an SMS
at Twilio, a message on a Telegram phone) outlives its conversation, unlinked, because
Haven must still delete it at the provider; an unlinked copy is due at once."""

COPY_REF = "SM-cascade"
"""The provider's id of the copy ``a_full_conversation`` keeps."""

BEFORE_CASCADE = "0005"
"""The last migration before the sessions' foreign keys."""

LINKED_BY_0006 = ("handoffs", "notes", "web_outbox", "provider_copies")
"""The tables migration 0006 links to ``sessions`` (``messages`` always was)."""


def conversation_tables() -> list[Table]:
    """Every table with a ``session_key`` column: each holds something of a conversation."""
    return [table for table in Base.metadata.sorted_tables if "session_key" in table.c]


def expected_ondelete() -> dict[str, str]:
    return {
        table.name: UNLINKED_ON_DELETE.get(table.name, "CASCADE") for table in conversation_tables()
    }


def a_full_conversation(runtime: Runtime, chat: Chat) -> str:
    """A conversation with a row in every conversation table; returns its session key."""
    chat.to_menu()
    key = runtime.store.keys.session_key(chat.channel, chat.sender)
    now = utcnow()
    with runtime.store.transaction() as tx:
        tx.db.add(
            HandoffRow(
                id="handoff-of-the-cascade",
                session_key=key,
                channel=chat.channel,
                state=Handoff.ASSIGNED,
                priority=0,
                consent=True,
                address=tx.keys.encrypt(chat.sender),
                summary=tx.keys.encrypt("{}"),
                queued_at=now,
                notified_at=now,
            )
        )
        tx.db.add(
            NoteRow(session_key=key, author="ana", body=tx.keys.encrypt("a note"), created_at=now)
        )
        tx.db.add(WebOutboxRow(session_key=key, body=tx.keys.encrypt("{}"), created_at=now))
        tx.keep_copy("sms", key, COPY_REF, None, now)  # due only when the conversation ends
        answers.keep(tx, "answer-of-the-cascade", key, '{"replies": []}', now)
    return key


def rows_of(database: Engine, key: str) -> dict[str, int]:
    """How many rows the session ``key`` has in ``sessions`` and each conversation table."""
    sessions = Base.metadata.tables["sessions"]
    with database.connect() as connection:
        query = select(func.count()).select_from(sessions).where(sessions.c.key == key)
        counts = {"sessions": connection.scalar(query)}
        for table in conversation_tables():
            query = select(func.count()).select_from(table).where(table.c.session_key == key)
            counts[table.name] = connection.scalar(query)
    return {name: int(count or 0) for name, count in counts.items()}


def delete_with_plain_sql(database: Engine, key: str) -> None:
    """Delete a session as an operator would, past the Store."""
    with database.begin() as connection:
        connection.execute(text('DELETE FROM sessions WHERE "key" = :key'), {"key": key})


def the_copy(database: Engine) -> tuple[str | None, int]:
    """The session key and attempts of the one provider copy."""
    with database.connect() as connection:
        row = connection.execute(
            select(ProviderCopyRow.session_key, ProviderCopyRow.attempts)
        ).one()
    return row.session_key, row.attempts


# -- the schema ---------------------------------------------------------------------------------


def test_every_conversation_table_is_deleted_with_its_session() -> None:
    """A new table with a ``session_key`` and no cascade would keep personal data after a wipe."""
    found = {
        table.name: [
            key.ondelete
            for key in table.c.session_key.foreign_keys
            if key.target_fullname == "sessions.key"
        ]
        for table in conversation_tables()
    }
    assert found == {name: [ondelete] for name, ondelete in expected_ondelete().items()}
    assert set(UNLINKED_ON_DELETE) <= set(found)


def test_the_migrated_schema_has_the_foreign_keys_of_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    database = create_engine(url)
    reflected = inspect(database)
    found = {
        table.name: [
            (key["referred_table"], key["referred_columns"], key["options"].get("ondelete"))
            for key in reflected.get_foreign_keys(table.name)
            if key["constrained_columns"] == ["session_key"]
        ]
        for table in conversation_tables()
    }
    database.dispose()
    assert found == {
        name: [("sessions", ["key"], ondelete)] for name, ondelete in expected_ondelete().items()
    }


def test_the_migration_deletes_rows_whose_session_is_already_gone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), BEFORE_CASCADE)
    database = create_engine(url)
    with database.begin() as connection:
        connection.execute(insert(Base.metadata.tables["sessions"]), [session_values("alive")])
        for key in ("alive", "gone"):
            for table, values in rows_before_cascade(key).items():
                connection.execute(insert(Base.metadata.tables[table]), [values])
    database.dispose()
    upgrade(url)
    database = create_engine(url)
    alive, gone = rows_of(database, "alive"), rows_of(database, "gone")
    assert [alive[table] for table in LINKED_BY_0006] == [1, 1, 1, 1]
    assert [gone[table] for table in LINKED_BY_0006] == [0, 0, 0, 0]
    with database.connect() as connection:
        copies = connection.execute(
            select(ProviderCopyRow.digest, ProviderCopyRow.session_key)
        ).all()
    database.dispose()
    assert sorted(copies) == [("copy-alive", "alive"), ("copy-gone", None)]  # unlinked, kept


def test_the_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), BEFORE_CASCADE)
    assert linked_tables(url) == []
    upgrade(url)
    assert linked_tables(url) == list(LINKED_BY_0006)


def linked_tables(url: str) -> list[str]:
    """Which tables of ``LINKED_BY_0006`` have a foreign key in the database at ``url``."""
    database = create_engine(url)
    reflected = inspect(database)
    linked = [table for table in LINKED_BY_0006 if reflected.get_foreign_keys(table)]
    database.dispose()
    return linked


# -- deleting a session past the Store ----------------------------------------------------------


def test_a_session_deleted_with_plain_sql_leaves_nothing_of_its_conversation(
    runtime: Runtime, chat: Chat
) -> None:
    key = a_full_conversation(runtime, chat)
    before = rows_of(runtime.store.engine, key)
    assert all(before.values()), f"a_full_conversation fills no row of {before}"
    delete_with_plain_sql(runtime.store.engine, key)
    assert rows_of(runtime.store.engine, key) == dict.fromkeys(before, 0)


def test_a_session_deleted_with_plain_sql_leaves_its_provider_copy_unlinked_and_due(
    runtime: Runtime, chat: Chat
) -> None:
    key = a_full_conversation(runtime, chat)
    assert runtime.store.copies.due("sms", utcnow(), 10) == []
    delete_with_plain_sql(runtime.store.engine, key)
    assert the_copy(runtime.store.engine) == (None, 0)
    assert [copy.ref for copy in runtime.store.copies.due("sms", utcnow(), 10)] == [COPY_REF]


# -- rows as migration 0005 left them -----------------------------------------------------------

NOW = datetime(2026, 12, 1, 12, 0)


def session_values(key: str) -> dict[str, object]:
    return {
        "key": key,
        "channel": "sms",
        "language": "en",
        "flow": "menu",
        "step": "choose",
        "misses": 0,
        "handoff": "assigned",
        "data": b"",
        "created_at": NOW,
        "last_active": NOW,
        "rate_window_start": NOW,
        "rate_count": 0,
        "rate_notified": False,
    }


def rows_before_cascade(key: str) -> dict[str, dict[str, object]]:
    """One row of each table in ``LINKED_BY_0006``, in its columns of migration 0005."""
    return {
        "handoffs": {
            "id": f"handoff-{key}",
            "session_key": key,
            "channel": "sms",
            "state": "assigned",
            "priority": 0,
            "consent": False,
            "address": b"",
            "summary": b"",
            "queued_at": NOW,
            "notified_at": NOW,
        },
        "notes": {"session_key": key, "author": "ana", "body": b"", "created_at": NOW},
        "web_outbox": {"session_key": key, "body": b"", "created_at": NOW},
        "provider_copies": {
            "digest": f"copy-{key}",
            "channel": "sms",
            "session_key": key,
            "ref": b"",
            "attempts": 0,
            "created_at": NOW,
        },
    }
