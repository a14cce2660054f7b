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
    police: bool
    text_keyword: str | None
    always_open: bool


@cache
def seeded_lines() -> tuple[SeededLine, ...]:
    data = clean(read_package(SEED_PACKAGE), {})
    assert not data.problems, data.problems
    terms = {row["id"]: row for row in data.rows["taxonomy_term"].values()}
    needs: dict[str, set[str]] = {}
    facts: dict[str, dict[str, str]] = {}
    for attribute in data.rows["attribute"].values():
        term = terms[attribute["taxonomy_term_id"]]
        if term["taxonomy"] == "haven_needs":
            needs.setdefault(attribute["link_id"], set()).add(term["code"])
        else:
            facts.setdefault(attribute["link_id"], {})[term["code"]] = attribute["value"] or ""
    open_always = {
        row["service_id"] for row in data.rows["schedule"].values() if row["opens_at"] == "00:00"
    }
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
                police="police" in facts.get(service["id"], {}),
                text_keyword=facts.get(service["id"], {}).get("text_keyword"),
                always_open=service["id"] in open_always,
            )
        )
    return tuple(lines)


def lines_with(need: str) -> list[SeededLine]:
    return [line for line in seeded_lines() if need in line.needs]


def national_line(country: str) -> SeededLine:
    """The line the directory gives as ``country``'s national line: not run by the police
    where the country has another, open around the clock before not, then by name."""
    hotlines = [line for line in lines_with("hotline") if line.country == country]
    return min(hotlines, key=lambda line: (line.police, not line.always_open, line.name))


def person_lines(country: str) -> list[SeededLine]:
    """The lines "talk to a person" may give for ``country``: police lines only if nothing else."""
    lines = [
        line
        for line in seeded_lines()
        if line.country == country and line.needs & {"hotline", "counselling"}
    ]
    return [line for line in lines if not line.police] or lines
