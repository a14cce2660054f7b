"""SMS segment counting: GSM-7 and UCS-2, single and concatenated."""

from __future__ import annotations

import pytest

from bot.core.segments import is_gsm7, segments, units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é is in the GSM-7 alphabet
        ("ó" * 70, 1),  # ó is not: the text becomes UCS-2
        ("ó" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
    ],
)
def test_segments_follow_the_gsm7_and_ucs2_limits(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_extension_characters_count_twice_in_gsm7() -> None:
    assert is_gsm7("€[]")
    assert units("€[]") == 6
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2


def test_characters_outside_the_basic_plane_count_as_two_ucs2_units() -> None:
    assert units("🙂") == 2
