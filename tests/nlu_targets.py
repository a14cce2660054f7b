"""The understanding targets of the project, shared by the tests of both engines."""

from __future__ import annotations

from pathlib import Path

HELDOUT = Path(__file__).resolve().parent.parent / "nlu" / "heldout"
ACCURACY_TARGET = 0.90


def heldout_languages() -> list[str]:
    return sorted(path.stem for path in HELDOUT.glob("*.yml"))
