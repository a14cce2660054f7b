"""Handing a conversation to a person: consent, the queue, the silence rule, availability."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.config import ConfigError
from bot.handoff.availability import STREAM_GRACE, OpeningHours
from bot.handoff.queue import NOTICE_INTERVAL
from bot.runtime import Runtime, Understanding, build_runtime
from bot.store.models import AdvocateRow, HandoffRow
from common.clock import utcnow
from tests.conftest import Chat, make_settings

LIVE_THROUGH_THE_RUN = timedelta(hours=1)
"""An advocate added here is there for the whole run: their console's last sign of life is
dated ahead, as if its stream kept beating (the conversation suite runs for minutes)."""


def add_advocate(runtime: Runtime, available: bool = True) -> None:
    """An advocate whose console is open and live, marked available or not."""
    with runtime.store.transaction() as tx:
        tx.db.add(
            AdvocateRow(
                username=f"advocate{utcnow().timestamp()}",
                password_hash="not-used-here",
                role="advocate",
                available=available,
                live_at=utcnow() + LIVE_THROUGH_THE_RUN,
                failed_logins=0,
                created_at=utcnow(),
            )
        )


@pytest.fixture
def staffed(runtime: Runtime) -> Runtime:
    add_advocate(runtime)
    return runtime


def handoffs(runtime: Runtime) -> list[HandoffRow]:
    with runtime.store.transaction() as tx:
        rows = list(tx.db.scalars(select(HandoffRow)))
        tx.db.expunge_all()
        return rows


def summary(runtime: Runtime, row: HandoffRow) -> dict:  # type: ignore[type-arg]
    return json.loads(runtime.store.keys.decrypt(row.summary))


def queue(chat: Chat, consent: str = "share") -> None:
    chat.to_menu()
    chat.say("I want to talk to a person")
    chat.say(choice=consent)


# -- consent and queueing -----------------------------------------------------------------------


def test_asking_for_a_person_asks_consent_for_a_summary_first(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    chat.to_menu()
    chat.say("I want to talk to a person")
    assert chat.text().startswith("Before I connect you:")
    assert chat.option_ids() == ["share", "private"]
    assert handoffs(staffed) == []


def test_after_consent_the_person_is_queued_and_told_their_place(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat)
    assert "You are number 1 in line" in chat.text()
    assert chat.outcomes[-1].handoff == "queued"
    (row,) = handoffs(staffed)
    assert row.state == "queued" and row.consent is True


def test_with_consent_the_summary_holds_needs_and_the_last_messages(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat, "share")
    data = summary(staffed, handoffs(staffed)[0])
    assert data["language"] == "en" and data["country"] == "US"
    assert {"direction": "in", "text": "I want to talk to a person"} in data["last_messages"]


def test_without_consent_the_summary_is_only_language_and_country(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat, "private")
    assert summary(staffed, handoffs(staffed)[0]) == {"language": "en", "country": "US"}


def test_the_handoff_id_is_random_and_names_no_one(staffed: Runtime) -> None:
    chat = Chat(staffed.engine, sender="+15550100077")
    queue(chat)
    row = handoffs(staffed)[0]
    assert "15550100077" not in row.id and len(row.id) >= 20


# -- the silence rule -------------------------------------------------------------------------


def test_while_queued_the_bot_is_silent_and_keeps_the_messages(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat)
    chat.say("hello?")  # acknowledged once: tests/test_queue_honest.py
    for text in ("MENU", "find help", "1"):
        outcome = chat.say(text)
        assert outcome.replies == (), text
        assert outcome.handoff == "queued"
    key = staffed.store.keys.session_key("terminal", chat.sender)
    with staffed.store.transaction() as tx:
        assert tx.transcript(key)[-1] == ("in", "1")


def test_quick_exit_still_erases_everything_while_queued(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat)
    assert chat.say("EXIT").exited is True
    assert handoffs(staffed) == []
    assert staffed.store.count_sessions() == 0


def test_the_emergency_number_still_answers_while_queued_and_goes_first(
    staffed: Runtime,
) -> None:
    first, second = (
        Chat(staffed.engine, sender="+15550100011"),
        Chat(staffed.engine, sender="+15550100012"),
    )
    queue(first)
    queue(second)
    assert "number 2 in line" in second.text()
    second.say("SOS")
    assert second.text().startswith("In danger now? Call 911 or 112.")  # phone only
    rows = {row.session_key: row for row in handoffs(staffed)}
    key = staffed.store.keys.session_key("terminal", second.sender)
    assert rows[key].priority == 1


def test_delete_still_works_while_queued(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    queue(chat)
    chat.say("DELETE")
    assert chat.text().startswith(staffed.engine.catalogs.text("en", "delete.confirm"))
    assert chat.say(choice="yes").exited is True
    assert handoffs(staffed) == []


def test_a_waiting_person_is_reminded_of_their_place_only_every_few_minutes(
    staffed: Runtime,
) -> None:
    chat = Chat(staffed.engine)
    queue(chat)
    chat.say("are you there?")  # acknowledged once: tests/test_queue_honest.py
    assert chat.say("still there?").replies == ()
    later = utcnow() + NOTICE_INTERVAL + timedelta(seconds=1)
    reminded = chat.say("hello?", at=later)
    assert chat.text(reminded) == "You are still in line: number 1. Thank you for waiting."
    assert chat.say("and now?", at=later + timedelta(seconds=30)).replies == ()


# -- priority ---------------------------------------------------------------------------------


def test_someone_in_danger_goes_before_those_who_waited_longer(staffed: Runtime) -> None:
    calm = Chat(staffed.engine, sender="+15550100021")
    queue(calm)
    danger = Chat(staffed.engine, sender="+15550100022")
    danger.say("SOS")
    danger.say(choice="person")  # in line at once; the questions come while waiting
    assert "You are number 1 in line" in danger.text()


# -- availability -------------------------------------------------------------------------------


def test_with_nobody_available_the_lines_come_at_once_and_waiting_is_a_choice(
    runtime: Runtime,
) -> None:
    add_advocate(runtime, available=False)
    chat = Chat(runtime.engine)
    chat.to_menu()
    chat.say("I want to talk to a person")
    assert chat.text().startswith("No one can answer here right now.")
    assert "National Human Trafficking Hotline" in chat.text()
    chat.say(choice="wait")
    assert chat.option_ids() == ["share", "private"]
    chat.say(choice="private")
    assert "You are number 1 in line" in chat.text()


def test_an_advocate_marked_available_whose_console_is_gone_is_not_offered(
    runtime: Runtime,
) -> None:
    """The tick alone promises nothing: the console's last sign of life is past the grace."""
    add_advocate(runtime)
    with runtime.store.transaction() as tx:
        tx.db.execute(update(AdvocateRow).values(live_at=utcnow() - STREAM_GRACE - timedelta(1)))
    chat = Chat(runtime.engine)
    chat.to_menu()
    chat.say("I want to talk to a person")
    assert chat.text().startswith("No one can answer here right now.")
    assert chat.option_ids() == ["wait", "leave"]


