"""Shared fixtures: real settings, a real SQLite file, a real engine."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.core.engine import Engine
from bot.core.messages import Inbound, Outcome
from bot.runtime import (
    Content,
    Runtime,
    Understanding,
    build_runtime,
    build_understanding,
    load_content,
)
from bot.store.db import make_engine, upgrade
from resources_db.seed import load_seed
from tests.console_harness import Console, open_console
from tests.haven_cli import Haven
from tests.live_server import Live, live_haven
from tests.settings import TEST_SECRET, SettingsMaker, make_settings


@sqlalchemy.event.listens_for(sqlalchemy.Engine, "connect")
def _no_fsync(dbapi_connection: object, _record: object) -> None:
    """The tests' SQLite files need not survive a power cut: no fsync at every commit.

    What is written, and what a wipe leaves in the file, is the same; on this machine's
    shared disk the fsyncs took half the time of a test that drives the engine.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Rasa's tests first and on one worker (with ``-n``): they share one `rasa run`, which
    takes a minute to start, and their two minutes overlap the rest of the suite."""
    for item in items:
        if item.get_closest_marker("rasa"):
            item.add_marker(pytest.mark.xdist_group("rasa"))
    items.sort(key=lambda item: item.get_closest_marker("rasa") is None)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The machine's model cache: a model is trained once per version of its data and code.

    It lives beside Rasa's environment (``$HAVEN_CACHE_DIR``, by default ``~/.cache/haven``),
    so clones and runs share it; a machine without it trains once, in whichever test
    process asks first, while the others wait for that model (see ``nlu/model_cache.py``).
    """
    cache = Path(os.environ.get("HAVEN_CACHE_DIR") or Path.home() / ".cache" / "haven")
    return cache / "models"


@pytest.fixture(scope="session")
def encryption_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database holding the seed directory, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "haven.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    database = make_engine(url)
    load_seed(database)
    database.dispose()
    return path


@pytest.fixture
def settings_with(
    tmp_path: Path, model_dir: Path, encryption_key: str, template_database: Path
) -> SettingsMaker:
    """Settings with some values changed, on a copy of the migrated and seeded database."""
    shutil.copyfile(template_database, tmp_path / "haven.db")

    def make(**overrides: object) -> Settings:
        return make_settings(tmp_path, model_dir, encryption_key, **overrides)

    return make


@pytest.fixture
def settings(settings_with: SettingsMaker) -> Settings:
    return settings_with()


@pytest.fixture(scope="session")
def content(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, encryption_key: str
) -> Content:
    """The shipped flows, texts, safety words and rights cards, parsed once for every test."""
    settings = make_settings(tmp_path_factory.mktemp("content"), model_dir, encryption_key)
    return load_content(settings)


@pytest.fixture(scope="session")
def understanding(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, encryption_key: str, content: Content
) -> Understanding:
    """The trained models, built once: they are read-only, so every test may share them."""
    settings = make_settings(tmp_path_factory.mktemp("nlu"), model_dir, encryption_key)
    return build_understanding(settings, content.catalogs.languages)


@pytest.fixture
def runtime(
    settings: Settings, understanding: Understanding, content: Content
) -> Iterator[Runtime]:
    built = build_runtime(settings, understanding, content)
    yield built
    built.close()


@pytest.fixture
def engine(runtime: Runtime) -> Engine:
    return runtime.engine


@dataclass
class Chat:
    """One person talking to the engine, as a channel would pass their messages."""

    engine: Engine
    sender: str = "+15550100001"
    channel: str = "terminal"
    language_hint: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    def say(
        self,
        text: str = "",
        *,
        choice: str | None = None,
        at: datetime | None = None,
        provider_id: str | None = None,
    ) -> Outcome:
        inbound = Inbound(
            channel=self.channel,
            sender=self.sender,
            text=text,
            choice=choice,
            provider_id=provider_id,
            language_hint=self.language_hint,
            **({"received_at": at} if at else {}),
        )
        outcome = self.engine.handle(inbound)
        self.outcomes.append(outcome)
        return outcome

    def text(self, outcome: Outcome | None = None) -> str:
        """All reply texts of an outcome (the last one by default), joined."""
        outcome = outcome or self.outcomes[-1]
        return "\n".join(reply.text for reply in outcome.replies)

    def option_ids(self, outcome: Outcome | None = None) -> list[str]:
        outcome = outcome or self.outcomes[-1]
        return [option.id for reply in outcome.replies for option in reply.options]

    def to_menu(self, greeting: str = "hi", yes: str = "yes") -> Outcome:
        """The first contact and "yes, it is safe": ends at the main menu."""
        self.say(greeting)
        outcome = self.say(yes)
        assert outcome.flow == "menu", outcome
        return outcome


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)


@pytest.fixture
def new_chat(engine: Engine):  # type: ignore[no-untyped-def]
    """A factory for more people talking to the same engine."""

    def make(sender: str, **kwargs: object) -> Chat:
        return Chat(engine, sender=sender, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def haven(tmp_path: Path, model_dir: Path, encryption_key: str) -> Haven:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HAVEN_")}
    database = tmp_path / "haven.db"
    env.update(
        HAVEN_ENV="test",
        HAVEN_VAR_DIR=str(tmp_path / "var"),
        HAVEN_DATABASE_URL=f"sqlite:///{database}",
        HAVEN_ENCRYPTION_KEYS=encryption_key,
        HAVEN_SECRET_KEY=TEST_SECRET,
        HAVEN_MODEL_DIR=str(model_dir),
    )
    work = tmp_path / "cwd"  # no stray .env file can reach the command from here
    work.mkdir()
    return Haven(env=env, cwd=work, database=database)


@pytest.fixture
def console(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Console]:
    """The whole app with fake Telegram and Twilio servers and three advocate accounts."""
    with open_console(settings_with, understanding, content) as opened:
        yield opened


@pytest.fixture
def live(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Live]:
    """Haven served by uvicorn on a loopback port."""
    with live_haven(settings_with, understanding, content) as running:
        yield running
