"""Deriving ``resource_index`` from the HSDS tables after an import.

A service is findable when it is active, not retired, and serves somewhere:
service areas whose text extent names ISO 3166 codes (``US``, ``US-TX``), or the
addresses of its locations. Its needs come from attributes that link it to a
term of Haven's needs taxonomy; 24/7 from its schedules; SMS from a phone of
type ``text``; languages from its own, its phones' and its locations' rows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from resources_db.models import (
    AddressRow,
    AttributeRow,
    LanguageRow,
    LocationRow,
    PhoneRow,
    ResourceIndexRow,
    ScheduleRow,
    ServiceAreaRow,
    ServiceAtLocationRow,
    ServiceRow,
)
from resources_db.needs import NEED_TAXONOMY, NEEDS
from resources_db.places import city_key, postal_key
from resources_db.schedules import Hours, always_open
from resources_db.terms import terms_of
from resources_db.validate import area_codes

Area = tuple[str, str, str, str]
"""(country, region, city, postal code), normalised; empty parts mean "all of it"."""
MAX_LANGUAGES = 200


def rebuild_index(connection: Connection) -> int:
    """Replace the whole index; returns how many rows it now has."""
    services = list(
        connection.scalars(
            select(ServiceRow.id).where(
                ServiceRow.retired_at.is_(None), ServiceRow.status == "active"
            )
        )
    )
    needs = _needs(connection)
    areas = _areas(connection)
    hours = _hours(connection)
    sms, languages = _phones_and_languages(connection)
    rows: list[dict[str, Any]] = []
    for service in services:
        joined = " ".join(sorted(languages.get(service, ())))[:MAX_LANGUAGES]
        for area in sorted(areas.get(service, ())):
            for need in sorted(needs.get(service, ())) or [""]:
                rows.append(
                    {
                        "service_id": service,
                        "need": need,
                        "country": area[0],
                        "region": area[1],
                        "city": area[2],
                        "postal_code": area[3],
                        "always_open": always_open(hours.get(service, [])),
                        "takes_sms": service in sms,
                        "languages": joined,
                    }
                )
    connection.execute(delete(ResourceIndexRow))
    if rows:
        connection.execute(insert(ResourceIndexRow), rows)
    # Fresh statistics let the planner pick the narrowest index for each lookup
    # (the region's, not the whole country's); both SQLite and PostgreSQL take this.
    connection.execute(text(f"ANALYZE {ResourceIndexRow.__tablename__}"))
    return len(rows)


def _needs(connection: Connection) -> dict[str, set[str]]:
    terms = terms_of(connection, NEED_TAXONOMY, NEEDS)
    needs: dict[str, set[str]] = defaultdict(set)
    for attribute in connection.execute(
        select(AttributeRow.link_id, AttributeRow.taxonomy_term_id, AttributeRow.link_entity)
    ):
        need = terms.get(attribute.taxonomy_term_id)
        if need and attribute.link_entity.strip().casefold() == "service":
            needs[attribute.link_id].add(need)
    return needs


def _areas(connection: Connection) -> dict[str, set[Area]]:
    areas: dict[str, set[Area]] = defaultdict(set)
    for area in connection.execute(
        select(ServiceAreaRow.service_id, ServiceAreaRow.extent, ServiceAreaRow.extent_type)
    ):
        for country, region in area_codes(dict(area._mapping)):
            areas[area.service_id].add((country, region, "", ""))
    addresses: dict[str, set[Area]] = defaultdict(set)
    for address in connection.execute(
        select(
            AddressRow.location_id,
            AddressRow.country,
            AddressRow.region_code,
            AddressRow.city,
            AddressRow.postal_code,
        )
    ):
        if address.location_id:
            addresses[address.location_id].add(
                (
                    address.country,
                    address.region_code or "",
                    city_key(address.city),
                    postal_key(address.postal_code),
                )
            )
    live = set(connection.scalars(select(LocationRow.id).where(LocationRow.retired_at.is_(None))))
    for link in connection.execute(
        select(ServiceAtLocationRow.service_id, ServiceAtLocationRow.location_id)
    ):
        if link.location_id in live:
            areas[link.service_id] |= addresses.get(link.location_id, set())
    return areas


def _service_of_place(connection: Connection) -> dict[str, str]:
    return {
        link.id: link.service_id
        for link in connection.execute(
            select(ServiceAtLocationRow.id, ServiceAtLocationRow.service_id)
        )
    }


def _hours(connection: Connection) -> dict[str, list[Hours]]:
    places = _service_of_place(connection)
    hours: dict[str, list[Hours]] = defaultdict(list)
    for row in connection.execute(
        select(
            ScheduleRow.service_id,
            ScheduleRow.service_at_location_id,
            ScheduleRow.freq,
            ScheduleRow.byday,
            ScheduleRow.opens_at,
            ScheduleRow.closes_at,
            ScheduleRow.timezone,
        )
    ):
        service = row.service_id or places.get(row.service_at_location_id or "")
        if service:
            hours[service].append(Hours.from_row(row))
    return hours


def _phones_and_languages(connection: Connection) -> tuple[set[str], dict[str, set[str]]]:
    places = _service_of_place(connection)
    phones: dict[str, str] = {}
    sms: set[str] = set()
    for phone in connection.execute(
        select(PhoneRow.id, PhoneRow.service_id, PhoneRow.service_at_location_id, PhoneRow.type)
    ):
        service = phone.service_id or places.get(phone.service_at_location_id or "")
        if service:
            phones[phone.id] = service
            if phone.type == "text":
                sms.add(service)
    locations: dict[str, set[str]] = defaultdict(set)
    for link in connection.execute(
        select(ServiceAtLocationRow.service_id, ServiceAtLocationRow.location_id)
    ):
        locations[link.location_id].add(link.service_id)
    languages: dict[str, set[str]] = defaultdict(set)
    for language in connection.execute(
        select(
            LanguageRow.service_id, LanguageRow.phone_id, LanguageRow.location_id, LanguageRow.code
        )
    ):
        if not language.code:
            continue
        services = {language.service_id} if language.service_id else set()
        if language.phone_id in phones:
            services.add(phones[language.phone_id])
        if not services and language.location_id:
            services = locations.get(language.location_id, set())
        for service in services:
            languages[service].add(language.code)
    return sms, languages
