"""The engine's last resort when a flow step fails; the rate limit while a person holds a chat."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.catalog import Catalogs
from bot.runtime import Runtime, Understanding, build_runtime
from tests.conftest import Chat
from tests.settings import SettingsMaker
from tests.test_handoff import add_advocate, queue

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
SORRY = CATALOGS.text("en", "fallback.error")
GENERAL_NUMBERS = CATALOGS.text("en", "emergency.call_general")


@pytest.fixture
def without_wage_cards(
    tmp_path: Path, settings_with: SettingsMaker, understanding: Understanding
) -> Runtime:
    """A deployment whose rights cards lost the wages topic: the flow offers a card that is gone."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    cards_file = flows / "rights" / "cards.yml"
    cards = yaml.safe_load(cards_file.read_text(encoding="utf-8"))
    for jurisdiction in cards["jurisdictions"].values():
        jurisdiction["cards"].pop("wages", None)
    cards_file.write_text(yaml.safe_dump(cards, allow_unicode=True), encoding="utf-8")
    return build_runtime(settings_with(flows_dir=flows), understanding)


def ask_for_the_missing_card(chat: Chat) -> None:
    chat.to_menu()
    chat.say(choice="rights")
    if chat.outcomes[-1].flow == "rights" and "immigration" not in chat.option_ids():
        chat.say("Mexico")
    assert "wages" in chat.option_ids()


def test_a_failing_flow_step_still_gives_an_apology_and_the_emergency_number(
    without_wage_cards: Runtime,
) -> None:
    chat = Chat(without_wage_cards.engine, sender="local-person")
    ask_for_the_missing_card(chat)
    outcome = chat.say(choice="wages")
    assert outcome.replies, "a failing step still answers"
    text = chat.text(outcome)
    assert text.startswith(SORRY)
    assert "911" in text or "112" in text
    without_wage_cards.close()


def test_after_a_failing_step_the_next_message_finds_the_menu(without_wage_cards: Runtime) -> None:
    chat = Chat(without_wage_cards.engine, sender="local-person")
    ask_for_the_missing_card(chat)
    chat.say(choice="wages")
    outcome = chat.say("hello")
    assert outcome.flow == "menu"
    without_wage_cards.close()


def test_a_failing_step_in_a_known_country_names_that_countrys_number(
    without_wage_cards: Runtime,
) -> None:
    chat = Chat(without_wage_cards.engine, sender="+525555555555")  # a Mexican number
    ask_for_the_missing_card(chat)
    text = chat.text(chat.say(choice="wages"))
    assert "911" in text
    assert GENERAL_NUMBERS not in text
    without_wage_cards.close()


@pytest.fixture
def queued_at_eight_a_minute(
    settings_with: SettingsMaker, understanding: Understanding
) -> Iterator[tuple[Runtime, Chat]]:
    """A person waiting for an advocate, on a server that takes eight messages a minute."""
    runtime = build_runtime(settings_with(rate_limit="8/60"), understanding)
    add_advocate(runtime)
    chat = Chat(runtime.engine)
    queue(chat)
    yield runtime, chat
    runtime.close()


def test_messages_for_an_advocate_count_against_the_rate_limit(
    queued_at_eight_a_minute: tuple[Runtime, Chat],
) -> None:
    runtime, chat = queued_at_eight_a_minute
    sent = len(chat.outcomes)
    answers = [chat.say(f"message {number}") for number in range(8 - sent + 2)]
    assert answers[1].replies == ()  # the first is acknowledged once: tests/test_queue_honest.py
    slowed = [outcome for outcome in answers[1:] if outcome.replies]
    assert len(slowed) == 1
    assert CATALOGS.text("en", "rate.slow_down") in chat.text(slowed[0])
    key = runtime.store.keys.session_key("terminal", chat.sender)
    with runtime.store.transaction() as tx:
        kept = [text for direction, text in tx.transcript(key) if direction == "in"]
    assert f"message {8 - sent + 1}" not in kept


def test_the_emergency_number_passes_the_rate_limit_while_queued(
    queued_at_eight_a_minute: tuple[Runtime, Chat],
) -> None:
    _, chat = queued_at_eight_a_minute
    for number in range(10):
        chat.say(f"message {number}")
    outcome = chat.say("EMERGENCY")
    assert outcome.flow == "emergency"
    assert "911" in chat.text(outcome) or "112" in chat.text(outcome)
