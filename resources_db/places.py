"""Places inside a country: ISO 3166-2 regions, and the keys cities and postal codes match by."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from common.text import normalize

ISO_AREA = re.compile(r"^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$")
"""``US`` or ``US-TX``: how a service area names a country or region in Haven's data."""


@lru_cache(maxsize=64)
def region_names(country: str) -> dict[str, str]:
    """Normalised names of the regions of ``country`` → ISO 3166-2 code."""
    return {
        normalize(str(subdivision.name)): str(subdivision.code)
        for subdivision in pycountry.subdivisions.get(country_code=country) or ()
    }


@lru_cache(maxsize=64)
def region_codes(country: str) -> dict[str, str]:
    """Normalised short codes of the regions of ``country`` ("tx") → ISO 3166-2 code.

    Kept apart from names: many codes are words ("in", "me", "or").
    """
    return {
        normalize(str(subdivision.code).split("-", 1)[1]): str(subdivision.code)
        for subdivision in pycountry.subdivisions.get(country_code=country) or ()
    }


def region_code(country: str, text: str | None) -> str | None:
    """The ISO 3166-2 code of a region written as a name or code ("Texas", "TX")."""
    if not text:
        return None
    key = normalize(text)
    return region_names(country).get(key) or region_codes(country).get(key)


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def city_key(city: str | None) -> str:
    return normalize(city or "")


def postal_key(postal_code: str | None) -> str:
    return re.sub(r"\s+", "", postal_code or "").upper()
