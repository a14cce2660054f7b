"""The web chat's page and JSON endpoints, through the real ASGI app (with the console's
API where an advocate takes part)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.channels.web.routes import COOKIE, LEFT
from bot.config import Settings
from bot.console.auth import PREFIX
from bot.runtime import Content, Runtime, Understanding, build_runtime
from tests.conftest import make_settings
from tests.console_harness import Console, open_console
from tests.settings import SettingsMaker


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


# -- quick exit that never waits ------------------------------------------------------------------


def test_quick_exit_takes_what_a_beacon_sends(web: TestClient) -> None:
    """``navigator.sendBeacon`` posts text/plain (or nothing) and can set no header."""
    say(web, text="hi")
    response = web.post("/chat/exit", content=b"", headers={"Content-Type": "text/plain"})
    assert response.status_code == 204
    assert runtime_of(web).store.count_sessions() == 0


def test_a_browser_that_left_while_the_server_was_away_is_erased_when_it_comes_back(
    web: TestClient,
) -> None:
    """The page marks itself gone before the beacon; if the beacon was lost, the mark erases."""
    say(web, text="hi")
    web.cookies.set(LEFT, "1")
    page = web.get("/")
    assert runtime_of(web).store.count_sessions() == 0
    deleted = " ".join(page.headers.get_list("set-cookie"))
    assert f'{COOKIE}=""' in deleted and f'{LEFT}=""' in deleted
    assert web.get("/chat/history").json()["lines"] == []


def test_a_message_from_a_browser_that_left_starts_a_new_conversation(web: TestClient) -> None:
    say(web, text="hi")
    old = web.cookies[COOKIE]
    web.cookies.set(LEFT, "1")
    again = say(web, text="hello")
    assert again["replies"][0]["text"].startswith("Hi, I'm Haven")
    assert runtime_of(web).store.count_sessions() == 1
    assert web.cookies[COOKIE] != old


# -- a reload shows what the page showed ----------------------------------------------------------


def test_history_is_empty_without_a_conversation(web: TestClient) -> None:
    shown = web.get("/chat/history")
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert shown.json() == {
        "lines": [],
        "lang": None,
        "state": "none",
        "with_person": False,
        "options": [],
        "after": 0,
    }


def test_history_gives_each_line_with_its_speaker_and_the_last_choices(web: TestClient) -> None:
    say(web, text="hi", id="message-0001")
    menu = say(web, choice="yes", id="message-0002")
    shown = web.get("/chat/history").json()
    assert [(line["from"], line["text"][:12]) for line in shown["lines"]] == [
        ("person", "hi"),
        ("haven", "Hi, I'm Have"),
        ("person", "Yes"),  # the button's label, as the page showed it
        ("haven", "What would y"),
    ]
    assert shown["options"] == menu["replies"][-1]["options"]
    assert (shown["lang"], shown["state"], shown["with_person"]) == ("en", "none", False)


def test_history_is_only_this_browsers_conversation(web: TestClient) -> None:
    say(web, text="hi")
    other = TestClient(web.app)
    other.post("/chat/messages", json={"text": "hola"})
    assert [line["text"] for line in other.get("/chat/history").json()["lines"]][:1] == ["hola"]
    assert [line["text"] for line in web.get("/chat/history").json()["lines"]][:1] == ["hi"]


def test_history_of_a_queued_chat_says_it_is_queued(console: Console) -> None:
    page = console.queue_web()
    shown = page.get("/chat/history").json()
    assert (shown["state"], shown["with_person"], shown["options"]) == ("queued", True, [])
    assert shown["lines"][-1]["from"] == "haven"
    assert "in line" in shown["lines"][-1]["text"]


def test_history_keeps_notices_and_advocate_lines_and_what_the_page_has_seen(
    console: Console,
) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
    shown = page.get("/chat/history").json()
    assert [(line["from"], line["text"]) for line in shown["lines"][-2:]] == [
        ("notice", "An advocate has joined this chat."),
        ("advocate", "Hi, I'm Ana."),
    ]
    assert shown["state"] == "assigned"
    assert page.get(f"/chat/inbox?after={shown['after']}").json()["items"] == []


# -- a message sent again -------------------------------------------------------------------------


def test_a_message_sent_again_with_its_id_is_answered_again_and_taken_once(web: TestClient) -> None:
    say(web, text="hi", id="first-message")
    first = say(web, text="menu", id="second-message")
    again = say(web, text="menu", id="second-message")
    assert again["replies"] == first["replies"]
    lines = [line["text"] for line in web.get("/chat/history").json()["lines"]]
    assert lines.count("menu") == 1


@pytest.mark.parametrize("message_id", ["short", "x" * 65, "not allowed!", 5])
def test_a_malformed_message_id_is_refused(web: TestClient, message_id: object) -> None:
    response = web.post("/chat/messages", json={"text": "hi", "id": message_id})
    assert response.status_code == 400
    assert runtime_of(web).store.count_sessions() == 0


# -- who speaks -----------------------------------------------------------------------------------


def inbox_items(page: TestClient) -> list[dict]:  # type: ignore[type-arg]
    items: list[dict] = page.get("/chat/inbox").json()["items"]  # type: ignore[type-arg]
    return items


def test_outbox_items_say_who_speaks_and_a_close_tells_the_end_apart_from_the_menu(
    console: Console,
) -> None:
    page = console.queue_web()
    ana = console.login("ana")
    chat = console.claimed(ana)
    ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana."})
    ana.post(f"{PREFIX}/conversations/{chat}/close", json={})
    items = inbox_items(page)
    assert [(item["from"], item["state"]) for item in items] == [
        ("notice", "assigned"),
        ("advocate", "assigned"),
        ("notice", "none"),
        ("haven", "none"),
    ]
    assert "name" not in items[1]  # the deployment shows the role
    notice, menu = items[2]["replies"], items[3]["replies"]
    assert [reply["text"] for reply in notice] == [
        "The chat with the person has ended. You are back with Haven."
    ]
    assert notice[0]["options"] == [] and menu[0]["text"] == "What would you like to do?"
    assert "help" in [option["id"] for option in menu[0]["options"]]


def test_an_advocates_first_name_is_shown_where_the_deployment_chooses_it(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> None:
    def first_names(**overrides: object) -> Settings:
        return settings_with(advocate_name_shown="first_name", **overrides)

    with open_console(first_names, understanding, content) as console:
        page = console.queue_web()
        ana = console.login("ana")
        chat = console.claimed(ana)
        ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi."})
        joined, said = inbox_items(page)
    assert joined["replies"][0]["text"] == "ana, an advocate, has joined this chat."
    assert said["name"] == "ana"


def test_joining_and_handing_over_are_told_on_telegram_too(console: Console) -> None:
    console.queue_telegram(3001)
    ana = console.login("ana")
    chat = console.claimed(ana)
    assert console.bot_api.of("sendMessage")[-1]["text"] == "An advocate has joined this chat."
    ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"})
    told = console.bot_api.of("sendMessage")[-1]["text"]
    assert told == "Your chat is now with another advocate."


def test_joining_is_told_by_sms_in_the_persons_language(console: Console) -> None:
    for body in ("hola", "sí", "quiero hablar con una persona", "1"):
        console.sms(body)
    ana = console.login("ana")
    console.claimed(ana)
    assert console.twilio.sent[-1]["Body"] == "Una persona de apoyo se unió a este chat."


# -- the page in the person's language ------------------------------------------------------------


def page_language(page: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([a-z]+)" dir="(ltr|rtl)">', page)
    assert found
    return found.group(1), found.group(2)


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("de-DE,de;q=0.9,ar;q=0.5,fr;q=0.7", "fr"),
        ("de-DE", "en"),
        ("", "en"),
        ("en;q=0.1, uk", "uk"),
    ],
)
def test_the_page_starts_in_the_browsers_first_language_haven_speaks(
    web: TestClient, accept: str, language: str
) -> None:
    page = web.get("/", headers={"Accept-Language": accept}).text
    assert page_language(page)[0] == language


def test_the_page_comes_in_the_conversations_language_and_direction(web: TestClient) -> None:
    say(web, text="مرحبا")
    page = web.get("/", headers={"Accept-Language": "en-US"}).text
    assert page_language(page) == ("ar", "rtl")
    assert ">إرسال</button>" in page and 'aria-label="خروج سريع: ' in page
    assert "{{" not in page


def test_the_page_carries_every_languages_texts_in_a_block_that_cannot_be_closed_early(
    web: TestClient, content: Content
) -> None:
    page = web.get("/").text
    block = re.search(r'<script id="page-texts" type="application/json">(.*?)</script>', page, re.S)
    assert block and "<" not in block.group(1)
    texts = json.loads(block.group(1))
    assert texts["languages"] == content.catalogs.languages
    assert texts["rtl"] == ["ar"]
    english = set(texts["texts"]["en"])
    assert {"send", "quick_exit", "tracks", "retry", "not_sent"} <= english
    assert all(set(texts["texts"][lang]) == english for lang in texts["languages"])
