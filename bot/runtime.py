"""Builds the parts of a running Haven from its settings, once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core.actions import Actions
from bot.core.answers import AnswerWords
from bot.core.catalog import Catalogs
from bot.core.engine import Engine
from bot.core.flows import FlowBook, FlowError, load_flows
from bot.core.interpreter import FlowInterpreter
from bot.core.rights import RightsCards
from bot.core.safety import SafetyLayer
from bot.handoff.availability import Availability
from bot.store.crypto import load_key_ring
from bot.store.db import open_database
from bot.store.store import Store
from nlu.embedded import EmbeddedClassifier
from nlu.language import LanguageGuesser
from nlu.rasa_client import DEFAULT_RASA_URL, NoFallback, RasaInterpreter
from nlu.result import Interpreter
from resources_db.lookup import Directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: Store
    engine: Engine
    availability: Availability

    def close(self) -> None:
        self.store.close()


def open_store(settings: Settings) -> Store:
    """The keys and a migrated database: all that the purge and the engine share."""
    settings.check_production()
    keys = load_key_ring(settings)
    return Store(open_database(settings), keys)


def build_interpreter(settings: Settings, engine: str | None = None) -> Interpreter:
    """Rasa when ``HAVEN_RASA_URL`` is set (or ``engine="rasa"``), else the embedded engine.

    Rasa asked for by name is evaluated on its own, without the fallback.
    """
    if engine == "rasa":
        url = settings.rasa_url or DEFAULT_RASA_URL
        return RasaInterpreter(
            url, settings.rasa_timeout, fallback=NoFallback(), token=settings.rasa_token
        )
    embedded = EmbeddedClassifier.load(
        settings.nlu_dir / "data", settings.models_path, settings.nlu_threshold
    )
    if engine == "embedded" or not settings.rasa_url:
        return embedded
    return RasaInterpreter(
        settings.rasa_url, settings.rasa_timeout, fallback=embedded, token=settings.rasa_token
    )


def build_guesser(settings: Settings, languages: list[str]) -> LanguageGuesser:
    return LanguageGuesser.load(settings.nlu_dir / "data", settings.models_path, languages)


@dataclass(frozen=True)
class Understanding:
    """The trained parts: read-only once built, so one process may share them."""

    interpreter: Interpreter
    guesser: LanguageGuesser


def build_understanding(settings: Settings, languages: list[str]) -> Understanding:
    return Understanding(build_interpreter(settings), build_guesser(settings, languages))


def check_flow_names(flows: FlowBook, actions: Actions) -> None:
    """Every action, input and condition the flows name exists."""
    unknown = (
        (flows.actions() - actions.names)
        | (flows.inputs() - actions.inputs)
        | (flows.conditions() - actions.conditions)
    )
    if unknown:
        raise FlowError(f"flows use unknown actions, inputs or conditions: {sorted(unknown)}")


@dataclass(frozen=True)
class Content:
    """What Haven says and how it decides, parsed from ``flows/``: read-only once loaded.

    Parsing it (YAML and gettext catalogs) costs more than the rest of a runtime, so one
    process may share it between runtimes built from the same ``flows_dir``.
    """

    flows_dir: Path
    catalogs: Catalogs
    flows: FlowBook
    safety: SafetyLayer
    rights: RightsCards
    answers: AnswerWords


def load_content(settings: Settings) -> Content:
    directory = settings.flows_dir
    catalogs = Catalogs.load(directory / "locales")
    return Content(
        flows_dir=directory,
        catalogs=catalogs,
        flows=load_flows(directory / "flows.yml"),
        safety=SafetyLayer.load(directory / "safety", catalogs.languages),
        rights=RightsCards.load(directory / "rights" / "cards.yml"),
        answers=AnswerWords.load(directory / "answers"),
    )


def build_runtime(
    settings: Settings,
    understanding: Understanding | None = None,
    content: Content | None = None,
) -> Runtime:
    """Everything a running Haven needs; ``understanding`` and ``content`` may be shared."""
    content = content or load_content(settings)
    if content.flows_dir != settings.flows_dir:
        raise ValueError(f"content of {content.flows_dir}, settings of {settings.flows_dir}")
    store = open_store(settings)
    catalogs = content.catalogs
    availability = Availability(settings, store)
    actions = Actions(catalogs, Directory(store.engine), content.rights, availability)
    check_flow_names(content.flows, actions)
    understanding = understanding or build_understanding(settings, catalogs.languages)
    engine = Engine(
        settings=settings,
        store=store,
        keys=store.keys,
        catalogs=catalogs,
        safety_layer=content.safety,
        guesser=understanding.guesser,
        flows=FlowInterpreter(
            settings,
            catalogs,
            content.flows,
            actions,
            understanding.interpreter,
            understanding.guesser,
            content.answers,
        ),
    )
    log.info("event=runtime_ready languages=%s", ",".join(catalogs.languages))
    return Runtime(settings=settings, store=store, engine=engine, availability=availability)
