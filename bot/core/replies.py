"""Turning what a turn says into replies, and cutting a reply to a channel's limit.

The engine writes a turn's parts as one reply, its options on it; how long a
message may be is the channel's business (Twilio's 1,600 characters, Telegram's
4,096), so each channel cuts a reply to its own limit when it renders it, with
the functions here: a limit and the channel's way of measuring a text are all
they need to know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.core.messages import Choice, Reply

PARAGRAPH = "\n\n"
Measure = Callable[[str], int]
"""How a channel counts a text against its limit (characters, UTF-16 units, segments)."""
Fits = Callable[[str], bool]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])(?<!^\d\.)(?<!^\d\d\.)\s+", re.MULTILINE)
"""Space after a sentence's end, but not after an option's number ("2. Find help")."""
_BOUNDARIES = (
    (re.compile(r"\n\s*\n"), PARAGRAPH),
    (re.compile(r"\n"), "\n"),
    (_SENTENCE_END, " "),
    (re.compile(r"\s+"), " "),
)
"""Where a text may be cut, the best place first, and what joins the pieces again."""


def compose(parts: list[str], options: tuple[Choice, ...], rtl: bool) -> tuple[Reply, ...]:
    """The parts of a turn as one reply with its options; none when there is nothing to say."""
    if not parts and not options:
        return ()
    return (Reply(PARAGRAPH.join(parts), options, rtl),)


def split(text: str, limit: int, measure: Measure = len) -> list[str]:
    """``text`` in as few pieces of at most ``limit`` (by ``measure``) as its boundaries allow.

    A text that fits stays whole. Otherwise it is cut between paragraphs where
    that is enough, else between lines, sentences, then words; only a word
    longer than the limit is cut inside. ``measure`` must not shrink as a text grows.
    """

    def fits(piece: str) -> bool:
        return measure(piece) <= limit

    return _split(text.strip(), fits, 0)


def pack(pieces: Iterable[tuple[str | None, str]], fits: Fits) -> list[str]:
    """Neighbouring pieces joined while the whole fits.

    Each piece comes with what joins it to the one before, or None where the two
    must stay apart; the first piece's joiner is not used.
    """
    packed: list[str] = []
    for joiner, piece in pieces:
        joined = f"{packed[-1]}{joiner}{piece}" if packed and joiner is not None else None
        if joined is not None and fits(joined):
            packed[-1] = joined
        else:
            packed.append(piece)
    return packed


def _split(text: str, fits: Fits, level: int) -> list[str]:
    if fits(text):
        return [text]
    if level == len(_BOUNDARIES):
        return _cut(text, fits)
    boundary, joiner = _BOUNDARIES[level]
    pieces: list[tuple[str | None, str]] = []
    for part in boundary.split(text):
        if part.strip():
            first, *rest = _split(part.strip(), fits, level + 1)
            pieces.append((joiner, first))
            pieces.extend((None, piece) for piece in rest)  # already packed as far as they go
    return pack(pieces, fits)


def _cut(word: str, fits: Fits) -> list[str]:
    """A word too long for one piece, cut after the last character that still fits."""
    pieces = []
    while word and not fits(word):
        low, high = 1, len(word)  # the longest prefix that fits, at least one character
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(word[:middle]) else (low, middle - 1)
        pieces.append(word[:low])
        word = word[low:]
    return [*pieces, word] if word else pieces
