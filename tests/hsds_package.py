"""Writing small HSDS 3.0 data packages for tests: CSV files plus ``datapackage.json``.

``local_directory`` is a realistic small directory: a shelter in Houston (Texas),
a legal clinic in Dallas (Texas), a Spanish-speaking legal service in Austin
open on weekdays, and a New York food bank, each linked to Haven's needs taxonomy.
"""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resources_db.hsds import TABLES_BY_NAME, data_columns

NAMESPACE = uuid.UUID("0d7e2d2a-8f55-4c62-9b7b-0b1d6a4f7c11")


def uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


@dataclass
class Package:
    """Rows by HSDS table name; ``write`` lays them out as a tabular data package."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, **values: Any) -> str:
        values.setdefault("id", uid(table, str(len(self.rows.get(table, ())))))
        self.rows.setdefault(table, []).append(values)
        return str(values["id"])

    def service(
        self,
        name: str,
        *,
        needs: tuple[str, ...],
        phone: str,
        city: str | None = None,
        state: str = "",
        postal_code: str = "",
        country: str = "US",
        area: str | None = None,
        sms: str | None = None,
        languages: tuple[str, ...] = (),
        hours: tuple[str, str, str] | None = None,
        status: str = "active",
    ) -> str:
        """One organisation with one service, at an address or serving an area."""
        organization = self.add("organization", name=f"{name} Inc.", description=f"Runs {name}.")
        service = self.add("service", organization_id=organization, name=name, status=status)
        if city:
            location = self.add("location", location_type="physical", name=name)
            self.add(
                "address",
                location_id=location,
                address_1="1 Main Street",
                city=city,
                state_province=state,
                postal_code=postal_code,
                country=country,
                address_type="physical",
            )
            self.add("service_at_location", service_id=service, location_id=location)
        if area:
            self.add("service_area", service_id=service, extent=area, extent_type="text")
        self.add("phone", service_id=service, number=phone, type="voice")
        if sms:
            self.add("phone", service_id=service, number=sms, type="text")
        for code in languages:
            self.add("language", service_id=service, code=code)
        if hours:
            byday, opens, closes = hours
            self.add(
                "schedule",
                service_id=service,
                freq="WEEKLY",
                byday=byday,
                opens_at=opens,
                closes_at=closes,
                timezone="America/Chicago",
            )
        for need in needs:
            self.add(
                "attribute",
                link_id=service,
                link_entity="service",
                taxonomy_term_id=self.term(need),
            )
        return service

    def term(self, need: str) -> str:
        taxonomy = uid("taxonomy", "haven_needs")
        if not any(row["id"] == taxonomy for row in self.rows.get("taxonomy", ())):
            self.add("taxonomy", id=taxonomy, name="haven_needs", description="Haven needs")
        term = uid("term", need)
        if not any(row["id"] == term for row in self.rows.get("taxonomy_term", ())):
            self.add(
                "taxonomy_term",
                id=term,
                code=need,
                name=need,
                description=need,
                taxonomy_id=taxonomy,
            )
        return term

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        resources = []
        for name, rows in self.rows.items():
            table = TABLES_BY_NAME[name]
            columns = data_columns(table)
            with (folder / table.file).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({column: row.get(column, "") for column in columns})
            resources.append({"name": name, "path": table.file})
        descriptor = {"name": folder.name, "profile": "tabular-data-package"}
        descriptor["resources"] = resources  # type: ignore[assignment]
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        return folder


HOUSTON_SHELTER = "Bayou Safe House"
DALLAS_CLINIC = "Trinity Legal Clinic"
AUSTIN_LEGAL = "Centro Legal Austin"
NEW_YORK_FOOD = "Harbor Food Bank"


def local_directory() -> Package:
    package = Package()
    package.service(
        HOUSTON_SHELTER,
        needs=("shelter",),
        phone="+1 713 555 0101",
        city="Houston",
        state="TX",
        postal_code="77002",
        hours=("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
    )
    package.service(
        DALLAS_CLINIC,
        needs=("legal",),
        phone="+1 214 555 0102",
        city="Dallas",
        state="Texas",
        postal_code="75201",
    )
    package.service(
        AUSTIN_LEGAL,
        needs=("legal", "immigration"),
        phone="+1 512 555 0103",
        area="US-TX",
        languages=("es", "en"),
        hours=("MO,TU,WE,TH,FR", "09:00", "17:00"),
    )
    package.service(
        NEW_YORK_FOOD,
        needs=("food",),
        phone="+1 212 555 0104",
        city="New York",
        state="NY",
        postal_code="10001",
    )
    return package
