"""Rights cards: per jurisdiction, the legal basis, source and review date of each topic.

The data lives in ``flows/rights/cards.yml`` so that a legal team can edit and
review it without touching code; each card's text is in the catalogs
(``rights.po``) under ``rights.card.<jurisdiction>.<topic>``, translated like every
other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common.yamlfile import read_yaml

FALLBACK_JURISDICTION = "international"


@dataclass(frozen=True)
class RightsCard:
    jurisdiction: str
    topic: str
    basis: str
    source: str
    last_reviewed: date

    @property
    def text_key(self) -> str:
        return f"rights.card.{self.jurisdiction}.{self.topic}"


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    countries: frozenset[str]


class RightsCards:
    def __init__(
        self, jurisdictions: dict[str, Jurisdiction], cards: dict[tuple[str, str], RightsCard]
    ) -> None:
        self.jurisdictions = jurisdictions
        self.cards = cards

    @classmethod
    def load(cls, path: Path) -> RightsCards:
        spec = read_yaml(path)["jurisdictions"]
        jurisdictions = {
            code: Jurisdiction(code, item["name"], frozenset(item.get("countries", ())))
            for code, item in spec.items()
        }
        cards = {
            (code, topic): RightsCard(
                jurisdiction=code,
                topic=topic,
                basis=card["basis"],
                source=card["source"],
                last_reviewed=card["last_reviewed"],
            )
            for code, item in spec.items()
            for topic, card in item["cards"].items()
        }
        return cls(jurisdictions, cards)

    def jurisdiction_of(self, country: str | None) -> str:
        """The jurisdiction whose law applies in ``country``; the international fallback."""
        for jurisdiction in self.jurisdictions.values():
            if country in jurisdiction.countries:
                return jurisdiction.code
        return FALLBACK_JURISDICTION

    def card(self, topic: str, country: str | None = None) -> RightsCard | None:
        jurisdiction = self.jurisdiction_of(country)
        found = self.cards.get((jurisdiction, topic))
        return found or self.cards.get((FALLBACK_JURISDICTION, topic))
