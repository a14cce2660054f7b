"""What flows ask the engine to compute or read: numbers, directory results, rights cards.

A flow names an action (``{action: find_help}``), an input (``input: place``) or a
condition (``skip_if: no_local_places``); this module is the one place that gives
those names meaning. An action returns one part of the reply, saying whether it
found anything, so that a flow's intro line ("Here are…") is only said above a
real list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, Protocol

from bot.config import Settings
from bot.core.catalog import Catalogs
from bot.core.listing import render
from bot.core.rights import RightsCards
from bot.store.store import Conversation
from resources_db.countries import country_name, parse_country
from resources_db.lookup import Directory, Place, Query, Resource

GENERAL_EMERGENCY_NUMBERS = ("911", "112", "999")
"""Named by ``emergency.call_general`` where the country is unknown: they cover most people."""
PERSON_NEEDS = ("hotline", "counselling")
"""Lines with trained people to talk to, for the "talk to a person" flow."""
MAX_PERSON_LINES = 3


class People(Protocol):
    """Who can take a conversation (``bot.handoff.queue.Availability``)."""

    def someone_answers(self, now: datetime) -> bool: ...

    def has_advocates(self) -> bool: ...


class NoPeople:
    """For tools without a console: nobody answers, and there is no queue."""

    def someone_answers(self, now: datetime) -> bool:
        return False

    def has_advocates(self) -> bool:
        return False


class ActionError(LookupError):
    """A flow asked for an action that does not exist or cannot run."""


class ActionText(NamedTuple):
    found: bool
    text: str


class Actions:
    def __init__(
        self,
        catalogs: Catalogs,
        directory: Directory,
        rights: RightsCards,
        people: People | None = None,
    ) -> None:
        self.catalogs = catalogs
        self.directory = directory
        self.rights = rights
        self.people = people or NoPeople()
        self._actions: dict[str, Callable[[Conversation], ActionText]] = {
            "emergency_numbers": self.emergency_numbers,
            "hotlines": self.hotlines,
            "find_help": self.find_help,
            "rights_card": self.rights_card,
        }
        self._inputs: dict[str, Callable[[Conversation, str], bool]] = {
            "country": self.read_country,
            "place": self.read_place,
        }
        self._conditions: dict[str, Callable[[Conversation], bool]] = {
            "no_local_places": self.no_local_places,
            "nobody_available": self.nobody_available,
            "no_advocates": self.no_advocates,
        }

    @classmethod
    def build(
        cls,
        settings: Settings,
        catalogs: Catalogs,
        directory: Directory,
        people: People | None = None,
    ) -> Actions:
        rights = RightsCards.load(settings.flows_dir / "rights" / "cards.yml")
        return cls(catalogs, directory, rights, people)

    @property
    def names(self) -> set[str]:
        return set(self._actions)

    @property
    def inputs(self) -> set[str]:
        return set(self._inputs)

    @property
    def conditions(self) -> set[str]:
        return set(self._conditions)

    def run(self, name: str, conversation: Conversation) -> ActionText:
        action = self._actions.get(name)
        if action is None:
            raise ActionError(f"unknown action {name!r}")
        return action(conversation)

    def read(self, name: str, conversation: Conversation, text: str) -> bool:
        """Read an answer of kind ``name`` into the conversation; False if it is not one."""
        reader = self._inputs.get(name)
        if reader is None:
            raise ActionError(f"unknown input {name!r}")
        return reader(conversation, text)

    def holds(self, name: str, conversation: Conversation) -> bool:
        condition = self._conditions.get(name)
        if condition is None:
            raise ActionError(f"unknown condition {name!r}")
        return condition(conversation)

    # -- inputs ------------------------------------------------------------------------

    def read_country(self, conversation: Conversation, text: str) -> bool:
        """A country's name ("Mexico", "the UK"), or a place the directory knows ("Houston")."""
        country = parse_country(text, tuple(self.catalogs.languages))
        if country:
            conversation.vars["country"] = country
            return True
        for known in self.directory.local_countries():
            place = self.directory.find_place(known, text)
            if place:
                conversation.vars["country"] = known
                conversation.vars["place"] = place.as_dict()
                return True
        return False

    def read_place(self, conversation: Conversation, text: str) -> bool:
        country = conversation.vars.get("country")
        place = self.directory.find_place(str(country), text) if country else None
        if place is None:
            return False
        conversation.vars["place"] = place.as_dict()
        return True

    # -- conditions --------------------------------------------------------------------

    def no_local_places(self, conversation: Conversation) -> bool:
        """Asking for a city is pointless where the directory only has national lines."""
        country = conversation.vars.get("country")
        need = conversation.vars.get("need") or None
        return not country or not self.directory.has_local(str(country), need)

    def nobody_available(self, conversation: Conversation) -> bool:
        """Out of hours, or no advocate marked available: say so, never pretend."""
        return not self.people.someone_answers(conversation.last_active)

    def no_advocates(self, _conversation: Conversation) -> bool:
        """A deployment without advocates offers no queue to wait in."""
        return not self.people.has_advocates()

    # -- actions -----------------------------------------------------------------------

    def emergency_numbers(self, conversation: Conversation) -> ActionText:
        """The number for the person's country first; the common ones where unknown."""
        number = self.directory.emergency_number(conversation.vars.get("country"))
        if number:
            return ActionText(
                True, self._text(conversation, "emergency.call_number", number=number)
            )
        return ActionText(True, self._text(conversation, "emergency.call_general"))

    def hotlines(self, conversation: Conversation) -> ActionText:
        """National lines with trained people: the trafficking line first."""
        country = conversation.vars.get("country")
        lines: list[Resource] = []
        if country:
            for need in PERSON_NEEDS:
                query = Query(str(country), need, language=conversation.language)
                found = self.directory.search(query, limit=MAX_PERSON_LINES)
                lines += [line for line in found if line not in lines and not line.local]
        if lines:
            shown = lines[:MAX_PERSON_LINES]
            return ActionText(True, "\n".join(self._render(conversation, line) for line in shown))
        none = self._text(conversation, "hotlines.none", country=self._country(conversation))
        return ActionText(False, f"{none}\n{self.emergency_numbers(conversation).text}")

    def find_help(self, conversation: Conversation) -> ActionText:
        return self.help_for(conversation)[1]

    def help_for(self, conversation: Conversation) -> tuple[list[Resource], ActionText]:
        """Up to three places for the need, near the person where the directory can tell.

        Returns the results with their text, so that ``haven resources search``
        shows exactly what the flow says.
        """
        country = conversation.vars.get("country")
        if not country:
            return [], self.hotlines(conversation)
        need = conversation.vars.get("need") or None
        place = conversation.vars.get("place")
        query = Query(
            str(country),
            str(need) if need else None,
            Place(**place) if isinstance(place, dict) else None,
            conversation.language,
        )
        results = self.directory.search(query)
        if not results:
            return [], self.hotlines(conversation)
        hotline = self.directory.national_hotline(str(country), conversation.language)
        matches = [item for item in results if hotline is None or item.id != hotline.id]
        key = "find_help.results_intro" if matches else "find_help.none_found"
        intro = self._text(conversation, key, country=self._country(conversation))
        lines = [self._render(conversation, item) for item in results]
        return results, ActionText(True, "\n".join([intro, *lines]))

    def rights_card(self, conversation: Conversation) -> ActionText:
        card = self.rights.card(
            str(conversation.vars.get("topic", "")), conversation.vars.get("country")
        )
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

    # -- helpers -----------------------------------------------------------------------

    def _text(self, conversation: Conversation, key: str, **params: object) -> str:
        return self.catalogs.text(conversation.language, key, **params)

    def _render(self, conversation: Conversation, resource: Resource) -> str:
        return render(resource, conversation.language, self.catalogs)

    def _country(self, conversation: Conversation) -> str:
        country = conversation.vars.get("country")
        return country_name(country, conversation.language) if country else "?"
