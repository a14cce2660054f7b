"""What a person can ask the directory for, and how HSDS data says a service offers it.

HSDS links a service to taxonomy terms through ``attribute`` rows. Haven reads the
terms of its own taxonomy: a term whose ``taxonomy`` field or whose taxonomy's
``name`` is ``haven_needs`` and whose ``code`` is one of :data:`NEEDS`.
"""

from __future__ import annotations

NEEDS = (
    "shelter",
    "legal",
    "medical",
    "counselling",
    "food",
    "immigration",
    "labour",
    "hotline",
    "emergency",
)
NEED_TAXONOMY = "haven_needs"
