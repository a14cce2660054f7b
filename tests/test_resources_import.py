"""Importing Open Referral HSDS 3.0 data: the spec's example, re-imports, bad rows."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.store.db import make_engine, upgrade
from resources_db.importer import import_path
from resources_db.lookup import Directory, Place, Query
from resources_db.models import (
    LanguageRow,
    LocationRow,
    OrganizationRow,
    PhoneRow,
    ResourceIndexRow,
    ServiceRow,
)
from resources_db.readers import SourceError, read_package
from resources_db.seed import SEED_PACKAGE
from resources_db.validate import clean, language_code
from tests.hsds_package import HOUSTON_SHELTER, Package, local_directory
from tests.seed_data import lines_with

EXAMPLE = Path(__file__).resolve().parent / "data" / "hsds-example"
EXAMPLE_SERVICE = "ac148810-d857-441c-9679-408f346de14b"
EXAMPLE_PHONE = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"


@pytest.fixture
def database(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    upgrade(url)
    return make_engine(url)


def count(database: Engine, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    with database.connect() as connection:
        return int(connection.scalar(query) or 0)


# -- the specification's example --------------------------------------------------------------


def test_the_spec_example_package_imports_cleanly(database: Engine) -> None:
    report = import_path(database, EXAMPLE)
    assert report.problems == []
    assert report.changed
    assert count(database, OrganizationRow) == 1
    assert count(database, ServiceRow, id=EXAMPLE_SERVICE, name="Community Counselling") == 1
    assert count(database, LocationRow, name="MyCity Civic Center") == 1
    assert count(database, PhoneRow, id=EXAMPLE_PHONE, number="+441234234567") == 1
    assert count(database, LanguageRow, code="ur") == 1


def test_a_second_import_of_the_example_reports_no_changes(database: Engine) -> None:
    import_path(database, EXAMPLE)
    again = import_path(database, EXAMPLE)
    assert not again.changed
    assert again.summary()[-1] == "no changes"
    assert all(counts.added == counts.updated == 0 for counts in again.counts.values())


def test_the_spec_example_json_imports_the_same_service_and_phone(database: Engine) -> None:
    report = import_path(database, EXAMPLE / "service_full.json")
    assert report.problems == []
    assert count(database, ServiceRow, id=EXAMPLE_SERVICE) == 1
    assert count(database, PhoneRow, id=EXAMPLE_PHONE, service_id=EXAMPLE_SERVICE) == 1
    assert count(database, LanguageRow, code="ur") == 1
    assert not import_path(database, EXAMPLE / "service_full.json").changed


def test_the_tables_haven_does_not_use_are_counted_not_failed(database: Engine) -> None:
    report = import_path(database, EXAMPLE)
    assert report.ignored["funding"] == 1
    assert any(line.startswith("not used by Haven: ") for line in report.summary())


def test_an_hsds_api_page_of_services_is_read_like_a_list(database: Engine, tmp_path: Path) -> None:
    service = json.loads((EXAMPLE / "service_full.json").read_text(encoding="utf-8"))
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"total_items": 1, "contents": [service]}), encoding="utf-8")
    assert import_path(database, page).problems == []
    assert count(database, ServiceRow, id=EXAMPLE_SERVICE) == 1


# -- re-imports ---------------------------------------------------------------------------------


def test_a_changed_record_is_updated(database: Engine, tmp_path: Path) -> None:
    package = local_directory()
    import_path(database, package.write(tmp_path / "city"))
    package.rows["service"][0]["name"] = "Bayou Safe House (new name)"
    report = import_path(database, package.write(tmp_path / "city"))
    assert (report.counts["service"].updated, report.counts["service"].added) == (1, 0)
    assert count(database, ServiceRow, name="Bayou Safe House (new name)") == 1


def test_a_record_missing_from_a_full_reimport_is_retired(database: Engine, tmp_path: Path) -> None:
    package = local_directory()
    import_path(database, package.write(tmp_path / "city"))
    gone = package.rows["service"].pop(0)  # the Houston shelter
    report = import_path(database, package.write(tmp_path / "city"))
    assert report.counts["service"].retired == 1
    with database.connect() as connection:
        retired_at = connection.scalar(
            select(ServiceRow.retired_at).where(ServiceRow.id == gone["id"])
        )
    assert retired_at is not None
    assert count(database, ResourceIndexRow, service_id=gone["id"]) == 0


def test_a_partial_import_retires_nothing(database: Engine, tmp_path: Path) -> None:
    package = local_directory()
    import_path(database, package.write(tmp_path / "city"))
    package.rows["service"].pop(0)
    report = import_path(database, package.write(tmp_path / "city"), full=False)
    assert report.counts["service"].retired == 0
    assert not report.changed


def test_another_source_is_not_retired_by_a_full_import(database: Engine, tmp_path: Path) -> None:
    import_path(database, EXAMPLE)
    import_path(database, local_directory().write(tmp_path / "city"))
    assert count(database, ServiceRow, id=EXAMPLE_SERVICE, retired_at=None) == 1


def test_a_retired_service_listed_again_comes_back(database: Engine, tmp_path: Path) -> None:
    package = local_directory()
    folder = package.write(tmp_path / "city")
    import_path(database, folder)
    shelter = package.rows["service"].pop(0)
    import_path(database, package.write(tmp_path / "city"))
    package.rows["service"].insert(0, shelter)
    report = import_path(database, package.write(tmp_path / "city"))
    assert report.counts["service"].updated == 1
    assert count(database, ServiceRow, id=shelter["id"], retired_at=None) == 1


# -- bad rows -----------------------------------------------------------------------------------


def broken_package(tmp_path: Path) -> Path:
    """The local directory with four bad rows (and the Dallas clinic's link made bad by one)."""
    package = local_directory()
    package.rows["service"][1]["name"] = ""  # Dallas: missing a required field
    package.rows["service"][2]["status"] = "open"  # Austin: not an HSDS status
    package.add("phone", service_id=package.rows["service"][3]["id"], number="call us")
    package.add("service", organization_id="nobody", name="Orphan", status="active")
    return package.write(tmp_path / "broken")


def test_bad_rows_are_reported_with_file_row_and_reason(database: Engine, tmp_path: Path) -> None:
    report = import_path(database, broken_package(tmp_path))
    problems = {str(problem) for problem in report.problems}
    dallas = local_directory().rows["service"][1]["id"]
    assert problems == {
        "services.csv row 3: missing required name",
        "services.csv row 4: status 'open' is not one of active, defunct, inactive, "
        "temporarily closed",
        "services.csv row 6: organization_id nobody names no organization in the data",
        "phones.csv row 6: number 'call us' is not a phone number",
        f"service_at_location.csv row 3: service_id {dallas} names no service in the data",
    }
    assert report.summary()[-2] == "5 bad rows"


def test_the_rest_of_an_import_goes_on_after_bad_rows(database: Engine, tmp_path: Path) -> None:
    import_path(database, broken_package(tmp_path))
    assert count(database, ServiceRow, name=HOUSTON_SHELTER) == 1
    assert count(database, ServiceRow, name="Harbor Food Bank") == 1
    assert count(database, ServiceRow) == 2


def test_a_number_without_country_or_plus_is_a_bad_row(database: Engine, tmp_path: Path) -> None:
    package = Package()
    organization = package.add("organization", name="Org", description="An org.")
    service = package.add("service", organization_id=organization, name="Line", status="active")
    package.add("phone", service_id=service, number="0800 123 4567")
    report = import_path(database, package.write(tmp_path / "nocountry"))
    assert [problem.reason for problem in report.problems] == [
        "number '0800 123 4567': write it in E.164 (+…) or give the service a country"
    ]


def test_a_folder_without_a_package_descriptor_is_a_clear_error(
    database: Engine, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match=r"no datapackage\.json"):
        import_path(database, tmp_path)


def test_invalid_json_is_a_clear_error(database: Engine, tmp_path: Path) -> None:
    broken = tmp_path / "services.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceError, match=r"not valid JSON"):
        import_path(database, broken)


# -- normalising --------------------------------------------------------------------------------


def test_national_numbers_become_e164_from_the_services_country(
    database: Engine, tmp_path: Path
) -> None:
    package = local_directory()
    package.rows["phone"][0]["number"] = "(713) 555-0101"
    import_path(database, package.write(tmp_path / "city"))
    assert count(database, PhoneRow, number="+17135550101") == 1


def test_short_codes_are_kept_as_digits(database: Engine, tmp_path: Path) -> None:
    package = local_directory()
    package.rows["phone"][0]["number"] = "233 733"
    import_path(database, package.write(tmp_path / "city"))
    assert count(database, PhoneRow, number="233733") == 1


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [("eng", None, "en"), ("es-MX", None, "es"), ("fil", None, "tl"), (None, "Urdu", "ur")],
)
def test_language_codes_become_iso_639_1(code: str | None, name: str | None, expected: str) -> None:
    assert language_code(code, name) == expected


