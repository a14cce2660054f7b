"""Countries: from a phone number, from what a person types, and by name."""

from __future__ import annotations

import phonenumbers
from babel import Locale

from resources_db.gazetteer import Spot, gazetteer

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
"""Short forms the NLU's country lookup table adds to CLDR's names (``nlu/lookups.py``).

Reading a country is the gazetteer's job (``resources_db/gazetteer``), which has these
and many more; the table keeps this list so that the trained models do not change.
"""


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


def find_spot(
    text: str, languages: tuple[str, ...], prefer: tuple[str | None, ...] = ()
) -> Spot | None:
    """The place a typed answer names ("mexico", "I'm in the UK", "Houston", "GB"), if any.

    Where the person says they are wins over a country merely mentioned ("I'm from
    Mexico, now in Texas" is Texas); ``prefer`` breaks ties between places of one name.
    """
    sighting = gazetteer(languages).find(text, prefer)
    if sighting:
        return sighting.spot
    code = text.strip()
    if len(code) == 2 and code.isupper() and code in Locale.parse("en").territories:
        return Spot(code)  # "GB", "MX"; lower-case "no" or "es" is a word, not a code
    return None


def parse_country(text: str, languages: tuple[str, ...]) -> str | None:
    """The country a person named ("mexico", "I'm in the UK", "GB"), if any."""
    spot = find_spot(text, languages)
    return spot.country if spot else None


def country_name(code: str, language: str) -> str:
    name: str | None = Locale.parse(language).territories.get(code)
    return name or code
