"""Canned responses: standard texts an advocate can send, in the person's language.

Built from the same catalogs and directory as the bot's own replies, so a
translation or a directory change reaches them too. Titles are for the
advocate and stay in English.
"""

from __future__ import annotations

from bot.console.models import CannedText
from bot.core.actions import Actions
from bot.core.catalog import Catalogs
from bot.store.records import Conversation


def canned_responses(
    catalogs: Catalogs, actions: Actions, person: Conversation
) -> list[CannedText]:
    language = person.language

    def text(key: str) -> str:
        return catalogs.text(language, key)

    emergency = actions.run("emergency_numbers", person).text
    lines = actions.run("hotlines", person)
    hotlines = f"{text('person.intro')}\n{lines.text}" if lines.found else lines.text

    return [
        CannedText(id="safe_to_talk", title="Safe to talk?", text=text("welcome.safe_now")),
        CannedText(
            id="safety_plan",
            title="Safety plan",
            text=f"{text('canned.safety_plan')}\n\n{emergency}",
        ),
        CannedText(id="hotlines", title="Hotlines", text=hotlines),
        CannedText(id="still_there", title="Still there?", text=text("canned.still_there")),
    ]
