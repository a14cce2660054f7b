"""Nothing a person writes reaches a log or the database file in clear."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from bot.runtime import Runtime
from tests.conftest import Chat
from tests.test_store import database_files


def test_a_marker_sent_through_a_conversation_is_in_no_log_and_not_in_the_database(
    runtime: Runtime, new_chat, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = uuid.uuid4().hex
    sender = "+15557654321"
    chat = new_chat(sender)
    chat.say(f"hi {marker}")
    chat.say("yes")
    chat.say(f"my boss took my passport {marker}")
    chat.say("1")
    chat.say(f"I live in {marker}")
    chat.say(marker)
    raw = database_files(tmp_path)  # with the write-ahead log and its index
    runtime.store.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the conversation was logged, as events
    assert marker not in logged
    assert marker.encode() not in raw
    assert sender not in logged
    assert sender.encode() not in raw
    assert sender[1:].encode() not in raw


def test_logs_name_events_and_pseudonymous_keys(
    runtime: Runtime, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.engine")
    chat.say("hi")
    key = runtime.store.keys.session_key("terminal", chat.sender)
    handled = [r.getMessage() for r in caplog.records if "event=message_handled" in r.getMessage()]
    assert handled == [f"event=message_handled session={key[:12]} replies=1 exited=False"]


def test_the_log_filter_masks_a_phone_number_that_slips_through() -> None:
    from bot.logs import MaskNumbers

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "from %s", ("+1 555 010 0001",), None
    )
    MaskNumbers().filter(record)
    assert record.getMessage() == "from [number]"
