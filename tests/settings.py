"""Settings for tests: everything under the test's own folder, keys of the test run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher, profiles

from bot.config import Settings

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-checks"
TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
"""argon2 at its lowest cost, for test accounts: the production cost takes about half a
second a hash here, and signing in reads the cost from the stored hash."""
SettingsMaker = Callable[..., Settings]
"""Settings for one test with some values changed (the ``settings_with`` fixture)."""


def make_settings(
    tmp_path: Path, model_dir: Path, encryption_key: str, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "var_dir": tmp_path / "var",
        "model_dir": model_dir,
        "database_url": f"sqlite:///{tmp_path / 'haven.db'}",
        "encryption_keys": encryption_key,
        "secret_key": TEST_SECRET,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
