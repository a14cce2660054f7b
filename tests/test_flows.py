"""Flows as data (bot/flows.py): the shipped flows are sound, malformed ones are refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine

from bot.core.actions import Actions
from bot.core.flows import HANDOFF, WIPE, FlowBook, FlowError, load_flows
from bot.runtime import Content
from resources_db.lookup import Directory


@pytest.fixture(scope="module")
def book(content: Content) -> FlowBook:
    return content.flows


def targets(book: FlowBook) -> list[str]:
    """Every place the flows can send a conversation to."""
    found = [book.start, book.menu, book.offer_person, *book.intents.values()]
    for step in book.steps.values():
        found.extend(option.go for option in step.options)
        found.extend(t for t in (step.go, step.then) if t and t not in (WIPE, HANDOFF))
    return found


# -- the shipped flows --------------------------------------------------------------------------


def test_the_shipped_flows_load(book: FlowBook) -> None:
    assert book.steps
    assert book.start in book.firsts
    assert book.misses_before_offer >= 1


def test_every_target_of_the_shipped_flows_resolves(book: FlowBook) -> None:
    unresolved = []
    for target in targets(book):
        try:
            book.resolve(target)
        except FlowError:
            unresolved.append(target)
    assert not unresolved


def test_every_action_the_shipped_flows_use_exists(book: FlowBook, content: Content) -> None:
    actions = Actions(content.catalogs, Directory(create_engine("sqlite://")), content.rights)
    assert book.actions()
    assert book.actions() <= actions.names, sorted(book.actions() - actions.names)
    assert book.inputs() <= actions.inputs, sorted(book.inputs() - actions.inputs)
    assert book.conditions() <= actions.conditions, sorted(book.conditions() - actions.conditions)


def test_every_shipped_step_ends_in_options_input_or_then(book: FlowBook) -> None:
    stalls = [
        step.name for step in book.steps.values() if not (step.options or step.input or step.then)
    ]
    assert not stalls


def test_a_flow_name_resolves_to_its_first_step(book: FlowBook) -> None:
    assert book.resolve("find_help").name == "find_help.country"
    assert book.resolve("find_help.need").name == "find_help.need"


# -- malformed definitions ----------------------------------------------------------------------


def valid_flows() -> dict[str, list[dict[str, Any]]]:
    """The smallest sound definition: a welcome and a menu that lead to each other."""
    return {
        "welcome": [
            {
                "id": "ask",
                "ask": "welcome.safe_now",
                "options": [{"id": "yes", "label": "common.yes", "go": "menu"}],
            }
        ],
        "menu": [
            {
                "id": "choose",
                "ask": "menu.prompt",
                "options": [{"id": "again", "label": "common.menu", "go": "welcome"}],
            }
        ],
    }


def write(tmp_path: Path, flows: dict[str, Any], **top: Any) -> Path:
    spec = {"start": "welcome", "menu": "menu", "offer_person": "menu", **top, "flows": flows}
    path = tmp_path / "flows.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def input_step(**fields: Any) -> dict[str, Any]:
    step = {
        "id": "country",
        "ask": "common.ask_country",
        "input": "country",
        "invalid": "common.unknown_country",
        "go": "menu",
    }
    step.update(fields)
    return {key: value for key, value in step.items() if value is not None}


def test_the_smallest_sound_definition_loads(tmp_path: Path) -> None:
    book = load_flows(write(tmp_path, valid_flows()))
    assert set(book.steps) == {"welcome.ask", "menu.choose"}


def test_an_option_to_an_unknown_flow_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["menu"][0]["options"].append({"id": "lost", "label": "common.no", "go": "nowhere"})
    with pytest.raises(FlowError, match="unknown flow target 'nowhere'"):
        load_flows(write(tmp_path, flows))


def test_an_option_to_an_unknown_step_of_a_known_flow_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["menu"][0]["options"][0]["go"] = "welcome.nowhere"
    with pytest.raises(FlowError, match=re.escape("unknown flow target 'welcome.nowhere'")):
        load_flows(write(tmp_path, flows))


def test_a_then_to_an_unknown_target_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["bye"] = [{"id": "say", "say": ["unsafe.goodbye"], "then": "nowhere"}]
    with pytest.raises(FlowError, match="unknown flow target 'nowhere'"):
        load_flows(write(tmp_path, flows))


def test_an_input_going_to_an_unknown_target_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["ask_country"] = [input_step(go="nowhere")]
    with pytest.raises(FlowError, match="unknown flow target 'nowhere'"):
        load_flows(write(tmp_path, flows))


def test_an_intent_to_an_unknown_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="unknown flow target 'nowhere'"):
        load_flows(write(tmp_path, valid_flows(), intents={"find_help": "nowhere"}))


@pytest.mark.parametrize("entry", ["start", "menu", "offer_person"])
def test_an_unknown_entry_point_is_refused(tmp_path: Path, entry: str) -> None:
    with pytest.raises(FlowError, match="unknown flow target 'nowhere'"):
        load_flows(write(tmp_path, valid_flows(), **{entry: "nowhere"}))


def test_a_step_with_nothing_to_end_it_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["welcome"].append({"id": "dead_end", "say": ["welcome.greeting"]})
    with pytest.raises(
        FlowError,
        match=re.escape("step 'welcome.dead_end' ends in neither options, input nor then"),
    ):
        load_flows(write(tmp_path, flows))


def test_duplicate_option_ids_are_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["menu"][0]["options"].append({"id": "again", "label": "common.no", "go": "menu"})
    with pytest.raises(
        FlowError, match=re.escape("step 'menu.choose' has two options with one id")
    ):
        load_flows(write(tmp_path, flows))


def test_duplicate_step_ids_are_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["menu"].append(dict(flows["menu"][0]))
    with pytest.raises(FlowError, match=re.escape("step 'menu.choose' is defined twice")):
        load_flows(write(tmp_path, flows))


@pytest.mark.parametrize("missing", ["ask", "invalid", "go"])
def test_an_input_step_without_ask_invalid_or_go_is_refused(tmp_path: Path, missing: str) -> None:
    flows = valid_flows()
    flows["ask_country"] = [input_step(**{missing: None})]
    with pytest.raises(
        FlowError, match=re.escape("input step 'ask_country.country' needs ask, invalid and go")
    ):
        load_flows(write(tmp_path, flows))


def test_a_flow_without_steps_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["empty"] = []
    with pytest.raises(FlowError, match="flow 'empty' has no steps"):
        load_flows(write(tmp_path, flows))


def test_a_skippable_step_without_go_is_refused(tmp_path: Path) -> None:
    flows = valid_flows()
    flows["menu"][0]["skip_if_set"] = "country"
    with pytest.raises(
        FlowError, match=re.escape("step 'menu.choose' can be skipped but has no go")
    ):
        load_flows(write(tmp_path, flows))
