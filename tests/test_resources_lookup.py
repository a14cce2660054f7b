"""Looking resources up: area before country, open before closed, the person's language first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.store.db import make_engine, upgrade
from resources_db.importer import import_path
from resources_db.lookup import MAX_RESULTS, Directory, Place, Query
from resources_db.seed import load_seed
from tests.hsds_package import (
    AUSTIN_LEGAL,
    DALLAS_CLINIC,
    HOUSTON_SHELTER,
    NEW_YORK_FOOD,
    Package,
    local_directory,
)
from tests.seed_data import lines_with

MONDAY_NOON_IN_TEXAS = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
SATURDAY_NOON_IN_TEXAS = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
US_HOTLINE = "National Human Trafficking Hotline"
HOUSTON = Place("US", region="US-TX", city="houston")
TEXAS = Place("US", region="US-TX")


def open_directory(folder: Path, *packages: tuple[str, Package]) -> Directory:
    url = f"sqlite:///{folder / 'directory.db'}"
    upgrade(url)
    database: Engine = make_engine(url)
    load_seed(database)
    for name, package in packages:
        report = import_path(database, package.write(folder / name))
        assert report.problems == []
    return Directory(database)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    return open_directory(tmp_path_factory.mktemp("lookup"), ("texas", local_directory()))


def names(found: list) -> list[str]:  # type: ignore[type-arg]
    return [item.name for item in found]


# -- area ----------------------------------------------------------------------------------------


def test_a_service_in_the_persons_city_comes_before_national_ones(directory: Directory) -> None:
    found = directory.search(Query("US", "shelter", HOUSTON))
    assert names(found) == [HOUSTON_SHELTER, US_HOTLINE]
    assert found[0].local and not found[1].local


def test_services_in_the_persons_region_come_before_national_ones(directory: Directory) -> None:
    found = directory.search(Query("US", "legal", TEXAS, at=MONDAY_NOON_IN_TEXAS))
    assert names(found)[:2] == [AUSTIN_LEGAL, DALLAS_CLINIC]
    assert names(found)[-1] == US_HOTLINE


def test_local_services_elsewhere_are_left_out_when_the_place_is_known(
    directory: Directory,
) -> None:
    found = directory.search(Query("US", "food", HOUSTON))
    assert NEW_YORK_FOOD not in names(found)
    assert names(found) == [US_HOTLINE]


def test_without_a_place_national_services_come_before_local_ones(directory: Directory) -> None:
    found = directory.search(Query("US", "food"))
    assert names(found) == [NEW_YORK_FOOD, US_HOTLINE]  # the only food service, then the line


# -- open now, 24/7 and language ----------------------------------------------------------------


def test_open_now_comes_before_closed(tmp_path: Path) -> None:
    package = Package()
    package.service(
        "A Closed Office",
        needs=("legal",),
        phone="+1 713 555 0110",
        area="US-TX",
        hours=("SA,SU", "10:00", "12:00"),
    )
    package.service(
        "B Open Office",
        needs=("legal",),
        phone="+1 713 555 0111",
        area="US-TX",
        hours=("MO,TU,WE,TH,FR", "09:00", "17:00"),
    )
    directory = open_directory(tmp_path, ("offices", package))
    found = directory.search(Query("US", "legal", TEXAS, at=MONDAY_NOON_IN_TEXAS))
    assert names(found)[:2] == ["B Open Office", "A Closed Office"]
    assert found[0].open_now and not found[1].open_now


def test_a_24_7_service_comes_before_one_with_office_hours(tmp_path: Path) -> None:
    package = Package()
    package.service(
        "A Office",
        needs=("shelter",),
        phone="+1 713 555 0112",
        area="US-TX",
        hours=("MO,TU,WE,TH,FR", "09:00", "17:00"),
    )
    package.service(
        "B Always",
        needs=("shelter",),
        phone="+1 713 555 0113",
        area="US-TX",
        hours=("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
    )
    directory = open_directory(tmp_path, ("shelters", package))
    found = directory.search(Query("US", "shelter", TEXAS, at=SATURDAY_NOON_IN_TEXAS))
    assert names(found)[:2] == ["B Always", "A Office"]
    assert found[0].always_open


def test_the_persons_language_comes_first_among_equals(tmp_path: Path) -> None:
    package = Package()
    package.service(
        "A English", needs=("legal",), phone="+1 713 555 0114", area="US-TX", languages=("en",)
    )
    package.service(
        "B Spanish", needs=("legal",), phone="+1 713 555 0115", area="US-TX", languages=("es", "en")
    )
    directory = open_directory(tmp_path, ("clinics", package))
    assert names(directory.search(Query("US", "legal", TEXAS, "es")))[:2] == [
        "B Spanish",
        "A English",
    ]
    assert names(directory.search(Query("US", "legal", TEXAS, "en")))[:2] == [
        "A English",
        "B Spanish",
    ]


def test_an_overnight_schedule_is_open_after_midnight(tmp_path: Path) -> None:
    package = Package()
    package.service(
        "Night Line",
        needs=("counselling",),
        phone="+1 713 555 0116",
        area="US-TX",
        hours=("FR", "20:00", "04:00"),
    )
    directory = open_directory(tmp_path, ("night", package))
    saturday_2am_in_texas = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    found = directory.search(Query("US", "counselling", TEXAS, at=saturday_2am_in_texas))
    assert found[0].name == "Night Line" and found[0].open_now


# -- the national line ---------------------------------------------------------------------------


def test_at_most_three_results_and_the_national_line_last(tmp_path: Path) -> None:
    package = Package()
    for number in range(6):
        package.service(
            f"Shelter {number}", needs=("shelter",), phone=f"+1 713 555 012{number}", area="US-TX"
        )
    directory = open_directory(tmp_path, ("many", package))
    found = directory.search(Query("US", "shelter", TEXAS))
    assert len(found) == MAX_RESULTS
    assert found[-1].name == US_HOTLINE


def test_the_national_line_is_not_listed_twice(directory: Directory) -> None:
    found = directory.search(Query("US", "hotline"))
    assert names(found).count(US_HOTLINE) == 1


def test_where_nothing_matches_only_the_national_line_is_given(directory: Directory) -> None:
    assert names(directory.search(Query("US", "medical"))) == [US_HOTLINE]


@pytest.mark.parametrize("country", sorted({line.country for line in lines_with("hotline")}))
def test_every_seeded_country_has_its_national_line(directory: Directory, country: str) -> None:
    found = directory.national_hotline(country)
    assert found is not None
    assert found.name in {line.name for line in lines_with("hotline") if line.country == country}


@pytest.mark.parametrize("country", sorted({line.country for line in lines_with("emergency")}))
def test_every_seeded_country_has_its_emergency_number(directory: Directory, country: str) -> None:
    seeded = next(line for line in lines_with("emergency") if line.country == country)
    assert directory.emergency_number(country) == seeded.phone


def test_a_country_without_entries_has_no_emergency_number(directory: Directory) -> None:
    assert directory.emergency_number("AQ") is None
    assert directory.search(Query("AQ")) == []


# -- places --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "place"),
    [
        ("houston", Place("US", "US-TX", "houston")),
        ("I'm in Houston, TX", Place("US", "US-TX", "houston")),
        ("I'm in Texas", Place("US", "US-TX")),
        ("TX", Place("US", "US-TX")),
        ("77002", Place("US", "US-TX", "houston", "77002")),
        ("new york", Place("US", "US-NY", "new york")),
    ],
)
def test_a_place_is_read_from_free_text(directory: Directory, said: str, place: Place) -> None:
    assert directory.find_place("US", said) == place


@pytest.mark.parametrize("said", ["Atlantis", "I am in a hurry", "me", "or"])
def test_words_that_are_region_codes_are_not_read_as_places(
    directory: Directory, said: str
) -> None:
    assert directory.find_place("US", said) is None


def test_local_entries_are_known_by_country_and_need(directory: Directory) -> None:
    assert directory.has_local("US")
    assert directory.has_local("US", "shelter")
    assert not directory.has_local("US", "medical")
    assert not directory.has_local("GB")


def test_the_countries_with_local_entries_are_known(directory: Directory) -> None:
    assert directory.local_countries() == ["US"]
