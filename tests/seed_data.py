"""The shipped seed package, read straight from its CSV files, for tests to check against."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.core.listing import dial
from resources_db.readers import read_package
from resources_db.seed import SEED_PACKAGE
from resources_db.validate import area_codes, clean


@dataclass(frozen=True)
class SeededLine:
    country: str
    name: str
    needs: frozenset[str]
    phone: str
    """As the person sees it: dialled inside the country."""
    sms: str | None


@cache
def seeded_lines() -> tuple[SeededLine, ...]:
    data = clean(read_package(SEED_PACKAGE), {})
    assert not data.problems, data.problems
    terms = {row["id"]: row["code"] for row in data.rows["taxonomy_term"].values()}
    needs: dict[str, set[str]] = {}
    for attribute in data.rows["attribute"].values():
        needs.setdefault(attribute["link_id"], set()).add(terms[attribute["taxonomy_term_id"]])
    countries = {
        row["service_id"]: area_codes(row)[0][0] for row in data.rows["service_area"].values()
    }
    phones: dict[tuple[str, str], str] = {
        (row["service_id"], row["type"]): row["number"] for row in data.rows["phone"].values()
    }
    lines = []
    for service in data.rows["service"].values():
        country = countries[service["id"]]
        sms = phones.get((service["id"], "text"))
        lines.append(
            SeededLine(
                country=country,
                name=service["name"],
                needs=frozenset(needs.get(service["id"], ())),
                phone=dial(phones[(service["id"], "voice")], country),
                sms=dial(sms, country) if sms else None,
            )
        )
    return tuple(lines)


def lines_with(need: str) -> list[SeededLine]:
    return [line for line in seeded_lines() if need in line.needs]
