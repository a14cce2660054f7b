"""What understanding a message yields, shaped like Rasa's ``/model/parse`` answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    engine: str = "embedded"


class Interpreter(Protocol):
    def parse(self, text: str) -> Parse: ...
