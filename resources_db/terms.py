"""Taxonomy terms as HSDS links them: a term names its taxonomy by name or by id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select

from resources_db.models import TaxonomyRow, TaxonomyTermRow


def terms_of(connection: Connection, taxonomy: str, codes: Collection[str]) -> dict[str, str]:
    """Term id to folded code, for the terms of ``taxonomy`` whose code is one of ``codes``.

    A term belongs to the taxonomy by its own ``taxonomy`` field (HSDS 3.0) or through
    ``taxonomy_id``, the taxonomy row of that name; both compared folded and trimmed.
    """
    taxonomies = {
        row.id
        for row in connection.execute(select(TaxonomyRow.id, TaxonomyRow.name))
        if row.name.strip().casefold() == taxonomy
    }
    terms: dict[str, str] = {}
    for term in connection.execute(
        select(
            TaxonomyTermRow.id,
            TaxonomyTermRow.code,
            TaxonomyTermRow.taxonomy,
            TaxonomyTermRow.taxonomy_id,
        )
    ):
        ours = (term.taxonomy or "").strip().casefold() == taxonomy
        code = (term.code or "").strip().casefold()
        if (ours or term.taxonomy_id in taxonomies) and code in codes:
            terms[term.id] = code
    return terms
