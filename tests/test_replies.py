"""Cutting a reply to a channel's limit: at the best boundary, by the channel's measure."""

from __future__ import annotations

from bot.core.replies import PARAGRAPH, pack, split


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_a_text_that_fits_stays_whole() -> None:
    text = "One paragraph.\n\nAnother, with a line\nbreak."
    assert split(text, len(text)) == [text]


def test_a_text_is_cut_between_paragraphs_first() -> None:
    first, second = "First line.\nSecond line.", "Next paragraph. With two sentences."
    assert split(first + PARAGRAPH + second, len(second) + 1) == [first, second]


def test_paragraphs_are_packed_while_they_fit() -> None:
    paragraphs = ["a" * 10, "b" * 10, "c" * 10]
    assert split(PARAGRAPH.join(paragraphs), 22) == ["a" * 10 + PARAGRAPH + "b" * 10, "c" * 10]


def test_a_paragraph_too_long_is_cut_between_lines_then_sentences() -> None:
    text = "Line one is here.\nLine two. It has two sentences."
    assert split(text, 21) == ["Line one is here.", "Line two.", "It has two sentences."]


def test_a_sentence_too_long_is_cut_between_words() -> None:
    assert split("one two three four five six", 9) == ["one two", "three", "four five", "six"]


def test_a_word_longer_than_the_limit_is_cut_inside() -> None:
    assert split("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_the_channels_measure_decides_what_fits() -> None:
    emoji = "🙂" * 5  # five characters, ten UTF-16 units
    assert split(emoji, 5) == [emoji]
    assert split(emoji, 5, utf16_units) == ["🙂🙂", "🙂🙂", "🙂"]


def test_an_option_number_is_not_the_end_of_a_sentence() -> None:
    text = "Choose one. Or two. 1. Get help"
    assert split(text, 20) == ["Choose one. Or two.", "1. Get help"]


def test_pieces_that_must_stay_apart_are_not_packed() -> None:
    assert pack([(" ", "a"), (None, "b"), (" ", "c")], lambda text: len(text) <= 10) == [
        "a",
        "b c",
    ]
