"""The ASGI app: health check and the purge loop that runs inside the server."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from bot.app import create_app
from bot.runtime import build_runtime
from common.clock import utcnow
from tests.conftest import Chat, make_settings


def test_healthz_answers_ok(settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_purge_loop_deletes_idle_conversations_while_serving(
    tmp_path: Path, model_dir: Path, encryption_key: str
) -> None:
    settings = make_settings(tmp_path, model_dir, encryption_key, retention=1, purge_interval=1)
    runtime = build_runtime(settings)
    Chat(runtime.engine).say("hi", at=utcnow() - timedelta(seconds=5))
    assert runtime.store.count_sessions() == 1
    with TestClient(create_app(settings, runtime)):
        deadline = time.monotonic() + 10
        while runtime.store.count_sessions() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runtime.store.count_sessions() == 0


def test_metrics_count_rasa_fallbacks(settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/metrics/")
    assert response.status_code == 200
    assert "haven_nlu_rasa_fallbacks_total" in response.text


def test_readyz_is_ready_on_a_migrated_database_with_the_embedded_classifier(settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "understanding": "embedded",
        "channels": {"web": "ok"},
    }


def test_readyz_says_when_rasa_does_not_answer_and_the_fallback_answers_instead(
    tmp_path: Path, model_dir: Path, encryption_key: str
) -> None:
    with socket.socket() as closed:  # a loopback port that nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = make_settings(
        tmp_path, model_dir, encryption_key, rasa_url=f"http://127.0.0.1:{port}", rasa_timeout=1
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["understanding"] == "embedded (rasa unreachable)"


def test_readyz_is_not_ready_on_a_database_behind_the_newest_migration(settings) -> None:
    runtime = build_runtime(settings)
    with TestClient(create_app(settings, runtime)) as client:
        with runtime.store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "not migrated"
