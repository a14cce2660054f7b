"""Admins in the console: accounts and opening hours; advocates may only look."""

from __future__ import annotations

import sqlite3

from bot.console.auth import PREFIX
from bot.core.states import Handoff
from common.clock import utcnow
from common.hours import WEEKDAYS
from tests.console_harness import PASSWORD, Console, first_in_queue
from tests.haven_cli import Haven


def test_every_advocate_sees_the_accounts_for_transfers(console: Console) -> None:
    items = console.login("ben").get(f"{PREFIX}/advocates").json()["items"]
    assert [(item["username"], item["available"]) for item in items] == [
        ("ana", True),
        ("ben", False),
        ("root", False),
    ]
    assert "password_hash" not in str(items)


def test_the_accounts_say_where_each_advocate_is(console: Console) -> None:
    console.login("ben")
    items = console.login("root").get(f"{PREFIX}/advocates").json()["items"]
    assert [(item["username"], item["presence"], item["signed_in"]) for item in items] == [
        ("ana", "available", True),
        ("ben", "away", True),
        ("root", "away", True),
    ]


def test_an_admin_adds_an_account_with_the_name_colleagues_see(console: Console) -> None:
    root = console.login("root")
    account = {"username": "cleo", "password": PASSWORD, "display_name": "Cleo Martins"}
    added = root.post(f"{PREFIX}/advocates", json=account).json()
    assert (added["username"], added["display_name"]) == ("cleo", "Cleo Martins")
    assert console.login("cleo").get(f"{PREFIX}/me").json()["display_name"] == "Cleo Martins"


def test_haven_advocate_add_takes_a_display_name(haven: Haven) -> None:
    result = haven.run(
        "advocate", "add", "ana", "--display-name", "Ana Lima", stdin=b"a long enough password\n"
    )
    assert result.returncode == 0, result.stderr.decode()
    with sqlite3.connect(haven.database) as db:
        assert db.execute("SELECT display_name FROM advocates").fetchall() == [("Ana Lima",)]


def test_an_admin_adds_an_account_that_can_sign_in(console: Console) -> None:
    root = console.login("root")
    response = root.post(f"{PREFIX}/advocates", json={"username": "cleo", "password": PASSWORD})
    assert response.status_code == 201
    assert console.login("cleo").get(f"{PREFIX}/me").json()["role"] == "advocate"
    assert ("root", "account_added", None) in console.audit()


def test_an_account_with_a_short_password_is_refused(console: Console) -> None:
    root = console.login("root")
    response = root.post(f"{PREFIX}/advocates", json={"username": "cleo", "password": "short"})
    assert response.status_code == 422


def test_an_advocate_cannot_add_accounts(console: Console) -> None:
    ana = console.login("ana")
    response = ana.post(f"{PREFIX}/advocates", json={"username": "cleo", "password": PASSWORD})
    assert response.status_code == 403


def test_removing_an_account_puts_its_chats_back_in_the_queue(console: Console) -> None:
    console.queue_telegram(3001)
    ana, root = console.login("ana"), console.login("root")
    chat = console.claimed(ana)
    assert root.delete(f"{PREFIX}/advocates/ana").status_code == 204
    assert ana.get(f"{PREFIX}/queue").status_code == 401  # the session went with the account
    back = first_in_queue(root)
    assert (back["id"], back["state"], back["assigned"]) == (chat, Handoff.QUEUED, False)
    console.telegram(3001, "are you there?")  # the person is still waiting, not with the bot
    assert console.bot_api.sent_texts()[-1] != "Sorry, I didn't understand that."


def test_an_admin_cannot_remove_their_own_account(console: Console) -> None:
    assert console.login("root").delete(f"{PREFIX}/advocates/root").status_code == 409


def test_removing_an_unknown_account_is_404(console: Console) -> None:
    assert console.login("root").delete(f"{PREFIX}/advocates/nobody").status_code == 404


def test_opening_hours_default_to_always_open(console: Console) -> None:
    hours = console.login("ana").get(f"{PREFIX}/opening-hours").json()
    assert hours == {"hours": "", "timezone": "UTC", "open_now": True}


def test_an_admin_changes_the_opening_hours_for_everyone(console: Console) -> None:
    tomorrow = WEEKDAYS[(utcnow().weekday() + 1) % 7]  # closed all of today
    root = console.login("root")
    response = root.put(f"{PREFIX}/opening-hours", json={"hours": f"{tomorrow.lower()} 9:00-10:00"})
    assert response.status_code == 422  # hours are written with two digits
    response = root.put(
        f"{PREFIX}/opening-hours", json={"hours": f"{tomorrow.lower()} 09:00-24:00"}
    )
    assert response.status_code == 200
    assert response.json()["hours"] == f"{tomorrow} 09:00-24:00"
    assert ("root", "hours_changed", None) in console.audit()
    console.telegram(3002, "hi")
    console.telegram(3002, choice="yes")
    console.telegram(3002, "I want to talk to a person")
    console.telegram(3002, "Mexico")
    assert console.bot_api.sent_texts()[-1].startswith("No one can answer here right now.")


def test_unreadable_opening_hours_are_refused_and_nothing_changes(console: Console) -> None:
    root = console.login("root")
    response = root.put(f"{PREFIX}/opening-hours", json={"hours": "weekdays 9 to 5"})
    assert response.status_code == 422
    assert "cannot read" in response.json()["detail"]
    assert root.get(f"{PREFIX}/opening-hours").json()["hours"] == ""


def test_an_advocate_cannot_change_the_opening_hours(console: Console) -> None:
    ana = console.login("ana")
    assert ana.put(f"{PREFIX}/opening-hours", json={"hours": ""}).status_code == 403
