"""The web chat's page and JSON endpoints, through the real ASGI app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.channels.web.routes import COOKIE
from bot.runtime import Content, Runtime, Understanding, build_runtime
from tests.conftest import make_settings


@pytest.fixture
def web(
    tmp_path, model_dir, encryption_key, understanding: Understanding, content: Content
) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, model_dir, encryption_key)
    runtime = build_runtime(settings, understanding, content)
    with TestClient(create_app(settings, runtime)) as client:
        client.app_state = runtime  # type: ignore[attr-defined]
        yield client


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app_state  # type: ignore[attr-defined]
    return runtime


def say(client: TestClient, **payload: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/chat/messages", json=payload)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_loads_its_own_script_and_style_only(web: TestClient) -> None:
    for path in ("/", "/chat.js", "/chat.css"):
        response = web.get(path)
        assert response.status_code == 200
        assert not re.search(r"(src|href)=\"https?://", response.text), path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert 'id="quick-exit"' in web.get("/").text


def test_a_conversation_reaches_the_menu(web: TestClient) -> None:
    first = say(web, text="hi")
    assert first["replies"][0]["text"].startswith("Hi, I'm Haven")
    menu = say(web, choice="yes")
    assert [option["id"] for option in menu["replies"][-1]["options"]][:2] == ["help", "rights"]


def test_the_session_cookie_is_the_only_cookie_and_is_http_only_and_strict(web: TestClient) -> None:
    response = web.post("/chat/messages", json={"text": "hi"})
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookies[0] and "SameSite=strict" in cookies[0]
    assert "Secure" not in cookies[0]  # served over plain http in development


def test_the_cookie_is_secure_when_served_over_https(
    tmp_path,
    model_dir,
    encryption_key,
    understanding: Understanding,  # type: ignore[no-untyped-def]
) -> None:
    settings = make_settings(
        tmp_path, model_dir, encryption_key, public_url="https://haven.example.org"
    )
    with TestClient(create_app(settings, build_runtime(settings, understanding))) as client:
        cookie = client.post("/chat/messages", json={"text": "hi"}).headers["set-cookie"]
    assert "Secure" in cookie


def test_arabic_replies_are_marked_right_to_left(web: TestClient) -> None:
    outcome = say(web, text="مرحبا")
    assert outcome["lang"] == "ar"
    assert all(reply["rtl"] for reply in outcome["replies"])


def test_quick_exit_erases_the_conversation_and_the_cookie(web: TestClient) -> None:
    say(web, text="hi")
    assert runtime_of(web).store.count_sessions() == 1
    response = web.post("/chat/exit")
    assert response.status_code == 204
    assert runtime_of(web).store.count_sessions() == 0
    assert (
        "Max-Age=0" in response.headers["set-cookie"]
        or "expires=" in response.headers["set-cookie"].lower()
    )


def test_typing_exit_erases_the_conversation_too(web: TestClient) -> None:
    say(web, text="hi")
    outcome = say(web, text="EXIT")
    assert outcome["exited"] is True and outcome["replies"] == []
    assert runtime_of(web).store.count_sessions() == 0


def test_two_browsers_have_two_conversations(web: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    say(web, text="hi")
    other = TestClient(web.app)
    other.post("/chat/messages", json={"text": "hi"})
    assert runtime_of(web).store.count_sessions() == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b'["a list"]', "application/json", 400),
        (b'{"text": 5}', "application/json", 400),
        (b'{"text": "hi"}', "text/plain", 400),
        (b'{"text": "' + b"x" * 100_000 + b'"}', "application/json", 413),
    ],
    ids=["not-json", "not-an-object", "text-not-a-string", "wrong-type", "too-large"],
)
def test_bad_input_gets_a_clear_error_and_touches_nothing(
    web: TestClient, body: bytes, content_type: str, status: int
) -> None:
    response = web.post("/chat/messages", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert runtime_of(web).store.count_sessions() == 0
