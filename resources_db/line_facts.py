"""What Haven reads about a line besides its needs: who runs it and how to text it.

HSDS links a service, or the organization that runs it, to taxonomy terms through
``attribute`` rows. Haven reads two terms of its ``haven_lines`` taxonomy (a term
whose ``taxonomy`` field or whose taxonomy's ``name`` is ``haven_lines``):

- ``police``: the police run the line. Such a line is listed after every other
  option and labelled as police, since a person who fears the police must be
  able to tell before calling;
- ``text_keyword``: the word that opens a text conversation, in the attribute's
  ``value`` (``START`` for the US National Domestic Violence Hotline's 88788).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select

from resources_db.models import AttributeRow
from resources_db.terms import terms_of

LINE_TAXONOMY = "haven_lines"
POLICE = "police"
TEXT_KEYWORD = "text_keyword"
LINKED_ENTITIES = frozenset({"service", "organization"})


@dataclass(frozen=True)
class LineFacts:
    police: bool = False
    text_keyword: str | None = None


def line_facts(connection: Connection, owners: Mapping[str, str]) -> dict[str, LineFacts]:
    """The facts of each service in ``owners`` (service id to its organization's id)."""
    terms = terms_of(connection, LINE_TAXONOMY, (POLICE, TEXT_KEYWORD))
    if not terms or not owners:
        return {}
    ids = set(owners) | set(owners.values())
    found: dict[str, dict[str, str]] = {}
    for attribute in connection.execute(
        select(
            AttributeRow.link_id,
            AttributeRow.link_entity,
            AttributeRow.taxonomy_term_id,
            AttributeRow.value,
        ).where(
            AttributeRow.taxonomy_term_id.in_(terms),
            AttributeRow.link_id.in_(ids),
        )
    ):
        if attribute.link_entity.strip().casefold() in LINKED_ENTITIES:
            value = (attribute.value or "").strip()
            found.setdefault(attribute.link_id, {})[terms[attribute.taxonomy_term_id]] = value
    facts: dict[str, LineFacts] = {}
    for service, organization in owners.items():
        marks = {**found.get(organization, {}), **found.get(service, {})}
        if marks:
            facts[service] = LineFacts(POLICE in marks, marks.get(TEXT_KEYWORD) or None)
    return facts
