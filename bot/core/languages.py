"""Languages by name, as a person would recognise their own."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError


def language_names(code: str) -> str | None:
    """``hi`` → "Hindi (हिन्दी)": the English name, and the language's own where it differs."""
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return None
    english = locale.get_display_name("en")
    own = locale.get_display_name(code)
    if not english:
        return None
    return english if not own or own == english else f"{english} ({own})"
