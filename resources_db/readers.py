"""Reading HSDS data: a tabular data package (CSV + ``datapackage.json``) or HSDS JSON.

Both give the same thing: for each HSDS table, its rows as plain values, each with
where it came from (``phones.csv row 3``, ``service_full.json [0].phones[1]``) so
that a bad row can be reported precisely. Nothing is checked here.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resources_db.hsds import TABLES_BY_NAME

PACKAGE_DESCRIPTOR = "datapackage.json"


class SourceError(ValueError):
    """The path is not HSDS data Haven can read at all."""


@dataclass(frozen=True)
class RawRow:
    where: str
    values: dict[str, Any]


@dataclass
class RawData:
    name: str
    """The default source name: the package folder's or the JSON file's name."""
    digest: str
    rows: dict[str, list[RawRow]] = field(default_factory=dict)
    ignored: Counter[str] = field(default_factory=Counter)
    """Rows of HSDS tables Haven does not use, by table."""

    def add(self, table: str, row: RawRow) -> None:
        self.rows.setdefault(table, []).append(row)


def read_source(path: Path) -> RawData:
    if path.is_dir():
        return read_package(path)
    if path.suffix == ".json":
        return read_json(path)
    raise SourceError(f"{path}: expected a folder with {PACKAGE_DESCRIPTOR} or a .json file")


def read_package(folder: Path) -> RawData:
    descriptor = folder / PACKAGE_DESCRIPTOR
    if not descriptor.is_file():
        raise SourceError(f"{folder}: no {PACKAGE_DESCRIPTOR}; not an HSDS data package")
    try:
        spec = json.loads(descriptor.read_text(encoding="utf-8"))
        resources = [(str(item["name"]), str(item["path"])) for item in spec["resources"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{descriptor}: not a readable data package ({exc})") from exc
    digest = hashlib.sha256()
    data = RawData(name=folder.resolve().name, digest="")
    for name, relative in sorted(resources):
        file = folder / relative
        if not file.is_file():
            continue
        content = file.read_bytes()
        digest.update(relative.encode() + b"\0" + content)
        rows = _csv_rows(file, content)
        if name not in TABLES_BY_NAME:
            data.ignored[name] += len(rows)
            continue
        for row in rows:
            data.add(name, row)
    data.digest = digest.hexdigest()
    return data


def _csv_rows(file: Path, content: bytes) -> list[RawRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{file.name}: not UTF-8 ({exc.reason})") from exc
    reader = csv.DictReader(text.splitlines(keepends=True))
    rows = []
    for values in reader:
        values.pop(None, None)  # cells beyond the header
        rows.append(RawRow(f"{file.name} row {reader.line_num}", dict(values)))
    return rows


# Nested HSDS JSON: where a key holds records of a table, and how a child
# record points at its parent (child field, or the parent's field for the child).
NESTED_TABLES = {
    "organization": "organization",
    "locations": "location",
    "location": "location",
    "service_at_locations": "service_at_location",
    "addresses": "address",
    "phones": "phone",
    "languages": "language",
    "schedules": "schedule",
    "service_areas": "service_area",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
    "contacts": "contact",
    "services": "service",
}
PARENT_FIELDS = {
    "service": "service_id",
    "location": "location_id",
    "organization": "organization_id",
    "contact": "contact_id",
    "service_at_location": "service_at_location_id",
    "phone": "phone_id",
}
# A record nested inside another that the parent refers to, not the other way round.
PARENT_REFERS = {
    ("service", "organization"): "organization_id",
    ("service_at_location", "location"): "location_id",
    ("attribute", "taxonomy_term"): "taxonomy_term_id",
    ("taxonomy_term", "taxonomy"): "taxonomy_id",
}


def read_json(file: Path) -> RawData:
    content = file.read_bytes()
    try:
        document = json.loads(content)
    except ValueError as exc:
        raise SourceError(f"{file.name}: not valid JSON ({exc})") from exc
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        document = document["contents"]  # an HSDS API page
    services = document if isinstance(document, list) else [document]
    data = RawData(name=file.stem, digest=hashlib.sha256(content).hexdigest())
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for index, service in enumerate(services):
        if not isinstance(service, dict):
            raise SourceError(f"{file.name} [{index}]: expected a service object")
        _flatten(data, seen, "service", service, f"{file.name} [{index}]", None)
    return data


def _flatten(
    data: RawData,
    seen: dict[tuple[str, str], dict[str, Any]],
    table: str,
    record: dict[str, Any],
    where: str,
    parent: tuple[str, dict[str, Any]] | None,
) -> None:
    values = {key: value for key, value in record.items() if not isinstance(value, dict | list)}
    if parent:
        parent_table, parent_values = parent
        refers = PARENT_REFERS.get((parent_table, table))
        link = PARENT_FIELDS.get(parent_table)
        if refers:
            if not parent_values.get(refers):
                parent_values[refers] = values.get("id")
        elif link and not values.get(link):
            values[link] = parent_values.get("id")
        if table == "attribute" and not values.get("link_id"):
            values["link_id"] = parent_values.get("id")
            values.setdefault("link_entity", parent_table)
    key = (table, str(values.get("id", where)))
    known = seen.get(key)
    if known is None:
        seen[key] = values
        if table in TABLES_BY_NAME:
            data.add(table, RawRow(where, values))
        else:
            data.ignored[table] += 1
    else:
        for name, value in values.items():
            if known.get(name) in (None, ""):
                known[name] = value
        values = known
    for name, child in record.items():
        child_table = NESTED_TABLES.get(name)
        if child_table is None:
            if isinstance(child, dict | list):
                data.ignored[name] += len(child) if isinstance(child, list) else 1
            continue
        children = child if isinstance(child, list) else [child]
        for position, item in enumerate(children):
            if isinstance(item, dict):
                label = (
                    f"{where}.{name}[{position}]" if isinstance(child, list) else f"{where}.{name}"
                )
                _flatten(data, seen, child_table, item, label, (table, values))
