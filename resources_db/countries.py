"""Countries: from a phone number, from what a person types, and by name."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from babel import Locale

from common.text import find_words, normalize

# Names people use that are not a country's name in any locale's list.
ALIASES = {
    "usa": "US",
    "us": "US",
    "u s a": "US",
    "america": "US",
    "eeuu": "US",
    "ee uu": "US",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "britain": "GB",
    "inglaterra": "GB",
    "reino unido": "GB",
    "mexico": "MX",
    "espana": "ES",
}


# Too common as words to be read as a country inside a sentence ("help us").
WHOLE_MESSAGE_ONLY = frozenset({"us"})


def country_from_phone(sender: str) -> str | None:
    """The ISO country of an E.164 number (``+44…`` gives ``GB``), else None."""
    if not sender.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(sender, None)
    except phonenumbers.NumberParseException:
        return None
    # The exact region where the number is valid, else the main region of its
    # calling code (+44 is GB even for a number Ofcom keeps for fiction).
    region: str | None = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
    return region if region and region != "ZZ" else None


@lru_cache(maxsize=16)
def _names(languages: tuple[str, ...]) -> dict[str, str]:
    names: dict[str, str] = dict(ALIASES)
    for language in languages:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(normalize(name), code)
    return names


def parse_country(text: str, languages: tuple[str, ...]) -> str | None:
    """The country a person named ("mexico", "I'm in the UK", "GB"), if any.

    Whole-message names first, then a known name inside the message, longest first,
    so "I'm in South Africa" is not read as some shorter name.
    """
    folded = normalize(text)
    if not folded:
        return None
    names = _names(languages)
    if folded in names:
        return names[folded]
    code = text.strip()
    if len(code) == 2 and code.isupper() and code in Locale.parse("en").territories:
        return code  # "GB", "MX"; lower-case "no" or "es" is a word, not a code
    for name in sorted(names, key=len, reverse=True):
        inside_ok = (len(name) > 3 or name in ALIASES or not name.isascii()) and (
            name not in WHOLE_MESSAGE_ONLY
        )
        if inside_ok and find_words(folded, name) != -1:
            return names[name]
    return None


def country_name(code: str, language: str) -> str:
    name: str | None = Locale.parse(language).territories.get(code)
    return name or code
