"""The resource directory's tables, shaped after the core of Open Referral HSDS 3.0.

Each HSDS table keeps the spec's names for what Haven uses, plus ``source`` (the
import that owns the row), so that a full re-import of one source can retire
what that source no longer lists. Organisations, services and locations are
retired (``retired_at``) rather than deleted, as referrals may still name them;
their details (phones, languages, schedules…) follow the source exactly.

HSDS references between tables are plain columns, not foreign keys: published
data often points at records that are not in the same package (the spec's own
example does), and the importer, not the database, decides what it needs.

``resource_index`` is Haven's own: one row per service, need and area served,
derived at import time, so that a lookup is one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = 100  # HSDS ids are usually UUIDs; the spec only asks for a unique string.


class DirectoryBase(DeclarativeBase):
    pass


class SourceRow(DirectoryBase):
    """One imported data source and the digest of what it last held."""

    __tablename__ = "hsds_sources"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrganizationRow(DirectoryBase):
    __tablename__ = "hsds_organizations"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServiceRow(DirectoryBase):
    __tablename__ = "hsds_services"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    organization_id: Mapped[str] = mapped_column(String(ID), index=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    alert: Mapped[str | None] = mapped_column(Text)
    assured_date: Mapped[str | None] = mapped_column(String(10))
    """When the information was last checked: the seed's verification date."""
    last_modified: Mapped[str | None] = mapped_column(String(40))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LocationRow(DirectoryBase):
    __tablename__ = "hsds_locations"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    location_type: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[str | None] = mapped_column(String(ID))
    name: Mapped[str | None] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServiceAtLocationRow(DirectoryBase):
    __tablename__ = "hsds_service_at_location"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    service_id: Mapped[str] = mapped_column(String(ID), index=True)
    location_id: Mapped[str] = mapped_column(String(ID), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class AddressRow(DirectoryBase):
    """An address; ``region_code`` is Haven's ISO 3166-2 reading of ``state_province``."""

    __tablename__ = "hsds_addresses"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    location_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    attention: Mapped[str | None] = mapped_column(Text)
    address_1: Mapped[str] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    address_type: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(10))


class PhoneRow(DirectoryBase):
    """A phone; ``number`` is E.164, or the digits of a short code (``911``, ``233733``)."""

    __tablename__ = "hsds_phones"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    location_id: Mapped[str | None] = mapped_column(String(ID))
    service_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(ID))
    contact_id: Mapped[str | None] = mapped_column(String(ID))
    service_at_location_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    number: Mapped[str] = mapped_column(String(32))
    extension: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)


class LanguageRow(DirectoryBase):
    """A language spoken; ``code`` is normalised to ISO 639-1 where one exists."""

    __tablename__ = "hsds_languages"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    service_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    location_id: Mapped[str | None] = mapped_column(String(ID))
    phone_id: Mapped[str | None] = mapped_column(String(ID))
    name: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class ScheduleRow(DirectoryBase):
    __tablename__ = "hsds_schedules"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    service_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    location_id: Mapped[str | None] = mapped_column(String(ID))
    service_at_location_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_to: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    freq: Mapped[str | None] = mapped_column(String(16))
    byday: Mapped[str | None] = mapped_column(String(40))
    opens_at: Mapped[str | None] = mapped_column(String(8))
    closes_at: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)


class ServiceAreaRow(DirectoryBase):
    """An area served. Haven reads ISO 3166 codes (``US``, ``US-TX``) from a text extent."""

    __tablename__ = "hsds_service_areas"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    service_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(String(16))
    uri: Mapped[str | None] = mapped_column(Text)


class TaxonomyRow(DirectoryBase):
    __tablename__ = "hsds_taxonomies"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(32))


class TaxonomyTermRow(DirectoryBase):
    __tablename__ = "hsds_taxonomy_terms"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    code: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(ID))
    taxonomy: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    taxonomy_id: Mapped[str | None] = mapped_column(String(ID))
    term_uri: Mapped[str | None] = mapped_column(Text)


class AttributeRow(DirectoryBase):
    __tablename__ = "hsds_attributes"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    link_id: Mapped[str] = mapped_column(String(ID), index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(String(ID))
    link_type: Mapped[str | None] = mapped_column(Text)
    link_entity: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(Text)


class ResourceIndexRow(DirectoryBase):
    """One service × need × area served, with what ranking needs, for one-query lookups.

    ``need`` is empty for a service without Haven needs; ``region``, ``city`` and
    ``postal_code`` are empty for a service that covers the whole country
    (normalised: ISO 3166-2 region code, case-folded city, upper-case postal code).
    """

    __tablename__ = "resource_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(ID), index=True)
    need: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(32))
    always_open: Mapped[bool] = mapped_column(Boolean)
    takes_sms: Mapped[bool] = mapped_column(Boolean)
    languages: Mapped[str] = mapped_column(String(200))

    # One index per way a lookup narrows: whole country (ordered by 24/7), region or
    # national (region, city and postal code empty), city, postal code.
    __table_args__ = (
        Index("ix_resource_index_open", "country", "need", "always_open", "service_id"),
        Index("ix_resource_index_area", "country", "need", "region", "city", "postal_code"),
        Index("ix_resource_index_city", "country", "need", "city"),
        Index("ix_resource_index_postal_code", "country", "need", "postal_code"),
    )
