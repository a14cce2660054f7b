"""Key ring, rotation and the development keys file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import ConfigError, Settings
from bot.store.crypto import DecryptionError, KeyRing, load_key_ring

SECRET = "s" * 40


def test_text_round_trips_and_is_not_readable_at_rest() -> None:
    ring = KeyRing.from_strings(Fernet.generate_key().decode(), SECRET)
    token = ring.encrypt("mi jefe tiene mi pasaporte")
    assert b"pasaporte" not in token
    assert ring.decrypt(token) == "mi jefe tiene mi pasaporte"


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = KeyRing.from_strings(old, SECRET).encrypt("kept across rotation")
    rotated = KeyRing.from_strings(f"{new},{old}", SECRET)
    assert rotated.decrypt(before) == "kept across rotation"
    after = rotated.encrypt("new")
    assert KeyRing.from_strings(new, SECRET).decrypt(after) == "new"
    with pytest.raises(DecryptionError):
        KeyRing.from_strings(old, SECRET).decrypt(after)


def test_invalid_keys_are_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="Fernet keys"):
        KeyRing.from_strings("not-a-key", SECRET)


def test_session_keys_are_stable_and_depend_on_the_secret() -> None:
    key = Fernet.generate_key().decode()
    one = KeyRing.from_strings(key, SECRET)
    assert one.session_key("sms", "+15550100001") == one.session_key("sms", "+15550100001")
    assert len(one.session_key("sms", "+15550100001")) == 64
    other = KeyRing.from_strings(key, "t" * 40)
    assert one.session_key("sms", "+15550100001") != other.session_key("sms", "+15550100001")


def test_development_keys_are_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings(env="development", var_dir=tmp_path, encryption_keys="", secret_key="")
    first = load_key_ring(settings)
    path = tmp_path / "dev-keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_key_ring(settings)
    assert first.session_key("a", "b") == second.session_key("a", "b")
    assert second.decrypt(first.encrypt("same keys")) == "same keys"


def test_production_refuses_to_start_without_configured_keys(tmp_path: Path) -> None:
    settings = Settings(
        env="production", var_dir=tmp_path, database_url="postgresql://db/haven", secret_key=SECRET
    )
    with pytest.raises(ConfigError, match="HAVEN_ENCRYPTION_KEYS"):
        load_key_ring(settings)
    assert not (tmp_path / "dev-keys").exists()
