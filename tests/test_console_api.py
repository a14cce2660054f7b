"""The advocates' JSON API: sign-in, CSRF, the queue, claiming, replying on the person's channel."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.advocates import MAX_FAILED_LOGINS, add_advocate
from bot.app import create_app
from bot.console_routes import PREFIX
from bot.models import AuditRow
from bot.runtime import Runtime, Understanding, build_runtime
from tests.conftest import make_settings
from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.fake_twilio import FakeTwilio, fake_twilio

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
        signature = RequestValidator(AUTH).compute_signature(PUBLIC + "/webhooks/twilio", params)
        response = self.client.post(
            "/webhooks/twilio",
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        assert response.status_code == 200

    def queue_telegram(self, chat: int, consent: str = "share") -> None:
        self.telegram(chat, "hi")
        self.telegram(chat, choice="yes")
        self.telegram(chat, "I want to talk to a person")
        self.telegram(chat, "Mexico")  # a Telegram chat does not tell the country
        self.telegram(chat, choice=consent)

    def audit(self) -> list[tuple[str, str, str | None]]:
        with self.runtime.store.transaction() as tx:
            return [(r.actor, r.action, r.conversation) for r in tx.db.scalars(select(AuditRow))]


@pytest.fixture
def console(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> Iterator[Console]:
    with fake_bot_api(TOKEN) as bot_api, fake_twilio(ACCOUNT, AUTH) as twilio:
        settings = make_settings(
            tmp_path,
            model_dir,
            encryption_key,
            public_url=PUBLIC,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=bot_api.url,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH,
            twilio_api_url=twilio.url,
            twilio_from="+15005550001",
        )
        runtime = build_runtime(settings, understanding)
        add_advocate(runtime.store, "ana", PASSWORD)
        add_advocate(runtime.store, "ben", PASSWORD)
        add_advocate(runtime.store, "root", PASSWORD, admin=True)
        app = create_app(settings, runtime)
        app.state.telegram.per_chat_interval = 0.0
        with TestClient(app) as client:
            console = Console(client, runtime, bot_api, twilio)
            console.login("ana").post(f"{PREFIX}/me/availability", json={"available": True})
            yield console


def first_in_queue(browser: TestClient) -> dict[str, Any]:
    items = browser.get(f"{PREFIX}/queue").json()["items"]
    assert items
    return dict(items[0])


# -- sign-in and CSRF -----------------------------------------------------------------------------


def test_every_call_needs_a_signed_in_advocate(console: Console) -> None:
    anonymous = TestClient(console.client.app, base_url=HTTPS)
    assert anonymous.get(f"{PREFIX}/queue").status_code == 401
    assert anonymous.post(f"{PREFIX}/me/availability", json={"available": True}).status_code == 401
    assert anonymous.get(f"{PREFIX}/conversations/whatever").status_code == 401


def test_a_wrong_password_is_refused_and_audited(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    response = browser.post(f"{PREFIX}/login", json={"username": "ana", "password": "wrong"})
    assert response.status_code == 401
    assert ("ana", "login_failed", None) in console.audit()


def test_the_session_cookie_is_http_only_strict_and_secure(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    response = browser.post(f"{PREFIX}/login", json={"username": "ana", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    assert set(response.json()) == {"csrf_token"}


def test_a_change_without_the_csrf_token_is_refused(console: Console) -> None:
    browser = console.login("ana")
    del browser.headers["X-CSRF-Token"]
    assert browser.post(f"{PREFIX}/me/availability", json={"available": False}).status_code == 403
    browser.headers["X-CSRF-Token"] = "forged"
    assert browser.post(f"{PREFIX}/me/availability", json={"available": False}).status_code == 403


def test_repeated_wrong_passwords_lock_the_account(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    for _ in range(MAX_FAILED_LOGINS):
        browser.post(f"{PREFIX}/login", json={"username": "ben", "password": "wrong"})
    response = browser.post(f"{PREFIX}/login", json={"username": "ben", "password": PASSWORD})
    assert response.status_code == 401
    assert ("ben", "locked", None) in console.audit()


# -- the queue ------------------------------------------------------------------------------------


def test_the_queue_lists_emergencies_first_then_by_waiting_time(console: Console) -> None:
    console.queue_telegram(1001)
    console.telegram(1002, "SOS")
    console.telegram(1002, choice="person")
    console.telegram(1002, "Mexico")
    console.telegram(1002, choice="share")
    items = console.login("ana").get(f"{PREFIX}/queue").json()["items"]
    assert [item["priority"] for item in items] == ["emergency", "normal"]
    assert items[0]["channel"] == "telegram" and items[0]["language"] == "en"
    assert "1002" not in str(items)


def test_claiming_assigns_the_chat_and_others_cannot_take_or_read_it(console: Console) -> None:
    console.queue_telegram(1003)
    ana, ben, root = console.login("ana"), console.login("ben"), console.login("root")
    item = first_in_queue(ana)
    assert ana.post(f"{PREFIX}/conversations/{item['id']}/claim").status_code == 200
    assert ben.post(f"{PREFIX}/conversations/{item['id']}/claim").status_code == 409
    assert ben.get(f"{PREFIX}/conversations/{item['id']}").status_code == 403
    assert root.get(f"{PREFIX}/conversations/{item['id']}").status_code == 200
    assert ana.get(f"{PREFIX}/conversations/not-a-real-id").status_code == 404
    assert ana.get(f"{PREFIX}/queue").json()["items"] == []


def test_the_summary_follows_the_persons_consent(console: Console) -> None:
    console.queue_telegram(1004, consent="private")
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    view = ana.get(f"{PREFIX}/conversations/{item['id']}").json()
    assert view["summary"] == {"language": "en", "country": "MX"}


# -- relay ----------------------------------------------------------------------------------------


def test_a_reply_reaches_the_telegram_chat_and_the_person_answers_the_advocate(
    console: Console,
) -> None:
    console.queue_telegram(1005)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    response = ana.post(
        f"{PREFIX}/conversations/{item['id']}/messages",
        json={"text": "Hello, I am Ana. I am here to help."},
    )
    assert response.status_code == 200
    last = console.bot_api.of("sendMessage")[-1]
    assert last["chat_id"] == 1005 and last["text"] == "Hello, I am Ana. I am here to help."
    console.telegram(1005, "thank you <b>Ana</b>")
    messages = ana.get(f"{PREFIX}/conversations/{item['id']}").json()["messages"]
    assert {"direction": "in", "text": "thank you <b>Ana</b>"} in messages
    assert console.bot_api.of("sendMessage")[-1]["text"] == last["text"]  # the bot kept quiet


def test_a_reply_reaches_an_sms_number_through_twilio(console: Console) -> None:
    console.sms("hi")
    console.sms("yes")
    console.sms("I want to talk to a person")
    console.sms("1")
    ana = console.login("ana")
    item = first_in_queue(ana)
    assert item["channel"] == "sms"
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "Hi, this is Ana."})
    (sent,) = console.twilio.sent
    assert sent["To"] == SURVIVOR_PHONE and sent["Body"] == "Hi, this is Ana."
    assert sent["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"


def test_an_oversized_reply_is_refused(console: Console) -> None:
    console.queue_telegram(1006)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    response = ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "x" * 5000})
    assert response.status_code == 413


# -- closing and the audit ------------------------------------------------------------------------


def test_closing_returns_the_person_to_the_bot(console: Console) -> None:
    console.queue_telegram(1007)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    assert ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={}).json() == {
        "state": "closed",
        "told": True,
    }
    told = console.bot_api.of("sendMessage")[-1]
    assert told["chat_id"] == 1007
    assert told["text"] == "The chat with the person has ended. You are back with Haven."
    console.telegram(1007, "2")  # the second menu option, from the bot again
    assert console.bot_api.of("sendMessage")[-1]["text"]
    assert ana.get(f"{PREFIX}/conversations/{item['id']}").status_code == 404


def test_closing_with_wipe_now_erases_the_conversation(console: Console) -> None:
    console.queue_telegram(1008)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={"wipe": True})
    assert console.runtime.store.count_sessions() == 0


def test_the_audit_names_who_did_what_and_holds_no_text(console: Console) -> None:
    console.queue_telegram(1009)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.get(f"{PREFIX}/conversations/{item['id']}")
    ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "secret words"})
    ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={"outcome": "referred"})
    entries = [entry for entry in console.audit() if entry[2] == item["id"]]
    assert [action for _, action, _ in entries] == ["claimed", "viewed", "replied", "closed"]
    assert "secret words" not in str(console.audit())