def test_state_names_and_codes_give_one_region(database: Engine, tmp_path: Path) -> None:
    import_path(database, local_directory().write(tmp_path / "city"))
    directory = Directory(database)
    texas = Query("US", "legal", Place("US", region="US-TX"))
    names = [item.name for item in directory.search(texas) if item.local]
    assert sorted(names) == ["Centro Legal Austin", "Trinity Legal Clinic"]  # "Texas" and area


# -- the seed -----------------------------------------------------------------------------------


def test_the_seed_imports_without_a_bad_row(database: Engine) -> None:
    report = import_path(database, SEED_PACKAGE, "haven-seed")
    assert report.problems == []


def test_a_copied_package_imports_as_its_folder_name(database: Engine, tmp_path: Path) -> None:
    copy = tmp_path / "county-211"
    shutil.copytree(EXAMPLE, copy)
    assert import_path(database, copy).source == "county-211"


REQUIRED_COUNTRIES = [
    "US",
    "GB",
    "CA",
    "MX",
    "AU",
    "PH",
    "ZA",
    "IE",
    "TH",
    "VN",
    "NG",
    "IN",
    "DE",
    "FR",
    "ES",
]


WITHOUT_A_TRAFFICKING_LINE = ["DE", "IN"]
"""Their national lines (116 016, 181) are for women affected by violence: counselling."""


