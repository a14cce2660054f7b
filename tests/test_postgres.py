"""The same store and conversation on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.sse import ServerSentEvent
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from bot.app import create_app
from bot.console.accounts import Advocate, add_advocate
from bot.console.auth import PREFIX
from bot.console.events import Watch, changes
from bot.console.models import ConversationList
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.models import NoteRow, WebOutboxRow
from common.clock import utcnow
from resources_db.importer import import_path
from resources_db.lookup import Directory, Query
from tests.conftest import Chat, make_settings
from tests.hsds_package import HOUSTON_SHELTER, local_directory
from tests.test_cascade import (
    COPY_REF,
    a_full_conversation,
    delete_with_plain_sql,
    rows_of,
    the_copy,
)

pytestmark = pytest.mark.postgres

ADMIN_URL = os.environ.get(
    "HAVEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    name = f"haven_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_runtime(
    postgres_url: str,
    tmp_path: Path,
    model_dir: Path,
    encryption_key: str,
    understanding: Understanding,
    content: Content,
) -> Iterator[Runtime]:
    settings = make_settings(tmp_path, model_dir, encryption_key, database_url=postgres_url)
    runtime = build_runtime(settings, understanding, content)
    yield runtime
    runtime.close()


def test_migrations_create_the_schema_on_postgres(pg_runtime: Runtime) -> None:
    with pg_runtime.store.engine.connect() as connection:
        tables = set(
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
    assert {"sessions", "messages", "receipts", "alembic_version"} <= tables


def test_a_conversation_reaches_the_menu_and_exits_on_postgres(pg_runtime: Runtime) -> None:
    chat = Chat(pg_runtime.engine)
    chat.to_menu()
    assert chat.say("3").flow == "signs"
    assert chat.say("EXIT").exited is True
    assert chat.say("hi").flow == "welcome"


def test_purge_and_redelivery_on_postgres(pg_runtime: Runtime) -> None:
    chat = Chat(pg_runtime.engine)
    chat.say("hi", provider_id="SM-1", at=utcnow() - timedelta(days=2))
    assert chat.say("hi", provider_id="SM-1").duplicate is True
    counts = pg_runtime.store.purge_idle(86400)
    assert (counts.sessions, counts.receipts) == (1, 1)


def test_concurrent_first_messages_from_one_sender_are_both_answered(pg_runtime: Runtime) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(4)

    def first_message(_: int) -> int:
        barrier.wait()
        return len(Chat(pg_runtime.engine, sender="+15550100077").say("hi").replies)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answered = list(pool.map(first_message, range(4)))
    assert all(count >= 1 for count in answered)
    assert pg_runtime.store.count_sessions() == 1


def test_the_directory_imports_and_ranks_on_postgres(pg_runtime: Runtime, tmp_path: Path) -> None:
    database = pg_runtime.store.engine
    report = import_path(database, local_directory().write(tmp_path / "texas"))
    assert report.problems == []
    assert not import_path(database, tmp_path / "texas").changed
    directory = Directory(database)
    houston = directory.find_place("US", "I'm in Houston")
    found = directory.search(Query("US", "shelter", houston, "en"))
    assert [item.name for item in found] == [HOUSTON_SHELTER, "National Human Trafficking Hotline"]
    assert directory.emergency_number("GB") == "999"


def test_the_find_help_flow_uses_the_directory_on_postgres(
    pg_runtime: Runtime, tmp_path: Path
) -> None:
    import_path(pg_runtime.store.engine, local_directory().write(tmp_path / "texas"))
    chat = Chat(pg_runtime.engine, sender="web-visitor-pg")
    chat.to_menu()
    chat.say("1")
    chat.say("I'm in Texas")
    chat.say("legal help")
    text = chat.text()
    assert text.index("Centro Legal Austin") < text.index("National Human Trafficking Hotline")


def test_a_handed_over_web_chat_is_worked_from_the_console_on_postgres(
    pg_runtime: Runtime,
) -> None:
    password = "a long enough password"
    add_advocate(pg_runtime.store, "ana", password)
    with TestClient(create_app(pg_runtime.settings, pg_runtime)) as client:
        ana = TestClient(client.app)
        token = ana.post(f"{PREFIX}/login", json={"username": "ana", "password": password})
        ana.headers["X-CSRF-Token"] = token.json()["csrf_token"]
        ana.post(f"{PREFIX}/me/availability", json={"available": True})
        page = TestClient(client.app)
        for payload in (
            {"text": "hi"},
            {"choice": "yes"},
            {"choice": "person"},
            {"text": "Mexico"},
        ):
            page.post("/chat/messages", json=payload)
        page.post("/chat/messages", json={"choice": "share"})
        (waiting,) = ana.get(f"{PREFIX}/queue").json()["items"]
        chat = waiting["id"]
        assert ana.post(f"{PREFIX}/conversations/{chat}/claim").status_code == 200
        ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": "a note"})
        ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
        joined, item = page.get("/chat/inbox").json()["items"]
        assert (joined["from"], item["replies"][0]["text"]) == ("notice", "Hi, I'm Ana.")
        watch = Watch(start=0)
        held = ana.get(f"{PREFIX}/conversations").json()
        assert ServerSentEvent(event="held", data=ConversationList.model_validate(held)) in (
            changes(pg_runtime.store, Advocate(1, "ana", "advocate"), watch)
        )
        assert ana.post(f"{PREFIX}/conversations/{chat}/close", json={}).json()["told"] is True
    retention = pg_runtime.settings.retention
    pg_runtime.store.purge_idle(retention, now=utcnow() + timedelta(seconds=retention + 1))
    with pg_runtime.store.transaction() as tx:
        assert tx.db.scalars(select(NoteRow)).all() == []
        assert tx.db.scalars(select(WebOutboxRow)).all() == []


def test_a_session_deleted_with_plain_sql_leaves_nothing_of_its_conversation_on_postgres(
    pg_runtime: Runtime,
) -> None:
    key = a_full_conversation(pg_runtime, Chat(pg_runtime.engine))
    before = rows_of(pg_runtime.store.engine, key)
    assert all(before.values()), f"a_full_conversation fills no row of {before}"
    delete_with_plain_sql(pg_runtime.store.engine, key)
    assert rows_of(pg_runtime.store.engine, key) == dict.fromkeys(before, 0)


def test_a_session_deleted_with_plain_sql_leaves_its_provider_copy_unlinked_and_due_on_postgres(
    pg_runtime: Runtime,
) -> None:
    key = a_full_conversation(pg_runtime, Chat(pg_runtime.engine))
    assert pg_runtime.store.copies.due("sms", utcnow(), 10) == []
    delete_with_plain_sql(pg_runtime.store.engine, key)
    assert the_copy(pg_runtime.store.engine) == (None, 0)
    assert [copy.ref for copy in pg_runtime.store.copies.due("sms", utcnow(), 10)] == [COPY_REF]
