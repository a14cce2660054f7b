"""Finding resources: by country, place, need and language, ranked for a text message.

Ranking, in order: the person's own area (city or postal code, then region)
before country-wide services; open now (24/7 included) before closed; the
person's language before others. At most three results, the last of which is
the country's national help line whenever the country has one, so that a
person always leaves with a number that answers. Lines run by the police come
after every other line (:mod:`resources_db.line_facts`); a line run by the police
is the national line only where the country has no other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, literal, select

from common.text import normalize
from resources_db.line_facts import LineFacts, line_facts
from resources_db.models import (
    PhoneRow,
    ResourceIndexRow,
    ScheduleRow,
    ServiceAtLocationRow,
    ServiceRow,
    SourceRow,
)
from resources_db.places import city_key, postal_key, region_codes, region_names
from resources_db.schedules import Hours, open_now

MAX_RESULTS = 3
CANDIDATES = 50
"""Services per tier ranked by 24/7 and language in SQL; open-now is decided among these."""
MAX_PLACE_WORDS = 4
MAX_CACHED = 10_000
"""Ranked answers kept (each a few short resources): far more than a minute's questions."""
NATIONAL_HOTLINE = "hotline"
ASKED_ONLY = ("emergency", "child")
"""Needs found only when asked for: emergency numbers have their own reply, child lines
are offered to children, not among the services an adult looks through."""
# Tiers, best first. Local services elsewhere in the country are only offered when the
# person's place is unknown.
AREA, REGION, NATIONAL, ELSEWHERE = range(4)


@dataclass(frozen=True)
class Place:
    """Where a person is, as far as the directory can tell: any part may be empty."""

    country: str
    region: str = ""
    city: str = ""
    postal_code: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "country": self.country,
            "region": self.region,
            "city": self.city,
            "postal_code": self.postal_code,
        }


@dataclass(frozen=True)
class Query:
    country: str
    need: str | None = None
    place: Place | None = None
    language: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    country: str
    voice: str | None
    sms: str | None
    always_open: bool
    open_now: bool
    hours: tuple[Hours, ...]
    languages: tuple[str, ...]
    local: bool
    police: bool = False
    text_keyword: str | None = None
    """The word that opens a text conversation on ``sms`` ("START"), where one is needed."""


def police_last(resources: list[Resource]) -> list[Resource]:
    """The same resources, lines run by the police after all others, order otherwise kept."""
    return sorted(resources, key=lambda resource: resource.police)