@pytest.mark.parametrize("country", REQUIRED_COUNTRIES)
def test_the_seed_has_a_national_line_and_an_emergency_number(country: str) -> None:
    need = "counselling" if country in WITHOUT_A_TRAFFICKING_LINE else "hotline"
    assert any(line.country == country for line in lines_with(need))
    assert any(line.country == country for line in lines_with("emergency"))


def test_the_us_national_hotline_takes_calls_and_texts() -> None:
    line = next(line for line in lines_with("hotline") if line.country == "US")
    assert line.name == "National Human Trafficking Hotline"
    assert (line.phone, line.sms) == ("(888) 373-7888", "233733")


def test_every_seeded_service_has_a_source_and_a_check_date() -> None:
    data = clean(read_package(SEED_PACKAGE), {})
    verified = _metadata(SEED_PACKAGE)  # HSDS metadata: Haven's importer reads past it
    for service in data.rows["service"].values():
        assert service["id"] in verified, service["name"]
        source = verified[service["id"]]
        assert source["last_action_type"] == "verified"
        assert source["updated_by"].startswith(("https://", "http://")), service["name"]
        assert source["last_action_date"] == service["assured_date"]


def _metadata(package: Path) -> dict[str, dict[str, str]]:
    with (package / "metadata.csv").open(encoding="utf-8") as handle:
        return {row["resource_id"]: row for row in csv.DictReader(handle)}


def test_every_seeded_number_is_e164_or_a_short_code() -> None:
    for row in clean(read_package(SEED_PACKAGE), {}).rows["phone"].values():
        number = row["number"]
        assert number.startswith("+") or (number.isdigit() and len(number) <= 6), number


def test_a_long_import_shows_a_progress_bar_on_stderr(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    import_path(database, EXAMPLE, progress=True)
    assert "row" in capsys.readouterr().err
