"""docker-compose.yml keeps its promises (read as YAML: there is no Docker engine here).

Haven runs several non-root workers behind a loopback-only port; Rasa (the official
image, its model trained from nlu/ by a one-shot service, its API behind a token) and
PostgreSQL sit on an internal network and publish nothing; every start waits for what
it needs to be healthy or done; every variable the file reads is in .env.example.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA_IMAGE = "rasa/rasa:3.6.21-full"
ONE_SHOTS = ("migrate", "rasa-train")
LONG_RUNNING = ("haven", "rasa", "postgres")
_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
"""``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}``; ``$${NAME}`` is the container's."""


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def internal_networks() -> set[str]:
    return {name for name, spec in compose()["networks"].items() if (spec or {}).get("internal")}


def argument_after(command: list[str], flag: str) -> str:
    assert flag in command, f"{flag} missing from {command}"
    return command[command.index(flag) + 1]


def volume_at(name: str, target: str) -> str:
    """The volume or folder a service mounts at ``target`` (short syntax)."""
    for volume in service(name)["volumes"]:
        source, mounted, *_ = volume.split(":")
        if mounted == target:
            return str(source)
    raise AssertionError(f"{name} mounts nothing at {target}")


def test_compose_runs_haven_rasa_and_postgres_with_the_one_shot_services() -> None:
    assert set(compose()["services"]) == {*LONG_RUNNING, *ONE_SHOTS}


@pytest.mark.parametrize("name", ["rasa", "rasa-train"])
def test_rasa_is_the_official_3_6_21_full_image(name: str) -> None:
    assert service(name)["image"] == RASA_IMAGE


@pytest.mark.parametrize("name", ["rasa", "postgres", *ONE_SHOTS])
def test_only_haven_publishes_a_port(name: str) -> None:
    assert "ports" not in service(name)


def test_haven_publishes_its_port_on_loopback_only_for_a_tls_proxy() -> None:
    ports = service("haven")["ports"]
    assert ports
    assert all(str(port).startswith("127.0.0.1:") for port in ports)


@pytest.mark.parametrize("name", ["rasa", "postgres"])
def test_rasa_and_postgres_sit_only_on_the_internal_network(name: str) -> None:
    networks = service(name)["networks"]
    assert len(networks) == 1
    assert set(networks) <= internal_networks()


def test_haven_reaches_the_internal_network_and_one_with_a_way_out() -> None:
    networks = set(service("haven")["networks"])
    assert networks & internal_networks()
    assert networks - internal_networks()


def test_rasa_training_has_no_network_at_all() -> None:
    assert service("rasa-train")["network_mode"] == "none"


def test_rasa_serves_its_api_only_with_the_token() -> None:
    command = service("rasa")["command"]
    assert command[:2] == ["run", "--enable-api"]
    assert argument_after(command, "--auth-token").startswith("${HAVEN_RASA_TOKEN")


def test_haven_is_given_rasa_s_address_and_the_same_token() -> None:
    environment = service("haven")["environment"]
    port = argument_after(service("rasa")["command"], "--port")
    assert environment["HAVEN_RASA_URL"] == f"http://rasa:{port}"
    assert environment["HAVEN_RASA_TOKEN"].startswith("${HAVEN_RASA_TOKEN")


def test_rasa_trains_the_repository_s_nlu_project() -> None:
    command = service("rasa-train")["command"]
    project = volume_at("rasa-train", "/app/project")
    assert command[:2] == ["train", "nlu"]
    assert project == "./nlu"
    assert argument_after(command, "--config") == "/app/project/config.yml"
    assert argument_after(command, "--nlu") == "/app/project/data"
    assert (ROOT / "nlu" / "config.yml").is_file()
    assert (ROOT / "nlu" / "data").is_dir()


def test_rasa_serves_the_model_the_training_wrote() -> None:
    written = argument_after(service("rasa-train")["command"], "--out")
    served = argument_after(service("rasa")["command"], "--model")
    assert volume_at("rasa-train", written) == volume_at("rasa", served)
    assert volume_at("rasa", served) in compose()["volumes"]


def test_postgres_keeps_its_data_in_a_named_volume() -> None:
    assert volume_at("postgres", "/var/lib/postgresql/data") in compose()["volumes"]


def test_every_depends_on_names_a_condition() -> None:
    for name, spec in compose()["services"].items():
        for dependency, wait in (spec.get("depends_on") or {}).items():
            assert isinstance(wait, dict) and wait.get("condition"), (name, dependency)


@pytest.mark.parametrize(("name", "dependency"), [("haven", "migrate"), ("rasa", "rasa-train")])
def test_a_service_starts_only_after_its_one_shot_succeeded(name: str, dependency: str) -> None:
    wait = service(name)["depends_on"][dependency]
    assert wait["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ["haven", "migrate"])
def test_haven_and_its_migration_wait_for_a_healthy_postgres(name: str) -> None:
    assert service(name)["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(name: str) -> None:
    assert service(name).get("healthcheck", {}).get("test"), f"{name} has no health check"


@pytest.mark.parametrize("name", ONE_SHOTS)
def test_one_shot_services_are_never_restarted(name: str) -> None:
    assert service(name)["restart"] == "no"


def test_haven_is_healthy_when_readyz_says_ready() -> None:
    assert any("/readyz" in part for part in service("haven")["healthcheck"]["test"])


def test_rasa_is_healthy_when_its_status_answers_with_the_token() -> None:
    check = " ".join(service("rasa")["healthcheck"]["test"])
    assert "/status?token=$${HAVEN_RASA_TOKEN}" in check


def test_migrate_brings_the_database_to_the_newest_migration() -> None:
    assert service("migrate")["command"] == ["haven", "db", "upgrade"]


def test_haven_serves_with_several_workers() -> None:
    workers = argument_after(service("haven")["command"], "--workers")
    default = re.fullmatch(r"\$\{HAVEN_WORKERS:-(\d+)\}", workers)
    assert default and int(default.group(1)) >= 2


def test_haven_runs_in_production_mode() -> None:
    assert service("haven")["environment"]["HAVEN_ENV"] == "production"


def test_haven_does_not_run_as_root_in_compose() -> None:
    user = str(service("haven")["user"]).split(":")[0]
    assert user not in ("", "0", "root")


def test_the_haven_image_does_not_run_as_root() -> None:
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("0", "root")


def test_every_variable_compose_reads_is_in_env_example() -> None:
    used = set(_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.MULTILINE))
    assert used
    assert used <= listed, used - listed


def test_the_docker_build_context_leaves_secrets_and_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "var"} <= ignored
