"""Working a chat from the console: notes, transfer, canned texts, the web chat, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bot.console.auth import PREFIX
from bot.console.chats_api import HANDOFFS_CLOSED
from bot.console.models import MAX_NOTE_CHARS
from bot.runtime import Content, Understanding
from bot.store.models import NoteRow, WebOutboxRow
from common.clock import utcnow
from tests.console_harness import Console, open_console
from tests.settings import SettingsMaker
from tests.test_postgres import postgres_url  # noqa: F401 (a fixture, asked for by name)


def notes_kept(console: Console) -> int:
    with console.runtime.store.transaction() as tx:
        return len(tx.db.scalars(select(NoteRow)).all())


# -- what an advocate holds -----------------------------------------------------------------------


def test_my_chats_lists_what_the_advocate_holds_and_admins_may_see_all(console: Console) -> None:
    console.queue_telegram(2001)
    ana, ben, root = console.login("ana"), console.login("ben"), console.login("root")
    chat = console.claimed(ana)
    assert [item["id"] for item in ana.get(f"{PREFIX}/conversations").json()["items"]] == [chat]
    assert ben.get(f"{PREFIX}/conversations").json()["items"] == []
    assert root.get(f"{PREFIX}/conversations").json()["items"] == []
    (held,) = root.get(f"{PREFIX}/conversations?everyone=true").json()["items"]
    assert held["assigned_to"] == "ana"
    assert ben.get(f"{PREFIX}/conversations?everyone=true").status_code == 403


def test_a_reply_before_claiming_is_refused(console: Console) -> None:
    console.queue_telegram(2002)
    root = console.login("root")
    chat = root.get(f"{PREFIX}/queue").json()["items"][0]["id"]
    response = root.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "hi"})
    assert response.status_code == 409


# -- notes ----------------------------------------------------------------------------------------


def test_a_note_is_shown_with_the_chat_and_never_sent(console: Console) -> None:
    console.queue_telegram(2003)
    ana = console.login("ana")
    chat = console.claimed(ana)
    sent_before = len(console.bot_api.of("sendMessage"))
    response = ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": "prefers texts"})
    assert response.status_code == 201
    notes = ana.get(f"{PREFIX}/conversations/{chat}").json()["notes"]
    assert [(note["author"], note["text"]) for note in notes] == [("ana", "prefers texts")]
    assert len(console.bot_api.of("sendMessage")) == sent_before


def test_notes_are_encrypted_at_rest(console: Console) -> None:
    console.queue_telegram(2004)
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": "prefers texts"})
    with console.runtime.store.transaction() as tx:
        (row,) = tx.db.scalars(select(NoteRow)).all()
        assert b"prefers" not in row.body


def test_an_oversized_note_is_refused(console: Console) -> None:
    console.queue_telegram(2005)
    ana = console.login("ana")
    chat = console.claimed(ana)
    text = "x" * (MAX_NOTE_CHARS + 1)
    assert ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": text}).status_code == 413


def test_notes_go_when_the_chat_is_wiped(console: Console) -> None:
    console.queue_telegram(2006)
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": "a note"})
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={"wipe": True})
    assert notes_kept(console) == 0


def test_notes_are_not_kept_past_the_retention_period(console: Console) -> None:
    console.queue_telegram(2007)
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/notes", json={"text": "a note"})
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={"outcome": "referred"})
    store, retention = console.runtime.store, console.runtime.settings.retention
    assert store.purge_idle(retention).sessions == 0  # the clock started again at close
    store.purge_idle(retention, now=utcnow() + timedelta(seconds=retention + 1))
    assert notes_kept(console) == 0
    assert store.count_sessions() == 0


# -- transfer -------------------------------------------------------------------------------------


def test_a_transferred_chat_belongs_to_the_other_advocate(console: Console) -> None:
    console.queue_telegram(2008)
    ana, ben = console.login("ana"), console.login("ben")
    chat = console.claimed(ana)
    response = ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"})
    assert response.status_code == 200 and response.json()["assigned_to"] == "ben"
    assert ben.get(f"{PREFIX}/conversations/{chat}").status_code == 200
    assert ana.get(f"{PREFIX}/conversations/{chat}").status_code == 403
    assert ("ana", "transferred", chat) in console.audit()


def test_a_transfer_to_nobody_is_refused(console: Console) -> None:
    console.queue_telegram(2009)
    ana = console.login("ana")
    chat = console.claimed(ana)
    response = ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "nobody"})
    assert response.status_code == 404


def test_only_the_holder_may_transfer(console: Console) -> None:
    console.queue_telegram(2010)
    ana, ben = console.login("ana"), console.login("ben")
    chat = console.claimed(ana)
    assert (
        ben.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"}).status_code == 403
    )


# -- canned responses -----------------------------------------------------------------------------


def test_canned_responses_are_in_the_persons_language_with_their_countrys_numbers(
    console: Console,
) -> None:
    console.queue_web(greeting="hola, buenas tardes")
    ana = console.login("ana")
    chat = console.claimed(ana)
    canned = ana.get(f"{PREFIX}/conversations/{chat}/canned").json()
    assert canned["language"] == "es"
    texts = {item["id"]: item["text"] for item in canned["items"]}
    assert set(texts) == {"safe_to_talk", "safety_plan", "hotlines", "still_there"}
    assert texts["safe_to_talk"] == console.runtime.engine.catalogs.text("es", "welcome.safe_now")
    assert "911" in texts["safety_plan"]  # Mexico's emergency number
    assert texts["safety_plan"].startswith(
        console.runtime.engine.catalogs.text("es", "canned.safety_plan")
    )


# -- the web chat ---------------------------------------------------------------------------------


def test_a_reply_reaches_the_web_chat_page_once(console: Console) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    response = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
    assert response.status_code == 200
    inbox = page.get("/chat/inbox").json()
    assert inbox["with_person"] is True
    joined, item = inbox["items"]
    assert joined["from"] == "notice" and item["from"] == "advocate"
    assert item["replies"][0]["text"] == "Hi, I'm Ana."
    assert page.get(f"/chat/inbox?after={item['id']}").json()["items"] == []
    with console.runtime.store.transaction() as tx:
        assert tx.db.scalars(select(WebOutboxRow)).all() == []  # acknowledged, then deleted


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def console_on(
    request: pytest.FixtureRequest,
    settings_with: SettingsMaker,
    understanding: Understanding,
    content: Content,
) -> Iterator[Console]:
    """The console on the suite's SQLite file, or on a fresh PostgreSQL database."""
    make = settings_with
    if request.param == "postgres":
        make = partial(settings_with, database_url=request.getfixturevalue("postgres_url"))
    with open_console(make, understanding, content) as opened:
        yield opened


