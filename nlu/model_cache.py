"""Models trained from ``nlu/data`` are cached on disk under a digest of what made them.

The digest covers the training files, the code that turns them into a model (this
package and the text folding it uses) and the scikit-learn version that pickled it,
so a cache that outlives a change (a developer's, or the tests' shared one) never
serves a model that the current code would not train.

Processes that miss the cache at the same moment (server workers, test workers) train
once: the first takes a lock, the others wait for it and then load its file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import joblib
import sklearn

from common import text
from nlu.training_data import fingerprint

TRAINING_CODE = (*sorted(Path(__file__).parent.glob("*.py")), Path(text.__file__))
"""The sources whose change can change a trained model: every such change retrains."""


def cached_model(
    name: str, files: list[Path], cache_dir: Path, train: Callable[[], Any]
) -> tuple[Any, Path]:
    """The model for these files: loaded from the cache, or trained and stored there."""
    path = cache_dir / f"{name}-{fingerprint(files)}-{_code_digest()}.joblib"
    if path.exists():
        return joblib.load(path), path
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _lock(cache_dir / f".{name}.lock"):
        if path.exists():  # trained by whoever held the lock before us
            return joblib.load(path), path
        model = train()
        fd, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        os.close(fd)
        joblib.dump(model, temporary)
        os.replace(temporary, path)  # a reader without the lock never sees half a file
    return model, path


def _code_digest() -> str:
    digest = hashlib.sha256(sklearn.__version__.encode())
    for source in TRAINING_CODE:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:8]


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes, released when the block ends (or the process dies)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
