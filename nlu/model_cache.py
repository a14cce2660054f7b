"""Models trained from ``nlu/data`` are cached on disk under a digest of the data."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib

from nlu.training_data import fingerprint


def cached_model(
    name: str, files: list[Path], cache_dir: Path, train: Callable[[], Any]
) -> tuple[Any, Path]:
    """The model for these files: loaded from the cache, or trained and stored there."""
    path = cache_dir / f"{name}-{fingerprint(files)}.joblib"
    if path.exists():
        return joblib.load(path), path
    model = train()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    joblib.dump(model, temporary)
    os.replace(temporary, path)  # a concurrent reader never sees half a file
    return model, path
