"""The shipped seed: national emergency numbers and help lines, as an HSDS package.

Loaded by the ordinary importer whenever the package differs from what the
database last imported under :data:`SEED_SOURCE`, so a new release's seed
reaches a running deployment on its next start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from resources_db.importer import ImportReport, import_data, source_digest
from resources_db.readers import read_package

SEED_PACKAGE = Path(__file__).resolve().parent / "seed" / "hsds"
SEED_SOURCE = "haven-seed"

log = logging.getLogger(__name__)


def load_seed(engine: Engine, package: Path = SEED_PACKAGE) -> ImportReport | None:
    """Import the seed if it changed; None when the database already holds it."""
    raw = read_package(package)
    if source_digest(engine, SEED_SOURCE) == raw.digest:
        return None
    try:
        report = import_data(engine, raw, SEED_SOURCE)
    except IntegrityError:
        # Another worker imported it at the same moment; its import stands.
        log.info("event=seed_loaded_elsewhere")
        return None
    log.info("event=seed_loaded bad_rows=%d", len(report.problems))
    return report
