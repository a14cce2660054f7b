"""Telegram through the real ASGI app, against a local fake Bot API server."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from telegram import Update

from bot.app import create_app
from bot.channels.telegram.channel import TelegramChannel
from bot.config import ConfigError
from bot.core.messages import Choice, Outcome, Reply
from bot.runtime import Runtime, Understanding, build_runtime
from bot.store.models import ProviderCopyRow
from common.clock import utcnow
from tests.conftest import make_settings
from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.haven_cli import Haven

TOKEN = "123456:test-token"
SECRET = "webhook-secret_42"
CHAT = 777001
PATH = "/webhooks/telegram"


@dataclass
class Telegram:
    client: TestClient
    runtime: Runtime
    api: FakeBotApi
    channel: TelegramChannel
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def post(self, update: dict[str, Any], secret: str | None = SECRET):  # type: ignore[no-untyped-def]
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return self.client.post(PATH, json=update, headers=headers)

    def message(
        self, text: str | None = None, chat: int = CHAT, chat_type: str = "private", **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": chat_type},
            "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"},
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": next(self.update_ids), "message": message}

    def press(self, choice: str, chat: int = CHAT) -> dict[str, Any]:
        return {
            "update_id": next(self.update_ids),
            "callback_query": {
                "id": f"cb{next(self.update_ids)}",
                "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"},
                "chat_instance": "1",
                "data": choice,
                "message": {
                    "message_id": 999,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"},
                    "text": "menu",
                },
            },
        }

    def say(self, text: str | None, **extra: Any) -> list[dict[str, Any]]:
        """Send a private message; the sendMessage calls it caused."""
        before = len(self.api.of("sendMessage"))
        response = self.post(self.message(text, **extra))
        assert response.status_code == 200, response.text
        return self.api.of("sendMessage")[before:]


@pytest.fixture
def telegram(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> Iterator[Telegram]:
    with fake_bot_api(TOKEN) as api:
        settings = make_settings(
            tmp_path,
            model_dir,
            encryption_key,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=api.url,
            public_url="https://haven.example.org",
        )
        runtime = build_runtime(settings, understanding)
        app = create_app(settings, runtime)
        channel: TelegramChannel = app.state.channels["telegram"]
        channel.per_chat_interval = 0.0  # pacing has its own test
        channel.client.sleep = no_sleep  # so do the pauses between retries
        with TestClient(app) as client:
            yield Telegram(client, runtime, api, channel)


async def no_sleep(_seconds: float) -> None:
    return None


def inline_ids(call: dict[str, Any]) -> list[str]:
    markup = call.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


# -- the secret -----------------------------------------------------------------------------------


def test_an_update_without_the_secret_is_refused(telegram: Telegram) -> None:
    assert telegram.post(telegram.message("hi"), secret=None).status_code == 403
    assert telegram.post(telegram.message("hi"), secret="wrong").status_code == 403
    assert telegram.api.of("sendMessage") == []
    assert telegram.runtime.store.count_sessions() == 0


def test_the_secret_is_checked_before_the_body_is_read(telegram: Telegram) -> None:
    response = telegram.client.post(
        PATH, content=b"\xff not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 403


def test_a_token_without_a_secret_refuses_to_start(
    tmp_path: Path, model_dir: Path, encryption_key: str
) -> None:
    settings = make_settings(tmp_path, model_dir, encryption_key, telegram_bot_token=TOKEN)
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        create_app(settings)


# -- a conversation -------------------------------------------------------------------------------


def test_a_message_gets_replies_with_an_inline_keyboard_and_the_exit_button(
    telegram: Telegram,
) -> None:
    sent = telegram.say("hi")
    assert sent[0]["chat_id"] == CHAT
    assert sent[0]["text"].startswith("Hi, I'm Haven")
    assert sent[0]["reply_markup"]["keyboard"] == [[{"text": "EXIT"}]]
    assert sent[0]["reply_markup"]["is_persistent"] is True
    assert inline_ids(sent[-1]) == ["yes", "no"]


def test_a_button_press_is_answered_and_moves_the_conversation(telegram: Telegram) -> None:
    telegram.say("hi")
    response = telegram.post(telegram.press("yes"))
    assert response.status_code == 200
    assert len(telegram.api.of("answerCallbackQuery")) == 1
    assert "help" in inline_ids(telegram.api.of("sendMessage")[-1])


def test_callback_data_fits_telegrams_64_bytes(telegram: Telegram) -> None:
    telegram.say("hi")
    telegram.post(telegram.press("yes"))
    for call in telegram.api.of("sendMessage"):
        assert all(len(data.encode()) <= 64 for data in inline_ids(call))


@pytest.mark.parametrize(
    ("command", "flow_text"),
    [
        ("/menu", "What would you like to do?"),
        ("/language", "Choose a language:"),
        ("/delete", "Erase my copy of this chat now?"),
    ],
)
def test_commands_work_in_any_state(telegram: Telegram, command: str, flow_text: str) -> None:
    telegram.say("hi")
    telegram.post(telegram.press("yes"))
    sent = telegram.say(command)
    assert flow_text.lower() in "\n".join(call["text"] for call in sent).lower()


def test_start_opens_the_welcome(telegram: Telegram) -> None:
    assert telegram.say("/start")[0]["text"].startswith("Hi, I'm Haven")


def test_a_redelivered_update_is_not_answered_twice(telegram: Telegram) -> None:
    update = telegram.message("hi")
    telegram.post(update)
    count = len(telegram.api.of("sendMessage"))
    assert telegram.post(update).status_code == 200
    assert len(telegram.api.of("sendMessage")) == count


def test_an_update_handled_by_a_worker_that_stopped_before_answering_is_answered_on_redelivery(
    telegram: Telegram,
) -> None:
    update = telegram.message("hi")
    inbound = telegram.channel.parse(Update.de_json(update, telegram.channel.client.bot))
    assert inbound is not None
    telegram.runtime.engine.handle(inbound)  # committed; the worker died before sending
    assert telegram.api.of("sendMessage") == []
    assert telegram.post(update).status_code == 200
    assert telegram.api.of("sendMessage")[0]["text"].startswith("Hi, I'm Haven")


# -- deletion on the phone ------------------------------------------------------------------------


def test_quick_exit_deletes_both_sides_of_the_chat_from_the_phone(telegram: Telegram) -> None:
    telegram.say("hi")
    telegram.say("yes")
    ours = set(range(1000, 1000 + len(telegram.api.of("sendMessage"))))
    assert telegram.say("EXIT") == []
    deleted = {m for call in telegram.api.of("deleteMessages") for m in call["message_ids"]}
    theirs = {1, 2, 3}  # hi, yes, EXIT
    assert deleted == ours | theirs
    assert all(call["chat_id"] == CHAT for call in telegram.api.of("deleteMessages"))
    assert telegram.runtime.store.count_sessions() == 0


def test_the_exit_command_and_button_delete_too(telegram: Telegram) -> None:
    telegram.say("hi")
    telegram.say("/exit")
    assert telegram.api.of("deleteMessages")


def test_delete_confirmed_deletes_the_chat_from_the_phone(telegram: Telegram) -> None:
    telegram.say("hi")
    telegram.say("/delete")
    telegram.post(telegram.press("yes"))
    assert telegram.api.of("deleteMessages")


def test_an_expired_session_is_deleted_from_the_phone(telegram: Telegram) -> None:
    telegram.say("hi")
    assert telegram.runtime.store.purge_idle(0).sessions == 1  # idle at all: expired
    deadline = time.monotonic() + 10  # the server's own deletion round
    while not telegram.api.of("deleteMessages") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert telegram.api.of("deleteMessages")


def test_messages_over_48_hours_old_are_not_asked_for(telegram: Telegram) -> None:
    telegram.say("hi")
    with telegram.runtime.store.transaction() as tx:
        key = telegram.runtime.store.keys.session_key("telegram", str(CHAT))
        tx.wipe(key)
    deleted = telegram.client.portal.call(
        telegram.channel.client.delete_due, utcnow() + timedelta(hours=49)
    )
    assert deleted == 0


def test_a_big_conversation_is_deleted_a_hundred_at_a_time(telegram: Telegram) -> None:
    telegram.say("hi")
    store = telegram.runtime.store
    key = store.keys.session_key("telegram", str(CHAT))
    with store.transaction() as tx:
        for message_id in range(5000, 5250):
            tx.keep_copy("telegram", key, f"{CHAT}:{message_id}", None, utcnow())
    telegram.say("EXIT")
    calls = telegram.api.of("deleteMessages")
    assert sum(len(call["message_ids"]) for call in calls) >= 250
    assert all(len(call["message_ids"]) <= 100 for call in calls)


def test_messages_to_one_chat_are_paced_about_a_second_apart(telegram: Telegram) -> None:
    telegram.channel.per_chat_interval = 1.0
    started = time.monotonic()
    sent = telegram.say("hi")  # the first message of a chat comes in two parts
    assert len(sent) == 2
    assert time.monotonic() - started >= 1.0


# -- bad input ------------------------------------------------------------------------------------


def test_groups_are_ignored(telegram: Telegram) -> None:
    response = telegram.post(telegram.message("hi", chat=-100, chat_type="group"))
    assert response.status_code == 200
    assert telegram.api.of("sendMessage") == []


def test_a_photo_gets_a_short_text_only_answer(telegram: Telegram) -> None:
    telegram.say("hi")
    sent = telegram.say(
        None, photo=[{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]
    )
    assert sent[0]["text"] == "I can only read text. Please write your message in words."


def test_an_edited_message_changes_nothing(telegram: Telegram) -> None:
    update = telegram.message("hi")
    edited = {"update_id": update["update_id"], "edited_message": update["message"]}
    assert telegram.post(edited).status_code == 200
    assert telegram.api.of("sendMessage") == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"no_update_id": true}', "application/json", 400),
        (b"update_id=1", "application/x-www-form-urlencoded", 400),
        (
            b'{"update_id": 1, "message": {"text": "' + b"x" * 100_000 + b'"}}',
            "application/json",
            413,
        ),
    ],
    ids=["not-json", "list", "no-update-id", "form", "too-large"],
)
def test_bad_bodies_get_a_clear_status(
    telegram: Telegram, body: bytes, content_type: str, status: int
) -> None:
    response = telegram.client.post(
        PATH,
        content=body,
        headers={"Content-Type": content_type, "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == status
    assert telegram.runtime.store.count_sessions() == 0


# -- outbound delivery ----------------------------------------------------------------------------


def test_a_429_is_waited_out_and_the_message_still_arrives(telegram: Telegram) -> None:
    telegram.api.failures["sendMessage"] = [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 1},
            },
        ),
    ]
    sent = telegram.say("hi")
    assert sent and sent[0]["text"].startswith("Hi, I'm Haven")


def test_a_server_error_is_retried(telegram: Telegram) -> None:
    telegram.api.failures["sendMessage"] = [
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
    ]
    assert telegram.say("hi")


def test_a_request_telegram_refuses_is_not_retried(telegram: Telegram) -> None:
    telegram.api.failures["sendMessage"] = [
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    ]
    assert telegram.say("hi") == []  # the first message was lost, so nothing after it goes


def test_a_reply_longer_than_a_telegram_message_arrives_in_parts_with_the_buttons_on_the_last(
    telegram: Telegram,
) -> None:
    paragraph = "A sentence of the paragraph. " * 40  # about 1,160 characters
    long = "\n\n".join([paragraph.strip()] * 6)
    options = (Choice("yes", "Yes"), Choice("no", "No"))
    outcome = Outcome(replies=(Reply(long, options),), language="en", flow="menu")
    telegram.client.portal.call(telegram.channel.send, str(CHAT), outcome)
    sent = telegram.api.of("sendMessage")
    assert len(sent) == 2
    assert all(len(call["text"]) <= 4096 for call in sent)
    assert "\n\n".join(call["text"] for call in sent) == long  # cut between paragraphs
    assert [inline_ids(call) for call in sent] == [[], ["yes", "no"]]


def test_a_deletion_telegram_refuses_is_tried_again_after_the_retry_pause(
    telegram: Telegram,
) -> None:
    telegram.say("hi")
    telegram.api.failures["deleteMessages"] = [
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
    ]
    with telegram.runtime.store.transaction() as tx:
        tx.wipe(telegram.runtime.store.keys.session_key("telegram", str(CHAT)))
    delete_due = telegram.channel.client.delete_due
    now = utcnow()
    assert telegram.client.portal.call(delete_due, now) == 0
    assert telegram.client.portal.call(delete_due, now + timedelta(seconds=4)) == 0
    assert telegram.client.portal.call(delete_due, now + timedelta(seconds=6)) > 0


BAD_REF = "chat-7f3e:1"
"""A kept copy whose chat id is not a number: it can never be deleted."""


def set_aside(runtime: Runtime, ref: str, channel: str = "telegram") -> bool:
    """Whether the copy ``ref`` is set aside: kept, and no longer due."""
    store = runtime.store
    digest = store.keys.digest("copy", f"{channel}:{ref}")
    with store.reading() as tx:
        row = tx.db.get(ProviderCopyRow, digest)
        kept = row is not None and row.set_aside_at is not None
    due = store.copies.due(channel, utcnow() + timedelta(days=30), 1000)
    return kept and ref not in [copy.ref for copy in due]


def test_a_copy_with_a_malformed_chat_id_is_set_aside_and_the_others_are_deleted(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Before, such a row made every round of deletions fail, and a later /exit answered 500."""
    caplog.set_level(logging.INFO)
    with telegram.runtime.store.transaction() as tx:
        tx.keep_copy("telegram", None, BAD_REF, None, utcnow())  # of no conversation: due at once
    telegram.say("hi")
    telegram.say("/exit")  # answered 200, and the chat is deleted from the phone
    assert [call["chat_id"] for call in telegram.api.of("deleteMessages")] == [CHAT]
    assert set_aside(telegram.runtime, BAD_REF)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "event=provider_copy_set_aside channel=telegram reason=malformed_id count=1" in logged
    assert "7f3e" not in logged


