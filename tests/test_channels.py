"""The channel registry: what the server runs, what it mounts, and the relay through it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.channels.registry import Channels, build_channels
from bot.channels.web import outbox
from bot.config import Settings
from bot.console.relay import Relay, RelayError
from bot.core.messages import Choice, Inbound, Outcome, Reply
from bot.runtime import Runtime
from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.fake_twilio import FakeTwilio, fake_twilio
from tests.settings import SettingsMaker

TOKEN, SECRET = "123456:registry-test", "registry-secret"
ACCOUNT, AUTH = "AC" + "2" * 32, "twilio-registry-token"
PUBLIC = "https://haven.example.org"
PHONE, CHAT = "+15005550006", "777002"
WORDS = Outcome(
    replies=(Reply("Hello, I am Ana.", (Choice("yes", "Yes"),)),), language="en", flow=None
)


@dataclass
class Providers:
    """Every channel configured, each provider a local fake."""

    channels: Channels
    bot_api: FakeBotApi
    twilio: FakeTwilio
    runtime: Runtime

    def deliver(self, channel: str, address: str, outcome: Outcome = WORDS) -> None:
        """What the console does to reach a person, with the channels started as the app does."""

        async def relay() -> None:
            for running in self.channels.values():
                await running.start()
            try:
                await Relay(self.channels).deliver(channel, address, outcome)
            finally:
                for running in self.channels.values():
                    await running.stop()

        asyncio.run(relay())


def every_provider(settings_with: SettingsMaker, telegram_url: str, twilio_url: str) -> Settings:
    return settings_with(
        public_url=PUBLIC,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_url=telegram_url,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH,
        twilio_api_url=twilio_url,
        twilio_from="+15005550001",
    )


@pytest.fixture
def providers(settings_with: SettingsMaker, runtime: Runtime) -> Iterator[Providers]:
    with fake_bot_api(TOKEN) as bot_api, fake_twilio(ACCOUNT, AUTH) as twilio:
        settings = every_provider(settings_with, bot_api.url, twilio.url)
        channels = build_channels(settings, runtime.store, runtime.engine.handle)
        yield Providers(channels, bot_api, twilio, runtime)


def webhook_statuses(app: FastAPI) -> dict[str, int]:
    """What each provider's webhook answers an unsigned post (404: it is not there)."""
    client = TestClient(app)  # not started: no provider is called
    return {
        path: client.post(path, data={"Body": "hi"}).status_code
        for path in ("/webhooks/twilio", "/webhooks/twilio/status", "/webhooks/telegram")
    }


# -- the registry ---------------------------------------------------------------------------------


def test_without_provider_settings_only_the_web_chat_runs(
    settings_with: SettingsMaker, runtime: Runtime
) -> None:
    channels = build_channels(settings_with(), runtime.store, runtime.engine.handle)
    assert list(channels) == ["web"]


def test_each_configured_provider_adds_its_channel(providers: Providers) -> None:
    assert set(providers.channels) == {"web", "sms", "telegram"}
    assert all(name == channel.name for name, channel in providers.channels.items())


def test_the_app_mounts_no_webhook_of_a_provider_that_is_not_configured(
    settings_with: SettingsMaker, runtime: Runtime
) -> None:
    assert set(webhook_statuses(create_app(settings_with(), runtime)).values()) == {404}


def test_the_app_mounts_the_webhooks_of_every_configured_provider(
    settings_with: SettingsMaker, runtime: Runtime
) -> None:
    settings = every_provider(settings_with, "http://127.0.0.1:9", "http://127.0.0.1:9")
    assert set(webhook_statuses(create_app(settings, runtime)).values()) == {403}


# -- the relay ------------------------------------------------------------------------------------


def test_the_relay_reaches_a_telegram_chat_with_buttons(providers: Providers) -> None:
    providers.deliver("telegram", CHAT)
    (sent,) = providers.bot_api.of("sendMessage")
    assert sent["chat_id"] == int(CHAT) and sent["text"] == "Hello, I am Ana."
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


def test_the_relay_reaches_an_sms_number_with_numbered_options(providers: Providers) -> None:
    providers.deliver("sms", PHONE)
    (sent,) = providers.twilio.sent
    assert sent["To"] == PHONE and sent["Body"] == "Hello, I am Ana.\n1. Yes"
    assert sent["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"


def test_the_relay_leaves_words_in_the_web_chats_outbox(providers: Providers) -> None:
    store = providers.runtime.store
    providers.runtime.engine.handle(Inbound(channel="web", sender="cookie-1", text="hi"))
    providers.deliver("web", "cookie-1")
    inbox = outbox.fetch(store, store.keys.session_key("web", "cookie-1"), 0)
    assert [item["replies"][0]["text"] for item in inbox.items] == ["Hello, I am Ana."]


def test_the_relay_refuses_a_channel_the_server_does_not_run(providers: Providers) -> None:
    del providers.channels["sms"]
    with pytest.raises(RelayError, match="the sms channel is not set up on this server"):
        providers.deliver("sms", PHONE)


def test_the_relay_says_when_the_provider_refused_the_message(providers: Providers) -> None:
    providers.twilio.auth_token = "not-the-token-haven-uses"  # every request is refused
    with pytest.raises(RelayError, match="Twilio did not take the message"):
        providers.deliver("sms", PHONE)


def test_the_relay_says_when_the_person_has_left_the_web_chat(providers: Providers) -> None:
    with pytest.raises(RelayError, match="the person has left the web chat"):
        providers.deliver("web", "cookie-of-no-one")


def test_the_relay_says_when_telegram_lost_the_message(providers: Providers) -> None:
    providers.bot_api.failures["sendMessage"] = [
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}),
    ]
    with pytest.raises(RelayError, match="Telegram did not take the message"):
        providers.deliver("telegram", CHAT)
