"""The embedded engine on held-out messages, language detection, and the Rasa fallback."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.catalog import Catalogs
from common.text import fold
from nlu.embedded import EmbeddedClassifier
from nlu.evaluate import evaluate
from nlu.language import LanguageGuesser
from nlu.rasa_client import RASA_FALLBACKS, RasaInterpreter
from nlu.training_data import read_examples, training_files
from tests.nlu_targets import ACCURACY_TARGET, HELDOUT, heldout_languages

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "nlu" / "data"
LANGUAGES = Catalogs.load(ROOT / "flows" / "locales").languages
LANGUAGE_DETECTION_TARGET = 0.95

THRESHOLD = Settings.model_fields["nlu_threshold"].default


@pytest.fixture(scope="module")
def embedded(model_dir: Path) -> EmbeddedClassifier:
    return EmbeddedClassifier.load(DATA, model_dir, threshold=THRESHOLD)


@pytest.fixture(scope="module")
def guesser(model_dir: Path) -> LanguageGuesser:
    return LanguageGuesser.load(DATA, model_dir, LANGUAGES)


def test_every_supported_language_has_training_and_held_out_data() -> None:
    languages = sorted(path.stem for path in training_files(DATA) if path.stem != "lookups")
    assert languages == sorted(LANGUAGES)
    assert heldout_languages() == sorted(LANGUAGES)


@pytest.mark.parametrize("language", heldout_languages())
def test_held_out_messages_are_not_in_the_training_data(language: str) -> None:
    training = {fold(e.text) for e in read_examples([DATA / f"{language}.yml"])}
    held_out = {fold(e.text) for e in read_examples([HELDOUT / f"{language}.yml"])}
    assert not training & held_out


@pytest.mark.parametrize("language", heldout_languages())
def test_embedded_engine_reaches_the_accuracy_target_on_held_out_messages(
    embedded: EmbeddedClassifier, language: str
) -> None:
    report = evaluate(embedded, read_examples([HELDOUT / f"{language}.yml"]))
    assert report.accuracy >= ACCURACY_TARGET, report.errors


def test_language_detection_reaches_its_target_on_short_held_out_messages(
    guesser: LanguageGuesser,
) -> None:
    short = [
        (example.text, path.stem)
        for path in sorted(HELDOUT.glob("*.yml"))
        for example in read_examples([path])
        if 1 <= len(example.text.split()) <= 8
    ]
    correct = sum(
        (guess := guesser.guess(text)) is not None and guess.language == language
        for text, language in short
    )
    assert correct / len(short) >= LANGUAGE_DETECTION_TARGET


@pytest.mark.parametrize(
    "text",
    [
        "ich brauche bitte sofort Hilfe",
        "saya perlu bantuan sekarang juga",
        "मुझे मदद चाहिए",
        "도와주세요",
    ],
)
def test_messages_in_languages_haven_does_not_speak_are_recognised(
    guesser: LanguageGuesser, text: str
) -> None:
    assert guesser.is_unsupported(text)


@pytest.mark.parametrize(
    "text", ["I need help right now", "necesito ayuda ahora mismo", "je suis en danger", "ok", "1"]
)
def test_messages_in_supported_languages_are_not_unsupported(
    guesser: LanguageGuesser, text: str
) -> None:
    assert not guesser.is_unsupported(text)


def test_entities_name_the_need_and_the_country(embedded: EmbeddedClassifier) -> None:
    entities = embedded.parse("I need a lawyer in Mexico").entities
    found = {(e["entity"], e["value"]) for e in entities}
    assert ("need", "legal") in found
    assert any(entity == "country" for entity, _ in found)


# -- Rasa that is down, slow or wrong --------------------------------------------------------


class _Peer(BaseHTTPRequestHandler):
    """A local HTTP peer standing where Rasa would, answering as the test sets it."""

    body = b"{}"
    delay = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def peer() -> Iterator[tuple[str, type[_Peer]]]:
    handler = type("Peer", (_Peer,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll, so that shutting down takes a moment rather than half a second.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _fallbacks(reason: str) -> float:
    return RASA_FALLBACKS.labels(reason=reason)._value.get()


def test_rasa_down_falls_back_to_the_embedded_engine_with_a_warning(
    embedded: EmbeddedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.rasa_server import free_port

    before = _fallbacks("unreachable")
    interpreter = RasaInterpreter(f"http://127.0.0.1:{free_port()}", 0.5, fallback=embedded)
    with caplog.at_level(logging.WARNING):
        parse = interpreter.parse("can I talk to a real person")
    assert parse.engine == "embedded"
    assert parse.intent == "talk_to_person"
    assert "event=rasa_fallback reason=unreachable" in caplog.text
    assert _fallbacks("unreachable") == before + 1


def test_rasa_too_slow_falls_back_to_the_embedded_engine(
    embedded: EmbeddedClassifier, peer: tuple[str, type[_Peer]]
) -> None:
    url, handler = peer
    handler.delay = 1.0
    handler.body = json.dumps({"intent": {"name": "greet", "confidence": 0.9}}).encode()
    before = _fallbacks("timeout")
    parse = RasaInterpreter(url, 0.2, fallback=embedded).parse("I need a lawyer")
    assert parse.engine == "embedded"
    assert _fallbacks("timeout") == before + 1


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"intent": "greet"}', b'{"intent": {"name": "x", "confidence": 7}}'],
)
def test_an_invalid_rasa_answer_falls_back_to_the_embedded_engine(
    embedded: EmbeddedClassifier, peer: tuple[str, type[_Peer]], body: bytes
) -> None:
    url, handler = peer
    handler.body = body
    parse = RasaInterpreter(url, 2, fallback=embedded).parse("I need a lawyer")
    assert parse.engine == "embedded"
    assert parse.intent == "find_help"


def test_a_rasa_answer_is_read_into_a_parse(peer: tuple[str, type[_Peer]], embedded) -> None:  # type: ignore[no-untyped-def]
    url, handler = peer
    handler.body = json.dumps(
        {
            "text": "hola",
            "intent": {"name": "greet", "confidence": 0.97},
            "intent_ranking": [
                {"name": "greet", "confidence": 0.97},
                {"name": "menu", "confidence": 0.02},
            ],
            "entities": [
                {"entity": "need", "value": "food", "start": 0, "end": 4, "extractor": "X"}
            ],
        }
    ).encode()
    parse = RasaInterpreter(url, 2, fallback=embedded).parse("hola")
    assert (parse.intent, parse.confidence, parse.engine) == ("greet", 0.97, "rasa")
    assert parse.ranking == (("greet", 0.97), ("menu", 0.02))
    assert parse.entities[0]["value"] == "food"


# -- the command line --------------------------------------------------------------------------


def haven(args: list[str], var_dir: Path, model_dir: Path, stdin: str | None = None) -> str:
    """Run the ``haven`` command in a clean environment; its standard output."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "haven"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HAVEN_VAR_DIR": str(var_dir),
            "HAVEN_MODEL_DIR": str(model_dir),
        },
    )
    return result.stdout


