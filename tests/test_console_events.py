"""The console's live stream, read from a real server as a browser's EventSource would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from bot.console.accounts import add_advocate, log_in, session_of
from bot.console.auth import PREFIX
from bot.store.models import AdvocateRow
from common.clock import aware, utcnow
from tests.live_server import Live
from tests.settings import TEST_HASHER

PASSWORD = "a long enough password"


@pytest.fixture
def live(live: Live) -> Live:
    """Two advocates, ana and ben."""
    add_advocate(live.runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
    add_advocate(live.runtime.store, "ben", PASSWORD, hasher=TEST_HASHER)
    return live


def signed_in(live: Live, username: str) -> httpx.Client:
    client = live.client()
    response = client.post(f"{PREFIX}/login", json={"username": username, "password": PASSWORD})
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    client.post(f"{PREFIX}/me/availability", json={"available": True})
    return client


def events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """Server-Sent Events as (name, data), comments and retry hints skipped."""
    name, data = "", ""
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif line == "" and name:
            yield name, json.loads(data)
            name, data = "", ""


def next_event(stream: Iterator[tuple[str, Any]], wanted: str) -> Any:
    for name, data in stream:
        if name == wanted:
            return data
    raise AssertionError(f"the stream ended before a {wanted!r} event")


def test_a_new_chat_a_claim_and_a_new_message_arrive_on_the_stream(live: Live) -> None:
    ana = signed_in(live, "ana")
    with ana.stream("GET", f"{PREFIX}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response.iter_lines())
        assert next_event(stream, "queue") == {"items": []}
        page = live.person()
        (waiting,) = next_event(stream, "queue")["items"]
        assert (waiting["channel"], waiting["language"]) == ("web", "en")
        ana.post(f"{PREFIX}/conversations/{waiting['id']}/claim").raise_for_status()
        (held,) = next_event(stream, "held")["items"]
        assert held["id"] == waiting["id"]
        page.post("/chat/messages", json={"text": "are you there? <i>hi</i>"})
        message = next_event(stream, "message")
        while message["text"] != "are you there? <i>hi</i>":  # first, those since the stream began
            message = next_event(stream, "message")
        assert (message["conversation"], message["direction"]) == (waiting["id"], "in")


def test_a_message_right_after_the_claim_is_not_missed(live: Live) -> None:
    ana = signed_in(live, "ana")
    page = live.person()
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        (waiting,) = next_event(stream, "queue")["items"]
        ana.post(f"{PREFIX}/conversations/{waiting['id']}/claim").raise_for_status()
        page.post("/chat/messages", json={"text": "hello?"})  # before the stream looks again
        joined = next_event(stream, "message")  # the person was told an advocate joined
        assert joined["direction"] == "ntc"
        message = next_event(stream, "message")
        assert message["text"] == "hello?"


def test_a_reconnecting_stream_sends_what_came_after_its_last_event(live: Live) -> None:
    ana = signed_in(live, "ana")
    page = live.person()
    chat = ana.get(f"{PREFIX}/queue").json()["items"][0]["id"]
    ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        page.post("/chat/messages", json={"text": "first"})
        last = next_event(stream, "message")["id"]
    page.post("/chat/messages", json={"text": "while away"})
    with ana.stream("GET", f"{PREFIX}/events", headers={"Last-Event-ID": str(last)}) as response:
        message = next_event(events(response.iter_lines()), "message")
        assert message["text"] == "while away"


def test_a_message_after_another_conversation_was_erased_reaches_the_stream(live: Live) -> None:
    """The stream starts after the newest message. Before ids were never reused, erasing the
    conversation that held the newest messages handed their ids out again, below that start:
    the person's next messages never reached the stream."""
    ana = signed_in(live, "ana")
    page = live.person()
    chat = ana.get(f"{PREFIX}/queue").json()["items"][0]["id"]
    ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
    other = live.client()
    for text in ("hi", "yes", "3"):  # the newest messages are another person's
        other.post("/chat/messages", json={"text": text}).raise_for_status()
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        next_event(stream, "held")
        other.post("/chat/exit").raise_for_status()
        page.post("/chat/messages", json={"text": "still there?"}).raise_for_status()
        with ThreadPoolExecutor(max_workers=1) as waiting:
            arriving = waiting.submit(next_event, stream, "message")
            try:
                message = arriving.result(timeout=10)  # else it would wait for ever
            finally:
                response.close()
    assert message["text"] == "still there?"


def test_another_advocates_chat_does_not_reach_the_stream(live: Live) -> None:
    ana, ben = signed_in(live, "ana"), signed_in(live, "ben")
    page = live.person()
    with ben.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        (waiting,) = next_event(stream, "queue")["items"]
        ana.post(f"{PREFIX}/conversations/{waiting['id']}/claim").raise_for_status()
        assert next_event(stream, "queue") == {"items": []}
        page.post("/chat/messages", json={"text": "hello"})
        ben.post(f"{PREFIX}/logout").raise_for_status()
        seen = [name for name, _ in stream]
        assert "message" not in seen and seen[-1] == "signed_out"


