"""Presence follows the person: the queue promises a trained person only while one is there.

An advocate counts while signed in, marked available and with a live console (its stream
beats, ``bot.console.presence``); signing out, a session that times out and a stream lost
for longer than the grace each end it. The console also says how long a session has left.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.console.accounts import session_of
from bot.console.auth import PREFIX
from bot.handoff.availability import STREAM_GRACE
from bot.store.models import AdvocateRow, ConsoleSessionRow
from common.clock import utcnow
from tests.console_harness import HTTPS, Console, web_handoff


def ask_for_a_person_on_the_web(console: Console) -> dict[str, Any]:
    """A new survivor on the web chat asks for a person; Haven's last answer."""
    page = TestClient(console.client.app, base_url=HTTPS)
    answer: dict[str, Any] = {}
    for payload in web_handoff("hi", "Mexico")[:-1]:  # up to the question a person needs
        answer = page.post("/chat/messages", json=payload).json()
    return answer


def options(answer: dict[str, Any]) -> list[str]:
    return [option["id"] for reply in answer["replies"] for option in reply["options"]]


def told_no_one_is_here(console: Console, answer: dict[str, Any]) -> bool:
    text = "\n".join(reply["text"] for reply in answer["replies"])
    nobody = console.runtime.engine.catalogs.text("en", "handoff.nobody")
    return nobody in text and "in line" not in text and options(answer) == ["wait", "leave"]


def available(browser: TestClient) -> TestClient:
    assert browser.post(f"{PREFIX}/me/availability", json={"available": True}).is_success
    return browser


def presence(console: Console, username: str) -> str:
    (account,) = [
        item
        for item in console.login("root").get(f"{PREFIX}/advocates").json()["items"]
        if item["username"] == username
    ]
    return str(account["presence"])


def test_after_both_advocates_sign_out_a_new_survivor_is_told_no_one_is_here(
    console: Console,
) -> None:
    """As measured: both signed out, the admin list still said "available" and a survivor
    was told "number 2 in line for a trained person" with nobody there."""
    ana, ben = available(console.login("ana")), available(console.login("ben"))
    assert ana.post(f"{PREFIX}/logout").status_code == 204
    assert ben.post(f"{PREFIX}/logout").status_code == 204
    accounts = console.login("root").get(f"{PREFIX}/advocates").json()["items"]
    assert not any(account["available"] for account in accounts)
    assert told_no_one_is_here(console, ask_for_a_person_on_the_web(console))


def test_with_an_advocate_there_the_survivor_is_asked_to_share_a_summary(
    console: Console,
) -> None:
    answer = ask_for_a_person_on_the_web(console)  # ana is there (the harness)
    assert options(answer) == ["share", "private"]


def test_signing_out_makes_the_advocate_unavailable(console: Console) -> None:
    ben = available(console.login("ben"))
    assert presence(console, "ben") == "available"
    ben.post(f"{PREFIX}/logout")
    assert presence(console, "ben") == "signed_out"
    assert ("ben", "unavailable", None) in console.audit()


def test_a_session_that_times_out_makes_the_advocate_unavailable(console: Console) -> None:
    ben = available(console.login("ben"))
    idle = timedelta(seconds=console.runtime.settings.console_idle)
    later = utcnow() + idle + timedelta(seconds=1)
    assert session_of(console.runtime.store, ben.cookies["haven_console"], idle, now=later) is None
    assert presence(console, "ben") == "signed_out"
    assert ("ben", "timed_out", None) in console.audit()


def test_after_every_session_timed_out_a_new_survivor_is_told_no_one_is_here(
    console: Console,
) -> None:
    with console.runtime.store.transaction() as tx:  # every console left alone too long
        long_ago = utcnow() - timedelta(seconds=console.runtime.settings.console_idle + 1)
        tx.db.execute(update(ConsoleSessionRow).values(last_seen=long_ago))
        tx.db.execute(update(AdvocateRow).values(live_at=long_ago))
    assert told_no_one_is_here(console, ask_for_a_person_on_the_web(console))


def test_a_console_whose_stream_is_lost_stops_counting_after_the_grace(console: Console) -> None:
    with console.runtime.store.transaction() as tx:
        lost = utcnow() - STREAM_GRACE - timedelta(seconds=1)
        tx.db.execute(update(AdvocateRow).values(live_at=lost))
    assert presence(console, "ana") == "connection_lost"
    assert told_no_one_is_here(console, ask_for_a_person_on_the_web(console))


def test_marking_oneself_available_counts_until_the_stream_takes_over(console: Console) -> None:
    with console.runtime.store.transaction() as tx:
        tx.db.execute(update(AdvocateRow).values(live_at=None))
    available(console.login("ben"))
    assert presence(console, "ben") == "available"


def test_a_new_sign_in_starts_unavailable(console: Console) -> None:
    ben = available(console.login("ben"))
    with console.runtime.store.transaction() as tx:  # the session ended, unnoticed
        long_ago = utcnow() - timedelta(seconds=console.runtime.settings.console_idle + 1)
        tx.db.execute(update(ConsoleSessionRow).values(last_seen=long_ago))
    del ben
    me = console.login("ben").get(f"{PREFIX}/me").json()
    assert (me["available"], me["presence"]) == (False, "away")


def test_signing_in_on_a_second_device_keeps_the_first_ones_availability(
    console: Console,
) -> None:
    me = console.login("ana").get(f"{PREFIX}/me").json()  # ana's first device marked it
    assert (me["available"], me["presence"]) == (True, "available")


def test_me_gives_the_display_name_presence_and_the_servers_clock(console: Console) -> None:
    before = utcnow().isoformat()
    me = console.login("root").get(f"{PREFIX}/me").json()
    assert (me["display_name"], me["presence"]) == ("root", "away")
    assert me["idle_seconds"] == console.runtime.settings.console_idle
    assert me["server_time"] >= before


def test_the_session_says_how_long_it_has_left_without_counting_as_activity(
    console: Console,
) -> None:
    ben = console.login("ben")
    with console.runtime.store.transaction() as tx:
        earlier = utcnow() - timedelta(minutes=5)
        tx.db.execute(update(ConsoleSessionRow).values(last_seen=earlier))
    idle = console.runtime.settings.console_idle
    first = ben.get(f"{PREFIX}/me/session").json()
    assert idle - 301 <= first["idle_seconds_left"] <= idle - 299
    again = ben.get(f"{PREFIX}/me/session").json()
    assert again["expires_at"] == first["expires_at"]  # asking moved nothing


def test_typing_counts_as_activity(console: Console) -> None:
    ben = console.login("ben")
    with console.runtime.store.transaction() as tx:
        earlier = utcnow() - timedelta(minutes=5)
        tx.db.execute(update(ConsoleSessionRow).values(last_seen=earlier))
    touched = ben.post(f"{PREFIX}/me/touch").json()
    assert touched["idle_seconds_left"] == console.runtime.settings.console_idle


def test_an_ended_session_has_no_time_left_to_tell(console: Console) -> None:
    ben = console.login("ben")
    ben.post(f"{PREFIX}/logout")
    assert ben.get(f"{PREFIX}/me/session").status_code == 401
