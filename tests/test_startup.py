"""Start-up that needs no provider: Telegram's API out of reach takes only Telegram down.

The Bot API is a loopback port nothing listens on; the fake is started on that
port later, and the bot connects in the background.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot import logs
from bot.app import create_app
from bot.channels.connection import Connection
from bot.channels.retry import CONNECTING, Backoff
from bot.channels.telegram.channel import TelegramChannel
from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.core.messages import Inbound
from bot.runtime import Content, Runtime, Understanding, build_runtime
from tests.console_harness import PASSWORD, Console, first_in_queue
from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.fake_twilio import FakeTwilio, fake_twilio
from tests.settings import TEST_HASHER, SettingsMaker
from tests.test_twilio import twiml

TOKEN, SECRET = "123456:startup-test-token", "startup-secret"
ACCOUNT, AUTH = "AC" + "3" * 32, "twilio-startup-token"
PUBLIC = "https://haven.example.org"
CHAT = 777003
QUICKLY = Backoff(first=timedelta(milliseconds=50), longest=timedelta(milliseconds=200))
"""Tries again within a fifth of a second, so that a test need not wait out real pauses."""


@dataclass
class Server:
    client: TestClient
    runtime: Runtime
    channel: TelegramChannel
    twilio: FakeTwilio
    port: int
    """The Bot API's port: nothing listens on it until a test starts the fake there."""
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def telegram(self, update: dict[str, Any]):  # type: ignore[no-untyped-def]
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        return self.client.post("/webhooks/telegram", json=update, headers=headers)

    def update(self, text: str) -> dict[str, Any]:
        update_id = next(self.update_ids)
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "text": text,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "A", "language_code": "en"},
            },
        }

    def channels(self) -> dict[str, str]:
        response = self.client.get("/readyz")
        assert response.status_code == 200, response.text
        channels: dict[str, str] = response.json()["channels"]
        return channels

    def wait_for(self, telegram: str) -> None:
        """Until ``/readyz`` gives Telegram's state as ``telegram``."""
        deadline = time.monotonic() + 10
        while self.channels()["telegram"] != telegram:
            assert time.monotonic() < deadline, self.channels()
            time.sleep(0.05)


def closed_port() -> int:
    with socket.socket() as closed:  # a loopback port that nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        port: int = closed.getsockname()[1]
    return port


@contextmanager
def serving(
    settings_with: SettingsMaker, understanding: Understanding, content: Content, token: str = TOKEN
) -> Iterator[Server]:
    """The app with Telegram (whose API is not there), Twilio's fake and the web chat."""
    port = closed_port()
    with fake_twilio(ACCOUNT, AUTH) as twilio:
        settings = settings_with(
            public_url=PUBLIC,
            telegram_bot_token=token,
            telegram_webhook_secret=SECRET,
            telegram_api_url=f"http://127.0.0.1:{port}",
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH,
            twilio_api_url=twilio.url,
            twilio_from="+15005550001",
        )
        runtime = build_runtime(settings, understanding, content)
        app = create_app(settings, runtime)
        channel: TelegramChannel = app.state.channels["telegram"]
        channel.per_chat_interval = 0.0
        channel.connection.policy = QUICKLY
        with TestClient(app) as client:
            yield Server(client, runtime, channel, twilio, port)


@pytest.fixture
def server(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Server]:
    with serving(settings_with, understanding, content) as started:
        yield started


# -- the other channels serve ---------------------------------------------------------------------


def test_the_server_starts_with_telegrams_api_out_of_reach(server: Server) -> None:
    assert server.client.get("/healthz").json() == {"status": "ok"}


