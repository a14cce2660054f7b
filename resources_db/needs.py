"""What a person can ask the directory for, and how HSDS data says a service offers it.

HSDS links a service to taxonomy terms through ``attribute`` rows. Haven reads the
terms of its own taxonomy: a term whose ``taxonomy`` field or whose taxonomy's
``name`` is ``haven_needs`` and whose ``code`` is one of :data:`NEEDS`.

``child`` marks lines for children and young people (a national child helpline
such as 116 111): the conversation offers them to a person under 18.
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
    "child",
)
NEED_TAXONOMY = "haven_needs"
