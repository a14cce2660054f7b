"""Directory results as text: what a person reads, within two SMS segments."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import Catalogs
from bot.core.listing import MAX_SEGMENTS, dial, render
from bot.core.segments import segments
from resources_db.lookup import Resource
from resources_db.schedules import Hours
from tests.seed_data import seeded_lines

CATALOGS = Catalogs.load(Path(__file__).resolve().parent.parent / "flows" / "locales")
WEEKDAYS_9_TO_5 = Hours(frozenset(range(5)), 9 * 60, 17 * 60, None)


def resource(**overrides: object) -> Resource:
    values: dict[str, object] = {
        "id": "r1",
        "name": "Bayou Safe House",
        "country": "US",
        "voice": "+17135550101",
        "sms": None,
        "always_open": False,
        "open_now": False,
        "hours": (),
        "languages": (),
        "local": True,
    }
    values.update(overrides)
    return Resource(**values)  # type: ignore[arg-type]


def test_a_result_gives_its_number_as_dialled_at_home_then_names_the_service() -> None:
    assert render(resource(), "en", CATALOGS) == "(713) 555-0101: Bayou Safe House"


def test_a_line_that_takes_sms_says_so_and_24_7_is_shown() -> None:
    text = render(resource(sms="233733", always_open=True, voice="+18883737888"), "en", CATALOGS)
    assert text == "(888) 373-7888, or text 233733: Bayou Safe House (open 24/7)"


def test_weekly_hours_use_the_persons_day_names() -> None:
    assert "(open Mon–Fri 09:00–17:00)" in render(
        resource(hours=(WEEKDAYS_9_TO_5,)), "en", CATALOGS
    )
    assert "lun–vie 09:00–17:00" in render(resource(hours=(WEEKDAYS_9_TO_5,)), "es", CATALOGS)


def test_languages_are_named_in_the_persons_language() -> None:
    text = render(resource(languages=("es", "en")), "es", CATALOGS)
    assert "español" in text and "inglés" in text


def test_a_number_from_another_country_is_written_internationally() -> None:
    assert dial("+441234234567", "US") == "+44 1234 234567"
    assert dial("233733", "US") == "233733"


def test_what_does_not_fit_two_segments_is_left_out_languages_first() -> None:
    many = tuple(["es", "en", "fr", "pt", "ar", "zh", "ru", "uk", "vi", "tl"] * 3)
    text = render(resource(hours=(WEEKDAYS_9_TO_5,), languages=many), "en", CATALOGS)
    assert segments(text) <= MAX_SEGMENTS
    assert "09:00" in text and "languages" not in text


def test_a_very_long_name_is_cut_to_fit() -> None:
    text = render(resource(name="Shelter " * 60), "en", CATALOGS)
    assert segments(text) <= MAX_SEGMENTS
    assert text.startswith("(713) 555-0101: Shelter") and text.endswith("…")


@pytest.mark.parametrize("language", CATALOGS.languages)
def test_every_seeded_line_fits_two_segments_in_every_language(language: str) -> None:
    for line in seeded_lines():
        text = render(
            resource(
                name=line.name,
                country=line.country,
                voice=line.phone,
                sms=line.sms,
                always_open=True,
                police=line.police,
                text_keyword=line.text_keyword,
                languages=("en", "es"),
            ),
            language,
            CATALOGS,
        )
        assert segments(text) <= MAX_SEGMENTS, (language, text)
