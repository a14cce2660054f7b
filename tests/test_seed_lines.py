"""The seeded lines as a person meets them: right labels, police last and named, numbers first.

Police lines are offered right after "I am not the police", so they come after every
other line, are labelled as police in the person's language, and are given as "people
who can talk with you" only where a country has nothing else. A line opens with its
number: a phone's lock screen shows the first words of a message, and a line's name
("National Domestic Violence Hotline") may say what the person is hiding.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.actions import Actions
from bot.core.catalog import Catalogs
from bot.core.listing import dial, render
from bot.core.rights import RightsCards
from bot.core.safety import read_safety_words
from bot.store.db import make_engine, upgrade
from bot.store.records import Conversation
from common.clock import utcnow
from common.text import fold
from resources_db.importer import import_path
from resources_db.lookup import Directory, Query, Resource
from resources_db.seed import SEED_PACKAGE, load_seed
from tests.conftest import Chat
from tests.hsds_package import Package
from tests.seed_data import SeededLine, lines_with, national_line, seeded_lines

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
RIGHTS = RightsCards.load(ROOT / "flows" / "rights" / "cards.yml")
LANGUAGES = CATALOGS.languages
REVEALING = tuple(
    fold(word)
    for spec in read_safety_words(ROOT / "flows" / "safety").values()
    for word in spec.get("lock_screen_words", ())
)
POLICE_ONLY_COUNTRY = "KE"
"""Not in the seed: a test package gives it a single line, run by the police."""
POLICE_ONLY_NUMBER = "12345"


def line(country: str, phone: str) -> SeededLine:
    return next(item for item in seeded_lines() if item.country == country and item.phone == phone)


POLICE_LINE_COUNTRIES = sorted({item.country for item in seeded_lines() if item.police})


def police_lines(country: str) -> list[SeededLine]:
    return [item for item in seeded_lines() if item.country == country and item.police]


def police_only_country(folder: Path) -> Path:
    """A package whose country has one line, a hotline run by the police."""
    package = Package()
    service = package.service(
        "Police trafficking unit",
        needs=("hotline",),
        phone=POLICE_ONLY_NUMBER,
        area=POLICE_ONLY_COUNTRY,
    )
    taxonomy = package.add("taxonomy", name="haven_lines", description="Haven's line facts")
    term = package.add(
        "taxonomy_term", code="police", name="Police", description="Police", taxonomy_id=taxonomy
    )
    package.add("attribute", link_id=service, link_entity="service", taxonomy_term_id=term)
    return package.write(folder / "police-only")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    folder = tmp_path_factory.mktemp("seed-lines")
    url = f"sqlite:///{folder / 'directory.db'}"
    upgrade(url)
    database: Engine = make_engine(url)
    load_seed(database)
    assert import_path(database, police_only_country(folder)).problems == []
    return Directory(database)


def as_resource(seeded: SeededLine) -> Resource:
    return Resource(
        id=seeded.name,
        name=seeded.name,
        country=seeded.country,
        voice=seeded.phone,
        sms=seeded.sms,
        always_open=seeded.always_open,
        open_now=seeded.always_open,
        hours=(),
        languages=(),
        local=False,
        police=seeded.police,
        text_keyword=seeded.text_keyword,
    )


def conversation(country: str, language: str = "en") -> Conversation:
    now = utcnow()
    return Conversation(
        key="seed-lines",
        channel="terminal",
        language=language,
        flow="person",
        step="lines",
        created_at=now,
        last_active=now,
        rate_window_start=now,
        vars={"country": country},
    )


# -- corrections of the seed ----------------------------------------------------------------------


def test_germanys_116_016_is_a_line_for_women_not_a_trafficking_line() -> None:
    hilfetelefon = line("DE", "116016")
    assert "Gewalt gegen Frauen" in hilfetelefon.name
    assert hilfetelefon.needs == {"counselling"}


def test_indias_181_is_a_line_for_women_not_a_trafficking_line() -> None:
    assert line("IN", "181").needs == {"counselling"}


def test_indias_1098_is_a_child_line_not_a_line_for_adults() -> None:
    assert line("IN", "1098").needs == {"child"}


def test_new_zealands_105_is_a_police_line_not_counselling() -> None:
    police = line("NZ", "105")
    assert police.police
    assert "counselling" not in police.needs


@pytest.mark.parametrize(
    ("country", "phone"),
    [("ES", "900 105 090"), ("IE", "1800 666 111"), ("AU", "13 12 37"), ("NZ", "105")],
)
def test_police_lines_are_marked_as_police(country: str, phone: str) -> None:
    assert line(country, phone).police


def test_the_uk_has_the_salvation_army_referral_line_not_run_by_the_police() -> None:
    referral = line("GB", "0800 808 3733")
    assert "hotline" in referral.needs and not referral.police
    assert referral.always_open


def test_australia_has_a_trafficking_line_not_run_by_the_police() -> None:
    assert any(not item.police for item in lines_with("hotline") if item.country == "AU")


def test_thailands_1300_takes_texts_at_099_130_1300(directory: Directory) -> None:
    [hotline] = directory.search(Query("TH", "hotline"))
    assert (hotline.voice, dial(hotline.sms or "", "TH")) == ("1300", "099 130 1300")


@pytest.mark.parametrize(
    ("country", "number"),
    [("QA", "999"), ("HK", "999"), ("KW", "112"), ("LB", "112"), ("JO", "911")],
)
def test_the_gulf_levant_and_hong_kong_have_an_emergency_number(
    directory: Directory, country: str, number: str
) -> None:
    assert directory.emergency_number(country) == number


def test_every_seeded_service_has_a_source_page_and_every_source_a_service() -> None:
    with (SEED_PACKAGE / "metadata.csv").open(encoding="utf-8") as handle:
        sources = list(csv.DictReader(handle))
    with (SEED_PACKAGE / "services.csv").open(encoding="utf-8") as handle:
        services = {row["id"] for row in csv.DictReader(handle)}
    assert {row["resource_id"] for row in sources} == services
    assert all(row["updated_by"].startswith(("https://", "http://")) for row in sources)


# -- the text keyword -----------------------------------------------------------------------------


def test_the_us_domestic_violence_line_says_text_start_to_88788(directory: Directory) -> None:
    [ndvh] = [item for item in directory.search(Query("US", "counselling")) if item.sms == "88788"]
    assert ndvh.text_keyword == "START"
    assert "or text START to 88788:" in render(ndvh, "en", CATALOGS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_keyword_is_given_in_every_language(directory: Directory, language: str) -> None:
    [ndvh] = [item for item in directory.search(Query("US", "counselling")) if item.sms == "88788"]
    text = render(ndvh, language, CATALOGS)
    assert "START" in text and "88788" in text


def test_talk_to_a_person_in_the_us_gives_the_domestic_violence_text_keyword(
    new_chat: Callable[[str], Chat],
) -> None:
    chat = new_chat("web-seed-us")
    chat.to_menu()
    chat.say("4")
    chat.say("US")
    assert "text START to 88788" in chat.text()


# -- police last, labelled ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "need"),
    [
        (country, need)
        for country in POLICE_LINE_COUNTRIES
        for need in ("hotline", "counselling", "child", None)
    ],
)
def test_police_lines_come_after_every_other_line(
    directory: Directory, country: str, need: str | None
) -> None:
    found = directory.search(Query(country, need))
    assert [item.police for item in found] == sorted(item.police for item in found)


@pytest.mark.parametrize("country", ["AU", "NZ"])
def test_the_national_line_is_not_the_polices_where_there_is_another(
    directory: Directory, country: str
) -> None:
    hotline = directory.national_hotline(country)
    assert hotline is not None and not hotline.police
    assert hotline.name == national_line(country).name


def test_a_police_line_is_the_national_line_where_the_country_has_no_other(
    directory: Directory,
) -> None:
    hotline = directory.national_hotline("ES")
    assert hotline is not None and hotline.police


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_police_line_is_labelled_police_after_its_number_and_name(language: str) -> None:
    police = line("ES", "900 105 090")
    text = render(as_resource(police), language, CATALOGS)
    label = CATALOGS.text(language, "directory.police")
    assert text.startswith(police.phone)
    assert f"{police.name} ({label}" in text


def test_a_line_not_run_by_the_police_has_no_police_label() -> None:
    text = render(as_resource(line("ES", "016")), "es", CATALOGS)
    assert "policía" not in text


@pytest.mark.parametrize("country", POLICE_LINE_COUNTRIES)
def test_people_who_can_talk_with_you_are_not_the_police_where_there_is_anyone_else(
    directory: Directory, country: str
) -> None:
    text = Actions(CATALOGS, directory, RIGHTS).hotlines(conversation(country)).text
    for police in police_lines(country):
        assert police.phone not in text, country


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_police_line_is_given_labelled_where_a_country_has_nothing_else(
    directory: Directory, language: str
) -> None:
    actions = Actions(CATALOGS, directory, RIGHTS)
    answer = actions.hotlines(conversation(POLICE_ONLY_COUNTRY, language))
    assert answer.found
    assert answer.text.startswith(POLICE_ONLY_NUMBER)
    assert f"({CATALOGS.text(language, 'directory.police')}" in answer.text


def test_talk_to_a_person_in_spain_gives_the_womens_line_not_the_police(
    new_chat: Callable[[str], Chat],
) -> None:
    chat = new_chat("web-seed-es")
    chat.to_menu()
    chat.say("4")
    chat.say("ES")
    assert line("ES", "016").phone in chat.text()
    assert line("ES", "900 105 090").phone not in chat.text()


# -- numbers first --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_seeded_line_begins_with_its_number(language: str) -> None:
    for seeded in seeded_lines():
        text = render(as_resource(seeded), language, CATALOGS)
        assert text.startswith(seeded.phone), (language, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_comes_before_a_lines_name_reveals_nothing_on_a_lock_screen(language: str) -> None:
    for seeded in seeded_lines():
        text = render(as_resource(seeded), language, CATALOGS)
        opening = fold(text[: text.index(seeded.name)])
        assert not [word for word in REVEALING if word in opening], (language, text)


# -- child lines ----------------------------------------------------------------------------------

CHILD_LINE_COUNTRIES = sorted({item.country for item in lines_with("child")})


def test_child_lines_are_seeded_where_the_issue_names_them() -> None:
    named = {"US", "GB", "CA", "AU", "VN", "PH", "IN", "DE", "PL", "RO", "SE", "PT"}
    assert named <= set(CHILD_LINE_COUNTRIES)


@pytest.mark.parametrize("country", CHILD_LINE_COUNTRIES)
def test_the_directory_finds_the_child_line_of_every_country_that_has_one(
    directory: Directory, country: str
) -> None:
    found = directory.search(Query(country, "child"))
    children = {item.name for item in lines_with("child") if item.country == country}
    assert found and found[0].name in children


@pytest.mark.parametrize(("country", "phone"), [("VN", "111"), ("IN", "1098"), ("PH", "163")])
def test_the_child_lines_the_issue_names_are_found_for_a_child(
    directory: Directory, country: str, phone: str
) -> None:
    assert phone in [item.voice for item in directory.search(Query(country, "child"))]


@pytest.mark.parametrize("country", CHILD_LINE_COUNTRIES)
def test_a_search_without_a_need_leaves_child_lines_out(directory: Directory, country: str) -> None:
    only_children = {
        item.name
        for item in lines_with("child")
        if item.country == country and item.needs == {"child"}
    }
    assert not only_children & {item.name for item in directory.search(Query(country))}
