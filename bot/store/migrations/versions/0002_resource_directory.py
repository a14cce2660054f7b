"""Resource directory: the HSDS 3.0 core tables and Haven's lookup index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hsds_addresses",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("attention", sa.Text(), nullable=True),
        sa.Column("address_1", sa.Text(), nullable=False),
        sa.Column("address_2", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("state_province", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("address_type", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_addresses_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hsds_addresses_source"), ["source"], unique=False)

    op.create_table(
        "hsds_attributes",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("link_id", sa.String(length=100), nullable=False),
        sa.Column("taxonomy_term_id", sa.String(length=100), nullable=False),
        sa.Column("link_type", sa.Text(), nullable=True),
        sa.Column("link_entity", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_attributes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hsds_attributes_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hsds_attributes_source"), ["source"], unique=False)

    op.create_table(
        "hsds_languages",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=True),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("phone_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_languages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_languages_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hsds_languages_source"), ["source"], unique=False)

    op.create_table(
        "hsds_locations",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("location_type", sa.String(length=16), nullable=False),
        sa.Column("organization_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("alternate_name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("transportation", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hsds_locations_source"), ["source"], unique=False)

    op.create_table(
        "hsds_organizations",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("alternate_name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hsds_organizations_source"), ["source"], unique=False)

    op.create_table(
        "hsds_phones",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("service_id", sa.String(length=100), nullable=True),
        sa.Column("organization_id", sa.String(length=100), nullable=True),
        sa.Column("contact_id", sa.String(length=100), nullable=True),
        sa.Column("service_at_location_id", sa.String(length=100), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_phones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_phones_service_at_location_id"),
            ["service_at_location_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_hsds_phones_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hsds_phones_source"), ["source"], unique=False)

    op.create_table(
        "hsds_schedules",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=True),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("service_at_location_id", sa.String(length=100), nullable=True),
        sa.Column("valid_from", sa.String(length=10), nullable=True),
        sa.Column("valid_to", sa.String(length=10), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("freq", sa.String(length=16), nullable=True),
        sa.Column("byday", sa.String(length=40), nullable=True),
        sa.Column("opens_at", sa.String(length=8), nullable=True),
        sa.Column("closes_at", sa.String(length=8), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_schedules_service_at_location_id"),
            ["service_at_location_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hsds_schedules_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hsds_schedules_source"), ["source"], unique=False)

    op.create_table(
        "hsds_service_areas",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extent", sa.Text(), nullable=True),
        sa.Column("extent_type", sa.String(length=16), nullable=True),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_service_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_service_areas_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hsds_service_areas_source"), ["source"], unique=False)

    op.create_table(
        "hsds_service_at_location",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_service_at_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_service_at_location_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hsds_service_at_location_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hsds_service_at_location_source"), ["source"], unique=False
        )

    op.create_table(
        "hsds_services",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("alternate_name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("interpretation_services", sa.Text(), nullable=True),
        sa.Column("eligibility_description", sa.Text(), nullable=True),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("alert", sa.Text(), nullable=True),
        sa.Column("assured_date", sa.String(length=10), nullable=True),
        sa.Column("last_modified", sa.String(length=40), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hsds_services_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hsds_services_source"), ["source"], unique=False)

    op.create_table(
        "hsds_sources",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "hsds_taxonomies",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_taxonomies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hsds_taxonomies_source"), ["source"], unique=False)

    op.create_table(
        "hsds_taxonomy_terms",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("taxonomy", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("taxonomy_id", sa.String(length=100), nullable=True),
        sa.Column("term_uri", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hsds_taxonomy_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hsds_taxonomy_terms_source"), ["source"], unique=False)

    op.create_table(
        "resource_index",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("need", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=32), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("takes_sms", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resource_index", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_index_area",
            ["country", "need", "region", "city", "postal_code"],
            unique=False,
        )
        batch_op.create_index("ix_resource_index_city", ["country", "need", "city"], unique=False)
        batch_op.create_index(
            "ix_resource_index_open", ["country", "need", "always_open", "service_id"], unique=False
        )
        batch_op.create_index(
            "ix_resource_index_postal_code", ["country", "need", "postal_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resource_index_service_id"), ["service_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resource_index", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_index_service_id"))
        batch_op.drop_index("ix_resource_index_postal_code")
        batch_op.drop_index("ix_resource_index_open")
        batch_op.drop_index("ix_resource_index_city")
        batch_op.drop_index("ix_resource_index_area")

    op.drop_table("resource_index")
    with op.batch_alter_table("hsds_taxonomy_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_taxonomy_terms_source"))

    op.drop_table("hsds_taxonomy_terms")
    with op.batch_alter_table("hsds_taxonomies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_taxonomies_source"))

    op.drop_table("hsds_taxonomies")
    op.drop_table("hsds_sources")
    with op.batch_alter_table("hsds_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_services_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_services_organization_id"))

    op.drop_table("hsds_services")
    with op.batch_alter_table("hsds_service_at_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_service_at_location_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_service_at_location_service_id"))
        batch_op.drop_index(batch_op.f("ix_hsds_service_at_location_location_id"))

    op.drop_table("hsds_service_at_location")
    with op.batch_alter_table("hsds_service_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_service_areas_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_service_areas_service_id"))

    op.drop_table("hsds_service_areas")
    with op.batch_alter_table("hsds_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_schedules_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_schedules_service_id"))
        batch_op.drop_index(batch_op.f("ix_hsds_schedules_service_at_location_id"))

    op.drop_table("hsds_schedules")
    with op.batch_alter_table("hsds_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_phones_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_phones_service_id"))
        batch_op.drop_index(batch_op.f("ix_hsds_phones_service_at_location_id"))

    op.drop_table("hsds_phones")
    with op.batch_alter_table("hsds_organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_organizations_source"))

    op.drop_table("hsds_organizations")
    with op.batch_alter_table("hsds_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_locations_source"))

    op.drop_table("hsds_locations")
    with op.batch_alter_table("hsds_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_languages_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_languages_service_id"))

    op.drop_table("hsds_languages")
    with op.batch_alter_table("hsds_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_attributes_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_attributes_link_id"))

    op.drop_table("hsds_attributes")
    with op.batch_alter_table("hsds_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hsds_addresses_source"))
        batch_op.drop_index(batch_op.f("ix_hsds_addresses_location_id"))

    op.drop_table("hsds_addresses")
