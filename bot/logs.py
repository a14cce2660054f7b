"""Logging set-up. Haven logs event names and pseudonymous keys, never content.

The filter below is a second line of defence only: it masks long digit runs
(phone numbers, chat ids) should one ever slip into a log call's arguments.
"""

from __future__ import annotations

import logging
import re

_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{5,}\d")


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
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
