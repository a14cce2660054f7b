"""Checking and normalising HSDS rows before they are written.

A row with a missing required field, an unknown enumeration value, a number that
is not a phone number or a reference to a record that does not exist is
reported with where it came from and why, and left out; every other row goes on.
Phone numbers become E.164 (short codes such as ``911`` stay as digits), country
codes upper case, language codes ISO 639-1 where one exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

import phonenumbers
import pycountry
from sqlalchemy import Float, Integer

from resources_db.hsds import TABLES, Table, data_columns
from resources_db.places import ISO_AREA, is_country, region_code
from resources_db.readers import RawData, RawRow

Row = dict[str, Any]
TIME = re.compile(r"^([01]?\d|2[0-4]):[0-5]\d(:[0-5]\d)?$")
SHORT_CODE_DIGITS = (3, 6)
LANGUAGE_ALIASES = {"fil": "tl"}
"""Filipino is written with Tagalog's code in Haven's catalogs."""


@dataclass(frozen=True)
class Problem:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class RowError(ValueError):
    pass


@dataclass
class CleanData:
    """Rows that passed, by table and id, and what was wrong with the others."""

    rows: dict[str, dict[str, Row]]
    problems: list[Problem]


def clean(raw: RawData, known_ids: dict[str, set[str]], progress: Iterable[None] = ()) -> CleanData:
    """Check every row of ``raw``; ``known_ids`` are ids already in the database, by table."""
    ticks: Iterator[None] = iter(progress)
    rows: dict[str, dict[str, Row]] = {table.name: {} for table in TABLES}
    where: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for table in TABLES:
        for raw_row in raw.rows.get(table.name, ()):
            next(ticks, None)
            try:
                row = _typed(table, raw_row)
            except RowError as exc:
                problems.append(Problem(raw_row.where, str(exc)))
                continue
            first = where.setdefault((table.name, row["id"]), raw_row.where)
            if first != raw_row.where:
                problems.append(Problem(raw_row.where, f"id {row['id']} repeats {first}"))
                continue
            rows[table.name][row["id"]] = row
    checked = CleanData(rows, problems)
    _check_references(checked, where, known_ids)
    _check_phones(checked, where)
    return checked


def _typed(table: Table, raw_row: RawRow) -> Row:
    columns = {column.name: column for column in table.model.__table__.columns}
    row: Row = {}
    for name in data_columns(table):
        value = raw_row.values.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            row[name] = None
            continue
        kind = columns[name].type
        try:
            if isinstance(kind, Integer):
                row[name] = int(float(text))
            elif isinstance(kind, Float):
                row[name] = float(text)
            else:
                row[name] = text
        except ValueError:
            raise RowError(f"{name} {text!r} is not a number") from None
    missing = [name for name in table.required if row.get(name) is None]
    if missing:
        raise RowError(f"missing required {', '.join(missing)}")
    for name, allowed in table.enums.items():
        value = row.get(name)
        if value is None:
            continue
        canonical = {option.casefold(): option for option in allowed}.get(value.casefold())
        if canonical is None:
            raise RowError(f"{name} {value!r} is not one of {', '.join(sorted(allowed))}")
        row[name] = canonical
    _normalise(table.name, row)
    return row


def _normalise(table: str, row: Row) -> None:
    if table == "address":
        country = row["country"].upper()
        if not is_country(country):
            raise RowError(f"country {row['country']!r} is not an ISO 3166-1 alpha-2 code")
        row["country"] = country
        row["region_code"] = region_code(country, row["state_province"]) or region_code(
            country, row.get("region")
        )
    elif table == "language":
        row["code"] = language_code(row.get("code"), row.get("name"))
    elif table == "schedule":
        for name in ("opens_at", "closes_at"):
            if row.get(name) and not TIME.match(row[name]):
                raise RowError(f"{name} {row[name]!r} is not a time (HH:MM)")
        zone = row.get("timezone")
        if zone and not (_is_offset(zone) or zone in _zones()):
            raise RowError(f"timezone {zone!r} is neither an IANA zone nor a UTC offset")


def language_code(code: str | None, name: str | None) -> str | None:
    """ISO 639-1 where one exists (``eng``, ``en-US`` → ``en``), else the code as given."""
    if code:
        base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
        if base in LANGUAGE_ALIASES:
            return LANGUAGE_ALIASES[base]
        if len(base) == 3:
            found = pycountry.languages.get(alpha_3=base) or pycountry.languages.get(
                bibliographic=base
            )
            return str(getattr(found, "alpha_2", base)) if found else base
        return base
    if name:
        try:
            found = pycountry.languages.lookup(name.strip())
        except LookupError:
            return None
        return str(getattr(found, "alpha_2", found.alpha_3))
    return None


def _is_offset(zone: str) -> bool:
    try:
        return -14 <= float(zone) <= 14
    except ValueError:
        return False


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


# A table's field that must name an existing record of another table.
REFERENCES = (
    ("service", "organization_id", "organization"),
    ("service_at_location", "service_id", "service"),
    ("service_at_location", "location_id", "location"),
)


def _check_references(
    data: CleanData, where: dict[tuple[str, str], str], known_ids: dict[str, set[str]]
) -> None:
    for table, field, target in REFERENCES:
        for row_id, row in list(data.rows[table].items()):
            value = row[field]
            if value in data.rows[target] or value in known_ids.get(target, ()):
                continue
            del data.rows[table][row_id]
            reason = f"{field} {value} names no {target} in the data"
            data.problems.append(Problem(where[(table, row_id)], reason))


def countries_served(data: CleanData) -> tuple[dict[str, str], dict[str, str]]:
    """The country of each location (from its address) and of each service."""
    locations = {
        row["location_id"]: row["country"]
        for row in data.rows["address"].values()
        if row.get("location_id")
    }
    services: dict[str, str] = {}
    for row in data.rows["service_area"].values():
        for country, _ in area_codes(row):
            services.setdefault(row["service_id"], country)
    for row in data.rows["service_at_location"].values():
        located = locations.get(row["location_id"])
        if located:
            services.setdefault(row["service_id"], located)
    return locations, services


def area_codes(row: Row) -> list[tuple[str, str]]:
    """(country, ISO 3166-2 region or "") named by a service area's text extent."""
    if (row.get("extent_type") or "").lower() != "text" or not row.get("extent"):
        return []
    codes = [part.strip() for part in row["extent"].split(",")]
    matches = [ISO_AREA.match(code) for code in codes]
    if not all(matches) or not row.get("service_id"):
        return []
    return [
        (match.group(1), match.group(0) if match.group(2) else "")
        for match in matches
        if match and is_country(match.group(1))
    ]