def test_leaving_instead_of_waiting_returns_to_the_menu(runtime: Runtime) -> None:
    add_advocate(runtime, available=False)
    chat = Chat(runtime.engine)
    chat.to_menu()
    chat.say("I want to talk to a person")
    chat.say(choice="leave")
    assert chat.text().startswith("OK. You can ask for a person again at any time.")
    assert chat.outcomes[-1].flow == "menu"
    assert handoffs(runtime) == []


@pytest.fixture
def office_hours_runtime(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> Iterator[Runtime]:
    settings = make_settings(
        tmp_path,
        model_dir,
        encryption_key,
        opening_hours="MO-FR 09:00-17:00",
        timezone="America/Chicago",
    )
    built = build_runtime(settings, understanding)
    add_advocate(built)
    yield built
    built.close()


@pytest.mark.parametrize(
    ("moment", "offered"),
    [
        (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), True),  # Monday 10:00 in Chicago
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), False),  # Monday 17:30 in Chicago
        (datetime(2026, 11, 28, 16, 0, tzinfo=UTC), False),  # Saturday
    ],
)
def test_out_of_hours_nobody_is_offered(
    office_hours_runtime: Runtime, moment: datetime, offered: bool
) -> None:
    chat = Chat(office_hours_runtime.engine)
    chat.say("hi", at=moment)
    chat.say("yes", at=moment)
    chat.say("I want to talk to a person", at=moment)
    assert chat.text().startswith("Before I connect you:") is offered


def test_opening_hours_are_read_in_their_time_zone() -> None:
    hours = OpeningHours.parse("MO-FR 09:00-17:00, SA 10:00-14:00", "Europe/Madrid")
    assert hours.open_at(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # Saturday 11:00 in Madrid
    assert not hours.open_at(datetime(2026, 11, 29, 10, 0, tzinfo=UTC))  # Sunday
    assert OpeningHours.parse("", "UTC").open_at(datetime(2026, 11, 29, 3, 0, tzinfo=UTC))


def test_unreadable_opening_hours_refuse_to_start(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> None:
    settings = make_settings(tmp_path, model_dir, encryption_key, opening_hours="weekdays 9 to 5")
    with pytest.raises(ConfigError, match=r"HAVEN_OPENING_HOURS: .*cannot read 'WEEKDAYS 9 TO 5'"):
        build_runtime(settings, understanding)


@pytest.mark.parametrize("spec", ["FR-MO 09:00-17:00", "MO 17:00-09:00", "MO 09:00-25:00"])
def test_opening_hours_that_end_before_they_start_or_do_not_exist_are_refused(spec: str) -> None:
    with pytest.raises(ConfigError):
        OpeningHours.parse(spec, "UTC")


def test_opening_hours_are_written_back_as_they_are_read() -> None:
    spec = "mo-fr 09:00-17:00, sa 10:00-24:00"
    assert OpeningHours.parse(spec, "UTC").spec == "MO-FR 09:00-17:00, SA 10:00-24:00"
    assert OpeningHours.parse("SA 10:00-24:00", "UTC").open_at(
        datetime(2026, 11, 28, 23, 59, tzinfo=UTC)
    )


def test_audit_entries_older_than_their_retention_are_purged(runtime: Runtime) -> None:
    from bot.console.accounts import audit
    from bot.store.models import AuditRow

    with runtime.store.transaction() as tx:
        audit(tx, "ana", "claimed", "x")
    assert runtime.store.purge_audit(3600) == 0
    assert runtime.store.purge_audit(3600, now=utcnow() + timedelta(hours=2)) == 1
    with runtime.store.transaction() as tx:
        assert tx.db.scalars(select(AuditRow)).all() == []


def test_without_any_advocate_the_lines_are_given_and_no_queue_is_offered(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine)
    chat.to_menu()
    chat.say("I want to talk to a person")
    assert chat.text().startswith("No one can answer here right now.")
    assert "Trained people answer at:" in chat.text()
    assert chat.option_ids() == ["menu"]
    assert handoffs(runtime) == []
