"""The advocates' JSON API: sign-in, CSRF, the queue, claiming, replying on the person's channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.config import Settings
from bot.console.accounts import MAX_FAILED_LOGINS
from bot.console.auth import PREFIX
from bot.runtime import Runtime
from common.clock import utcnow
from tests.console_harness import (
    HTTPS,
    PASSWORD,
    PUBLIC,
    SURVIVOR_PHONE,
    Console,
    first_in_queue,
)

# -- sign-in and CSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/me", None),
        ("POST", "/me/availability", {"available": True}),
        ("GET", "/me/session", None),
        ("POST", "/me/touch", None),
        ("GET", "/queue", None),
        ("GET", "/conversations", None),
        ("POST", "/conversations/x/claim", None),
        ("GET", "/conversations/x", None),
        ("GET", "/conversations/x/canned", None),
        ("POST", "/conversations/x/messages", {"text": "hi"}),
        ("POST", "/conversations/x/notes", {"text": "hi"}),
        ("POST", "/conversations/x/transfer", {"to": "ben"}),
        ("POST", "/conversations/x/take-over", None),
        ("POST", "/conversations/x/close", {}),
        ("GET", "/events", None),
        ("GET", "/supervision", None),
        ("GET", "/advocates", None),
        ("POST", "/advocates", {"username": "eve", "password": PASSWORD}),
        ("DELETE", "/advocates/ben", None),
        ("GET", "/opening-hours", None),
        ("PUT", "/opening-hours", {"hours": ""}),
        ("POST", "/logout", None),
    ],
)
def test_every_call_needs_a_signed_in_advocate(
    console: Console, method: str, path: str, body: dict[str, object] | None
) -> None:
    anonymous = TestClient(console.client.app, base_url=HTTPS)
    assert anonymous.request(method, f"{PREFIX}{path}", json=body).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/me/availability", {"available": True}),
        ("POST", "/me/touch", None),
        ("POST", "/conversations/x/claim", None),
        ("POST", "/conversations/x/messages", {"text": "hi"}),
        ("POST", "/conversations/x/notes", {"text": "hi"}),
        ("POST", "/conversations/x/transfer", {"to": "ben"}),
        ("POST", "/conversations/x/take-over", None),
        ("POST", "/conversations/x/close", {}),
        ("POST", "/advocates", {"username": "eve", "password": PASSWORD}),
        ("DELETE", "/advocates/ben", None),
        ("PUT", "/opening-hours", {"hours": ""}),
        ("POST", "/logout", None),
    ],
)
def test_every_change_needs_the_csrf_token(
    console: Console, method: str, path: str, body: dict[str, object] | None
) -> None:
    root = console.login("root")
    del root.headers["X-CSRF-Token"]
    assert root.request(method, f"{PREFIX}{path}", json=body).status_code == 403


def test_me_names_the_advocate_and_gives_the_csrf_token_again(console: Console) -> None:
    ana = console.login("ana")
    me = ana.get(f"{PREFIX}/me").json()
    assert (me["username"], me["role"], me["available"]) == ("ana", "advocate", True)
    assert me["csrf_token"] == ana.headers["X-CSRF-Token"]


def test_signing_out_ends_the_session(console: Console) -> None:
    ana = console.login("ana")
    assert ana.post(f"{PREFIX}/logout").status_code == 204
    assert ana.get(f"{PREFIX}/queue").status_code == 401


def test_an_idle_session_ends(console: Console) -> None:
    from bot.console.accounts import session_of

    ana = console.login("ana")
    cookie = ana.cookies["haven_console"]
    later = utcnow() + timedelta(seconds=console.runtime.settings.console_idle + 1)
    assert session_of(console.runtime.store, cookie, timedelta(seconds=60), now=later) is None
    assert ana.get(f"{PREFIX}/queue").status_code == 401


def test_a_wrong_password_is_refused_and_audited(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    response = browser.post(f"{PREFIX}/login", json={"username": "ana", "password": "wrong"})
    assert response.status_code == 401
    assert ("ana", "login_failed", None) in console.audit()


def test_the_session_cookie_is_http_only_strict_and_secure(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    response = browser.post(f"{PREFIX}/login", json={"username": "ana", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    assert set(response.json()) == {"csrf_token"}


def test_a_change_without_the_csrf_token_is_refused(console: Console) -> None:
    browser = console.login("ana")
    del browser.headers["X-CSRF-Token"]
    assert browser.post(f"{PREFIX}/me/availability", json={"available": False}).status_code == 403
    browser.headers["X-CSRF-Token"] = "forged"
    assert browser.post(f"{PREFIX}/me/availability", json={"available": False}).status_code == 403


def test_repeated_wrong_passwords_lock_the_account(console: Console) -> None:
    browser = TestClient(console.client.app, base_url=HTTPS)
    for _ in range(MAX_FAILED_LOGINS):
        browser.post(f"{PREFIX}/login", json={"username": "ben", "password": "wrong"})
    response = browser.post(f"{PREFIX}/login", json={"username": "ben", "password": PASSWORD})
    assert response.status_code == 401
    assert ("ben", "locked", None) in console.audit()


# -- the queue ------------------------------------------------------------------------------------


def test_the_queue_lists_emergencies_first_then_by_waiting_time(console: Console) -> None:
    console.queue_telegram(1001)
    console.telegram(1002, "SOS")
    console.telegram(1002, choice="person")
    console.telegram(1002, "Mexico")
    console.telegram(1002, choice="share")
    items = console.login("ana").get(f"{PREFIX}/queue").json()["items"]
    assert [item["priority"] for item in items] == ["emergency", "normal"]
    assert items[0]["channel"] == "telegram" and items[0]["language"] == "en"
    assert "1002" not in str(items)


def test_claiming_assigns_the_chat_and_others_cannot_take_or_read_it(console: Console) -> None:
    console.queue_telegram(1003)
    ana, ben, root = console.login("ana"), console.login("ben"), console.login("root")
    item = first_in_queue(ana)
    assert ana.post(f"{PREFIX}/conversations/{item['id']}/claim").status_code == 200
    assert ben.post(f"{PREFIX}/conversations/{item['id']}/claim").status_code == 409
    assert ben.get(f"{PREFIX}/conversations/{item['id']}").status_code == 403
    assert root.get(f"{PREFIX}/conversations/{item['id']}").status_code == 200
    assert ana.get(f"{PREFIX}/conversations/not-a-real-id").status_code == 404
    assert ana.get(f"{PREFIX}/queue").json()["items"] == []


def test_the_summary_follows_the_persons_consent(console: Console) -> None:
    console.queue_telegram(1004, consent="private")
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    view = ana.get(f"{PREFIX}/conversations/{item['id']}").json()
    assert view["summary"] == {"language": "en", "country": "MX"}


# -- relay ----------------------------------------------------------------------------------------


def test_a_reply_reaches_the_telegram_chat_and_the_person_answers_the_advocate(
    console: Console,
) -> None:
    console.queue_telegram(1005)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    response = ana.post(
        f"{PREFIX}/conversations/{item['id']}/messages",
        json={"text": "Hello, I am Ana. I am here to help."},
    )
    assert response.status_code == 200
    last = console.bot_api.of("sendMessage")[-1]
    assert last["chat_id"] == 1005 and last["text"] == "Hello, I am Ana. I am here to help."
    console.telegram(1005, "thank you <b>Ana</b>")
    messages = ana.get(f"{PREFIX}/conversations/{item['id']}").json()["messages"]
    said = [(message["direction"], message["text"]) for message in messages]
    assert ("adv", "Hello, I am Ana. I am here to help.") in said
    assert said[-1] == ("in", "thank you <b>Ana</b>")
    assert console.bot_api.of("sendMessage")[-1]["text"] == last["text"]  # the bot kept quiet


def test_a_reply_reaches_an_sms_number_through_twilio(console: Console) -> None:
    console.queue_sms()
    ana = console.login("ana")
    item = first_in_queue(ana)
    assert item["channel"] == "sms"
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "Hi, this is Ana."})
    joined, sent = console.twilio.sent  # "an advocate joined", then the reply
    assert joined["Body"] == "An advocate has joined this chat."
    assert sent["To"] == SURVIVOR_PHONE and sent["Body"] == "Hi, this is Ana."
    assert sent["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"


def test_an_oversized_reply_is_refused(console: Console) -> None:
    console.queue_telegram(1006)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    response = ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "x" * 5000})
    assert response.status_code == 413


# -- closing and the audit ------------------------------------------------------------------------


def test_closing_returns_the_person_to_the_bot(console: Console) -> None:
    console.queue_telegram(1007)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    assert ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={}).json() == {
        "state": "closed",
        "told": True,
    }
    told = console.bot_api.of("sendMessage")[-1]
    assert told["chat_id"] == 1007
    assert told["text"].startswith("The chat with the person has ended. You are back with Haven.")
    assert told["text"].endswith("What would you like to do?")
    assert "help" in str(told["reply_markup"])  # the menu's buttons
    console.telegram(1007, choice="signs")  # the bot answers again
    assert console.bot_api.of("sendMessage")[-1]["text"].startswith("Some signs")
    assert ana.get(f"{PREFIX}/conversations/{item['id']}").status_code == 404


def test_closing_with_wipe_now_erases_the_conversation(console: Console) -> None:
    console.queue_telegram(1008)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={"wipe": True})
    assert console.runtime.store.count_sessions() == 0


def test_the_audit_names_who_did_what_and_holds_no_text(console: Console) -> None:
    console.queue_telegram(1009)
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    ana.get(f"{PREFIX}/conversations/{item['id']}")
    ana.post(f"{PREFIX}/conversations/{item['id']}/messages", json={"text": "secret words"})
    ana.post(f"{PREFIX}/conversations/{item['id']}/close", json={"outcome": "referred"})
    entries = [entry for entry in console.audit() if entry[2] == item["id"]]
    assert [action for _, action, _ in entries] == ["claimed", "viewed", "replied", "closed"]
    assert "secret words" not in str(console.audit())


def test_every_console_call_is_in_the_openapi_schema(console: Console) -> None:
    paths = console.client.get("/openapi.json").json()["paths"]
    expected = {
        "/login": {"post"},
        "/logout": {"post"},
        "/me": {"get"},
        "/me/availability": {"post"},
        "/me/session": {"get"},
        "/me/touch": {"post"},
        "/queue": {"get"},
        "/conversations": {"get"},
        "/conversations/{conversation_id}": {"get"},
        "/conversations/{conversation_id}/claim": {"post"},
        "/conversations/{conversation_id}/canned": {"get"},
        "/conversations/{conversation_id}/messages": {"post"},
        "/conversations/{conversation_id}/notes": {"post"},
        "/conversations/{conversation_id}/transfer": {"post"},
        "/conversations/{conversation_id}/take-over": {"post"},
        "/conversations/{conversation_id}/close": {"post"},
        "/events": {"get"},
        "/supervision": {"get"},
        "/advocates": {"get", "post"},
        "/advocates/{username}": {"delete"},
        "/opening-hours": {"get", "put"},
    }
    for path, methods in expected.items():
        assert set(paths[PREFIX + path]) == methods, path


def test_every_console_answer_has_a_documented_schema(settings: Settings, runtime: Runtime) -> None:
    """``/docs`` shows each answer's fields: no call answers an undescribed object."""
    schema = create_app(settings, runtime).openapi()
    models = schema["components"]["schemas"]

    def described(part: dict[str, Any]) -> bool:
        if "$ref" in part:
            return described(models[part["$ref"].rsplit("/", 1)[-1]])
        if "anyOf" in part:
            return all(described(choice) for choice in part["anyOf"])
        return part.get("type") == "object" and bool(part.get("properties"))

    calls = [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        if path.startswith(PREFIX)
        for method, operation in operations.items()
    ]
    assert len(calls) == 23
    for path, method, operation in calls:
        ((status, answer),) = [item for item in operation["responses"].items() if item[0] < "300"]
        if status == "204":
            assert "content" not in answer, (method, path)
            continue
        ((media_type, content),) = answer["content"].items()
        if media_type == "text/event-stream":
            assert described(content["itemSchema"]), (method, path)
        else:
            assert media_type == "application/json", (method, path)
            assert described(content["schema"]), (method, path)


def test_the_console_page_loads_only_its_own_script_and_style(console: Console) -> None:
    page = console.client.get("/advocate")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/advocate/console.js"' in page.text
    assert "http" not in page.text.split("<body>")[1]  # no third-party resources


def test_the_console_script_never_writes_html(console: Console) -> None:
    script = console.client.get("/advocate/console.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script
