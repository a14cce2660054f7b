"""The chat page in one language: ``chat.html`` with its ``{{key}}`` texts filled in.

Every language's texts also go into the page as a JSON data block (never run as a
script, so the Content-Security-Policy stays 'self'): the page switches language
when the conversation does, without asking the server.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from bot.channels.web.texts import PageTexts

SLOT = re.compile(r"\{\{([a-z_]+)\}\}")


@cache
def template(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def texts_json(texts: PageTexts) -> str:
    """Every language's texts, safe inside a ``<script type="application/json">``."""
    data = {
        "languages": texts.languages,
        "rtl": [lang for lang in texts.languages if texts.is_rtl(lang)],
        "texts": {lang: texts.of(lang) for lang in texts.languages},
    }
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(path: Path, texts: PageTexts, language: str, exit_url: str, max_chars: int) -> str:
    """The page in ``language`` (one Haven speaks), every text escaped for HTML; the exit
    address is in the page itself, so that leaving needs no request first."""
    shown = texts.of(language)
    values = {
        **{key: html.escape(text) for key, text in shown.items()},
        "exit_url": html.escape(exit_url),
        "max_chars": str(max_chars),
        "lang": language,
        "dir": "rtl" if texts.is_rtl(language) else "ltr",
        "page_texts": texts_json(texts),
    }
    return SLOT.sub(lambda slot: values[slot.group(1)], template(path))
