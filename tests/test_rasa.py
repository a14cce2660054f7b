"""Haven and a real ``rasa run``: parsing, evaluation per language, and the fallback."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.runtime import build_interpreter
from nlu.evaluate import evaluate
from nlu.rasa_client import RasaInterpreter
from nlu.training_data import read_examples
from tests.conftest import Chat, make_settings
from tests.nlu_targets import ACCURACY_TARGET, HELDOUT, heldout_languages
from tests.rasa_server import ROOT, running_rasa

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_rasa(tmp_path_factory.mktemp("rasa") / "rasa.log") as url:
        yield url


@pytest.fixture
def rasa_settings(rasa_url: str, tmp_path: Path, model_dir: Path, encryption_key: str):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, model_dir, encryption_key, rasa_url=rasa_url, rasa_timeout=10)


def test_rasa_answers_in_the_shape_haven_expects(rasa_settings) -> None:  # type: ignore[no-untyped-def]
    parse = build_interpreter(rasa_settings).parse("I need a lawyer please")
    assert parse.engine == "rasa"
    assert parse.intent == "find_help"
    assert parse.ranking[0][0] == "find_help"
    assert {"entity": "need", "value": "legal"}.items() <= parse.entities[0].items()


@pytest.mark.parametrize("language", heldout_languages())
def test_rasa_reaches_the_accuracy_target_on_held_out_messages(
    rasa_url: str, language: str
) -> None:
    interpreter = RasaInterpreter(rasa_url, timeout=10, fallback=_no_fallback())
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


def test_haven_nlu_test_evaluates_the_running_rasa_server(rasa_url: str) -> None:
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
        env={"PATH": "/usr/bin:/bin", "HAVEN_RASA_URL": rasa_url, "HAVEN_ENV": "test"},
    )
    report = json.loads(result.stdout)
    assert report["n"] == len(read_examples([HELDOUT / "en.yml"]))
    assert report["accuracy"] >= ACCURACY_TARGET
    assert set(report["per_intent"]) >= {"find_help", "emergency", "quick_exit"}


def _no_fallback():  # type: ignore[no-untyped-def]
    from nlu.rasa_client import NoFallback

    return NoFallback()


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
