"""Bad input through the real engine: empty, unreadable, huge, invisible, flooded, repeated.

A person in danger may send anything, by accident or in a hurry; a provider may
deliver the same message twice. Every such message gets a calm, bounded answer
(or, for a flood, silence) and never breaks or moves a conversation by mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Chat, make_settings

from bot.config import Settings
from bot.runtime import Runtime, Understanding, build_runtime
from bot.store.records import Conversation

MENU_OPTIONS = ["help", "rights", "signs", "person", "language"]


def load(runtime: Runtime, sender: str, channel: str = "terminal") -> Conversation | None:
    """The stored state of a sender's conversation, as the next message would see it."""
    key = runtime.store.keys.session_key(channel, sender)
    with runtime.store.transaction() as tx:
        return tx.load(key)


def transcript(runtime: Runtime, sender: str, channel: str = "terminal") -> list[tuple[str, str]]:
    key = runtime.store.keys.session_key(channel, sender)
    with runtime.store.transaction() as tx:
        return tx.transcript(key)


def text(runtime: Runtime, key: str, language: str = "en") -> str:
    return runtime.engine.catalogs.text(language, key)


def position(conversation: Conversation | None) -> tuple[str, str, int]:
    assert conversation is not None
    return conversation.flow, conversation.step, conversation.misses


# -- empty and unreadable messages ------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", "\n\t ", "\u200b", "\x00\x07"])
def test_an_empty_message_gets_the_calm_empty_reply_and_keeps_the_step(
    runtime: Runtime, chat: Chat, empty: str
) -> None:
    chat.to_menu()
    before = position(load(runtime, chat.sender))

    outcome = chat.say(empty)

    assert [reply.text for reply in outcome.replies] == [text(runtime, "input.empty")]
    assert not outcome.exited
    assert position(load(runtime, chat.sender)) == before == ("menu", "choose", 0)


def test_an_emoji_only_message_is_met_kindly_and_the_menu_asked_again(
    runtime: Runtime, chat: Chat
) -> None:
    chat.to_menu()

    outcome = chat.say("🙂🙏")

    assert chat.text(outcome).startswith(text(runtime, "smalltalk.no_words"))
    assert text(runtime, "menu.prompt") in chat.text(outcome)
    assert outcome.flow == "menu"


def test_two_misses_in_a_row_offer_a_person(runtime: Runtime, chat: Chat) -> None:
    chat.to_menu()

    first = chat.say("qwzx vbnm")
    second = chat.say("plok trrr")

    assert first.flow == "menu"
    assert second.flow == "offer_person"
    assert chat.text(second) == text(runtime, "fallback.offer_person")
    assert chat.option_ids(second) == ["person", "menu"]


# -- huge and invisible input -----------------------------------------------------------


