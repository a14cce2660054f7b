"""Haven and a real ``rasa run``: parsing, evaluation per language, the fallback, and the
API token (the server always runs with ``--auth-token``, as in docker-compose.yml)."""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Understanding, build_interpreter
from nlu.evaluate import evaluate
from nlu.rasa_client import NoFallback, RasaInterpreter
from nlu.training_data import read_examples
from tests.conftest import Chat, make_settings
from tests.nlu_targets import ACCURACY_TARGET, HELDOUT, heldout_languages
from tests.rasa_server import ROOT, running_rasa

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def rasa_token() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory, rasa_token: str) -> Iterator[str]:
    with running_rasa(tmp_path_factory.mktemp("rasa") / "rasa.log", rasa_token) as url:
        yield url


@pytest.fixture
def rasa_settings(
    rasa_url: str, rasa_token: str, tmp_path: Path, model_dir: Path, encryption_key: str
) -> Settings:
    return make_settings(
        tmp_path,
        model_dir,
        encryption_key,
        rasa_url=rasa_url,
        rasa_token=rasa_token,
        rasa_timeout=10,
    )


def test_rasa_refuses_a_parse_request_without_the_token(rasa_url: str) -> None:
    response = httpx.post(f"{rasa_url}/model/parse", json={"text": "hello"}, timeout=10)
    assert response.status_code == 401


def test_the_interpreter_sends_the_token_and_rasa_parses(rasa_url: str, rasa_token: str) -> None:
    interpreter = RasaInterpreter(rasa_url, 10, fallback=NoFallback(), token=rasa_token)
    parse = interpreter.parse("I need a lawyer please")
    assert (parse.engine, parse.intent) == ("rasa", "find_help")


def test_a_wrong_token_falls_back_to_the_embedded_engine_as_refused(
    rasa_url: str, understanding: Understanding, caplog: pytest.LogCaptureFixture
) -> None:
    embedded = understanding.interpreter
    interpreter = RasaInterpreter(rasa_url, 10, fallback=embedded, token="not-the-token")
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_client"):
        parse = interpreter.parse("I need a lawyer please")
    assert parse.engine == "embedded"
    assert "event=rasa_fallback reason=refused" in caplog.text


def test_the_token_never_reaches_haven_s_log_even_at_debug(
    rasa_url: str, model_dir: Path, tmp_path: Path
) -> None:
    wrong = secrets.token_urlsafe(32)
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "haven"), "nlu", "parse", "I need a lawyer please"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HAVEN_ENV": "test",
            "HAVEN_LOG_LEVEL": "DEBUG",
            "HAVEN_VAR_DIR": str(tmp_path),
            "HAVEN_MODEL_DIR": str(model_dir),
            "HAVEN_RASA_URL": rasa_url,
            "HAVEN_RASA_TOKEN": wrong,
        },
    )
    assert json.loads(result.stdout)["engine"] == "embedded"
    assert "reason=refused" in result.stderr
    assert wrong not in result.stdout + result.stderr


def test_rasa_answers_in_the_shape_haven_expects(rasa_settings) -> None:  # type: ignore[no-untyped-def]
    parse = build_interpreter(rasa_settings).parse("I need a lawyer please")
    assert parse.engine == "rasa"
    assert parse.intent == "find_help"
    assert parse.ranking[0][0] == "find_help"
    assert {"entity": "need", "value": "legal"}.items() <= parse.entities[0].items()


@pytest.mark.parametrize("language", heldout_languages())
def test_rasa_reaches_the_accuracy_target_on_held_out_messages(
    rasa_url: str, rasa_token: str, language: str
) -> None:
    interpreter = RasaInterpreter(rasa_url, timeout=10, fallback=NoFallback(), token=rasa_token)
    report = evaluate(interpreter, read_examples([HELDOUT / f"{language}.yml"]))
    assert report.accuracy >= ACCURACY_TARGET, report.errors


def test_a_conversation_is_understood_by_rasa(rasa_settings) -> None:  # type: ignore[no-untyped-def]
    from bot.runtime import build_runtime

    runtime = build_runtime(rasa_settings)
    try:
        chat = Chat(runtime.engine)
        chat.to_menu()
        outcome = chat.say("can I speak with a real human")
        assert outcome.flow == "person"
        assert outcome.intent == "talk_to_person"
        assert isinstance(runtime.engine.interpreter, RasaInterpreter)
    finally:
        runtime.close()


def test_haven_nlu_test_evaluates_the_running_rasa_server(rasa_url: str, rasa_token: str) -> None:
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "haven"),
            "nlu",
            "test",
            str(HELDOUT / "en.yml"),
            "--engine",
            "rasa",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HAVEN_RASA_URL": rasa_url,
            "HAVEN_RASA_TOKEN": rasa_token,
            "HAVEN_ENV": "test",
        },
    )
    report = json.loads(result.stdout)
    assert report["n"] == len(read_examples([HELDOUT / "en.yml"]))
    assert report["accuracy"] >= ACCURACY_TARGET
    assert set(report["per_intent"]) >= {"find_help", "emergency", "quick_exit"}


def test_rasa_data_validate_passes_on_the_project() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "nlu" / "rasa.sh"), "validate"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_readyz_says_rasa_answers(rasa_settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(rasa_settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["understanding"] == "rasa"
