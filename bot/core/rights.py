"""Rights cards: per jurisdiction, the legal basis, source and review date of each topic.

The data lives in ``flows/rights/cards.yml`` so that a legal team can edit and
review it without touching code; each card's texts are in the catalogs
(``rights.po``), translated like every other text: its summary under
``rights.summary.<jurisdiction>.<topic>``, the first reply, which fits three SMS
segments and holds no citation or link; and its full text under
``rights.card.<jurisdiction>.<topic>``, shown on request with the legal basis and
source (``card_details``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.core.catalog import Catalogs
from common.yamlfile import read_yaml

FALLBACK_JURISDICTION = "international"
LAW_KEY = "rights.law"
"""The legal basis and source as written, introduced in the person's language."""
DISCLAIMER_KEY = "rights.disclaimer"


@dataclass(frozen=True)
class RightsCard:
    jurisdiction: str
    topic: str
    basis: str
    source: str
    last_reviewed: date

    @property
    def summary_key(self) -> str:
        return f"rights.summary.{self.jurisdiction}.{self.topic}"

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


def card_details(card: RightsCard, catalogs: Catalogs, language: str) -> str:
    """A card in full, on request: its text, its legal basis and source, the disclaimer.

    The basis and the source link stay as written (a lawyer looks them up as they
    are) and share one line that opens with a plain introduction in the person's
    language: a lock screen shows the first words of each SMS, and a citation
    ("Modern Slavery Act 2015...", ".../human-trafficking") must never be them. The
    SMS channel keeps a line that holds a number (here the review date) whole rather
    than cutting it after "s." or "art."; tests/test_rights_cards.py checks every SMS.
    """
    law = catalogs.text(
        language,
        LAW_KEY,
        basis=card.basis,
        url=card.source,
        date=card.last_reviewed.isoformat(),
    )
    return "\n".join(
        (catalogs.text(language, card.text_key), law, catalogs.text(language, DISCLAIMER_KEY))
    )