def test_a_ten_thousand_character_message_is_answered_and_stored_cut_to_max_text(
    runtime: Runtime, settings: Settings, chat: Chat
) -> None:
    chat.to_menu()
    sentence = "I need help finding a safe place to stay tonight. "
    huge = (sentence * (10_000 // len(sentence) + 1))[:10_000]
    assert len(huge) == 10_000

    outcome = chat.say(huge)

    assert outcome.replies
    assert all(reply.text for reply in outcome.replies)
    assert not outcome.exited
    assert outcome.flow is not None
    stored = [body for direction, body in transcript(runtime, chat.sender) if direction == "in"]
    assert stored[-1] == huge[: settings.max_text]
    assert len(stored[-1]) == settings.max_text


def test_control_characters_around_exit_still_make_a_quick_exit(
    runtime: Runtime, chat: Chat
) -> None:
    chat.to_menu()

    outcome = chat.say("\x00EXIT\x07")

    assert outcome.exited
    assert outcome.replies == ()
    assert load(runtime, chat.sender) is None
    assert transcript(runtime, chat.sender) == []
    assert chat.say("hi").flow == "welcome"


def test_zero_width_characters_inside_a_safety_word_do_not_hide_it(chat: Chat) -> None:
    chat.say("hello")

    outcome = chat.say("me\u200bn\u200du")

    assert outcome.flow == "menu"
    assert chat.option_ids(outcome) == MENU_OPTIONS


def test_control_and_zero_width_characters_are_not_stored(runtime: Runtime, chat: Chat) -> None:
    chat.to_menu()

    chat.say("\x1bwhere\u200b can\x00 I\u2060 go\u200f\x7f")

    stored = [body for direction, body in transcript(runtime, chat.sender) if direction == "in"]
    assert stored[-1] == "where can I go"


# -- floods -----------------------------------------------------------------------------


@pytest.fixture
def slow_runtime(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> Iterator[Runtime]:
    """Haven allowing five messages a minute per conversation."""
    settings = make_settings(tmp_path, model_dir, encryption_key, rate_limit="5/60")
    built = build_runtime(settings, understanding)
    yield built
    built.close()


def test_a_flood_gets_one_slow_down_then_silence_while_others_are_answered(
    slow_runtime: Runtime,
) -> None:
    flooder = Chat(slow_runtime.engine, sender="+15550100007")
    other = Chat(slow_runtime.engine, sender="+15550100008")
    start = datetime.now(UTC)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    other_script = iter(["hi", "yes", "2", "1"])
    other_outcomes = [other.say(next(other_script), at=at(0))]
    flood = ["hi", "yes", "menu", "help", "menu", "menu", "menu", "menu"]
    flood_outcomes = []
    for n, message in enumerate(flood, 1):
        flood_outcomes.append(flooder.say(message, at=at(n)))
        if n in (3, 6, 8):
            other_outcomes.append(other.say(next(other_script), at=at(n + 0.5)))

    # The first five are answered as usual.
    for outcome in flood_outcomes[:5]:
        assert outcome.replies
        assert text(slow_runtime, "rate.slow_down") not in flooder.text(outcome)
    # The sixth gets exactly one "slow down", the rest nothing at all.
    assert [reply.text for reply in flood_outcomes[5].replies] == [
        text(slow_runtime, "rate.slow_down")
    ]
    assert [outcome.replies for outcome in flood_outcomes[6:]] == [(), ()]
    # The flood did not move the flooder's conversation.
    assert position(load(slow_runtime, flooder.sender))[:2] == ("menu", "choose")

    # The other person was answered normally at every step, and their state is their own.
    assert [outcome.flow for outcome in other_outcomes] == ["welcome", "menu", "rights", "rights"]
    for outcome in other_outcomes:
        assert outcome.replies
        assert text(slow_runtime, "rate.slow_down") not in other.text(outcome)
    theirs = load(slow_runtime, other.sender)
    assert theirs is not None
    assert (theirs.flow, theirs.step) == ("rights", "card")
    assert theirs.rate_count == 4
    assert not theirs.rate_notified
    assert theirs.vars.get("topic") == "immigration"


def test_a_flooding_sender_is_answered_again_after_the_window(slow_runtime: Runtime) -> None:
    flooder = Chat(slow_runtime.engine, sender="+15550100009")
    start = datetime.now(UTC)
    for n, message in enumerate(["hi", "yes", "menu", "menu", "menu", "menu", "menu"]):
        flooder.say(message, at=start + timedelta(seconds=n))
    assert flooder.outcomes[-1].replies == ()

    outcome = flooder.say("menu", at=start + timedelta(seconds=61))

    assert outcome.flow == "menu"
    assert flooder.option_ids(outcome) == MENU_OPTIONS
    assert text(slow_runtime, "rate.slow_down") not in flooder.text(outcome)


# -- redeliveries -----------------------------------------------------------------------


def test_a_provider_message_id_seen_twice_is_processed_once(runtime: Runtime, chat: Chat) -> None:
    first = chat.say("hi", provider_id="SM-0001")
    before = position(load(runtime, chat.sender))
    messages_before = transcript(runtime, chat.sender)

    again = chat.say("yes", provider_id="SM-0001")

    assert first.flow == "welcome"
    assert again.duplicate
    assert again.replies == first.replies  # the answer again, in case it never arrived
    assert position(load(runtime, chat.sender)) == before == ("welcome", "ask_safe", 0)
    assert transcript(runtime, chat.sender) == messages_before
    # A new id is a new message, and is answered from where the conversation was.
    assert chat.say("yes", provider_id="SM-0002").flow == "menu"
