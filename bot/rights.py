"""Rights cards: legal basis, source and review date for each topic (texts are in the catalogs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

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
        return f"rights.card.{self.topic}"


class RightsCards:
    def __init__(self, cards: dict[tuple[str, str], RightsCard]) -> None:
        self.cards = cards

    @classmethod
    def load(cls, path: Path) -> RightsCards:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        cards = {
            (jurisdiction, topic): RightsCard(
                jurisdiction=jurisdiction,
                topic=topic,
                basis=item["basis"],
                source=item["source"],
                last_reviewed=item["last_reviewed"],
            )
            for jurisdiction, topics in spec.items()
            for topic, item in topics.items()
        }
        return cls(cards)

    def card(self, topic: str, jurisdiction: str | None = None) -> RightsCard | None:
        if jurisdiction and (jurisdiction, topic) in self.cards:
            return self.cards[(jurisdiction, topic)]
        return self.cards.get((FALLBACK_JURISDICTION, topic))
