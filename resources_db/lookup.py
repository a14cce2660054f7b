"""Finding resources: by country, place, need and language, ranked for a text message.

Ranking, in order: the person's own area (city or postal code, then region)
before country-wide services; open now (24/7 included) before closed; the
person's language before others. At most three results, the last of which is
the country's national help line whenever the country has one, so that a
person always leaves with a number that answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, or_, select

from bot.text import normalize
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
"""Services ranked by area, 24/7 and language in SQL; open-now is decided among these."""
MAX_PLACE_WORDS = 4
NATIONAL_HOTLINE = "hotline"
ELSEWHERE = 3
"""The tier of a local service in another part of the country, when the place is unknown."""
OTHER_PLACE = 9
"""The same, when the person's place is known: such services are left out."""


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


class Directory:
    """Read-only access to the directory; safe to share between threads and requests."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._places: dict[str, tuple[datetime | None, dict[str, Place]]] = {}

    def search(self, query: Query, limit: int = MAX_RESULTS) -> list[Resource]:
        hotline = self.national_hotline(query.country, query.language, query.at)
        found = self._ranked(query, query.need, CANDIDATES)
        room = limit - (1 if hotline and all(item.id != hotline.id for item in found) else 0)
        results = found[:room]
        if hotline and all(item.id != hotline.id for item in results):
            results.append(hotline)
        return results

    def national_hotline(
        self, country: str, language: str | None = None, at: datetime | None = None
    ) -> Resource | None:
        query = Query(country, NATIONAL_HOTLINE, None, language, at or datetime.now(UTC))
        found = self._ranked(query, NATIONAL_HOTLINE, 5, national_only=True)
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

    def countries(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.scalars(select(ResourceIndexRow.country).distinct()))

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
            version = connection.scalar(select(func.max(SourceRow.imported_at)))
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
        candidates = self._candidates(query, need, limit, national_only)
        if not candidates:
            return []
        details = self._details([row.service_id for row in candidates])
        resources = []
        for row in candidates:
            service = details.get(row.service_id)
            if service is None:
                continue
            hours = service["hours"]
            resources.append(
                (
                    row.tier,
                    Resource(
                        id=row.service_id,
                        name=service["name"],
                        country=query.country,
                        voice=service["voice"],
                        sms=service["sms"],
                        always_open=bool(row.always_open),
                        open_now=bool(row.always_open) or open_now(hours, query.at, query.country),
                        hours=tuple(hours),
                        languages=tuple(row.languages.split()),
                        local=row.tier < 2,
                    ),
                    bool(row.speaks),
                )
            )
        resources.sort(key=lambda item: (item[0], not item[1].open_now, not item[2], item[1].name))
        return [resource for _, resource, _ in resources]

    def _candidates(
        self, query: Query, need: str | None, limit: int, national_only: bool
    ) -> list[Any]:
        index = ResourceIndexRow
        place = query.place or Place(query.country)
        postal, city = postal_key(place.postal_code), city_key(place.city)
        national = and_(index.region == "", index.city == "", index.postal_code == "")
        local = [index.postal_code == postal] if postal else []
        local += [index.city == city] if city else []
        tiers: list[tuple[ColumnElement[bool], int]] = [(or_(*local), 0)] if local else []
        tiers += [(index.region == place.region, 1)] if place.region else []
        tiers.append((national, 2))
        placed = bool(local or place.region)
        tier = case(*tiers, else_=OTHER_PLACE if placed else ELSEWHERE)
        if query.language:
            spoken = (literal(" ") + index.languages + literal(" ")).like(f"% {query.language} %")
            speaks: ColumnElement[int] = case((spoken, 1), else_=0)
        else:
            speaks = literal(0)
        ranked = select(
            index.service_id,
            index.languages,
            tier.label("tier"),
            case((index.always_open, 1), else_=0).label("open_always"),
            speaks.label("speaks"),
        ).where(index.country == query.country)
        ranked = ranked.where(index.need == need if need else index.need != "emergency")
        if national_only:
            ranked = ranked.where(national)
        inner = ranked.subquery()
        statement = (
            select(
                inner.c.service_id,
                func.min(inner.c.tier).label("tier"),
                func.max(inner.c.open_always).label("always_open"),
                func.max(inner.c.speaks).label("speaks"),
                func.max(inner.c.languages).label("languages"),
            )
            .where(inner.c.tier < OTHER_PLACE)
            .group_by(inner.c.service_id)
            .order_by(
                func.min(inner.c.tier),
                func.max(inner.c.open_always).desc(),
                func.max(inner.c.speaks).desc(),
                inner.c.service_id,
            )
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(statement))

    def _details(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        details: dict[str, dict[str, Any]] = {}
        phones: dict[str, dict[str, str]] = defaultdict(dict)
        hours: dict[str, list[Hours]] = defaultdict(list)
        with self.engine.connect() as connection:
            names = connection.execute(
                select(ServiceRow.id, ServiceRow.name).where(ServiceRow.id.in_(ids))
            )
            places = {
                row.id: row.service_id
                for row in connection.execute(
                    select(ServiceAtLocationRow.id, ServiceAtLocationRow.service_id).where(
                        ServiceAtLocationRow.service_id.in_(ids)
                    )
                )
            }
            for phone in connection.execute(
                select(
                    PhoneRow.service_id,
                    PhoneRow.service_at_location_id,
                    PhoneRow.number,
                    PhoneRow.type,
                ).where(
                    PhoneRow.service_id.in_(ids) | PhoneRow.service_at_location_id.in_(list(places))
                )
            ):
                owner = phone.service_id or places[phone.service_at_location_id]
                kind = "sms" if phone.type == "text" else "voice"
                if phone.type not in ("fax", "pager"):
                    phones[owner].setdefault(kind, phone.number)
            for row in connection.execute(
                select(
                    ScheduleRow.service_id,
                    ScheduleRow.service_at_location_id,
                    ScheduleRow.freq,
                    ScheduleRow.byday,
                    ScheduleRow.opens_at,
                    ScheduleRow.closes_at,
                    ScheduleRow.timezone,
                ).where(
                    ScheduleRow.service_id.in_(ids)
                    | ScheduleRow.service_at_location_id.in_(list(places))
                )
            ):
                owner = row.service_id or places[row.service_at_location_id]
                hours[owner].append(Hours.from_row(row))
            for service_id, name in names:
                details[service_id] = {
                    "name": name,
                    "voice": phones[service_id].get("voice"),
                    "sms": phones[service_id].get("sms"),
                    "hours": hours[service_id],
                }
        return details