def test_signing_out_ends_the_stream(live: Live) -> None:
    ana = signed_in(live, "ana")
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        next_event(stream, "queue")
        ana.post(f"{PREFIX}/logout").raise_for_status()
        assert next_event(stream, "signed_out") == {}


def test_the_stream_needs_a_signed_in_advocate(live: Live) -> None:
    response = live.client().get(f"{PREFIX}/events")
    assert response.status_code == 401


def test_watching_does_not_keep_an_idle_session_alive(live: Live) -> None:
    store = live.runtime.store
    idle = timedelta(minutes=30)
    login = log_in(store, "ana", PASSWORD, idle)
    assert login is not None
    soon = utcnow() + timedelta(minutes=20)
    assert session_of(store, login.cookie, idle, now=soon, touch=False) is not None
    after_idle = utcnow() + timedelta(minutes=31)
    assert session_of(store, login.cookie, idle, now=after_idle) is None


# -- presence, the session, deliveries, supervision ------------------------------------------------


def admin_signed_in(live: Live) -> httpx.Client:
    add_advocate(live.runtime.store, "root", PASSWORD, admin=True, hasher=TEST_HASHER)
    client = live.client()
    response = client.post(f"{PREFIX}/login", json={"username": "root", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def test_an_open_stream_is_the_advocates_sign_of_life(live: Live) -> None:
    ana = signed_in(live, "ana")
    with live.runtime.store.transaction() as tx:
        tx.db.execute(update(AdvocateRow).values(live_at=None))
    before = utcnow()
    with ana.stream("GET", f"{PREFIX}/events") as response:
        next_event(events(response.iter_lines()), "queue")
    with live.runtime.store.transaction() as tx:
        (live_at,) = tx.db.scalars(select(AdvocateRow.live_at).where(AdvocateRow.username == "ana"))
    assert live_at is not None and aware(live_at) >= before


def test_the_stream_says_when_the_session_ends(live: Live) -> None:
    ana = signed_in(live, "ana")
    with ana.stream("GET", f"{PREFIX}/events") as response:
        clock = next_event(events(response.iter_lines()), "session")
    assert 0 < clock["idle_seconds_left"] <= clock["idle_seconds"]
    assert clock["expires_at"] > utcnow().isoformat()


def test_the_stream_tells_an_advocate_made_unavailable_by_signing_out_elsewhere(
    live: Live,
) -> None:
    ana, elsewhere = signed_in(live, "ana"), signed_in(live, "ana")
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        assert next_event(stream, "availability") == {"available": True, "presence": "available"}
        elsewhere.post(f"{PREFIX}/logout").raise_for_status()
        assert next_event(stream, "availability") == {"available": False, "presence": "away"}


def test_admins_see_where_each_advocate_is_live(live: Live) -> None:
    root = admin_signed_in(live)
    with root.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        first = {
            item["username"]: item["presence"] for item in next_event(stream, "presence")["items"]
        }
        assert first["ben"] == "signed_out"
        ben = signed_in(live, "ben")
        changed = next_event(stream, "presence")["items"]
        assert {item["username"]: item["presence"] for item in changed}["ben"] == "available"
        ben.post(f"{PREFIX}/logout").raise_for_status()
        gone = next_event(stream, "presence")["items"]
        assert {item["username"]: item["presence"] for item in gone}["ben"] == "signed_out"


def test_admins_see_every_held_chat_live(live: Live) -> None:
    ana, root = signed_in(live, "ana"), admin_signed_in(live)
    live.person()
    with root.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        assert next_event(stream, "supervision") == {"items": []}
        (waiting,) = ana.get(f"{PREFIX}/queue").json()["items"]
        ana.post(f"{PREFIX}/conversations/{waiting['id']}/claim").raise_for_status()
        (held,) = next_event(stream, "supervision")["items"]
        assert (held["id"], held["assigned_to"]) == (waiting["id"], "ana")


def test_an_advocate_gets_no_supervision_events(live: Live) -> None:
    ana = signed_in(live, "ana")
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        next_event(stream, "queue")
        ana.post(f"{PREFIX}/logout").raise_for_status()
        seen = {name for name, _ in stream}
    assert not seen & {"presence", "supervision"}


def test_a_web_reply_the_page_showed_reaches_the_stream_as_read(live: Live) -> None:
    ana = signed_in(live, "ana")
    page = live.person()
    chat = ana.get(f"{PREFIX}/queue").json()["items"][0]["id"]
    ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
    with ana.stream("GET", f"{PREFIX}/events") as response:
        stream = events(response.iter_lines())
        sent = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi."}).json()
        message = next_event(stream, "message")
        while message["id"] != sent["id"]:
            message = next_event(stream, "message")
        assert (message["author"], message["delivery"]) == ("ana", "sent")
        items = page.get("/chat/inbox").json()["items"]
        page.get(f"/chat/inbox?after={items[-1]['id']}").raise_for_status()
        change = next_event(stream, "delivery")
    assert change == {"conversation": chat, "id": sent["id"], "delivery": "read"}
