"""Who holds a chat and who writes in it: claims, transfers with a handover note, an admin
taking a chat over, writers named, and the times an advocate needs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import select

from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.runtime import Content, Understanding
from bot.store.models import HandoffRow, NoteRow
from tests.console_harness import PASSWORD, Console, open_console
from tests.settings import TEST_HASHER, SettingsMaker


@pytest.fixture
def first_names(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Console]:
    """A deployment that shows the person the advocate's first name."""
    make = partial(settings_with, advocate_name_shown="first_name")
    with open_console(make, understanding, content) as opened:
        add_advocate(
            opened.runtime.store, "cam", PASSWORD, display_name="Camila Reyes", hasher=TEST_HASHER
        )
        yield opened


def telegram_texts(console: Console) -> list[str]:
    return [call["text"] for call in console.bot_api.of("sendMessage")]


# -- telling the person ---------------------------------------------------------------------------


def test_claiming_tells_the_person_an_advocate_joined(console: Console) -> None:
    console.queue_telegram(3001)
    console.claimed(console.login("ana"))
    assert telegram_texts(console)[-1] == "An advocate has joined this chat."


def test_claiming_again_tells_the_person_nothing_more(console: Console) -> None:
    console.queue_telegram(3002)
    ana = console.login("ana")
    chat = console.claimed(ana)
    told = len(telegram_texts(console))
    assert ana.post(f"{PREFIX}/conversations/{chat}/claim").status_code == 200
    assert len(telegram_texts(console)) == told


def test_the_person_sees_the_advocates_first_name_where_the_deployment_chooses(
    first_names: Console,
) -> None:
    page = first_names.queue_web()
    cam = first_names.login("cam")
    chat = first_names.claimed(cam)
    cam.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hello, I'm here."})
    joined, said = page.get("/chat/inbox").json()["items"]
    assert joined["replies"][0]["text"] == "Camila, an advocate, has joined this chat."
    assert (said["from"], said["name"]) == ("advocate", "Camila")


# -- writers named --------------------------------------------------------------------------------


def test_each_message_says_who_wrote_it_and_when(first_names: Console) -> None:
    first_names.queue_telegram(3003)
    cam = first_names.login("cam")
    chat = first_names.claimed(cam)
    sent = cam.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi."}).json()
    assert (sent["author"], sent["author_name"]) == ("cam", "Camila Reyes")
    messages = cam.get(f"{PREFIX}/conversations/{chat}").json()["messages"]
    (mine,) = [message for message in messages if message["direction"] == "adv"]
    assert (mine["author"], mine["author_name"], mine["at"]) == ("cam", "Camila Reyes", sent["at"])
    assert all(message["at"] for message in messages)
    assert all(message["author"] is None for message in messages if message["direction"] == "in")


def test_an_admin_writing_in_another_advocates_chat_must_take_it_over_first(
    console: Console,
) -> None:
    console.queue_telegram(3004)
    chat = console.claimed(console.login("ana"))
    root = console.login("root")
    refused = root.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "hi"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "ana holds this chat: take it over first"
    assert "hi" not in telegram_texts(console)


def test_an_admin_claiming_another_advocates_chat_is_told_to_take_it_over(
    console: Console,
) -> None:
    console.queue_telegram(3005)
    chat = console.claimed(console.login("ana"))
    refused = console.login("root").post(f"{PREFIX}/conversations/{chat}/claim")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "ana holds this chat: take it over instead"


def test_taking_over_lets_the_admin_write_and_is_audited(console: Console) -> None:
    console.queue_telegram(3006)
    ana, root = console.login("ana"), console.login("root")
    chat = console.claimed(ana)
    taken = root.post(f"{PREFIX}/conversations/{chat}/take-over").json()
    assert (taken["assigned_to"], taken["from"], taken["told"]) == ("root", "ana", True)
    sent = root.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Root here."})
    assert sent.status_code == 200
    assert ("root", "taken_over", chat) in console.audit()
    assert ana.get(f"{PREFIX}/conversations").json()["items"] == []


def test_taking_over_tells_the_person_the_chat_was_handed_over(console: Console) -> None:
    console.queue_telegram(3007)
    chat = console.claimed(console.login("ana"))
    console.login("root").post(f"{PREFIX}/conversations/{chat}/take-over")
    assert telegram_texts(console)[-1] == "Your chat is now with another advocate."


def test_only_admins_take_chats_over(console: Console) -> None:
    console.queue_telegram(3008)
    chat = console.claimed(console.login("ana"))
    assert console.login("ben").post(f"{PREFIX}/conversations/{chat}/take-over").status_code == 403


# -- transfers ------------------------------------------------------------------------------------