class Directory:
    """Read-only access to the directory; safe to share between threads and requests."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._places: dict[str, tuple[datetime | None, dict[str, Place]]] = {}
        self._local_countries: tuple[datetime | None, list[str]] | None = None
        self._found: dict[tuple[Any, ...], tuple[datetime | None, list[Resource]]] = {}
        """Ranked answers by their question and minute, with the directory's version."""

    def search(self, query: Query, limit: int = MAX_RESULTS) -> list[Resource]:
        hotline = self.national_hotline(query.country, query.language, query.at)
        found = police_last(self._ranked(query, query.need, limit))[:limit]
        if hotline is None or any(item.id == hotline.id for item in found):
            return found
        return police_last([*found[: limit - 1], hotline])

    def national_hotline(
        self, country: str, language: str | None = None, at: datetime | None = None
    ) -> Resource | None:
        query = Query(country, NATIONAL_HOTLINE, None, language, at or datetime.now(UTC))
        found = police_last(self._ranked(query, NATIONAL_HOTLINE, 5, national_only=True))
        return found[0] if found else None

    def emergency_number(self, country: str | None) -> str | None:
        if not country:
            return None
        found = self._ranked(Query(country, "emergency"), "emergency", 1, national_only=True)
        return found[0].voice if found else None

    def has_local(self, country: str, need: str | None = None) -> bool:
        """Whether the directory knows services in a part of ``country`` (for ``need``)."""
        index = ResourceIndexRow
        query = select(index.id).where(
            index.country == country, (index.city != "") | (index.region != "")
        )
        if need:
            query = query.where(index.need == need)
        with self.engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def local_countries(self) -> list[str]:
        """The countries where the directory knows services in a part of the country."""
        index = ResourceIndexRow
        with self.engine.connect() as connection:
            version = self._version(connection)
            if self._local_countries and self._local_countries[0] == version:
                return self._local_countries[1]
            query = select(index.country).where((index.city != "") | (index.region != ""))
            countries = sorted(connection.scalars(query.distinct()))
        self._local_countries = (version, countries)
        return countries

    @staticmethod
    def _version(connection: Connection) -> datetime | None:
        """When the directory last changed: cached answers older than this are stale."""
        version: datetime | None = connection.scalar(select(func.max(SourceRow.imported_at)))
        return version

    def find_place(self, country: str, said: str) -> Place | None:
        """The region, city or postal code of ``country`` that ``said`` names, if any."""
        places = self._known_places(country)
        code = said.strip()
        if code.isupper() and normalize(code) in region_codes(country):
            # "TX" alone; lower-case "me" or "or" are words, not Maine or Oregon.
            return Place(country, region=region_codes(country)[normalize(code)])
        words = normalize(said).split()
        for size in range(min(MAX_PLACE_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                place = places.get(phrase) or places.get(postal_key(phrase))
                if place:
                    return place
        return None

    def _known_places(self, country: str) -> dict[str, Place]:
        with self.engine.connect() as connection:
            version = self._version(connection)
            cached = self._places.get(country)
            if cached and cached[0] == version:
                return cached[1]
            rows = connection.execute(
                select(ResourceIndexRow.region, ResourceIndexRow.city, ResourceIndexRow.postal_code)
                .where(ResourceIndexRow.country == country)
                .distinct()
            ).all()
        places: dict[str, Place] = {
            key: Place(country, region=code) for key, code in region_names(country).items()
        }
        for region, city, postal in rows:
            if city:  # a city before the region of the same name ("New York")
                places[city] = Place(country, region=region, city=city)
            if postal:
                places.setdefault(postal, Place(country, region, city, postal))
        self._places[country] = (version, places)
        return places

    def _ranked(
        self, query: Query, need: str | None, limit: int, national_only: bool = False
    ) -> list[Resource]:
        """The ranking below, cached: the same question in the same minute (open now is
        decided by the minute) of the same directory (``_version``) has the same answer,
        and the directory is asked the same few questions (a country's lines) all day."""
        minute = query.at.replace(second=0, microsecond=0)
        key = (query.country, need, query.place, query.language, minute, limit, national_only)
        with self.engine.connect() as connection:
            version = self._version(connection)
        cached = self._found.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        if len(self._found) >= MAX_CACHED:
            self._found.clear()  # old minutes go; the cache fills again within a minute
        found = self._rank(query, need, limit, national_only)
        self._found[key] = (version, found)
        return found

    def _rank(
        self, query: Query, need: str | None, limit: int, national_only: bool
    ) -> list[Resource]:
        """Tier by tier (city, region, country, elsewhere) until ``limit`` are found.

        A later tier always ranks below an earlier one, so the lookup stops as soon
        as the earlier tiers have enough; each tier is one indexed query.
        """
        found: list[Resource] = []
        seen: set[str] = set()
        for tier, area in self._tiers(query.place, national_only):
            candidates = [
                row
                for row in self._candidates(query, need, area, tier)
                if row.service_id not in seen
            ]
            seen.update(row.service_id for row in candidates)
            found += self._resources(query, candidates, tier)
            if len(found) >= limit:
                break
        return found

    def _tiers(
        self, place: Place | None, national_only: bool
    ) -> list[tuple[int, ColumnElement[bool] | None]]:
        index = ResourceIndexRow
        national = and_(index.region == "", index.city == "", index.postal_code == "")
        if national_only:
            return [(NATIONAL, national)]
        tiers: list[tuple[int, ColumnElement[bool] | None]] = []
        if place and place.postal_code:
            tiers.append((AREA, index.postal_code == postal_key(place.postal_code)))
        if place and place.city:
            tiers.append((AREA, index.city == city_key(place.city)))
        if place and place.region:
            tiers.append((REGION, index.region == place.region))
        tiers.append((NATIONAL, national))
        if not (place and (place.region or place.city or place.postal_code)):
            tiers.append((ELSEWHERE, None))  # local services anywhere, when the place is unknown
        return tiers

    def _candidates(
        self, query: Query, need: str | None, area: ColumnElement[bool] | None, tier: int
    ) -> list[Any]:
        index = ResourceIndexRow
        order: list[Any] = [index.always_open.desc()]
        if query.language and tier != ELSEWHERE:
            spoken = (literal(" ") + index.languages + literal(" ")).like(f"% {query.language} %")
            order.append(case((spoken, 0), else_=1))
        statement = (
            select(index.service_id, index.always_open, index.languages)
            .where(index.country == query.country)
            .where(index.need == need if need else index.need.not_in(ASKED_ONLY))
            .order_by(*order, index.service_id.desc())
            .limit(CANDIDATES)
        )
        if area is not None:
            statement = statement.where(area)
        with self.engine.connect() as connection:
            return list(connection.execute(statement))

    def _resources(self, query: Query, candidates: list[Any], tier: int) -> list[Resource]:
        """The candidates of one tier, open now first, then those speaking the language."""
        details = self._details([row.service_id for row in candidates])
        resources = []
        for row in candidates:
            service = details.get(row.service_id)
            if service is None:
                continue
            hours = service["hours"]
            languages = tuple(row.languages.split())
            resource = Resource(
                id=row.service_id,
                name=service["name"],
                country=query.country,
                voice=service["voice"],
                sms=service["sms"],
                always_open=bool(row.always_open),
                open_now=bool(row.always_open) or open_now(hours, query.at, query.country),
                hours=tuple(hours),
                languages=languages,
                local=tier < NATIONAL,
                police=service["facts"].police,
                text_keyword=service["facts"].text_keyword,
            )
            speaks = query.language in languages
            resources.append((not resource.open_now, not speaks, resource.name, resource))
        resources.sort(key=lambda item: item[:3])
        return [item[3] for item in resources]

    def _details(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        details: dict[str, dict[str, Any]] = {}
        phones: dict[str, dict[str, str]] = defaultdict(dict)
        hours: dict[str, list[Hours]] = defaultdict(list)
        with self.engine.connect() as connection:
            names = list(
                connection.execute(
                    select(ServiceRow.id, ServiceRow.name, ServiceRow.organization_id).where(
                        ServiceRow.id.in_(ids)
                    )
                )
            )
            facts = line_facts(connection, {row.id: row.organization_id for row in names})
            places = {
                row.id: row.service_id
                for row in connection.execute(
                    select(ServiceAtLocationRow.id, ServiceAtLocationRow.service_id).where(
                        ServiceAtLocationRow.service_id.in_(ids)
                    )
                )
            }
            owned_by = (ids, list(places))
            phone_columns = (
                PhoneRow.service_id,
                PhoneRow.service_at_location_id,
                PhoneRow.number,
                PhoneRow.type,
            )
            for phone in self._owned(connection, phone_columns, owned_by):
                owner = phone.service_id or places[phone.service_at_location_id]
                kind = "sms" if phone.type == "text" else "voice"
                if phone.type not in ("fax", "pager"):
                    phones[owner].setdefault(kind, phone.number)
            schedule_columns = (
                ScheduleRow.service_id,
                ScheduleRow.service_at_location_id,
                ScheduleRow.freq,
                ScheduleRow.byday,
                ScheduleRow.opens_at,
                ScheduleRow.closes_at,
                ScheduleRow.timezone,
            )
            for row in self._owned(connection, schedule_columns, owned_by):
                owner = row.service_id or places[row.service_at_location_id]
                hours[owner].append(Hours.from_row(row))
            for service_id, name, _organization in names:
                details[service_id] = {
                    "name": name,
                    "facts": facts.get(service_id, LineFacts()),
                    "voice": phones[service_id].get("voice"),
                    "sms": phones[service_id].get("sms"),
                    "hours": hours[service_id],
                }
        return details

    @staticmethod
    def _owned(
        connection: Connection, columns: tuple[Any, ...], owners: tuple[list[str], list[str]]
    ) -> list[Any]:
        """Rows owned by the services (``service_id``) or by their places."""
        services, places = owners
        service_column, place_column = columns[0], columns[1]
        rows = list(connection.execute(select(*columns).where(service_column.in_(services))))
        if places:
            rows += connection.execute(
                select(*columns).where(service_column.is_(None), place_column.in_(places))
            )
        return rows