def test_four_replies_a_transfer_and_the_close_reach_the_web_chat_page_in_order(
    console_on: Console,
) -> None:
    """The page asks every few seconds for what came after the last item it showed, which
    acknowledges (deletes) that item. Before ids were never reused, the next reply took the
    deleted item's id and was deleted unseen: the page showed one reply of four, and neither
    the transfer nor the closing. Haven tells the person when an advocate joins and when
    the chat is handed over."""
    page = console_on.queue_web()
    ana, ben = console_on.login("ana"), console_on.login("ben")
    chat = console_on.claimed(ana)
    shown: list[str] = []
    after = 0

    def page_polls() -> None:  # the page's timer, once with the news and once after it
        nonlocal after
        for _ in range(2):
            for item in page.get(f"/chat/inbox?after={after}").json()["items"]:
                shown.extend(reply["text"] for reply in item["replies"])
                after = max(after, item["id"])

    for n in range(1, 5):
        sent = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": f"Reply {n}."})
        assert sent.status_code == 200
        page_polls()
    assert ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"}).is_success
    taking_over = {"text": "I'm Ben: Ana handed your chat to me."}
    assert ben.post(f"{PREFIX}/conversations/{chat}/messages", json=taking_over).is_success
    page_polls()
    assert ben.post(f"{PREFIX}/conversations/{chat}/close", json={}).json()["told"] is True
    page_polls()
    *replies, closing, menu = shown
    assert replies == [
        "An advocate has joined this chat.",
        "Reply 1.",
        "Reply 2.",
        "Reply 3.",
        "Reply 4.",
        "Your chat is now with another advocate.",
        taking_over["text"],
    ]
    assert closing.startswith("The chat with the person has ended.")
    assert menu == "What would you like to do?"


def test_an_unacknowledged_web_reply_is_given_again(console: Console) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
    first = page.get("/chat/inbox").json()["items"]
    assert page.get("/chat/inbox").json()["items"] == first


def test_the_web_chat_page_hears_the_closing_and_gets_the_menu(console: Console) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    assert ana.post(f"{PREFIX}/conversations/{chat}/close", json={}).json()["told"] is True
    inbox = page.get("/chat/inbox").json()
    assert inbox["with_person"] is False
    *_, ended, menu = inbox["items"]  # after "an advocate joined"
    assert ended["from"] == "notice"
    assert ended["replies"][0]["text"].startswith("The chat with the person has ended.")
    assert "help" in [option["id"] for option in menu["replies"][-1]["options"]]


