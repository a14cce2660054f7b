"""Where the person is: what they say over where their phone number is from.

A conversation's country starts as the phone's (``+84`` is Vietnam), but a person
texting from a Vietnamese SIM in London is in the United Kingdom, and its emergency
number is the one that helps. So a place the person names as where they are ("em đang
ở London", "estoy en Texas", "nasa Saudi ako") becomes the conversation's country on any
message, and ``vars["country_from"]`` records where the country came from:

- ``phone``: the number's prefix (or the SMS provider's country for it);
- ``named``: a place they said they are in, in any message;
- ``answer``: typed at "which country are you in?", or confirmed with a yes;
- ``mentioned``: a country the understanding found in passing, maybe where they are
  from, taken only where nothing else was known.

Where the named country differs from the phone's, the calm flows ask once ("are you in
this country now?") before giving lines or cards; a danger reply never waits for that.
Where Haven is unsure, the emergency line gives 112 beside the local number.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalog import Catalogs
from bot.store.records import Conversation
from resources_db.countries import country_name, find_spot
from resources_db.gazetteer import Spot, gazetteer
from resources_db.lookup import Place

PHONE, NAMED, ANSWER, MENTIONED = "phone", "named", "answer", "mentioned"
CONFIRM_KEY = "place.confirm_country"
"""The confirmation question (the flows' ``ask``), which names the country."""
EMERGENCY_BESIDE = "112"
"""Dialled on a mobile phone, 112 reaches emergency services in most countries,
whatever the SIM: 3GPP TS 22.101 (Service principles), clause 10.1.1, requires every
phone to treat 112 and 911 as emergency numbers whether or not it has a SIM
(https://portal.3gpp.org/desktopmodules/Specifications/SpecificationDetails.aspx?specificationId=566);
see also EENA, "Is 112 a valid emergency number in America?"
(https://eena.org/blog/is-112-a-valid-emergency-number-in-america)."""


def from_phone(conversation: Conversation, country: str | None) -> None:
    """A new conversation's country, from the phone's prefix."""
    if country:
        conversation.vars.update(country=country, country_from=PHONE, phone_country=country)


def notice(conversation: Conversation, text: str, languages: Sequence[str]) -> Spot | None:
    """Take the place a message says the person is in as the conversation's; None if none."""
    if not text:
        return None
    sighting = gazetteer(tuple(languages)).where(text, _preferred(conversation))
    if sighting is None:
        return None
    _settle(conversation, sighting.spot, NAMED)
    return sighting.spot


def answer(conversation: Conversation, text: str, languages: Sequence[str]) -> bool:
    """Read a typed answer to "which country are you in?"; False when it names no place."""
    spot = find_spot(text, tuple(languages), _preferred(conversation))
    if spot is None:
        return False
    _settle(conversation, spot, ANSWER)
    return True


def answered(conversation: Conversation, place: Place) -> None:
    """A place of the directory's own, typed as the answer ("Houston" where it has Houston)."""
    conversation.vars.update(country=place.country, country_from=ANSWER, place=place.as_dict())


def mention(conversation: Conversation, country: str) -> None:
    """A country found in passing: taken only when no country is known at all."""
    if not conversation.vars.get("country"):
        conversation.vars.update(country=country, country_from=MENTIONED)


def settled(conversation: Conversation) -> bool:
    """Whether lines and cards may be given for the conversation's country without asking.

    Not when the country is one they named and their phone is from elsewhere, nor when
    it was only mentioned (perhaps as where they come from). Nothing known is settled
    too: the flow's country step asks.
    """
    country = conversation.vars.get("country")
    source = conversation.vars.get("country_from")
    if not country or source not in (NAMED, MENTIONED):
        return True
    phone = conversation.vars.get("phone_country")
    return source == NAMED and (not phone or phone == country)


def unsure(conversation: Conversation) -> bool:
    """Whether the emergency line should give 112 beside the country's own number."""
    return conversation.vars.get("country_from") == PHONE or not settled(conversation)


def confirm_question(catalogs: Catalogs, conversation: Conversation) -> str:
    """ "Are you in this country now: United Kingdom?", in the person's language."""
    country = str(conversation.vars.get("country") or "")
    name = country_name(country, conversation.language) if country else "?"
    return catalogs.text(conversation.language, CONFIRM_KEY, country=name)


def _settle(conversation: Conversation, spot: Spot, source: str) -> None:
    values = conversation.vars
    if values.get("country") != spot.country or spot.precision:
        values.pop("place", None)  # a place in another country, or a vaguer one, is stale
    values.update(country=spot.country, country_from=source)
    if spot.precision:
        values["place"] = Place(spot.country, spot.region, spot.city).as_dict()


def _preferred(conversation: Conversation) -> tuple[str | None, ...]:
    """The countries whose places win a shared name ("Georgia"): the known one, the phone's."""
    values = conversation.vars
    return (values.get("country"), values.get("phone_country"))
