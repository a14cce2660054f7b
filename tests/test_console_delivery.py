"""Whether each advocate message reached the person, as the console shows it: Telegram's API
taking it is delivery, Twilio reports an SMS, and the web chat's page showing it is read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console.auth import PREFIX
from bot.store.models import AdvocateMessageRow
from tests.console_harness import Console


def reply(advocate: TestClient, chat: str, text: str = "Hi, I'm Ana.") -> dict[str, Any]:
    sent = advocate.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": text})
    assert sent.status_code == 200, sent.text
    return dict(sent.json())


def twilio_id(number: int) -> str:
    """The id the fake Twilio gave the ``number``-th message sent (from 1)."""
    return f"SM{number:032d}"


def delivery_shown(advocate: TestClient, chat: str, message: int) -> str:
    messages = advocate.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    (found,) = [line for line in messages if line["id"] == message]
    return str(found["delivery"])


def test_a_telegram_reply_is_delivered_once_telegram_took_it(console: Console) -> None:
    console.queue_telegram(4001)
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent = reply(ana, chat)
    assert sent["delivery"] == "delivered"
    assert delivery_shown(ana, chat, sent["id"]) == "delivered"


def test_a_web_reply_is_sent_until_the_page_showed_it_then_read(console: Console) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent = reply(ana, chat)
    assert sent["delivery"] == "sent"
    items = page.get("/chat/inbox").json()["items"]  # fetched, not yet shown
    assert delivery_shown(ana, chat, sent["id"]) == "sent"
    page.get(f"/chat/inbox?after={items[-1]['id']}")  # asking past it: the page showed it
    assert delivery_shown(ana, chat, sent["id"]) == "read"


def test_an_sms_reply_is_sent_until_twilio_reports_it_delivered(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent = reply(ana, chat)
    assert sent["delivery"] == "sent"
    console.sms_status(twilio_id(len(console.twilio.sent)), "delivered")
    assert delivery_shown(ana, chat, sent["id"]) == "delivered"


def test_an_sms_reply_that_did_not_arrive_is_marked_failed(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent = reply(ana, chat)
    console.sms_status(twilio_id(len(console.twilio.sent)), "undelivered")
    assert delivery_shown(ana, chat, sent["id"]) == "failed"


def test_a_report_about_another_sms_leaves_the_reply_as_it_was(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent = reply(ana, chat)
    console.sms_status(twilio_id(1), "delivered")  # "an advocate joined"
    assert delivery_shown(ana, chat, sent["id"]) == "sent"


def test_messages_from_the_person_and_haven_carry_no_delivery(console: Console) -> None:
    console.queue_telegram(4002)
    ana = console.login("ana")
    chat = console.claimed(ana)
    messages = ana.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    assert messages and all(line["delivery"] is None for line in messages)


def test_delivery_states_go_with_the_conversation(console: Console) -> None:
    console.queue_telegram(4003)
    ana = console.login("ana")
    chat = console.claimed(ana)
    reply(ana, chat)
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={"wipe": True})
    with console.runtime.store.transaction() as tx:
        assert tx.db.scalars(select(AdvocateMessageRow)).all() == []