def _check_phones(data: CleanData, where: dict[tuple[str, str], str]) -> None:
    locations, services = countries_served(data)
    places = {
        row_id: locations.get(row["location_id"])
        for row_id, row in data.rows["service_at_location"].items()
    }
    for row_id, row in list(data.rows["phone"].items()):
        country = (
            services.get(row.get("service_id") or "")
            or locations.get(row.get("location_id") or "")
            or places.get(row.get("service_at_location_id") or "")
        )
        try:
            row["number"] = phone_number(row["number"], country)
        except RowError as exc:
            del data.rows["phone"][row_id]
            data.problems.append(Problem(where[("phone", row_id)], str(exc)))


def phone_number(text: str, country: str | None) -> str:
    """E.164 for a full number, the digits of a valid short code, else :class:`RowError`."""
    written = text.strip().strip("\"'").strip()
    try:
        number = phonenumbers.parse(written, None if written.startswith("+") else country)
    except phonenumbers.NumberParseException:
        if country is None:
            raise RowError(
                f"number {written!r}: write it in E.164 (+…) or give the service a country"
            ) from None
        raise RowError(f"number {written!r} is not a phone number") from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"[\s-]", "", written)
    if country and digits.isdigit() and SHORT_CODE_DIGITS[0] <= len(digits) <= SHORT_CODE_DIGITS[1]:
        # libphonenumber's short-code data misses many real lines (NG 627, PH 1343),
        # so any 3 to 6 digits with a known country are kept as a short code.
        return digits
    raise RowError(f"number {written!r} is not a valid phone number for {country or 'its code'}")
