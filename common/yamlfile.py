"""Reading YAML data files with libyaml's C parser where it is installed.

Flows, safety words, rights cards and training data are read at every start;
the C parser reads them several times faster than the pure-Python one, and
both are the safe loader (no Python objects from the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 (a safe loader)


def read_yaml(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"))
