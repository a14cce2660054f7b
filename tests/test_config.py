"""Settings: development defaults, production refusals."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.config import ConfigError, Settings


def test_development_defaults_use_sqlite_under_var() -> None:
    settings = Settings(env="development")
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("var/haven.db")
    assert settings.retention == 86400
    assert settings.port == 8000


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_PORT", "9001")
    monkeypatch.setenv("HAVEN_RETENTION", "60")
    settings = Settings()
    assert settings.port == 9001
    assert settings.retention == 60


def test_rate_limit_is_messages_per_seconds() -> None:
    settings = Settings(rate_limit="5/10")
    assert (settings.rate_limit_count, settings.rate_limit_window) == (5, 10)
    with pytest.raises(ValidationError, match="MESSAGES/SECONDS"):
        Settings(rate_limit="lots")


@pytest.mark.parametrize(
    "missing", ["HAVEN_SECRET_KEY", "HAVEN_ENCRYPTION_KEYS", "HAVEN_DATABASE_URL"]
)
def test_production_names_each_missing_setting(missing: str) -> None:
    values = {
        "secret_key": "s" * 40,
        "encryption_keys": Fernet.generate_key().decode(),
        "database_url": "postgresql+psycopg://haven@db/haven",
    }
    field = missing.removeprefix("HAVEN_").lower()
    values[field] = ""
    with pytest.raises(ConfigError, match=missing):
        Settings(env="production", **values).check_production()  # type: ignore[arg-type]


def test_production_refuses_a_short_secret() -> None:
    settings = Settings(
        env="production",
        secret_key="short",
        encryption_keys=Fernet.generate_key().decode(),
        database_url="postgresql+psycopg://haven@db/haven",
    )
    with pytest.raises(ConfigError, match="at least 32"):
        settings.check_production()


def test_production_refuses_a_rasa_url_without_its_token() -> None:
    settings = Settings(
        env="production",
        secret_key="s" * 40,
        encryption_keys=Fernet.generate_key().decode(),
        database_url="postgresql+psycopg://haven@db/haven",
        rasa_url="http://rasa:5005",
    )
    with pytest.raises(ConfigError, match="HAVEN_RASA_TOKEN"):
        settings.check_production()


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"HAVEN_{name.upper()}=" in example, name
