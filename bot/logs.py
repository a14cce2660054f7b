"""Logging set-up. Haven logs event names and pseudonymous keys, never content.

The filter below is a second line of defence only: it masks long digit runs
(phone numbers, chat ids) should one ever slip into a log call's arguments.
"""

from __future__ import annotations

import logging
import re

_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{5,}\d")
QUIET_LIBRARIES = (
    "aiohttp",
    "alembic",
    "apscheduler",
    "httpcore",
    "httpx",
    "telegram",
    "twilio",
    "urllib3",
)
"""Libraries that log request URLs (with the bot token) or message payloads at INFO or
DEBUG: they only ever say warnings and errors, whatever Haven's own level."""


class MaskNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _DIGIT_RUN.sub("[number]", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
