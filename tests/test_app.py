"""The ASGI app: health check and the purge loop that runs inside the server."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

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
