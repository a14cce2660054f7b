"""``haven resources import|search`` and the find-help flow, through the real command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.haven_cli import Haven
from tests.hsds_package import AUSTIN_LEGAL, DALLAS_CLINIC, HOUSTON_SHELTER, local_directory
from tests.seed_data import lines_with

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parent / "data" / "hsds-example"
HOTLINE_COUNTRIES = sorted({line.country for line in lines_with("hotline")})


def output(result: Any) -> str:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return str(result.stdout.decode("utf-8"))


def last_text(outcomes: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in outcomes[-1]["replies"])


# -- import -------------------------------------------------------------------------------------


def test_importing_the_spec_example_twice_reports_no_changes_the_second_time(
    haven: Haven,
) -> None:
    first = output(haven.run("resources", "import", str(EXAMPLE))).splitlines()
    assert "service: 1 added, 0 updated, 0 unchanged, 0 retired" in first
    assert "phone: 1 added, 0 updated, 0 unchanged, 0 retired" in first
    assert "language: 1 added, 0 updated, 0 unchanged, 0 retired" in first
    assert first[-2:] == ["0 bad rows", "changes written"]
    second = output(haven.run("resources", "import", str(EXAMPLE))).splitlines()
    assert second[-2:] == ["0 bad rows", "no changes"]


def test_bad_rows_go_to_stderr_and_the_command_fails(haven: Haven, tmp_path: Path) -> None:
    package = local_directory()
    package.rows["service"][0]["status"] = "open"
    result = haven.run("resources", "import", str(package.write(tmp_path / "broken")))
    assert result.returncode == 1
    errors = result.stderr.decode()
    assert "bad row: services.csv row 2: status 'open' is not one of" in errors
    assert "2 bad rows" in result.stdout.decode().splitlines()  # the service and its location link


def test_a_path_that_is_not_hsds_data_is_a_clear_error(haven: Haven, tmp_path: Path) -> None:
    result = haven.run("resources", "import", str(tmp_path))
    assert result.returncode == 2
    assert "no datapackage.json; not an HSDS data package" in result.stderr.decode()


# -- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", HOTLINE_COUNTRIES)
def test_search_finds_the_seeded_national_line_of_every_country(haven: Haven, country: str) -> None:
    document = json.loads(output(haven.run("resources", "search", "--country", country, "--json")))
    national = {line.name for line in lines_with("hotline") if line.country == country}
    assert national & {item["name"] for item in document["results"]}
    assert len(document["results"]) <= 3


def test_search_without_a_match_says_so_and_gives_the_national_line(haven: Haven) -> None:
    text = output(haven.run("resources", "search", "--country", "US", "--need", "shelter"))
    assert text.splitlines() == [
        "I have nothing for that in United States yet. This line can help, "
        "and you can ask for a person:",
        "(888) 373-7888, or text 233733: National Human Trafficking Hotline (open 24/7)",
    ]


def test_search_answers_in_the_language_asked(haven: Haven) -> None:
    text = output(haven.run("resources", "search", "--country", "MX", "--lang", "es"))
    assert text.startswith("Estos lugares pueden ayudarte en México:")
    assert "800 553 3000: Línea Nacional contra la Trata de Personas (disponible 24/7)" in text


def test_search_by_place_ranks_the_local_service_first(haven: Haven, tmp_path: Path) -> None:
    output(haven.run("resources", "import", str(local_directory().write(tmp_path / "texas"))))
    document = json.loads(
        output(
            haven.run(
                "resources",
                "search",
                "--country",
                "US",
                "--need",
                "shelter",
                "--place",
                "Houston",
                "--json",
            )
        )
    )
    assert [item["name"] for item in document["results"]] == [
        HOUSTON_SHELTER,
        "National Human Trafficking Hotline",
    ]
    assert document["results"][0]["local"] is True


def test_search_shows_what_the_flow_says(haven: Haven) -> None:
    searched = output(haven.run("resources", "search", "--country", "GB", "--need", "labour"))
    outcomes = haven.chat(
        {"sender": "+447700900123", "text": "hi"},
        {"sender": "+447700900123", "choice": "yes"},
        {"sender": "+447700900123", "choice": "help"},
        {"sender": "+447700900123", "choice": "labour"},
    )
    assert last_text(outcomes).startswith(searched.rstrip("\n"))


# -- the find-help flow, end to end ---------------------------------------------------------------


def test_a_city_typed_for_the_country_finds_the_local_shelter(haven: Haven, tmp_path: Path) -> None:
    output(haven.run("resources", "import", str(local_directory().write(tmp_path / "texas"))))
    outcomes = haven.chat(
        {"sender": "web-1", "text": "hi"},
        {"sender": "web-1", "text": "yes"},
        {"sender": "web-1", "text": "1"},
        {"sender": "web-1", "text": "houston"},
        {"sender": "web-1", "text": "1"},
    )
    assert last_text(outcomes[3:4]) == "What do you need?"
    text = last_text(outcomes)
    assert "(713) 555-0101: Bayou Safe House (open 24/7)" in text
    assert "Which city" not in text  # the place was already known


def test_the_city_is_asked_only_where_the_directory_has_local_entries(
    haven: Haven, tmp_path: Path
) -> None:
    output(haven.run("resources", "import", str(local_directory().write(tmp_path / "texas"))))
    outcomes = haven.chat(
        {"sender": "+15550100002", "text": "hi"},
        {"sender": "+15550100002", "text": "yes"},
        {"sender": "+15550100002", "text": "1"},
        {"sender": "+15550100002", "text": "legal help"},
        {"sender": "+15550100002", "text": "I'm in Texas"},
        {"sender": "+447700900124", "text": "hi"},
        {"sender": "+447700900124", "text": "yes"},
        {"sender": "+447700900124", "text": "1"},
        {"sender": "+447700900124", "text": "2"},
    )
    assert last_text(outcomes[3:4]) == "Which city, area or postal code are you in?"
    texas = last_text(outcomes[4:5])
    assert texas.index(AUSTIN_LEGAL) < texas.index("National Human Trafficking Hotline")
    assert DALLAS_CLINIC in texas
    assert "Which city" not in last_text(outcomes)  # the UK has national lines only


def test_an_unknown_place_is_asked_again_and_anywhere_is_an_answer(
    haven: Haven, tmp_path: Path
) -> None:
    output(haven.run("resources", "import", str(local_directory().write(tmp_path / "texas"))))
    outcomes = haven.chat(
        {"sender": "+15550100003", "text": "hi"},
        {"sender": "+15550100003", "text": "yes"},
        {"sender": "+15550100003", "text": "1"},
        {"sender": "+15550100003", "text": "food"},
        {"sender": "+15550100003", "text": "Gotham"},
        {"sender": "+15550100003", "choice": "anywhere"},
    )
    assert last_text(outcomes[4:5]).startswith("Sorry, I don't know that place.")
    assert "Harbor Food Bank" in last_text(outcomes)
