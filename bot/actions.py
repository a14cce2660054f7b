"""Texts that flows ask the engine to compute: numbers, directory results, rights cards.

A flow names an action (``{action: hotlines}``); the action reads what the
conversation knows (country, need, topic) and returns one part of the reply,
saying whether it found anything, so that a flow's intro line ("Here are…")
is only said above a real list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from bot.catalog import Catalogs
from bot.rights import RightsCards
from bot.store import Conversation
from resources_db.countries import country_name
from resources_db.national import Hotline, NationalLines


class ActionError(LookupError):
    """A flow asked for an action that does not exist or cannot run."""


class ActionText(NamedTuple):
    found: bool
    text: str


class Actions:
    def __init__(self, catalogs: Catalogs, lines: NationalLines, rights: RightsCards) -> None:
        self.catalogs = catalogs
        self.lines = lines
        self.rights = rights
        self._registry: dict[str, Callable[[Conversation], ActionText]] = {
            "emergency_numbers": self.emergency_numbers,
            "hotlines": self.hotlines,
            "find_help": self.find_help,
            "rights_card": self.rights_card,
        }

    @property
    def names(self) -> set[str]:
        return set(self._registry)

    def run(self, name: str, conversation: Conversation) -> ActionText:
        action = self._registry.get(name)
        if action is None:
            raise ActionError(f"unknown action {name!r}")
        return action(conversation)

    def _text(self, conversation: Conversation, key: str, **params: object) -> str:
        return self.catalogs.text(conversation.language, key, **params)

    def emergency_numbers(self, conversation: Conversation) -> ActionText:
        """The number for the person's country first; the common ones where unknown."""
        number = self.lines.emergency_number(conversation.vars.get("country"))
        if number:
            return ActionText(
                True, self._text(conversation, "emergency.call_number", number=number)
            )
        return ActionText(True, self._text(conversation, "emergency.call_general"))

    def hotlines(self, conversation: Conversation) -> ActionText:
        country = conversation.vars.get("country")
        lines = self.lines.hotlines_for(country)
        if lines:
            return ActionText(True, "\n".join(self._hotline(conversation, line) for line in lines))
        none = self._text(conversation, "hotlines.none", country=self._country(conversation))
        return ActionText(False, f"{none}\n{self.emergency_numbers(conversation).text}")

    def find_help(self, conversation: Conversation) -> ActionText:
        """Places for the chosen need; until the directory lands, the national lines."""
        hotlines = self.hotlines(conversation)
        if not hotlines.found:
            return hotlines
        intro = self._text(
            conversation, "find_help.none_local", country=self._country(conversation)
        )
        return ActionText(True, f"{intro}\n{hotlines.text}")

    def rights_card(self, conversation: Conversation) -> ActionText:
        card = self.rights.card(str(conversation.vars.get("topic", "")))
        if card is None:
            raise ActionError("no rights card for this topic")
        date = card.last_reviewed.isoformat()
        text = "\n".join(
            (
                self._text(conversation, card.text_key),
                self._text(conversation, "rights.basis", basis=card.basis),
                self._text(conversation, "rights.source", url=card.source, date=date),
                self._text(conversation, "rights.disclaimer"),
            )
        )
        return ActionText(True, text)

    def _hotline(self, conversation: Conversation, line: Hotline) -> str:
        if line.sms:
            text = self._text(
                conversation,
                "resource.call_or_text",
                name=line.name,
                phone=line.phone,
                sms=line.sms,
            )
        else:
            text = self._text(conversation, "resource.call", name=line.name, phone=line.phone)
        if line.always_open:
            text = f"{text} ({self._text(conversation, 'resource.open_always')})"
        return text

    def _country(self, conversation: Conversation) -> str:
        country = conversation.vars.get("country")
        return country_name(country, conversation.language) if country else "?"
