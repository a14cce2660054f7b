"""The gazetteer (resources_db/gazetteer.py): places people name, in every language, read
as where they are only when they say they are there, and ordinary words left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pycountry
import pytest

from bot.core.catalog import Catalogs
from common.yamlfile import read_yaml
from resources_db.countries import parse_country
from resources_db.gazetteer import DATA, KOSOVO, Spot, gazetteer

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = tuple(Catalogs.load(ROOT / "flows" / "locales").languages)
PLACES = gazetteer(LANGUAGES)


def where(text: str, *prefer: str) -> Spot | None:
    sighting = PLACES.where(text, prefer)
    return sighting.spot if sighting else None


# -- the answers that looped or misrouted at "which country are you in?" --------------------


@pytest.mark.parametrize(
    ("answer", "country"),
    [
        ("الإمارات", "AE"),
        ("Mỹ", "US"),
        ("Hong Kong", "HK"),
        ("HK", "HK"),
        ("houston", "US"),
        ("texas", "US"),
        ("USA", "US"),
        ("UAE", "AE"),
        ("Dubai", "AE"),
        ("Saudi", "SA"),
        ("Ontario", "CA"),
        ("Manila", "PH"),
        ("Madrid", "ES"),
        ("the states", "US"),
    ],
)
def test_the_places_that_were_not_understood_are_read_as_their_country(
    answer: str, country: str
) -> None:
    assert parse_country(answer, LANGUAGES) == country


@pytest.mark.parametrize(
    ("answer", "country"),
    [
        ("USA", "US"),
        ("the US", "US"),
        ("the states", "US"),
        ("EEUU", "US"),
        ("EE. UU.", "US"),
        ("Штаты", "US"),
        ("美国", "US"),
        ("UAE", "AE"),
        ("الإمارات", "AE"),
        ("阿联酋", "AE"),
        ("Эмираты", "AE"),
        ("ОАЭ", "AE"),
        ("السعودية", "SA"),
        ("Saudi", "SA"),
        ("KSA", "SA"),
        ("HK", "HK"),
        ("香港", "HK"),
        ("UK", "GB"),
        ("Inglaterra", "GB"),
        ("Pinas", "PH"),
    ],
)
def test_short_and_colloquial_country_names_are_read(answer: str, country: str) -> None:
    assert parse_country(answer, LANGUAGES) == country


def test_a_city_gives_its_country_region_and_name() -> None:
    assert PLACES.find("houston") is not None
    assert PLACES.find("houston").spot == Spot("US", "US-TX", "Houston")  # type: ignore[union-attr]


def test_a_region_gives_its_country_and_iso_code() -> None:
    assert where("Ontario") == Spot("CA", "CA-ON")
    assert where("Texas") == Spot("US", "US-TX")


@pytest.mark.parametrize(
    "name", ["Dubai", "Dubái", "Doubaï", "دبي", "迪拜", "杜拜", "Дубай", "Đu-bai"]
)
def test_a_city_is_read_in_every_script_it_is_written_in(name: str) -> None:
    assert where(name) == Spot("AE", "AE-DU", "Dubai")


def entries() -> list[tuple[str, str, str]]:
    """Every name of the data, with the country of its entry: (file, name, country)."""
    found: list[tuple[str, str, str]] = []

    def names(entry: dict[str, Any]) -> list[str]:
        plain = [name for language in LANGUAGES for name in entry.get(language) or ()]
        after = [name for names in (entry.get("after_marker") or {}).values() for name in names]
        return [*plain, *after, *(entry.get("whole_message") or ())]

    for code, entry in read_yaml(DATA / "countries.yml").items():
        found += [("countries", name, code) for name in names(entry)]
    for code, regions in read_yaml(DATA / "regions.yml").items():
        for entry in regions.values():
            found += [("regions", name, code) for name in names(entry)]
    for entry in read_yaml(DATA / "cities.yml"):
        found += [("cities", name, entry["country"]) for name in names(entry)]
    return found


@pytest.mark.parametrize(("file", "name", "country"), entries())
def test_every_name_of_the_data_alone_gives_its_country(file: str, name: str, country: str) -> None:
    assert where(name, country) is not None, f"{file}: {name!r} is not read"
    assert where(name, country).country == country  # type: ignore[union-attr]


def test_every_region_is_a_real_iso_3166_2_code_of_its_country() -> None:
    codes = [
        (spot.country, spot.region)
        for candidates in PLACES.names.values()
        for spot in (candidate.spot for candidate in candidates)
        if spot.region
    ]
    assert codes
    wrong = sorted(
        {(country, region) for country, region in codes if not _region_of(country, region)}
    )
    assert not wrong


def _region_of(country: str, region: str) -> bool:
    subdivision = pycountry.subdivisions.get(code=region)
    return subdivision is not None and subdivision.country_code == country


def test_every_country_is_a_real_iso_3166_1_code_or_kosovo() -> None:
    countries = {c.spot.country for found in PLACES.names.values() for c in found}
    assert {code for code in countries if pycountry.countries.get(alpha_2=code) is None} == {KOSOVO}


# -- where they are, not where they are from --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message", "place"),
    [
        ("en", "I'm in London now", Spot("GB", "GB-ENG", "London")),
        ("es", "estoy en Dubái", Spot("AE", "AE-DU", "Dubai")),
        ("fr", "je suis à Dubaï", Spot("AE", "AE-DU", "Dubai")),
        ("pt", "estou em Londres", Spot("GB", "GB-ENG", "London")),
        ("pt", "moro no Brasil há dois anos", Spot("BR")),
        ("ar", "انا في دبي", Spot("AE", "AE-DU", "Dubai")),
        ("ar", "انا بالسعودية", Spot("SA")),
        ("zh", "我在迪拜", Spot("AE", "AE-DU", "Dubai")),
        ("zh", "我现在在美国德州", Spot("US", "US-TX")),
        ("ru", "я сейчас в Дубае", Spot("AE", "AE-DU", "Dubai")),
        ("ru", "мы в Саудовской Аравии", Spot("SA")),
        ("uk", "я зараз у Лондоні", Spot("GB", "GB-ENG", "London")),
        ("vi", "em đang ở Mỹ", Spot("US")),
        ("vi", "em dang o ben Anh", Spot("GB")),
        ("vi", "em dang o london", Spot("GB", "GB-ENG", "London")),
        ("tl", "nasa Saudi ako", Spot("SA")),
        ("tl", "nandito ako sa Dubai", Spot("AE", "AE-DU", "Dubai")),
    ],
)
def test_a_place_after_a_location_word_is_where_the_person_is(
    language: str, message: str, place: Spot
) -> None:
    assert where(message) == place, language


@pytest.mark.parametrize(
    "message",
    [
        "I am from Mexico",
        "soy de México",
        "je viens du Mexique",
        "sou do Brasil",
        "انا من مصر",
        "我来自越南",
        "я из Мексики",
        "я з України",
        "em đến từ Việt Nam",
        "taga Mexico ako",
    ],
)
def test_where_someone_comes_from_is_not_where_they_are(message: str) -> None:
    assert PLACES.find(message) is not None, "the country is still mentioned"
    assert where(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "my family is in Mexico",
        "I was born in Mexico",
        "nací en México",
        "quê em ở Nghệ An",
        "我老家在越南",
        "я родился в Мексике",
        "أختي في لبنان والمدام ماخدة جوازها",
        "yung asawa ko nasa malaysia",
        "chị tôi bị giữ ở bên Lào",
        "mi hermano trabaja en Dubái",
        "what time is it in mexico",
    ],
)
def test_a_place_that_is_someone_elses_or_in_the_past_is_not_where_they_are(
    message: str,
) -> None:
    assert where(message) is None


def test_a_message_of_only_places_is_where_they_are() -> None:
    assert where("Houston, Texas") == Spot("US", "US-TX", "Houston")
    assert where("im in dubai uae now") == Spot("AE", "AE-DU", "Dubai")


def test_a_place_mentioned_in_a_sentence_is_not_where_they_are() -> None:
    assert where("London is expensive") is None
    assert PLACES.find("London is expensive") is not None


# -- ambiguous words stay words -------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "help us",
        "please help us now",
        "he locked me in my room",
        "em bị đánh",
        "quyền hợp pháp của tôi",
        "he took my mobile",
        "that was nice of her",
        "I was reading in bed",
        "my friend Jordan helped me",
        "Georgia is my sister",
        "Victoria said no",
        "у того чоловіка мій паспорт",
        "ضربني في العين",
        "sa hapon pa ako uuwi",
        "wait a sec",
        "estoy en la colonia",
        "vivo en el cantón",
        "o chefe está no porto",
        "quem descobriu o brasil",
        "o my god he is here",
        "які в мене права",
        "sing me a song",
        "nasa mali ako",
    ],
)
def test_ambiguous_words_inside_ordinary_sentences_are_not_places(message: str) -> None:
    assert where(message) is None


@pytest.mark.parametrize("message", ["my", "sec", "bi", "la casa", "la", "đc", "ni", "mali"])
def test_a_word_alone_that_only_looks_like_a_place_is_not_one(message: str) -> None:
    assert PLACES.find(message) is None


def test_a_name_two_places_share_is_the_one_in_the_country_already_known() -> None:
    assert where("I'm in Georgia", "US") == Spot("US", "US-GA")
    assert where("I'm in Georgia", "GE") == Spot("GE")
    assert where("انا في عمان", "JO") == Spot("JO", "JO-AM", "Amman")
    assert where("انا في عمان") == Spot("OM")


def test_the_gazetteer_is_built_once_per_set_of_languages() -> None:
    assert gazetteer(LANGUAGES) is PLACES