def test_a_page_whose_chat_an_advocate_erased_starts_again_when_the_person_writes(
    console: Console,
) -> None:
    """Only the person's own erasure keeps what was on its way from them out; after an
    advocate's, their next message opens a new conversation."""
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    assert ana.post(f"{PREFIX}/conversations/{chat}/close", json={"wipe": True}).status_code == 200
    again = page.post("/chat/messages", json={"text": "hello?"}).json()
    assert again["exited"] is False
    assert again["replies"][0]["text"].startswith("Hi, I'm Haven")


def test_the_web_inbox_of_a_page_without_a_conversation_is_empty(console: Console) -> None:
    from fastapi.testclient import TestClient

    stranger = TestClient(console.client.app)
    assert stranger.get("/chat/inbox").json() == {"items": [], "with_person": False}


def test_the_web_outbox_is_erased_with_the_conversation(console: Console) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
    page.post("/chat/exit")
    with console.runtime.store.transaction() as tx:
        assert tx.db.scalars(select(WebOutboxRow)).all() == []


# -- delivery failures ----------------------------------------------------------------------------


def test_a_reply_telegram_refuses_is_reported_and_not_recorded(console: Console) -> None:
    console.queue_telegram(2011)
    ana = console.login("ana")
    chat = console.claimed(ana)
    blocked = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    console.bot_api.failures["sendMessage"] = [(403, blocked)]
    response = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "are you ok?"})
    assert response.status_code == 502
    assert "not delivered" in response.json()["detail"]
    messages = ana.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    assert "are you ok?" not in [message["text"] for message in messages]


def test_a_closing_that_cannot_be_told_says_so(console: Console) -> None:
    console.queue_telegram(2012)
    ana = console.login("ana")
    chat = console.claimed(ana)
    blocked = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    console.bot_api.failures["sendMessage"] = [(403, blocked)]
    closed = ana.post(f"{PREFIX}/conversations/{chat}/close", json={}).json()
    assert closed["state"] == "closed" and closed["told"] is False and closed["error"]


def test_an_unknown_outcome_category_is_refused(console: Console) -> None:
    console.queue_telegram(2013)
    ana = console.login("ana")
    chat = console.claimed(ana)
    response = ana.post(f"{PREFIX}/conversations/{chat}/close", json={"outcome": "free text here"})
    assert response.status_code == 422
    assert ana.get(f"{PREFIX}/conversations/{chat}").status_code == 200  # still open


def test_an_sms_that_did_not_arrive_shows_in_the_conversation(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, this is Ana."})
    console.sms_status("SM" + "9" * 32, "undelivered")
    messages = ana.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    assert (messages[-1]["direction"], messages[-1]["text"]) == (
        "sys",
        "An SMS did not reach the person (undelivered).",
    )


def test_a_delivered_sms_adds_nothing_to_the_conversation(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, this is Ana."})
    console.sms_status("SM" + "9" * 32, "delivered")
    messages = ana.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    assert messages[-1]["direction"] == "adv"


def test_a_person_who_asks_again_after_closing_waits_afresh(console: Console) -> None:
    console.queue_telegram(2014)
    ana = console.login("ana")
    chat = console.claimed(ana)
    first = ana.get(f"{PREFIX}/conversations/{chat}").json()
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={"outcome": "information"})
    console.telegram(2014, choice="person")
    console.telegram(2014, choice="share")
    (again,) = ana.get(f"{PREFIX}/queue").json()["items"]
    assert again["state"] == "queued" and again["assigned"] is False
    assert again["waiting_since"] > first["waiting_since"]
    console.claimed(ana)
    messages = ana.get(f"{PREFIX}/conversations/{again['id']}").json()["messages"]
    assert all(message["at"] >= again["waiting_since"] for message in messages)


def test_closing_counts_the_outcome_category_in_the_metrics(console: Console) -> None:
    console.queue_telegram(2015)
    ana = console.login("ana")
    chat = console.claimed(ana)
    counted = HANDOFFS_CLOSED.labels(outcome="referred")._value.get()
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={"outcome": "referred"})
    assert HANDOFFS_CLOSED.labels(outcome="referred")._value.get() == counted + 1
    metrics = console.client.get("/metrics/").text
    assert 'haven_handoffs_closed_total{outcome="referred"}' in metrics