def test_a_transfer_keeps_a_handover_note_for_the_new_holder(console: Console) -> None:
    console.queue_telegram(3009)
    ana, ben = console.login("ana"), console.login("ben")
    chat = console.claimed(ana)
    note = {"to": "ben", "note": "She asked about her passport; call back after 6."}
    assert ana.post(f"{PREFIX}/conversations/{chat}/transfer", json=note).json()["note_kept"]
    handover = ben.get(f"{PREFIX}/conversations/{chat}").json()["handover"]
    assert (handover["from"], handover["from_name"], handover["text"]) == (
        "ana",
        "ana",
        note["note"],
    )


def test_a_handover_note_is_encrypted_at_rest(console: Console) -> None:
    console.queue_telegram(3010)
    ana = console.login("ana")
    chat = console.claimed(ana)
    note = {"to": "ben", "note": "passport kept by the employer"}
    ana.post(f"{PREFIX}/conversations/{chat}/transfer", json=note)
    with console.runtime.store.transaction() as tx:
        (row,) = tx.db.scalars(select(NoteRow)).all()
        assert row.handover_to == "ben" and b"passport" not in row.body


def test_a_handover_note_goes_when_the_chat_is_wiped(console: Console) -> None:
    console.queue_telegram(3011)
    ana, ben = console.login("ana"), console.login("ben")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben", "note": "call back"})
    ben.post(f"{PREFIX}/conversations/{chat}/close", json={"wipe": True})
    with console.runtime.store.transaction() as tx:
        assert tx.db.scalars(select(NoteRow)).all() == []


def test_a_transfer_says_who_holds_the_chat_where_they_are_and_that_the_person_was_told(
    console: Console,
) -> None:
    console.queue_telegram(3012)
    ana = console.login("ana")
    chat = console.claimed(ana)
    handed = ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"}).json()
    assert (handed["assigned_to"], handed["from"], handed["note_kept"]) == ("ben", "ana", False)
    assert (handed["to"]["username"], handed["to"]["presence"]) == ("ben", "signed_out")
    assert handed["told"] is True
    assert telegram_texts(console)[-1] == "Your chat is now with another advocate."


def test_a_transfer_to_whoever_holds_the_chat_is_refused(console: Console) -> None:
    console.queue_telegram(3013)
    ana = console.login("ana")
    chat = console.claimed(ana)
    refused = ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ana"})
    assert refused.status_code == 409


def test_an_oversized_handover_note_is_refused_and_nothing_moves(console: Console) -> None:
    console.queue_telegram(3014)
    ana = console.login("ana")
    chat = console.claimed(ana)
    note = {"to": "ben", "note": "x" * 2001}
    assert ana.post(f"{PREFIX}/conversations/{chat}/transfer", json=note).status_code == 413
    assert ana.get(f"{PREFIX}/conversations/{chat}").json()["assigned_to"] == "ana"


# -- times ----------------------------------------------------------------------------------------


def test_queue_items_carry_their_waiting_time_and_the_emergency_flag(console: Console) -> None:
    console.queue_telegram(3015)
    console.queue_telegram(3016)
    with console.runtime.store.transaction() as tx:  # the second said they are in danger
        tx.db.scalars(select(HandoffRow).order_by(HandoffRow.queued_at)).all()[1].priority = 1
    first, second = console.login("ana").get(f"{PREFIX}/queue").json()["items"]
    assert (first["emergency"], second["emergency"]) == (True, False)
    assert first["waiting_since"] > second["waiting_since"]  # the emergency goes first
    assert first["held_since"] is None and first["unanswered_since"] is None


def test_a_held_chat_says_since_when_the_person_waits_for_an_answer(console: Console) -> None:
    console.queue_telegram(3017)
    ana = console.login("ana")
    chat = console.claimed(ana)
    (held,) = ana.get(f"{PREFIX}/conversations").json()["items"]
    assert held["unanswered_since"] is not None  # since they asked for a person
    sent = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "I'm here."}).json()
    (answered,) = ana.get(f"{PREFIX}/conversations").json()["items"]
    assert answered["unanswered_since"] is None
    console.telegram(3017, "are you there?")
    (again,) = ana.get(f"{PREFIX}/conversations").json()["items"]
    assert again["unanswered_since"] > sent["at"]


def test_the_supervision_shows_admins_every_held_chat_and_every_advocate(
    console: Console,
) -> None:
    console.queue_telegram(3018)
    chat = console.claimed(console.login("ana"))
    view = console.login("root").get(f"{PREFIX}/supervision").json()
    (held,) = view["held"]
    assert (held["id"], held["assigned_to"], held["assigned_name"]) == (chat, "ana", "ana")
    assert held["held_since"] and held["waiting_since"]
    assert {account["username"]: account["presence"] for account in view["advocates"]} == {
        "ana": "available",
        "ben": "signed_out",
        "root": "away",
    }


def test_only_admins_see_the_supervision(console: Console) -> None:
    assert console.login("ana").get(f"{PREFIX}/supervision").status_code == 403