@pytest.mark.slow
def test_haven_nlu_parse_prints_one_rasa_shaped_object_per_line(
    tmp_path: Path, model_dir: Path
) -> None:
    output = haven(["nlu", "parse"], tmp_path, model_dir, stdin="necesito un abogado\nhello\n")
    lines = [json.loads(line) for line in output.splitlines()]
    assert [line["text"] for line in lines] == ["necesito un abogado", "hello"]
    first = lines[0]
    assert set(first) == {"text", "intent", "intent_ranking", "entities", "language", "engine"}
    assert first["intent"]["name"] == "find_help"
    assert first["language"] == "es"
    assert first["engine"] == "embedded"
    assert first["entities"][0]["value"] == "legal"


@pytest.mark.slow
def test_haven_nlu_test_prints_json_with_per_intent_scores(tmp_path: Path, model_dir: Path) -> None:
    output = haven(["nlu", "test", str(HELDOUT / "es.yml"), "--json"], tmp_path, model_dir)
    report = json.loads(output)
    assert set(report) == {"accuracy", "macro_f1", "n", "per_intent"}
    assert report["n"] == len(read_examples([HELDOUT / "es.yml"]))
    assert set(report["per_intent"]["find_help"]) == {"precision", "recall", "f1", "support"}


def test_the_lookup_tables_are_generated_from_the_current_languages() -> None:
    from nlu.lookups import main

    assert main(["--check"]) == 0
