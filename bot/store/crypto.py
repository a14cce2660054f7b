"""Encryption at rest and pseudonymous session keys.

Anything that could identify or describe a person is stored only as Fernet
ciphertext. ``HAVEN_ENCRYPTION_KEYS`` is a comma-separated key ring: the first key
encrypts, every key decrypts, so keys can be rotated without losing live sessions.
Sessions are found by an HMAC of channel and sender id, never by the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

DEV_KEYS_FILE = "dev-keys"


class DecryptionError(RuntimeError):
    """Stored ciphertext could not be opened with any key in the ring."""


@dataclass(frozen=True)
class KeyRing:
    """Fernet keys (first encrypts, all decrypt) and the HMAC secret for session keys."""

    fernet: MultiFernet
    hmac_secret: bytes

    @classmethod
    def from_strings(cls, encryption_keys: str, secret_key: str) -> KeyRing:
        keys = [k.strip() for k in encryption_keys.split(",") if k.strip()]
        if not keys:
            raise ConfigError("HAVEN_ENCRYPTION_KEYS is empty")
        try:
            fernets = [Fernet(k.encode()) for k in keys]
        except ValueError as exc:
            raise ConfigError(
                "HAVEN_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes each)"
            ) from exc
        if not secret_key:
            raise ConfigError("HAVEN_SECRET_KEY is empty")
        return cls(fernet=MultiFernet(fernets), hmac_secret=secret_key.encode())

    def encrypt(self, text: str) -> bytes:
        return self.fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self.fernet.decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError(
                "stored data cannot be decrypted with the configured keys"
            ) from exc

    def session_key(self, channel: str, sender: str) -> str:
        """The pseudonymous key of a conversation: HMAC-SHA256 of channel and sender."""
        return self.digest(channel, sender)

    def digest(self, purpose: str, value: str) -> str:
        """A keyed digest of ``value``, for things recognised but never stored in clear."""
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self.hmac_secret, message, hashlib.sha256).hexdigest()


def load_key_ring(settings: Settings) -> KeyRing:
    """The configured key ring; in development, keys generated once into ``var/``."""
    settings.check_production()
    if settings.encryption_keys and settings.secret_key:
        return KeyRing.from_strings(settings.encryption_keys, settings.secret_key)
    if settings.is_production:
        raise ConfigError("production needs HAVEN_ENCRYPTION_KEYS and HAVEN_SECRET_KEY")
    encryption_keys, secret_key = _development_keys(settings.var_dir)
    return KeyRing.from_strings(
        settings.encryption_keys or encryption_keys, settings.secret_key or secret_key
    )


def _development_keys(var_dir: Path) -> tuple[str, str]:
    """Read or create ``var/dev-keys`` (mode 0600): a Fernet key and an HMAC secret."""
    path = var_dir / DEV_KEYS_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        content = f"{Fernet.generate_key().decode()}\n{secrets.token_urlsafe(48)}\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
            log.warning("event=dev_keys_generated path=%s (set keys in production)", path)
    lines = path.read_text().split()
    if len(lines) != 2:
        raise ConfigError(f"{path} is damaged; delete it to generate new development keys")
    return lines[0], lines[1]
