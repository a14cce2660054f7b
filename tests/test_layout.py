"""The layout keeps its promises: small modules, each room where the README says."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "common", "nlu", "resources_db")
MAX_MODULE_LINES = 400
ROOMS = (
    "bot/core",
    "bot/store",
    "bot/store/migrations",
    "bot/handoff",
    "bot/channels/sms",
    "bot/channels/telegram",
    "bot/channels/web",
    "bot/channels/terminal",
    "bot/console",
    "common",
)


def modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations/versions" not in path.as_posix()
    )


def test_no_module_is_longer_than_four_hundred_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_every_room_of_the_layout_exists() -> None:
    missing = [room for room in ROOMS if not (ROOT / room).is_dir()]
    assert not missing


def test_bot_keeps_only_the_composition_root_at_its_top() -> None:
    top = sorted(path.stem for path in (ROOT / "bot").glob("*.py"))
    assert top == ["__init__", "app", "cli", "config", "http", "jobs", "logs", "runtime"]
