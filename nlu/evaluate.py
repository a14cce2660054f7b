"""Evaluation in the manner of ``rasa test nlu``: accuracy, macro-F1, a per-intent table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from nlu.result import Interpreter
from nlu.training_data import Example


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    accuracy: float
    macro_f1: float
    n: int
    per_intent: dict[str, IntentScore]
    errors: list[tuple[str, str, str]]
    """(text, expected, predicted) for every miss."""

    def as_json(self) -> dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "n": self.n,
            "per_intent": {
                intent: {
                    "precision": round(score.precision, 4),
                    "recall": round(score.recall, 4),
                    "f1": round(score.f1, 4),
                    "support": score.support,
                }
                for intent, score in self.per_intent.items()
            },
        }

    def as_table(self) -> str:
        lines = [
            f"accuracy  {self.accuracy:.3f}",
            f"macro-F1  {self.macro_f1:.3f}",
            f"n         {self.n}",
            "",
            f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}",
        ]
        for intent, score in self.per_intent.items():
            lines.append(
                f"{intent:<20} {score.precision:>9.3f} {score.recall:>7.3f} "
                f"{score.f1:>6.3f} {score.support:>8d}"
            )
        return "\n".join(lines)


def evaluate(interpreter: Interpreter, examples: list[Example]) -> Report:
    if not examples:
        raise ValueError("no examples to evaluate")
    expected = [example.intent for example in examples]
    predicted = [interpreter.parse(example.text).intent for example in examples]
    intents = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=intents, zero_division=0
    )
    return Report(
        accuracy=float(accuracy_score(expected, predicted)),
        macro_f1=float(
            f1_score(expected, predicted, labels=intents, average="macro", zero_division=0)
        ),
        n=len(examples),
        per_intent={
            intent: IntentScore(float(p), float(r), float(f), int(s))
            for intent, p, r, f, s in zip(intents, precision, recall, f1, support, strict=True)
        },
        errors=[
            (example.text, want, got)
            for example, want, got in zip(examples, expected, predicted, strict=True)
            if want != got
        ],
    )
