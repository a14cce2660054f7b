"""The resource directory at scale: importing 100,000 services and looking them up.

Targets (issue: resource directory): the import of 100,000 services under a minute;
a lookup under 10 ms at the 99th percentile with them loaded. The services are
spread like a national 211 export: every US state, a few cities each, all needs,
a third with weekday hours, some in Spanish. Run with ``make bench``.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.store.db import make_engine, upgrade  # noqa: E402
from resources_db.importer import import_path  # noqa: E402
from resources_db.lookup import Directory, Place, Query  # noqa: E402
from resources_db.needs import NEEDS  # noqa: E402
from resources_db.seed import load_seed  # noqa: E402

SERVICES = 100_000
LOOKUPS = 2_000
IMPORT_TARGET_S = 60.0
P99_TARGET_MS = 10.0
CITIES_PER_STATE = 8


def write_package(folder: Path, count: int) -> None:
    """A CSV package of ``count`` services, each with an organisation, place, phone and need."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    random.seed(7)
    states = [str(item.code) for item in pycountry.subdivisions.get(country_code="US")]
    taxonomy = str(uuid.uuid4())
    terms = {need: str(uuid.uuid4()) for need in NEEDS if need != "emergency"}
    tables: dict[str, list[dict[str, object]]] = {
        "taxonomy": [{"id": taxonomy, "name": "haven_needs", "description": "needs"}],
        "taxonomy_term": [
            {"id": term, "code": need, "name": need, "description": need, "taxonomy_id": taxonomy}
            for need, term in terms.items()
        ],
    }
    for table in (
        "organization",
        "service",
        "location",
        "address",
        "service_at_location",
        "phone",
        "schedule",
        "language",
        "attribute",
    ):
        tables[table] = []
    for number in range(count):
        state = random.choice(states)
        city = f"City {state} {random.randrange(CITIES_PER_STATE)}"
        ids = {name: str(uuid.uuid4()) for name in ("org", "svc", "loc", "sal")}
        tables["organization"].append(
            {"id": ids["org"], "name": f"Organisation {number}", "description": "Helps people."}
        )
        tables["service"].append(
            {
                "id": ids["svc"],
                "organization_id": ids["org"],
                "name": f"Service {number}",
                "status": "active",
            }
        )
        tables["location"].append({"id": ids["loc"], "location_type": "physical"})
        tables["address"].append(
            {
                "id": str(uuid.uuid4()),
                "location_id": ids["loc"],
                "address_1": "1 Main St",
                "city": city,
                "state_province": state.split("-")[1],
                "postal_code": f"{10000 + number % 89999}",
                "country": "US",
                "address_type": "physical",
            }
        )
        tables["service_at_location"].append(
            {"id": ids["sal"], "service_id": ids["svc"], "location_id": ids["loc"]}
        )
        tables["phone"].append(
            {
                "id": str(uuid.uuid4()),
                "service_id": ids["svc"],
                "number": f"+1 212 555 {number % 10000:04d}",
                "type": "voice",
            }
        )
        if number % 3 == 0:
            tables["schedule"].append(
                {
                    "id": str(uuid.uuid4()),
                    "service_id": ids["svc"],
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR",
                    "opens_at": "09:00",
                    "closes_at": "17:00",
                    "timezone": "America/New_York",
                }
            )
        if number % 4 == 0:
            tables["language"].append(
                {"id": str(uuid.uuid4()), "service_id": ids["svc"], "code": "es"}
            )
        tables["attribute"].append(
            {
                "id": str(uuid.uuid4()),
                "link_id": ids["svc"],
                "link_entity": "service",
                "taxonomy_term_id": terms[random.choice(list(terms))],
            }
        )
    files = {name: f"{name}s.csv" for name in tables}
    for name, rows in tables.items():
        columns = sorted({key for row in rows for key in row})
        with (folder / files[name]).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    descriptor = {
        "name": "bench",
        "resources": [{"name": name, "path": path} for name, path in files.items()],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def main() -> int:
    work = ROOT / "var" / "bench" / "directory"
    package = work / "package"
    write_package(package, SERVICES)
    database_file = work / "directory.db"
    database_file.unlink(missing_ok=True)
    url = f"sqlite:///{database_file}"
    upgrade(url)
    engine = make_engine(url)
    load_seed(engine)

    started = time.perf_counter()
    report = import_path(engine, package, "bench")
    import_seconds = time.perf_counter() - started
    assert not report.problems, report.problems[:5]

    directory = Directory(engine)
    states = [str(item.code) for item in pycountry.subdivisions.get(country_code="US")]
    random.seed(11)
    queries = []
    for _ in range(LOOKUPS):
        state = random.choice(states)
        place = random.choice(
            [
                Place("US", region=state),
                Place("US", state, f"city {state.lower()} {random.randrange(CITIES_PER_STATE)}"),
                None,
            ]
        )
        need = random.choice([need for need in NEEDS if need != "emergency"])
        queries.append(Query("US", need, place, random.choice(["en", "es"]), datetime.now(UTC)))
    for query in queries[:100]:
        directory.search(query)  # warm caches
    timings = []
    for query in queries:
        started = time.perf_counter()
        found = directory.search(query)
        timings.append((time.perf_counter() - started) * 1000)
        assert found
    p99 = statistics.quantiles(timings, n=100)[98]
    print(
        f"import of {SERVICES} services: {import_seconds:.1f} s (target < {IMPORT_TARGET_S:.0f} s)"
    )
    print(
        f"lookup p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms "
        f"(target < {P99_TARGET_MS:.0f} ms)"
    )
    ok = import_seconds < IMPORT_TARGET_S and p99 < P99_TARGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
