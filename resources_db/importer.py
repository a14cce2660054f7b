"""Importing HSDS data into the directory: idempotent, reporting bad rows, retiring the gone.

Every import belongs to a *source* (by default the package folder's or JSON
file's name). Importing the same data twice changes nothing; a changed record
is updated; a full import retires what the source no longer lists. Everything
is written in one transaction, so a failed import leaves the directory as it
was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update
from tqdm import tqdm

from resources_db.hsds import TABLES, data_columns
from resources_db.hsds import Table as HsdsTable
from resources_db.indexer import rebuild_index
from resources_db.models import SourceRow
from resources_db.readers import RawData, read_source
from resources_db.validate import CleanData, Problem, clean

CHUNK = 500
"""Ids per ``IN (…)`` query: far below every database's bound-parameter limit."""


@dataclass
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)


@dataclass
class ImportReport:
    source: str
    counts: dict[str, TableCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(counts.changed for counts in self.counts.values())

    def summary(self) -> list[str]:
        """What the import did, one line per table, for people and scripts alike."""
        lines = [f"source {self.source}"]
        for name, counts in self.counts.items():
            if counts.changed or counts.unchanged:
                lines.append(
                    f"{name}: {counts.added} added, {counts.updated} updated, "
                    f"{counts.unchanged} unchanged, {counts.retired} retired"
                )
        if self.ignored:
            tables = ", ".join(f"{name} ({count})" for name, count in sorted(self.ignored.items()))
            lines.append(f"not used by Haven: {tables}")
        lines.append(f"{len(self.problems)} bad rows")
        lines.append("changes written" if self.changed else "no changes")
        return lines


def import_path(
    engine: Engine,
    path: Path,
    source: str | None = None,
    *,
    full: bool = True,
    progress: bool = False,
) -> ImportReport:
    raw = read_source(path)
    return import_data(engine, raw, source or raw.name, full=full, progress=progress)


def import_data(
    engine: Engine, raw: RawData, source: str, *, full: bool = True, progress: bool = False
) -> ImportReport:
    report = ImportReport(source=source, ignored=raw.ignored)
    total = sum(len(rows) for rows in raw.rows.values())
    with engine.begin() as connection:
        known = {table.name: _existing_ids(connection, table, raw, source) for table in TABLES}
        bar = tqdm(total=total * 2, unit="row", disable=not progress, leave=False)
        with bar:
            data = clean(raw, known, _ticks(bar, total))
            report.problems = data.problems
            writing = _ticks(bar, total)
            for table in TABLES:
                report.counts[table.name] = _write_table(
                    connection, table, data, source, full, writing
                )
        if report.changed:
            rebuild_index(connection)
        _remember_source(connection, source, raw.digest)
    return report


def _ticks(bar: tqdm[Any], total: int) -> Iterator[None]:
    for _ in range(total):
        bar.update(1)
        yield None


def _existing_ids(connection: Connection, table: HsdsTable, raw: RawData, source: str) -> set[str]:
    columns = _columns(table)
    ids = [str(row.values.get("id") or "").strip() for row in raw.rows.get(table.name, ())]
    found = set(connection.scalars(select(columns.c.id).where(columns.c.source == source)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(connection.scalars(select(columns.c.id).where(columns.c.id.in_(chunk))))
    return found


def _columns(table: HsdsTable) -> Table:
    result: Table = table.model.__table__  # type: ignore[assignment]
    return result


def _write_table(
    connection: Connection,
    table: HsdsTable,
    data: CleanData,
    source: str,
    full: bool,
    ticks: Iterator[None],
) -> TableCounts:
    columns = _columns(table)
    names = [*data_columns(table), "source"]
    if "region_code" in columns.c:
        names.append("region_code")
    retirable = table.retire
    selected = [columns.c[name] for name in names]
    if retirable:
        selected.append(columns.c.retired_at)
    rows = data.rows[table.name]
    existing: dict[str, tuple[Any, ...]] = {}
    ids = list(rows)
    for start in range(0, len(ids), CHUNK):
        query = select(*selected).where(columns.c.id.in_(ids[start : start + CHUNK]))
        existing.update({found.id: tuple(found) for found in connection.execute(query)})
    counts = TableCounts()
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row_id, row in rows.items():
        next(ticks, None)
        values = {name: row.get(name) for name in names if name != "source"}
        values["source"] = source
        wanted = tuple(values[name] for name in names) + ((None,) if retirable else ())
        before = existing.get(row_id)
        if before is None:
            added.append(values)
        elif before != wanted:
            changed.append(
                {**values, "row_id": row_id, **({"retired_at": None} if retirable else {})}
            )
        else:
            counts.unchanged += 1
    if added:
        connection.execute(insert(columns), added)
    if changed:
        statement = update(columns).where(columns.c.id == bindparam("row_id"))
        connection.execute(statement, changed)
    counts.added, counts.updated = len(added), len(changed)
    if full:
        counts.retired = _retire_missing(connection, table, source, set(rows))
    return counts


def _retire_missing(connection: Connection, table: HsdsTable, source: str, listed: set[str]) -> int:
    columns = _columns(table)
    query = select(columns.c.id).where(columns.c.source == source)
    if table.retire:
        query = query.where(columns.c.retired_at.is_(None))
    gone = [row_id for row_id in connection.scalars(query) if row_id not in listed]
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start : start + CHUNK]
        if table.retire:
            connection.execute(
                update(columns).where(columns.c.id.in_(chunk)).values(retired_at=datetime.now(UTC))
            )
        else:
            connection.execute(delete(columns).where(columns.c.id.in_(chunk)))
    return len(gone)


def _remember_source(connection: Connection, source: str, digest: str) -> None:
    now = datetime.now(UTC)
    known = connection.execute(select(SourceRow.name).where(SourceRow.name == source))
    if known.first() is None:
        connection.execute(insert(SourceRow).values(name=source, digest=digest, imported_at=now))
    else:
        connection.execute(
            update(SourceRow).where(SourceRow.name == source).values(digest=digest, imported_at=now)
        )


def source_digest(engine: Engine, source: str) -> str | None:
    with engine.connect() as connection:
        found = connection.execute(select(SourceRow.digest).where(SourceRow.name == source))
        return found.scalar_one_or_none()
