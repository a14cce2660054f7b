"""The HSDS 3.0 tables Haven reads: file names, required fields, enumerations.

Taken from the specification's ``datapackage.json``; tables Haven does not use
(contacts, funding, cost options, accessibility…) are read past and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from resources_db.models import (
    AddressRow,
    AttributeRow,
    DirectoryBase,
    LanguageRow,
    LocationRow,
    OrganizationRow,
    PhoneRow,
    ScheduleRow,
    ServiceAreaRow,
    ServiceAtLocationRow,
    ServiceRow,
    TaxonomyRow,
    TaxonomyTermRow,
)

PHONE_TYPES = frozenset({"text", "voice", "fax", "cell", "video", "pager", "textphone"})
"""HSDS phone types; ``text`` is a number that takes SMS."""


@dataclass(frozen=True)
class Table:
    name: str
    """The resource name in ``datapackage.json`` (``service_at_location``)."""
    file: str
    model: type[DirectoryBase]
    required: tuple[str, ...] = ("id",)
    enums: dict[str, frozenset[str]] = field(default_factory=dict)
    retire: bool = False
    """Retire rows a full re-import no longer lists, instead of deleting them."""


TABLES = (
    Table(
        "organization",
        "organizations.csv",
        OrganizationRow,
        ("id", "name", "description"),
        retire=True,
    ),
    Table(
        "service",
        "services.csv",
        ServiceRow,
        ("id", "organization_id", "name", "status"),
        {"status": frozenset({"active", "inactive", "defunct", "temporarily closed"})},
        retire=True,
    ),
    Table(
        "location",
        "locations.csv",
        LocationRow,
        ("id", "location_type"),
        {"location_type": frozenset({"physical", "postal", "virtual"})},
        retire=True,
    ),
    Table(
        "service_at_location",
        "service_at_location.csv",
        ServiceAtLocationRow,
        ("id", "service_id", "location_id"),
    ),
    Table(
        "address",
        "addresses.csv",
        AddressRow,
        ("id", "address_1", "city", "state_province", "postal_code", "country", "address_type"),
        {"address_type": frozenset({"physical", "postal", "virtual"})},
    ),
    Table("phone", "phones.csv", PhoneRow, ("id", "number"), {"type": PHONE_TYPES}),
    Table("language", "languages.csv", LanguageRow),
    Table(
        "schedule",
        "schedules.csv",
        ScheduleRow,
        enums={"freq": frozenset({"WEEKLY", "MONTHLY"})},
    ),
    Table("service_area", "service_areas.csv", ServiceAreaRow),
    Table("taxonomy", "taxonomies.csv", TaxonomyRow, ("id", "name", "description")),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        TaxonomyTermRow,
        ("id", "name", "description"),
    ),
    Table(
        "attribute",
        "attributes.csv",
        AttributeRow,
        ("id", "link_id", "taxonomy_term_id", "link_entity"),
    ),
)
TABLES_BY_NAME = {table.name: table for table in TABLES}
HAVEN_COLUMNS = frozenset({"source", "retired_at", "region_code"})
"""Columns Haven fills itself; they are never read from the data."""


def data_columns(table: Table) -> list[str]:
    """The table's HSDS columns, in the model's order."""
    return [
        column.name for column in table.model.__table__.columns if column.name not in HAVEN_COLUMNS
    ]
