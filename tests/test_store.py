"""The encrypted store, the auto-delete and what deletion leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.core.messages import Inbound, ProviderCopy
from bot.jobs import purge_once
from bot.runtime import Runtime
from bot.store import answers
from bot.store.models import AnswerRow, MessageRow, NoteRow, ProviderCopyRow, SessionRow
from common.clock import utcnow
from tests.conftest import Chat


def _key(runtime: Runtime, sender: str) -> str:
    return runtime.store.keys.session_key("terminal", sender)


def database_files(folder: Path) -> bytes:
    """The SQLite file, its write-ahead log (``-wal``) and its shared index (``-shm``), as on
    disk while Haven runs: the log holds pages as they were until it is checkpointed."""
    files = sorted(folder.glob("haven.db*"))
    assert [path.name for path in files][:1] == ["haven.db"]
    return b"".join(path.read_bytes() for path in files)


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


def kept_answers(runtime: Runtime) -> int:
    with runtime.store.transaction() as tx:
        return len(tx.db.scalars(select(AnswerRow.digest)).all())


def test_a_redelivered_message_is_answered_again_with_the_replies_kept(chat: Chat) -> None:
    first = chat.say("hi", provider_id="SM7")
    again = chat.say("hi", provider_id="SM7")
    assert again.duplicate is True
    assert again.replies == first.replies
    assert again.receipt == first.receipt is not None


def test_a_redelivered_message_whose_replies_went_out_gets_nothing(
    runtime: Runtime, chat: Chat
) -> None:
    first = chat.say("hi", provider_id="SM8")
    assert first.receipt is not None
    answers.sent(runtime.store, first.receipt)
    again = chat.say("hi", provider_id="SM8")
    assert again.duplicate is True and again.replies == ()


def test_kept_replies_are_erased_with_their_conversation(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi", provider_id="SM9")
    assert kept_answers(runtime) == 1
    chat.say("exit")
    assert kept_answers(runtime) == 0
    assert chat.say("hi", provider_id="SM9").replies == ()


def test_the_purge_forgets_kept_replies_after_a_day(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi", provider_id="SM10", at=utcnow() - timedelta(hours=25))
    chat.say("menu", provider_id="SM11")
    purge_once(runtime.store, retention=7 * 86400, audit_retention=180 * 86400)
    assert kept_answers(runtime) == 1


def test_deleted_ciphertext_leaves_no_residue_in_the_sqlite_file_or_its_log(
    runtime: Runtime, chat: Chat, tmp_path: Path
) -> None:
    chat.to_menu()
    chat.say("my boss keeps my passport")
    with runtime.store.transaction() as tx:
        tokens = list(tx.db.scalars(select(MessageRow.body)))
    assert tokens
    assert all(token[:40] in database_files(tmp_path) for token in tokens)  # in the log so far
    chat.say("EXIT")
    raw = database_files(tmp_path)
    for token in tokens:
        assert token[:40] not in raw
    runtime.store.close()
    raw = (tmp_path / "haven.db").read_bytes()
    for token in tokens:
        assert token[:40] not in raw


def test_a_purged_conversation_leaves_no_residue_in_the_sqlite_file_or_its_log(
    runtime: Runtime, chat: Chat, tmp_path: Path
) -> None:
    chat.say("my boss keeps my passport", at=utcnow() - timedelta(hours=30))
    with runtime.store.transaction() as tx:
        tokens = list(tx.db.scalars(select(MessageRow.body)))
    assert runtime.store.purge_idle(retention=86400).sessions == 1
    raw = database_files(tmp_path)
    assert tokens
    for token in tokens:
        assert token[:40] not in raw


def test_wipe_leaves_no_row_of_the_conversation_in_its_transaction(
    runtime: Runtime, chat: Chat
) -> None:
    chat.say("hi")
    key = _key(runtime, chat.sender)
    with runtime.store.transaction() as tx:
        note = NoteRow(session_key=key, author="ana", body=b"", created_at=utcnow())
        tx.db.add(note)
        tx.db.flush()
        tx.wipe(key)
        assert note not in tx.db


# -- provider copies: when their deletion is due ------------------------------------------------


def _keep(runtime: Runtime, key: str, ref: str, due_at: datetime | None = None) -> None:
    with runtime.store.transaction() as tx:
        tx.keep_copy("sms", key, ref, due_at, utcnow())


def _due(runtime: Runtime, now: datetime | None = None) -> list[str]:
    return sorted(copy.ref for copy in runtime.store.copies.due("sms", now or utcnow(), 10))


def test_copies_wait_for_their_time_while_their_conversation_lives(
    runtime: Runtime, chat: Chat
) -> None:
    chat.say("hi")
    key = _key(runtime, chat.sender)
    _keep(runtime, key, "SM-in-an-hour", utcnow() + timedelta(hours=1))
    _keep(runtime, key, "SM-when-it-ends")
    assert _due(runtime) == []
    assert _due(runtime, utcnow() + timedelta(hours=2)) == ["SM-in-an-hour"]


def test_the_copies_of_a_wiped_conversation_are_due_at_once(runtime: Runtime, chat: Chat) -> None:
    chat.say("hi")
    key = _key(runtime, chat.sender)
    _keep(runtime, key, "SM-in-an-hour", utcnow() + timedelta(hours=1))
    _keep(runtime, key, "SM-when-it-ends")
    chat.say("EXIT")
    assert _due(runtime) == ["SM-in-an-hour", "SM-when-it-ends"]


def test_a_failed_deletion_waits_for_its_retry_after_the_conversation_is_gone(
    runtime: Runtime, chat: Chat
) -> None:
    chat.say("hi")
    _keep(runtime, _key(runtime, chat.sender), "SM-1")
    chat.say("EXIT")
    (copy,) = runtime.store.copies.claim("sms", utcnow(), 10)
    runtime.store.copies.retry({copy.digest: utcnow() + timedelta(minutes=5)})
    assert _due(runtime) == []
    assert _due(runtime, utcnow() + timedelta(minutes=6)) == ["SM-1"]


def _first_message(runtime: Runtime, text: str) -> str:
    """A person's first message, whose copy the provider keeps until the conversation ends."""
    sender = "+15550100031"
    runtime.engine.handle(
        Inbound(channel="sms", sender=sender, text=text, copy=ProviderCopy("SM-first", None))
    )
    return runtime.store.keys.session_key("sms", sender)


def test_the_copy_of_a_first_message_belongs_to_the_conversation_it_opens(
    runtime: Runtime,
) -> None:
    key = _first_message(runtime, "hi")
    with runtime.store.transaction() as tx:
        assert tx.db.scalars(select(ProviderCopyRow.session_key)).all() == [key]
    assert _due(runtime) == []


def test_the_copy_of_a_first_message_that_exits_is_due_at_once(runtime: Runtime) -> None:
    _first_message(runtime, "EXIT")
    assert _due(runtime) == ["SM-first"]
