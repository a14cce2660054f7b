"""Configuration from environment variables, with safe development defaults.

Production (``HAVEN_ENV=production``) refuses every default that is only safe on a
developer's machine: generated keys, a missing public URL and the like.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the message says how to fix it."""


class Settings(BaseSettings):
    """Every setting Haven reads; ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    """Processes ``haven serve`` runs; more than one needs PostgreSQL."""
    var_dir: Path = ROOT / "var"
    model_dir: Path | None = None
    database_url: str = ""
    secret_key: str = Field(default="", repr=False)
    encryption_keys: str = Field(default="", repr=False)
    retention: int = Field(default=86400, ge=1)
    purge_interval: int = Field(default=60, ge=1)
    rate_limit: str = "20/60"
    max_text: int = Field(default=2000, ge=100)
    exit_reply: str = ""
    default_language: str = "en"
    log_level: str = "INFO"
    flows_dir: Path = ROOT / "flows"
    nlu_dir: Path = ROOT / "nlu"
    rasa_url: str = ""
    rasa_timeout: float = Field(default=0.5, gt=0)
    rasa_token: str = Field(default="", repr=False)
    """Rasa's ``--auth-token``; sent as the ``token`` query parameter, never logged."""
    nlu_threshold: float = Field(default=0.3, ge=0, le=1)
    public_url: str = "http://127.0.0.1:8000"
    """The address providers reach Haven at; signatures are checked against it."""
    twilio_account_sid: str = ""
    twilio_auth_token: str = Field(default="", repr=False)
    twilio_api_url: str = Field(
        default="https://api.twilio.com",
        validation_alias=AliasChoices("HAVEN_TWILIO_API_URL", "TWILIO_API_URL"),
    )
    twilio_delete_after: int = Field(default=0, ge=0)
    """Seconds after a message is final before its copy at Twilio is deleted."""
    max_webhook_bytes: int = Field(default=65536, ge=1024)
    telegram_bot_token: str = Field(
        default="",
        repr=False,
        validation_alias=AliasChoices("HAVEN_TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"),
    )
    telegram_webhook_secret: str = Field(
        default="",
        repr=False,
        validation_alias=AliasChoices("HAVEN_TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_SECRET"),
    )
    """Telegram sends it in ``X-Telegram-Bot-Api-Secret-Token``; 1-256 of A-Z a-z 0-9 _ -."""
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        validation_alias=AliasChoices("HAVEN_TELEGRAM_API_URL", "TELEGRAM_API_URL"),
    )
    web_exit_url: str = "https://www.google.com/search?q=weather"
    """Where the web chat's quick exit sends the browser: an ordinary, neutral page."""
    opening_hours: str = ""
    """When advocates answer, e.g. ``MO-FR 09:00-17:00, SA 10:00-14:00``; empty: always."""
    timezone: str = "UTC"
    """The time zone of the opening hours (an IANA name)."""
    queue_wait: int = Field(default=0, ge=0)
    """Minutes a person usually waits for an advocate, said while too few recent claims tell;
    0: say nothing rather than guess."""
    advocate_name_shown: Literal["first_name", "role"] = "role"
    """How the person sees who writes from the console: the advocate's first name, or the
    role ("Advocate")."""
    console_idle: int = Field(default=1800, ge=60)
    """Seconds without a request after which a console session ends."""
    audit_retention: int = Field(default=15_552_000, ge=86_400)
    """Seconds the audit log is kept (default 180 days)."""
    twilio_from: str = ""
    """The Twilio number advocates' SMS replies are sent from (E.164)."""

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str) -> str:
        count, _, window = value.partition("/")
        if not (count.isdigit() and window.isdigit() and int(count) > 0 and int(window) > 0):
            raise ValueError("HAVEN_RATE_LIMIT must look like MESSAGES/SECONDS, e.g. 20/60")
        return value

    @property
    def rate_limit_count(self) -> int:
        return int(self.rate_limit.split("/")[0])

    @property
    def rate_limit_window(self) -> int:
        return int(self.rate_limit.split("/")[1])

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def models_path(self) -> Path:
        """Where trained models are cached (``HAVEN_MODEL_DIR``, else ``var/models``)."""
        return self.model_dir or self.var_dir / "models"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'haven.db'}"

    def check_production(self) -> None:
        """Refuse to run in production on defaults that are only safe in development."""
        if not self.is_production:
            return
        missing = [
            name
            for name, value in (
                ("HAVEN_SECRET_KEY", self.secret_key),
                ("HAVEN_ENCRYPTION_KEYS", self.encryption_keys),
                ("HAVEN_DATABASE_URL", self.database_url),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "production refuses to start without " + ", ".join(missing) + " (see .env.example)"
            )
        if len(self.secret_key) < 32:
            raise ConfigError("HAVEN_SECRET_KEY must be at least 32 characters in production")
        if bool(self.twilio_auth_token) != bool(self.twilio_account_sid):
            raise ConfigError(
                "set both HAVEN_TWILIO_ACCOUNT_SID and HAVEN_TWILIO_AUTH_TOKEN, or neither"
            )
        if self.twilio_auth_token and not self.public_url.startswith("https://"):
            raise ConfigError(
                "HAVEN_PUBLIC_URL must be the https:// address Twilio posts to in production"
            )
        if self.rasa_url and not self.rasa_token:
            raise ConfigError(
                "HAVEN_RASA_URL is set without HAVEN_RASA_TOKEN: run Rasa with --auth-token "
                "and give Haven the same token"
            )

    def check_channels(self) -> None:
        """Refuse channel settings that would accept forged traffic, in every environment."""
        if self.telegram_bot_token and not self.telegram_webhook_secret:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is set without TELEGRAM_WEBHOOK_SECRET: Haven will not accept "
                "Telegram updates it cannot tell from forged ones; set a random secret "
                "(1-256 letters, digits, _ or -) and run `haven telegram set-webhook`"
            )
        if self.telegram_webhook_secret and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", self.telegram_webhook_secret
        ):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z a-z 0-9 _ - (1-256)")

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings`` instead."""
    return Settings()
