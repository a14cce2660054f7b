"""Builds the parts of a running Haven from its settings, once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.actions import Actions
from bot.catalog import Catalogs
from bot.config import Settings
from bot.crypto import load_key_ring
from bot.db import make_engine, prepare
from bot.engine import Engine
from bot.flows import FlowError, load_flows
from bot.rights import RightsCards
from bot.safety import SafetyLayer
from bot.store import Store
from nlu.embedded import EmbeddedClassifier
from nlu.language import LanguageGuesser
from nlu.rasa_client import DEFAULT_RASA_URL, NoFallback, RasaInterpreter
from nlu.result import Interpreter
from resources_db.national import national_lines

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: Store
    engine: Engine

    def close(self) -> None:
        self.store.close()


def open_store(settings: Settings) -> Store:
    """The keys and a migrated database: all that the purge and the engine share."""
    settings.check_production()
    keys = load_key_ring(settings)
    database = make_engine(settings.effective_database_url)
    prepare(settings, database)
    return Store(database, keys)


def build_interpreter(settings: Settings, engine: str | None = None) -> Interpreter:
    """Rasa when ``HAVEN_RASA_URL`` is set (or ``engine="rasa"``), else the embedded engine.

    Rasa asked for by name is evaluated on its own, without the fallback.
    """
    embedded = EmbeddedClassifier.load(
        settings.nlu_dir / "data", settings.models_path, settings.nlu_threshold
    )
    if engine == "embedded" or (engine is None and not settings.rasa_url):
        return embedded
    url = settings.rasa_url or DEFAULT_RASA_URL
    return RasaInterpreter(
        url, settings.rasa_timeout, fallback=embedded if engine is None else NoFallback()
    )


def build_guesser(settings: Settings, languages: list[str]) -> LanguageGuesser:
    return LanguageGuesser.load(settings.nlu_dir / "data", settings.models_path, languages)


def build_runtime(settings: Settings) -> Runtime:
    store = open_store(settings)
    catalogs = Catalogs.load(settings.flows_dir / "locales")
    flows = load_flows(settings.flows_dir / "flows.yml")
    actions = Actions(
        catalogs, national_lines(), RightsCards.load(settings.flows_dir / "rights" / "cards.yml")
    )
    unknown = flows.actions() - actions.names
    if unknown:
        raise FlowError(f"flows use unknown actions: {sorted(unknown)}")
    engine = Engine(
        settings=settings,
        store=store,
        keys=store.keys,
        catalogs=catalogs,
        flows=flows,
        safety=SafetyLayer.load(settings.flows_dir / "safety", catalogs.languages),
        interpreter=build_interpreter(settings),
        guesser=build_guesser(settings, catalogs.languages),
        actions=actions,
    )
    log.info("event=runtime_ready languages=%s", ",".join(catalogs.languages))
    return Runtime(settings=settings, store=store, engine=engine)