def test_sms_is_answered_while_telegram_is_out_of_reach(server: Server) -> None:
    params = {"MessageSid": "SM" + "1" * 32, "From": "+15005550006", "Body": "hi"}
    path = "/webhooks/twilio"
    signature = RequestValidator(AUTH).compute_signature(PUBLIC + path, params)
    response = server.client.post(
        path,
        content=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert response.status_code == 200
    assert (twiml(response.text)[0].text or "").startswith("Hi, I'm Haven")


def test_the_web_chat_is_answered_while_telegram_is_out_of_reach(server: Server) -> None:
    response = server.client.post("/chat/messages", json={"text": "hi"})
    assert response.status_code == 200
    assert response.json()["replies"][0]["text"].startswith("Hi, I'm Haven")


# -- readiness ------------------------------------------------------------------------------------


def test_readyz_names_telegram_degraded_and_stays_ready(server: Server) -> None:
    response = server.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["channels"] == {
        "sms": "ok",
        "telegram": "degraded: api unreachable",
        "web": "ok",
    }


def test_telegram_connects_in_the_background_once_its_api_answers(server: Server) -> None:
    with fake_bot_api(TOKEN, server.port) as api:
        server.wait_for("ok")
        assert api.of("getMe")
    assert server.channels() == {"sms": "ok", "telegram": "ok", "web": "ok"}


def test_a_refused_token_is_named_as_such(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> None:
    with (
        serving(settings_with, understanding, content, token="999:not-the-fakes") as server,
        fake_bot_api(TOKEN, server.port),
    ):
        server.wait_for("degraded: token refused")


# -- updates while degraded -----------------------------------------------------------------------


def test_an_update_is_not_acknowledged_while_telegram_is_out_of_reach(server: Server) -> None:
    """It could not be answered: Telegram is to deliver it again, and nothing is kept of it."""
    response = server.telegram(server.update("hi"))
    assert response.status_code == 503
    assert server.runtime.store.count_sessions() == 0


def test_an_update_redelivered_once_connected_is_handled_and_answered(server: Server) -> None:
    update = server.update("hi")
    assert server.telegram(update).status_code == 503
    with fake_bot_api(TOKEN, server.port) as api:
        server.wait_for("ok")
        assert server.telegram(update).status_code == 200
        assert api.sent_texts()[0].startswith("Hi, I'm Haven")
        assert all(call["chat_id"] == CHAT for call in api.of("sendMessage"))
    assert server.runtime.store.count_sessions() == 1


# -- the console ----------------------------------------------------------------------------------


def test_an_advocates_reply_on_telegram_while_degraded_says_why_it_was_not_delivered(
    server: Server,
) -> None:
    add_advocate(server.runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
    console = Console(server.client, server.runtime, FakeBotApi(TOKEN), server.twilio)
    ana = console.login("ana")
    ana.post(f"{PREFIX}/me/availability", json={"available": True})
    asked = ["hi", "yes", "I want to talk to a person", "Mexico", "share"]  # as Telegram's updates
    for n, words in enumerate(asked):
        choice = words if words in ("yes", "share") else None
        inbound = Inbound("telegram", str(CHAT), "" if choice else words, choice, f"update:{n}")
        server.runtime.engine.handle(inbound)
    chat = first_in_queue(ana)["id"]
    assert ana.post(f"{PREFIX}/conversations/{chat}/claim").status_code == 200
    response = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "I'm Ana."})
    assert response.status_code == 502
    assert response.json()["detail"] == (
        "not delivered: Telegram is not connected (api unreachable); try again later"
    )


# -- what is logged, and stopping -----------------------------------------------------------------


def test_failed_connections_are_logged_without_the_token(
    settings_with: SettingsMaker,
    understanding: Understanding,
    content: Content,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refused token's error holds the token in its text; only its type is logged."""
    logs.configure("DEBUG")  # Haven's own handler, writing to stderr
    try:
        with (
            serving(settings_with, understanding, content, token="999:not-the-fakes") as server,
            fake_bot_api(TOKEN, server.port),
        ):
            server.wait_for("degraded: token refused")
    finally:
        logs.configure("WARNING")
    text = capsys.readouterr().err
    assert "event=channel_connect_failed channel=telegram attempt=1 error=NetworkError" in text
    assert "error=InvalidToken" in text
    assert "not-the-fakes" not in text
    assert "startup-test-token" not in text


def test_stopping_ends_the_tries_in_the_background() -> None:
    calls = 0

    async def unreachable() -> None:
        nonlocal calls
        calls += 1
        raise OSError("no route")

    async def scenario() -> tuple[int, int, str]:
        connection = Connection("test", unreachable, lambda _error: "unreachable")
        connection.policy = QUICKLY
        await connection.open()
        await asyncio.sleep(0.3)
        await connection.close()
        stopped_at = calls
        await asyncio.sleep(0.3)
        return stopped_at, calls, connection.state

    stopped_at, later, state = asyncio.run(scenario())
    assert stopped_at > 1  # it kept trying while it ran
    assert later == stopped_at
    assert state == "degraded: unreachable"


def test_the_pauses_between_tries_double_up_to_a_minute_less_a_random_part() -> None:
    for failures in range(1, 12):
        pause = CONNECTING.pause(failures)
        assert pause == min(timedelta(seconds=2 ** (failures - 1)), timedelta(minutes=1))
        assert pause / 2 <= CONNECTING.jittered(failures) <= pause
    assert len({CONNECTING.jittered(9) for _ in range(20)}) > 1
