"""The encrypted store, the auto-delete and what deletion leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.runtime import Runtime
from bot.store.models import MessageRow, SessionRow
from common.clock import utcnow
from tests.conftest import Chat


def _key(runtime: Runtime, sender: str) -> str:
    return runtime.store.keys.session_key("terminal", sender)


def test_sessions_are_keyed_by_an_hmac_not_the_sender(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi")
    with runtime.store.transaction() as tx:
        keys = list(tx.db.scalars(select(SessionRow.key)))
    assert keys == [_key(runtime, chat.sender)]
    assert chat.sender not in keys[0]
    assert chat.sender.lstrip("+") not in keys[0]


def test_the_same_sender_on_another_channel_is_another_session(runtime: Runtime) -> None:
    assert _key(runtime, "+15550100001") != runtime.store.keys.session_key(
        "telegram", "+15550100001"
    )


def test_transcript_is_stored_encrypted_and_read_back(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi")
    chat.say("yes")
    with runtime.store.transaction() as tx:
        bodies = list(tx.db.scalars(select(MessageRow.body)))
        transcript = tx.transcript(_key(runtime, chat.sender))
    assert len(bodies) == 4
    assert all(body.startswith(b"gAAAAA") for body in bodies)  # Fernet tokens
    assert not any(b"What would you like to do?" in body for body in bodies)
    assert [direction for direction, _ in transcript] == ["in", "out", "in", "out"]
    assert transcript[0][1] == "hi"
    assert transcript[2][1] == "yes"


def test_wipe_removes_the_session_and_its_messages(runtime: Runtime, chat: Chat) -> None:
    chat.to_menu()
    chat.say("EXIT")
    with runtime.store.transaction() as tx:
        assert tx.load(_key(runtime, chat.sender)) is None
        assert list(tx.db.scalars(select(MessageRow))) == []


def test_purge_deletes_only_conversations_idle_past_retention(runtime: Runtime, new_chat) -> None:
    old, recent = new_chat("+15550100011"), new_chat("+15550100012")
    long_ago = utcnow() - timedelta(hours=30)
    old.say("hi", at=long_ago)
    recent.say("hi")
    counts = runtime.store.purge_idle(retention=86400)
    assert counts.sessions == 1
    assert counts.messages == 2  # the message in and the welcome out
    assert old.say("hi").flow == "welcome"
    assert recent.say("yes").flow == "menu"


def test_activity_restarts_the_retention_clock(runtime: Runtime, chat: Chat) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chat.say("hi", at=start)
    chat.say("yes", at=start + timedelta(hours=20))
    counts = runtime.store.purge_idle(86400, now=start + timedelta(hours=30))
    assert counts.sessions == 0


def test_purge_forgets_old_delivery_receipts(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi", provider_id="SM1", at=utcnow() - timedelta(days=2))
    counts = runtime.store.purge_idle(86400)
    assert counts.receipts == 1


def test_deleted_ciphertext_leaves_no_residue_in_the_sqlite_file(
    runtime: Runtime, chat: Chat, tmp_path: Path
) -> None:
    chat.to_menu()
    chat.say("my boss keeps my passport")
    with runtime.store.transaction() as tx:
        tokens = list(tx.db.scalars(select(MessageRow.body)))
    assert tokens
    chat.say("EXIT")
    runtime.store.close()
    raw = (tmp_path / "haven.db").read_bytes()
    for token in tokens:
        assert token[:40] not in raw
