"""Flow definitions: the conversation as data, read from ``flows/flows.yml``.

This module only parses and checks the definitions; ``bot.core.engine`` interprets
them. The file's own header explains the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.yamlfile import read_yaml

WIPE = "wipe"
HANDOFF = "handoff"
"""``then: handoff`` queues the conversation for a person."""


class FlowError(ValueError):
    """A flow definition is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Say:
    """One part of a reply: a catalog message, or the text an action computes.

    An action's ``intro`` is a message key said before its text, and only when the
    action found something to list (no "Here are the numbers:" above "none found").
    """

    key: str | None = None
    action: str | None = None
    intro: str | None = None


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    go: str
    intents: tuple[str, ...] = ()
    set: dict[str, str] = field(default_factory=dict)
    resume: bool = False
    means: str | None = None
    """``yes`` or ``no``: picked by the yes or no words of the person's language."""


@dataclass(frozen=True)
class Step:
    flow: str
    id: str
    say: tuple[Say, ...] = ()
    ask: str | None = None
    options: tuple[Option, ...] = ()
    input: str | None = None
    invalid: str | None = None
    go: str | None = None
    skip_if_set: str | None = None
    skip_if: str | None = None
    """A condition the actions evaluate (``no_local_places``); true skips the step."""
    then: str | None = None
    otherwise: str | None = None
    """The option any other message picks: where only a clear yes may count as yes."""

    @property
    def name(self) -> str:
        return f"{self.flow}.{self.id}"

    def opening_key(self) -> str | None:
        """The catalog key a reply of this step starts with, when it starts with one."""
        if self.say:
            return self.say[0].key or self.say[0].intro
        return self.ask


@dataclass(frozen=True)
class FlowBook:
    """All flows, with the entry points the engine needs."""

    steps: dict[str, Step]
    firsts: dict[str, str]
    start: str
    menu: str
    offer_person: str
    misses_before_offer: int
    intents: dict[str, str]
    replies: dict[str, str] = field(default_factory=dict)
    """Intents answered with one message where the conversation is ("thank you")."""

    def resolve(self, target: str) -> Step:
        """``flow`` means its first step; ``flow.step`` one step."""
        name = target if "." in target else self.firsts.get(target, "")
        step = self.steps.get(name)
        if step is None:
            raise FlowError(f"unknown flow target {target!r}")
        return step

    def message_keys(self) -> set[str]:
        keys: set[str] = set()
        for step in self.steps.values():
            keys.update(k for part in step.say for k in (part.key, part.intro) if k)
            keys.update(k for k in (step.ask, step.invalid) if k)
            keys.update(option.label for option in step.options)
        return keys | set(self.replies.values())

    def actions(self) -> set[str]:
        return {part.action for step in self.steps.values() for part in step.say if part.action}

    def inputs(self) -> set[str]:
        return {step.input for step in self.steps.values() if step.input}

    def conditions(self) -> set[str]:
        return {step.skip_if for step in self.steps.values() if step.skip_if}


def load_flows(path: Path) -> FlowBook:
    spec = read_yaml(path)
    steps: dict[str, Step] = {}
    firsts: dict[str, str] = {}
    for flow_name, raw_steps in spec["flows"].items():
        if not raw_steps:
            raise FlowError(f"flow {flow_name!r} has no steps")
        for raw in raw_steps:
            step = _parse_step(flow_name, raw)
            if step.name in steps:
                raise FlowError(f"step {step.name!r} is defined twice")
            steps[step.name] = step
            firsts.setdefault(flow_name, step.name)
    book = FlowBook(
        steps=steps,
        firsts=firsts,
        start=spec["start"],
        menu=spec["menu"],
        offer_person=spec["offer_person"],
        misses_before_offer=int(spec.get("misses_before_offer", 2)),
        intents=dict(spec.get("intents", {})),
        replies=dict(spec.get("replies", {})),
    )
    _check(book)
    return book


def _parse_step(flow: str, raw: dict[str, Any]) -> Step:
    say = tuple(
        Say(key=part)
        if isinstance(part, str)
        else Say(action=str(part["action"]), intro=part.get("intro"))
        for part in raw.get("say", [])
    )
    options = tuple(
        Option(
            id=str(option["id"]),
            label=option["label"],
            go=option["go"],
            intents=tuple(option.get("intents", ())),
            set={str(k): str(v) for k, v in option.get("set", {}).items()},
            resume=bool(option.get("resume", False)),
            means=option.get("means"),
        )
        for option in raw.get("options", [])
    )
    return Step(
        flow=flow,
        id=str(raw["id"]),
        say=say,
        ask=raw.get("ask"),
        options=options,
        input=raw.get("input"),
        invalid=raw.get("invalid"),
        go=raw.get("go"),
        skip_if_set=raw.get("skip_if_set"),
        skip_if=raw.get("skip_if"),
        then=raw.get("then"),
        otherwise=raw.get("otherwise"),
    )


def _check(book: FlowBook) -> None:
    """Every target exists and every step ends in options, input or then."""
    targets = [book.start, book.menu, book.offer_person, *book.intents.values()]
    for step in book.steps.values():
        if not (step.options or step.input or step.then):
            raise FlowError(f"step {step.name!r} ends in neither options, input nor then")
        if step.input and not (step.go and step.ask and step.invalid):
            raise FlowError(f"input step {step.name!r} needs ask, invalid and go")
        if (step.skip_if_set or step.skip_if) and not step.go:
            raise FlowError(f"step {step.name!r} can be skipped but has no go")
        ids = [option.id for option in step.options]
        if len(ids) != len(set(ids)):
            raise FlowError(f"step {step.name!r} has two options with one id")
        if step.otherwise and step.otherwise not in ids:
            raise FlowError(f"step {step.name!r} falls back to an option it does not have")
        if any(option.means not in (None, "yes", "no") for option in step.options):
            raise FlowError(f"step {step.name!r} has an option that means neither yes nor no")
        targets.extend(option.go for option in step.options)
        targets.extend(t for t in (step.go, step.then) if t and t not in (WIPE, HANDOFF))
    for target in targets:
        book.resolve(target)
