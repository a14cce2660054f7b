"""When someone else checks or shares the phone: hearing it, and what Haven says about it.

"Yes, but he checks my phone" at the safe-to-talk question is a yes with a warning,
not a no: erasing the chat then would lose the person for nothing. It, and a message
anywhere that says the phone is checked, read or shared, leads to short steps for
the person's channel (the ``phone`` flow), then the conversation goes on.

The words are data (``but:`` in ``flows/answers/<lang>.yml``). A "yes, but" needs a
yes word and a "but" word of one language, so that a word of another language ("mas",
Portuguese "but", Spanish "more") cannot make one. The channel texts are catalog keys
named after the channel (``phone.advice.sms``), so this module knows no channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.core.catalog import SOURCE_LANGUAGE, Catalogs
from bot.core.flows import Step
from bot.core.safety import DELETE_FLOW, LEAVE_FLOW
from bot.store.records import Conversation
from common.text import find_words, normalize, on_word_boundary
from common.yamlfile import read_yaml

PHONE_FLOW = "phone"
ADVICE = "phone.advice"
"""Steps that keep the chat from whoever checks the phone: ``phone.advice.<channel>``."""
AFTER_ERASE = "phone.after_erase"
"""What erasing did not reach on the device: ``phone.after_erase.<channel>``."""
ANY_CHANNEL = "other"
"""The advice for a channel without its own."""
NOT_INTERRUPTED = frozenset({DELETE_FLOW, LEAVE_FLOW, PHONE_FLOW})
"""Flows whose question is answered even by a message that mentions the phone:
"yes, he checks my phone" to "Leave now?" leaves."""


@dataclass(frozen=True)
class Answers:
    """One language's leading words: yes, no, and what qualifies a yes."""

    yes: tuple[str, ...]
    no: tuple[str, ...]
    but: tuple[str, ...]


@dataclass(frozen=True)
class PhoneWords:
    languages: dict[str, Answers]
    checked: tuple[str, ...]
    """Phrases of every language that say the phone is checked, read or shared."""

    @classmethod
    def load(cls, directory: Path) -> PhoneWords:
        languages: dict[str, Answers] = {}
        checked: list[str] = []
        for path in sorted(directory.glob("*.yml")):
            spec = read_yaml(path)
            languages[path.stem] = Answers(
                _longest_first(spec["yes"]),
                _longest_first(spec["no"]),
                _longest_first(spec["but"]["words"]),
            )
            checked += [normalize(phrase) for phrase in spec["but"]["phone"]]
        return cls(languages, tuple(dict.fromkeys(checked)))

    def qualified_yes(self, folded: str) -> bool:
        """A yes, then but/however/except/only/sometimes of its language: "có nhưng…"."""
        for words in self.languages.values():
            rest = _after_leading(folded, words.yes)
            if rest is not None and any(find_words(rest, but) != -1 for but in words.but):
                return True
        return False

    def leading_no(self, folded: str) -> bool:
        """Whether the message opens with a no ("no, he checks my phone"), not a "but"
        that happens to begin like one (Chinese 不过, "however", after 不, "no")."""
        return any(
            _after_leading(folded, words.no) is not None
            and _after_leading(folded, words.but) is None
            for words in self.languages.values()
        )

    def says_checked(self, folded: str) -> bool:
        """Whether the message says the phone is checked, read or shared, in any language."""
        return any(find_words(folded, phrase) != -1 for phrase in self.checked)

    def wants_advice(self, step: Step, text: str, at_safe_question: bool) -> bool:
        """Whether the message, at ``step``, should get the phone-safety steps.

        At the safe-to-talk question a "yes, but…" does, and so does a mention of the
        phone unless the message opens with a no (a no stays a no). Elsewhere only a
        mention does, except where the step must hear its own answer: a clear-yes
        question (``otherwise``) and the flows that erase.
        """
        folded = normalize(text)
        if not folded or step.otherwise or step.flow in NOT_INTERRUPTED:
            return False
        if at_safe_question:
            if self.qualified_yes(folded):
                return True
            return self.says_checked(folded) and not self.leading_no(folded)
        return self.says_checked(folded)


def channel_text(catalogs: Catalogs, conversation: Conversation, prefix: str) -> str | None:
    """The text ``<prefix>.<channel>`` in the person's language; None where the channel
    has none."""
    key = f"{prefix}.{conversation.channel}"
    if key not in catalogs.entries[SOURCE_LANGUAGE]:
        return None
    return catalogs.text(conversation.language, key)


def advice(catalogs: Catalogs, conversation: Conversation) -> str:
    """The phone-safety steps for the person's channel (a general text for another)."""
    text = channel_text(catalogs, conversation, ADVICE)
    return text or catalogs.text(conversation.language, f"{ADVICE}.{ANY_CHANNEL}")


def after_erase(catalogs: Catalogs, conversation: Conversation) -> str:
    """What erasing Haven's copy leaves on the device, where the channel says so; empty
    elsewhere (the reply before it already says that Haven erased its own copy)."""
    return channel_text(catalogs, conversation, AFTER_ERASE) or ""


def _longest_first(words: Iterable[str]) -> tuple[str, ...]:
    folded = {normalize(word) for word in words}
    return tuple(sorted(folded - {""}, key=len, reverse=True))


def _after_leading(folded: str, words: tuple[str, ...]) -> str | None:
    """What follows the longest of ``words`` the message opens with; None if it opens
    with none of them."""
    for word in words:
        if folded.startswith(word) and on_word_boundary(folded, 0, len(word)):
            return folded[len(word) :]
    return None
