"""The ``haven`` command, run as a real subprocess the way scripts and operators run it.

Each test gets its own database and var directory; all share one NLU model
directory so the model is trained once per test run.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.catalog import Catalogs
from tests.haven_cli import HAVEN, Haven, Line, parse_output

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SERVE_TIMEOUT = 60

OUTCOME_KEYS = {"replies", "lang", "intent", "confidence", "flow", "handoff", "exited"}
MENU_OPTIONS = ["help", "rights", "signs", "person", "language"]
MENU_LABELS = ["menu.find_help", "menu.rights", "menu.signs", "menu.person", "menu.language"]


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load(ROOT / "flows" / "locales")


def option_ids(outcome: dict[str, Any]) -> list[str]:
    return [option["id"] for reply in outcome["replies"] for option in reply["options"]]


def option_labels(outcome: dict[str, Any]) -> list[str]:
    return [option["label"] for reply in outcome["replies"] for option in reply["options"]]


def reply_text(outcome: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in outcome["replies"])


# -- the JSONL protocol -----------------------------------------------------------------


def test_every_jsonl_line_gets_exactly_one_outcome_line_of_a_fixed_shape(haven: Haven) -> None:
    script: list[Line] = [
        {"text": "hi"},
        {"text": "yes"},
        {"choice": "rights"},
        {"text": "1"},
        {"text": "🙂"},
        {"text": ""},
        {"text": "menu"},
        {"text": "hola", "sender": "someone-else"},
        {"text": "DELETE"},
        {"choice": "no"},
        {"text": "EXIT"},
    ]

    outcomes = haven.chat(*script)

    assert len(outcomes) == len(script)
    for outcome in outcomes:
        assert set(outcome) == OUTCOME_KEYS
        assert isinstance(outcome["replies"], list)
        assert outcome["lang"] is None or isinstance(outcome["lang"], str)
        assert outcome["intent"] is None or isinstance(outcome["intent"], str)
        assert outcome["confidence"] is None or isinstance(outcome["confidence"], int | float)
        assert outcome["flow"] is None or isinstance(outcome["flow"], str)
        assert isinstance(outcome["handoff"], str)
        assert isinstance(outcome["exited"], bool)
        for reply in outcome["replies"]:
            assert {"text", "options"} <= set(reply) <= {"text", "options", "rtl"}
            assert isinstance(reply["text"], str)
            assert reply["text"]
            for option in reply["options"]:
                assert set(option) == {"id", "label"}
                assert isinstance(option["id"], str)
                assert isinstance(option["label"], str)
    assert [outcome["exited"] for outcome in outcomes] == [False] * 10 + [True]


def test_an_english_conversation_reaches_the_menu_and_goes_on_to_find_help(
    haven: Haven, catalogs: Catalogs
) -> None:
    welcome, menu, find_help, need = haven.chat(
        {"text": "hi"}, {"text": "yes"}, {"text": "1"}, {"text": "Mexico"}
    )

    assert welcome["flow"] == "welcome"
    assert welcome["lang"] == "en"
    assert option_ids(welcome) == ["yes", "no"]
    assert menu["flow"] == "menu"
    assert menu["lang"] == "en"
    assert option_ids(menu) == MENU_OPTIONS
    assert option_labels(menu) == [catalogs.text("en", key) for key in MENU_LABELS]
    assert reply_text(menu) == catalogs.text("en", "menu.prompt")
    assert find_help["flow"] == "find_help"
    assert reply_text(find_help) == catalogs.text("en", "common.ask_country")
    assert need["flow"] == "find_help"
    assert option_ids(need) == [
        "shelter",
        "legal",
        "medical",
        "counselling",
        "food",
        "immigration",
        "labour",
    ]


def test_a_spanish_conversation_reaches_the_menu_in_spanish(
    haven: Haven, catalogs: Catalogs
) -> None:
    welcome, menu = haven.chat({"text": "hola"}, {"text": "sí"})

    assert welcome["flow"] == "welcome"
    assert welcome["lang"] == "es"
    assert menu["flow"] == "menu"
    assert menu["lang"] == "es"
    assert option_ids(menu) == MENU_OPTIONS
    spanish = [catalogs.text("es", key) for key in MENU_LABELS]
    assert option_labels(menu) == spanish
    assert spanish != [catalogs.text("en", key) for key in MENU_LABELS]
    assert reply_text(menu) == catalogs.text("es", "menu.prompt")


@pytest.mark.parametrize(
    ("choice", "flow"), [("help", "find_help"), ("signs", "signs"), ("language", "language")]
)
def test_a_choice_picks_the_option_by_its_id(haven: Haven, choice: str, flow: str) -> None:
    *_, picked = haven.chat({"text": "hi"}, {"text": "yes"}, {"choice": choice})

    assert picked["flow"] == flow
    assert picked["replies"]


# -- quick exit and deletion ------------------------------------------------------------


def test_quick_exit_erases_only_that_senders_conversation(haven: Haven) -> None:
    outcomes = haven.chat(
        {"text": "hi", "sender": "alice"},
        {"text": "yes", "sender": "alice"},
        {"text": "hi", "sender": "bob"},
        {"text": "yes", "sender": "bob"},
        {"text": "1", "sender": "bob"},
        {"text": "EXIT", "sender": "alice"},
        {"text": "hello", "sender": "alice"},
        {"text": "Mexico", "sender": "bob"},
    )
    bob_before, exited, alice_again, bob_after = outcomes[4:]

    assert exited["exited"] is True
    assert exited["replies"] == []
    assert exited["flow"] is None
    assert alice_again["flow"] == "welcome"
    assert alice_again["exited"] is False
    assert bob_before["flow"] == "find_help"
    assert bob_after["flow"] == "find_help"
    assert option_ids(bob_after) == [
        "shelter",
        "legal",
        "medical",
        "counselling",
        "food",
        "immigration",
        "labour",
    ]


@pytest.mark.parametrize("confirm", [{"text": "yes"}, {"choice": "yes"}], ids=["text", "choice"])
def test_delete_asks_for_confirmation_then_wipes(
    haven: Haven, catalogs: Catalogs, confirm: dict[str, str]
) -> None:
    *_, asked, done, fresh = haven.chat(
        {"text": "hi"}, {"text": "yes"}, {"text": "DELETE"}, confirm, {"text": "hi"}
    )

    assert asked["flow"] == "delete"
    assert asked["exited"] is False
    assert option_ids(asked) == ["yes", "no"]
    assert reply_text(asked) == catalogs.text("en", "delete.confirm")
    assert done["exited"] is True
    assert reply_text(done).startswith("Done")
    assert fresh["flow"] == "welcome"


# -- malformed input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [b"this is not json", b'["a", "JSON", "array"]', b'{"text": 5}', b'{"text": "caf\xe9"}'],
    ids=["not-json", "array", "text-not-a-string", "invalid-utf8"],
)
def test_a_malformed_line_gets_one_error_line_and_the_conversation_goes_on(
    haven: Haven, bad: bytes
) -> None:
    outcomes = haven.chat({"text": "hi"}, {"text": "yes"}, bad, {"text": "1"})

    assert len(outcomes) == 4
    menu, error, after = outcomes[1:]
    assert set(error) == {"error"}
    assert isinstance(error["error"], str)
    assert error["error"]
    assert menu["flow"] == "menu"
    assert after["flow"] == "find_help"


# -- auto-delete ------------------------------------------------------------------------


def test_a_conversation_carries_over_between_runs(haven: Haven) -> None:
    haven.chat({"text": "hi", "sender": "p1"}, {"text": "yes", "sender": "p1"})

    (later,) = haven.chat({"text": "hi", "sender": "p1"})

    assert later["flow"] != "welcome"


def test_purge_deletes_idle_conversations_and_prints_only_counts(haven: Haven) -> None:
    marker = uuid.uuid4().hex
    haven.chat({"text": f"hi {marker}", "sender": "p1"}, {"text": "yes", "sender": "p1"})
    time.sleep(1.2)

    purge = haven.run("purge", HAVEN_RETENTION="1")

    assert purge.returncode == 0, purge.stderr.decode(errors="replace")
    lines = purge.stdout.decode().splitlines()
    assert "sessions: 1" in lines
    assert all(re.fullmatch(r"[a-z]+: \d+", line) for line in lines), lines
    assert marker.encode() not in purge.stdout + purge.stderr
    (fresh,) = haven.chat({"text": "yes", "sender": "p1"})
    assert fresh["flow"] == "welcome"


# -- operations -------------------------------------------------------------------------


def test_db_upgrade_on_a_fresh_database_reaches_the_newest_migration(haven: Haven) -> None:
    result = haven.run("db", "upgrade")

    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert "newest migration" in result.stdout.decode()
    assert haven.database.exists()


def test_db_upgrade_loads_the_seed_directory_once(haven: Haven) -> None:
    first = haven.run("db", "upgrade").stdout.decode().splitlines()
    second = haven.run("db", "upgrade").stdout.decode().splitlines()
    assert first[-1] == "seed directory loaded"
    assert second[-1] == "seed directory is current"


def test_production_without_encryption_keys_refuses_to_start(haven: Haven) -> None:
    result = haven.chat_process({"text": "hi"}, HAVEN_ENV="production", HAVEN_ENCRYPTION_KEYS=None)

    assert result.returncode == 2
    assert "HAVEN_ENCRYPTION_KEYS" in result.stderr.decode()
    assert result.stdout == b""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_the_health_check(haven: Haven, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(HAVEN), "serve", "--port", str(port)],
        env=haven.env,
        cwd=haven.cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        response = None
        while response is None:
            assert server.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "haven serve did not answer in time"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


# -- privacy of logs and storage --------------------------------------------------------


def test_logs_go_to_stderr_and_never_contain_message_text(haven: Haven) -> None:
    marker = uuid.uuid4().hex
    script: list[Line] = [
        {"text": f"hi, my name is {marker}"},
        {"text": "yes"},
        {"text": marker},
        {"text": "1"},
        {"text": f"I am in {marker}"},
        {"choice": marker},
        f"not json {marker}".encode(),
        {"text": f"DELETE {marker}", "sender": "other"},
    ]

    result = haven.chat_process(*script, HAVEN_LOG_LEVEL="DEBUG")

    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert len(parse_output(result.stdout)) == len(script)  # stdout holds only JSON lines
    assert b"event=message_handled" in result.stderr
    assert marker.encode() not in result.stderr
    assert haven.database.exists()
    assert marker.encode() not in haven.database.read_bytes()


def test_sender_ids_reach_neither_logs_nor_the_database(haven: Haven) -> None:
    sender = f"sender-{uuid.uuid4().hex}"

    result = haven.chat_process(
        {"text": "hi", "sender": sender}, {"text": "yes", "sender": sender}, HAVEN_LOG_LEVEL="DEBUG"
    )

    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert sender.encode() not in result.stderr
    assert sender.encode() not in haven.database.read_bytes()


def test_advocate_add_reads_the_password_from_stdin(haven: Haven) -> None:
    result = haven.run("advocate", "add", "ana", "--admin", stdin=b"a long enough password\n")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "account ana created (admin)"
    again = haven.run("advocate", "add", "ana", stdin=b"a long enough password\n")
    assert again.returncode == 1
    assert "already an account named 'ana'" in again.stderr.decode()
    short = haven.run("advocate", "add", "ben", stdin=b"short\n")
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr.decode()
