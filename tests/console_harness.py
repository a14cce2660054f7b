"""A console under test: the app with fake Telegram and Twilio servers, and three accounts."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.models import AuditRow
from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.fake_twilio import FakeTwilio, fake_twilio
from tests.settings import TEST_HASHER, SettingsMaker

TOKEN, SECRET = "123456:console-test", "console-secret"
ACCOUNT, AUTH = "AC" + "1" * 32, "twilio-console-token"
PUBLIC = "https://haven.example.org"
HTTPS = "https://testserver"  # the console cookie is Secure: browsers send it over https only
PASSWORD = "a long enough password"
SURVIVOR_PHONE = "+15005550006"


@dataclass
class Console:
    client: TestClient
    runtime: Runtime
    bot_api: FakeBotApi
    twilio: FakeTwilio
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        """A separate browser for one advocate, signed in; its CSRF token set as a header."""
        browser = TestClient(self.client.app, base_url=HTTPS)
        response = browser.post(
            f"{PREFIX}/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        browser.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return browser

    def telegram(self, chat: int, text: str | None = None, choice: str | None = None) -> None:
        update_id = next(self.ids)
        if choice is not None:
            update: dict[str, Any] = {
                "update_id": update_id,
                "callback_query": {
                    "id": f"cb{update_id}",
                    "chat_instance": "1",
                    "data": choice,
                    "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"},
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                        "text": "x",
                    },
                },
            }
        else:
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": int(time.time()),
                    "text": text,
                    "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"},
                },
            }
        response = self.client.post(
            "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status_code == 200

    def sms(self, body: str, sender: str = SURVIVOR_PHONE) -> None:
        params = {"MessageSid": f"SM{next(self.ids):032d}", "From": sender, "Body": body}
        self._twilio("/webhooks/twilio", params)

    def sms_status(self, sid: str, status: str, to: str = SURVIVOR_PHONE) -> None:
        """Twilio's delivery callback for a message Haven sent."""
        params = {"MessageSid": sid, "MessageStatus": status, "To": to}
        self._twilio("/webhooks/twilio/status", params)

    def _twilio(self, path: str, params: dict[str, str]) -> None:
        signature = RequestValidator(AUTH).compute_signature(PUBLIC + path, params)
        response = self.client.post(
            path,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        assert response.status_code in (200, 204), response.text

    def queue_telegram(self, chat: int, consent: str = "share") -> None:
        self.telegram(chat, "hi")
        self.telegram(chat, choice="yes")
        self.telegram(chat, "I want to talk to a person")
        self.telegram(chat, "Mexico")  # a Telegram chat does not tell the country
        self.telegram(chat, choice=consent)

    def queue_sms(self) -> None:
        for body in ("hi", "yes", "I want to talk to a person", "1"):  # 1: share the summary
            self.sms(body)

    def queue_web(self, greeting: str = "hi") -> TestClient:
        """A web chat page that asked for a person; its cookie keeps the conversation."""
        page = TestClient(self.client.app, base_url=HTTPS)
        for payload in web_handoff(greeting, "Mexico"):
            assert page.post("/chat/messages", json=payload).status_code == 200
        return page

    def claimed(self, advocate: TestClient) -> str:
        """The first chat in the queue, claimed by ``advocate``; returns its id."""
        item = first_in_queue(advocate)
        assert advocate.post(f"{PREFIX}/conversations/{item['id']}/claim").status_code == 200
        return str(item["id"])

    def audit(self) -> list[tuple[str, str, str | None]]:
        with self.runtime.store.transaction() as tx:
            return [(r.actor, r.action, r.conversation) for r in tx.db.scalars(select(AuditRow))]


def web_handoff(greeting: str, country: str) -> list[dict[str, str]]:
    """What a web chat page sends to reach the queue, sharing the summary."""
    return [
        {"text": greeting},
        {"choice": "yes"},
        {"choice": "person"},
        {"text": country},
        {"choice": "share"},
    ]


@contextmanager
def open_console(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Console]:
    """The whole app with Telegram and Twilio fakes, three accounts, and ana available."""
    with fake_bot_api(TOKEN) as bot_api, fake_twilio(ACCOUNT, AUTH) as twilio:
        settings = settings_with(
            public_url=PUBLIC,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=bot_api.url,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH,
            twilio_api_url=twilio.url,
            twilio_from="+15005550001",
        )
        runtime = build_runtime(settings, understanding, content)
        add_advocate(runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
        add_advocate(runtime.store, "ben", PASSWORD, hasher=TEST_HASHER)
        add_advocate(runtime.store, "root", PASSWORD, admin=True, hasher=TEST_HASHER)
        app = create_app(settings, runtime)
        app.state.channels["telegram"].per_chat_interval = 0.0
        with TestClient(app) as client:
            console = Console(client, runtime, bot_api, twilio)
            console.login("ana").post(f"{PREFIX}/me/availability", json={"available": True})
            yield console


def first_in_queue(browser: TestClient) -> dict[str, Any]:
    items = browser.get(f"{PREFIX}/queue").json()["items"]
    assert items
    return dict(items[0])
