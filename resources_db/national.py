"""National emergency numbers and hotlines from the shipped seed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SEED = Path(__file__).resolve().parent / "seed" / "national_lines.yml"

# Shown when the country is unknown: the numbers that cover most people who text.
GENERAL_EMERGENCY_NUMBERS = ("911", "112", "999")


@dataclass(frozen=True)
class Hotline:
    country: str
    name: str
    phone: str
    sms: str | None
    always_open: bool
    source: str


@dataclass(frozen=True)
class NationalLines:
    emergency: dict[str, str]
    hotlines: tuple[Hotline, ...]

    def emergency_number(self, country: str | None) -> str | None:
        return self.emergency.get(country) if country else None

    def hotlines_for(self, country: str | None) -> list[Hotline]:
        return [line for line in self.hotlines if line.country == country]


@lru_cache(maxsize=1)
def national_lines(path: Path = SEED) -> NationalLines:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    hotlines = tuple(
        Hotline(
            country=item["country"],
            name=item["name"],
            phone=item["phone"],
            sms=item.get("sms"),
            always_open=bool(item.get("always_open", False)),
            source=item["source"],
        )
        for item in spec["hotlines"]
    )
    return NationalLines(emergency=dict(spec["emergency_numbers"]["numbers"]), hotlines=hotlines)
