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
from bot.core import phone, whereabouts
from bot.core.catalog import Catalogs
from bot.core.languages import language_names
from bot.core.listing import render
from bot.core.rights import RightsCard, RightsCards, card_details
from bot.handoff.availability import Outlook
from bot.handoff.notices import Notices
from bot.store.records import Conversation
from resources_db.countries import country_name
from resources_db.lookup import Directory, Place, Query, Resource

GENERAL_EMERGENCY_NUMBERS = ("911", "112", "999")
"""Named by ``emergency.call_general`` where the country is unknown: they cover most people."""
PERSON_NEEDS = ("hotline", "counselling")
"""Lines with trained people to talk to, for the "talk to a person" flow."""
MAX_PERSON_LINES = 3


class People(Protocol):
    """Who can take a conversation (``bot.handoff.availability.Availability``)."""

    def someone_answers(self, now: datetime) -> bool: ...

    def has_advocates(self) -> bool: ...

    def outlook(self, now: datetime) -> Outlook | None: ...


class NoPeople:
    """For tools without a console: nobody answers, and there is no queue."""

    def someone_answers(self, now: datetime) -> bool:
        return False

    def has_advocates(self) -> bool:
        return False

    def outlook(self, now: datetime) -> Outlook | None:
        return None


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
            "rights_details": self.rights_details,
            "when_back": self.when_back,
            "language_notice": self.language_notice,
            "phone_safety": self.phone_safety,
            "phone_after_erase": self.phone_after_erase,
        }
        self._inputs: dict[str, Callable[[Conversation, str], bool]] = {
            "country": self.read_country,
            "place": self.read_place,
        }
        self._conditions: dict[str, Callable[[Conversation], bool]] = {
            "no_local_places": self.no_local_places,
            "nobody_available": self.nobody_available,
            "no_advocates": self.no_advocates,
            "country_settled": self.country_settled,
            "calm": self.calm,
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
        """A country's name ("Mexico", "the UK"), or a place the gazetteer or the directory
        knows ("Houston", "Dubai")."""
        if whereabouts.answer(conversation, text, self.catalogs.languages):
            return True
        for known in self.directory.local_countries():
            place = self.directory.find_place(known, text)
            if place:
                whereabouts.answered(conversation, place)
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

    def country_settled(self, conversation: Conversation) -> bool:
        """Lines and cards may be given for the country without asking (``whereabouts``)."""
        return whereabouts.settled(conversation)

    def calm(self, conversation: Conversation) -> bool:
        """Not in danger, or no one to answer now: the handoff's questions come before the queue."""
        return not conversation.vars.get("emergency") or self.nobody_available(conversation)

    def no_advocates(self, _conversation: Conversation) -> bool:
        """A deployment without advocates offers no queue to wait in."""
        return not self.people.has_advocates()

    # -- actions -----------------------------------------------------------------------

    def emergency_numbers(self, conversation: Conversation) -> ActionText:
        """The number for the person's country first; the common ones where unknown; 112
        beside it where the country is only the phone's, or named and not confirmed."""
        number = self.directory.emergency_number(conversation.vars.get("country"))
        if number:
            beside = number != whereabouts.EMERGENCY_BESIDE and whereabouts.unsure(conversation)
            key = "place.call_number_or_112" if beside else "emergency.call_number"
            return ActionText(True, self._text(conversation, key, number=number))
        return ActionText(True, self._text(conversation, "emergency.call_general"))

    def hotlines(self, conversation: Conversation) -> ActionText:
        """National lines with trained people: the trafficking line first.

        Lines run by the police only where the country has no other, labelled as such:
        this list follows "I am not the police" in the conversation.
        """
        country = conversation.vars.get("country")
        lines: list[Resource] = []
        if country:
            for need in PERSON_NEEDS:
                query = Query(str(country), need, language=conversation.language)
                found = self.directory.search(query, limit=MAX_PERSON_LINES)
                lines += [line for line in found if line not in lines and not line.local]
        if lines:
            shown = ([line for line in lines if not line.police] or lines)[:MAX_PERSON_LINES]
            return ActionText(True, "\n".join(self._render(conversation, line) for line in shown))
        none = self._text(conversation, "hotlines.none", country=self._country(conversation))
        return ActionText(False, f"{none}\n{self.emergency_numbers(conversation).text}")

    def when_back(self, conversation: Conversation) -> ActionText:
        """That one may wait, when someone is next there, and what the retention does first."""
        now = conversation.last_active
        notice = Notices(self.catalogs).while_nobody(
            conversation.language, self.people.outlook(now), now
        )
        return ActionText(True, notice)

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
        """A card's summary: the one thing to know, with no citation or link."""
        card = self._rights_card(conversation)
        return ActionText(True, self._text(conversation, card.summary_key))

    def rights_details(self, conversation: Conversation) -> ActionText:
        """The card on request ("More"): full text, legal basis and source, disclaimer."""
        card = self._rights_card(conversation)
        return ActionText(True, card_details(card, self.catalogs, conversation.language))

    def _rights_card(self, conversation: Conversation) -> RightsCard:
        card = self.rights.card(
            str(conversation.vars.get("topic", "")), conversation.vars.get("country")
        )
        if card is None:
            raise ActionError("no rights card for this topic")
        return card

    def language_notice(self, conversation: Conversation) -> ActionText:
        """Which language Haven cannot answer in yet, named in English and in itself."""
        codes = [str(code) for code in conversation.vars.get("unsupported") or ()]
        names = " / ".join(filter(None, (language_names(code) for code in codes)))
        key = "language.unsupported_named" if names else "language.unsupported"
        return ActionText(True, self._text(conversation, key, name=names))

    def phone_safety(self, conversation: Conversation) -> ActionText:
        """Steps that keep the chat from whoever checks the phone, for the person's channel."""
        return ActionText(True, phone.advice(self.catalogs, conversation))

    def phone_after_erase(self, conversation: Conversation) -> ActionText:
        """What erasing did not reach on the device ("delete this thread too"), if anything."""
        text = phone.after_erase(self.catalogs, conversation)
        return ActionText(bool(text), text)

    # -- helpers -----------------------------------------------------------------------

    def _text(self, conversation: Conversation, key: str, **params: object) -> str:
        return self.catalogs.text(conversation.language, key, **params)

    def _render(self, conversation: Conversation, resource: Resource) -> str:
        return render(resource, conversation.language, self.catalogs)

    def _country(self, conversation: Conversation) -> str:
        country = conversation.vars.get("country")
        return country_name(country, conversation.language) if country else "?"
