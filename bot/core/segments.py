"""SMS segment rules: how many messages a text costs, in GSM-7 or UCS-2.

Haven's texts are written to fit SMS on every channel (a directory listing fits
two segments, a first reply three), so this measure belongs to the content, not
to the SMS channel alone.

A text in the GSM 03.38 alphabet fits 160 characters in one segment (153 each
when split; characters of the extension table count twice); any other
character makes the whole text UCS-2: 70 characters, 67 each when split,
counted in UTF-16 code units.
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def units(text: str) -> int:
    """The length that counts against a segment: septets in GSM-7, UTF-16 units otherwise."""
    if is_gsm7(text):
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    size = units(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if is_gsm7(text) else (UCS2_SINGLE, UCS2_PART)
    if size <= single:
        return 1
    return -(-size // part)
