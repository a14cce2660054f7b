"""What a person waiting for an advocate is told of the wait, in their language, and
what they are told when an advocate joins or hands the chat over.

Only what is known is said: the opening hours and their time zone as configured, a
usual wait measured from recent claims (or configured), when the hours next open and
what the retention will do before then. Nothing is promised: waits are "usually
about", and without hours no time is named.

An advocate is named to the person as the deployment chooses
(``HAVEN_ADVOCATE_NAME_SHOWN``): by their first name, or by the role alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_timedelta, get_timezone_location

from bot.config import Settings
from bot.core.catalog import Catalogs
from bot.core.messages import Outcome, Reply, Speaker
from bot.core.states import Direction
from bot.handoff.availability import OpeningHours, Outlook
from bot.store.records import Conversation
from bot.store.store import Transaction
from common.hours import clock

UNSPACED = frozenset({"zh"})
"""Languages whose sentences follow one another without a space."""
SHORT_WAIT_STEP = timedelta(minutes=5)
LONG_WAIT_STEP = timedelta(minutes=30)
"""Waits are rounded to these steps (the long one from an hour up): a rough figure."""


class Presence(StrEnum):
    """What an advocate did that the person is told of (the end is ``handoff.closed``)."""

    JOINED = "joined"
    HANDED_OVER = "handed_over"


PRESENCE_KEYS = {
    Presence.JOINED: ("queue.joined", "queue.joined_named"),
    Presence.HANDED_OVER: ("queue.handed_over", "queue.handed_over_named"),
}
"""Each event's notice: by the role, and with the advocate's name."""


def shown_name(settings: Settings, name: str) -> str | None:
    """The advocate's name as the person sees it: the first word of ``name`` where the
    deployment shows first names, else None (the person sees the role)."""
    words = name.split()
    return words[0] if settings.advocate_name_shown == "first_name" and words else None


def hours_text(hours: OpeningHours, language: str) -> str:
    """``Mon-Fri 09:00-17:00, Sat 10:00-14:00`` with the day names of ``language``."""
    days = Locale.parse(language).days["format"]["abbreviated"]
    spans = []
    for span in hours.spans:
        first, last = days[min(span.days)], days[max(span.days)]
        named = first if first == last else f"{first}-{last}"
        spans.append(f"{named} {clock(span.opens)}-{clock(span.closes)}")
    return ", ".join(spans)


def zone_text(zone: ZoneInfo, language: str) -> str:
    """The time zone by its city in ``language`` ("Chicago", "芝加哥"), as people name it."""
    return str(get_timezone_location(zone.key, locale=language, return_city=True))


def when_text(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """A weekday and a time on the clock of ``zone``: ``Monday 09:00``."""
    return str(format_datetime(moment, "EEEE HH:mm", tzinfo=zone, locale=language))


def idle_text(idle: timedelta, language: str) -> str:
    """The retention as the welcome names it ("24 hours")."""
    return str(format_timedelta(idle, locale=language, threshold=1.1))


def rough(wait: timedelta) -> timedelta:
    """A wait rounded to a figure nobody takes for a promise, never below the first step."""
    step = SHORT_WAIT_STEP if wait < timedelta(hours=1) else LONG_WAIT_STEP
    return max(step, step * round(wait / step))


def wait_text(wait: timedelta, language: str) -> str:
    return str(format_timedelta(rough(wait), locale=language))


def joined(language: str, sentences: list[str]) -> str:
    """Sentences as one paragraph, spaced as the language spaces them."""
    return ("" if language in UNSPACED else " ").join(sentences)


class Notices:
    """The texts of the queue, from the catalogs of every language."""

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs

    def while_nobody(self, language: str, outlook: Outlook | None, now: datetime) -> str:
        """Before the choice to wait: that one may and when someone is next there, or, when
        the retention would erase the chat first, that it would and to write again then."""
        if outlook is None or outlook.back_at is None:
            return self.catalogs.text(language, "queue.wait_back")
        zone = outlook.hours.zone
        when, where = when_text(outlook.back_at, zone, language), zone_text(zone, language)
        if not outlook.erased_before_back(now):
            return self.catalogs.text(language, "queue.wait_back_at", when=when, zone=where)
        back = self.catalogs.text(language, "queue.next_at", when=when, zone=where)
        return joined(language, [back, self._idle(language, outlook, now)])

    def queued(
        self,
        language: str,
        place: int,
        outlook: Outlook | None,
        wait: timedelta | None,
        now: datetime,
    ) -> str:
        """The place in line, then the hours and the usual wait, or when someone is back and
        what the retention does meanwhile (nothing where no one can tell: ``None``)."""
        place_line = self.catalogs.text(language, "handoff.queued", position=place)
        if outlook is None:
            return place_line
        if outlook.answers_now:
            return joined(language, [place_line, *self._while_open(language, outlook, wait)])
        return joined(language, [place_line, *self._while_away(language, outlook, now)])

    def shown(self, language: str, consent: bool, word: str) -> str:
        """What the advocate will see, how to take it back, and that writing goes on."""
        if consent:
            seen = self.catalogs.text(language, "queue.sees_summary", word=word)
        else:
            seen = self.catalogs.text(language, "queue.sees_little")
        return joined(language, [seen, self.catalogs.text(language, "queue.keep_writing")])

    def _while_open(self, language: str, outlook: Outlook, wait: timedelta | None) -> list[str]:
        lines = []
        if outlook.hours.spans:
            hours, zone = (
                hours_text(outlook.hours, language),
                zone_text(outlook.hours.zone, language),
            )
            lines.append(self.catalogs.text(language, "queue.hours", hours=hours, zone=zone))
        if wait is not None:
            said = wait_text(wait, language)
            lines.append(self.catalogs.text(language, "queue.usual_wait", wait=said))
        return lines

    def _while_away(self, language: str, outlook: Outlook, now: datetime) -> list[str]:
        if outlook.back_at is None:
            back = self.catalogs.text(language, "queue.back")
        else:
            zone = outlook.hours.zone
            when, where = when_text(outlook.back_at, zone, language), zone_text(zone, language)
            back = self.catalogs.text(language, "queue.back_at", when=when, zone=where)
        return [back, self._idle(language, outlook, now)]

    def _idle(self, language: str, outlook: Outlook, now: datetime) -> str:
        key = "queue.idle_before" if outlook.erased_before_back(now) else "queue.idle"
        return self.catalogs.text(language, key, idle=idle_text(outlook.idle, language))

    def presence(
        self,
        tx: Transaction,
        person: Conversation,
        event: Presence,
        name: str | None,
        now: datetime,
    ) -> Outcome:
        """Tell the person that an advocate joined or took the chat over: the line is kept
        in the transcript (``ntc``, so a reloaded web chat shows it) and returned for the
        person's channel. ``name`` is from ``shown_name``; None names the role."""
        by_role, by_name = PRESENCE_KEYS[event]
        language = person.language
        if name:
            text = self.catalogs.text(language, by_name, name=name)
        else:
            text = self.catalogs.text(language, by_role)
        tx.append_message(person.key, Direction.NOTICE, text, now)
        return Outcome(
            replies=(Reply(text, right_to_left=self.catalogs.is_rtl(language)),),
            language=language,
            flow=person.flow,
            handoff=person.handoff,
            speaker=Speaker.NOTICE,
            speaker_name=name,
        )