def test_a_deletion_telegram_refuses_for_good_is_set_aside(telegram: Telegram) -> None:
    telegram.say("hi")
    telegram.api.failures["deleteMessages"] = [
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    ]
    with telegram.runtime.store.transaction() as tx:
        tx.wipe(telegram.runtime.store.keys.session_key("telegram", str(CHAT)))
    delete_due = telegram.channel.client.delete_due
    now = utcnow()
    assert telegram.client.portal.call(delete_due, now) == 0
    assert telegram.client.portal.call(delete_due, now + timedelta(hours=2)) == 0
    assert telegram.api.failures["deleteMessages"] == []  # refused once
    assert telegram.api.of("deleteMessages") == []  # and not asked again (it would have worked)
    assert telegram.runtime.store.copies.due("telegram", now + timedelta(days=1), 100) == []


# -- the command line --------------------------------------------------------------------------


@pytest.mark.slow
def test_set_webhook_registers_the_public_url_with_the_secret(haven: Haven) -> None:
    with fake_bot_api(TOKEN) as api:
        result = haven.run(
            "telegram",
            "set-webhook",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_URL=api.url,
            HAVEN_PUBLIC_URL="https://haven.example.org",
        )
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout.decode().strip() == (
            "webhook set to https://haven.example.org/webhooks/telegram"
        )
        (call,) = api.of("setWebhook")
    assert call["url"] == "https://haven.example.org/webhooks/telegram"
    assert call["secret_token"] == SECRET
    assert call["drop_pending_updates"] is True


@pytest.mark.slow
def test_serve_refuses_a_token_without_a_secret_and_says_why(haven: Haven) -> None:
    result = haven.run("serve", "--port", "0", TELEGRAM_BOT_TOKEN=TOKEN)
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr.decode()


def test_no_log_line_holds_the_text_the_chat_id_or_the_token(
    telegram: Telegram, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import logs

    logs.configure("DEBUG")  # Haven's own handler, writing to stderr
    try:
        telegram.say("my secret marker zebra-42")
        telegram.say("EXIT")
    finally:
        logs.configure("WARNING")
    text = capsys.readouterr().err
    assert "event=message_handled" in text  # the log was on
    assert "zebra-42" not in text
    assert str(CHAT) not in text
    assert TOKEN.split(":")[1] not in text
