"""The web chat in a real browser: Debian's Chromium, driven by Selenium, against a real server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import create_app
from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.runtime import Content, Understanding, build_runtime
from tests.live_server import WAIT, Live, chromium, free_port, serving, wait_for
from tests.settings import TEST_HASHER, SettingsMaker

ADVOCATE_PASSWORD = "a long enough password"
LEAVES_WITHIN_SECONDS = 1.0

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Debian's driver and browser; never a download
    with chromium() as driver:
        yield driver


# -- reading the page ---------------------------------------------------------------------------


def said(driver: WebDriver, who: str = "bot") -> list[str]:
    """The texts of one speaker's messages (``bot``, ``person``, ``advocate``, ``notice``),
    without their labels."""
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, f".message.{who} .text")]


def shown(driver: WebDriver) -> list[tuple[str, str]]:
    """Every message in order, as (who, text)."""
    found = []
    for item in driver.find_elements(By.CSS_SELECTOR, "#log .message"):
        classes = (item.get_attribute("class") or "").split()
        who = next(c for c in ("person", "haven", "advocate", "notice") if c in classes)
        found.append((who, item.find_element(By.CSS_SELECTOR, ".text").text))
    return found


def type_message(driver: WebDriver, text: str) -> None:
    field = driver.find_element(By.ID, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def choose(driver: WebDriver, choice: str) -> None:
    selector = f"#options button[data-choice='{choice}']"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector), f"no {choice!r}")[
        0
    ].click()


def open_chat(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/healthz?before")  # the page the person came from
    driver.get(f"{base}/")
    type_message(driver, "hi")
    wait_for(driver, lambda d: any(t.startswith("Hi, I'm Haven") for t in said(d)), "no greeting")


def ask_for_a_person(driver: WebDriver, base: str) -> None:
    open_chat(driver, base)
    choose(driver, "yes")
    choose(driver, "person")
    type_message(driver, "Mexico")
    choose(driver, "share")
    wait_for(driver, lambda d: "in line" in d.find_element(By.ID, "status").text, "not queued")


def status(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "status").text)


def left_within(driver: WebDriver, url_end: str, seconds: float) -> float:
    """Seconds until the browser is on a page whose address ends ``url_end``."""
    start = time.monotonic()
    while not driver.current_url.endswith(url_end):
        assert time.monotonic() - start < WAIT, driver.current_url
        time.sleep(0.02)
    return time.monotonic() - start


@contextmanager
def advocate(live: Live, username: str) -> Iterator[httpx.Client]:
    """An advocate signed in to the console API, available."""
    add_advocate(live.runtime.store, username, ADVOCATE_PASSWORD, hasher=TEST_HASHER)
    with httpx.Client(base_url=live.base, timeout=WAIT) as client:
        login = client.post(
            f"{PREFIX}/login", json={"username": username, "password": ADVOCATE_PASSWORD}
        ).json()
        client.headers["X-CSRF-Token"] = login["csrf_token"]
        client.post(f"{PREFIX}/me/availability", json={"available": True}).raise_for_status()
        yield client


def first_waiting(client: httpx.Client) -> str:
    items = client.get(f"{PREFIX}/queue").json()["items"]
    assert items
    return str(items[0]["id"])


# -- quick exit ---------------------------------------------------------------------------------


def test_a_conversation_with_buttons_and_a_quick_exit_that_back_does_not_undo(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live.base)
    choose(browser, "yes")
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#options button[data-choice='help']"),
        "no menu",
    )
    assert live.runtime.store.count_sessions() == 1

    browser.find_element(By.ID, "quick-exit").click()
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")
    wait_for(browser, lambda d: d.get_cookies() == [], "cookies kept")

    browser.back()
    time.sleep(0.5)
    assert browser.current_url.endswith("/healthz?before"), browser.current_url


def test_escape_pressed_twice_leaves_at_once(browser: WebDriver, live: Live) -> None:
    open_chat(browser, live.base)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ESCAPE)
    body.send_keys(Keys.ESCAPE)
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")


def test_typing_the_quick_exit_word_leaves_as_the_button_does(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live.base)
    type_message(browser, "exit")
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")


class HeldErase:
    """Middleware that holds ``POST /chat/exit`` until released: a server that does not answer."""

    def __init__(self, app: ASGIApp, released: threading.Event) -> None:
        self.app, self.released = app, released

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/chat/exit":
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        await self.app(scope, receive, send)


def test_quick_exit_leaves_at_once_while_the_server_does_not_answer_and_the_erase_follows(
    browser: WebDriver,
    settings_with: SettingsMaker,
    understanding: Understanding,
    content: Content,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_with(public_url=base, web_exit_url=f"{base}/healthz?left")
    runtime = build_runtime(settings, understanding, content)
    app, released = create_app(settings, runtime), threading.Event()
    app.add_middleware(HeldErase, released=released)
    with serving(app, port):
        try:
            open_chat(browser, base)
            browser.find_element(By.ID, "quick-exit").click()
            assert left_within(browser, "/healthz?left", WAIT) < LEAVES_WITHIN_SECONDS
            assert runtime.store.count_sessions() == 1  # the erase is still on its way
        finally:
            released.set()
        wait_for(browser, lambda d: runtime.store.count_sessions() == 0, "not erased after")
    browser.back()
    time.sleep(0.5)
    assert browser.current_url.endswith("/healthz?before"), browser.current_url


def elsewhere() -> FastAPI:
    """A neutral site of its own, which stays up while Haven is down."""
    app = FastAPI()

    @app.get("/weather")
    def weather() -> PlainTextResponse:
        return PlainTextResponse("sunny")

    return app


def test_quick_exit_leaves_at_once_while_the_server_is_stopped_and_erases_on_the_next_visit(
    browser: WebDriver,
    settings_with: SettingsMaker,
    understanding: Understanding,
    content: Content,
) -> None:
    port, other = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_with(public_url=base, web_exit_url=f"http://127.0.0.1:{other}/weather")
    runtime = build_runtime(settings, understanding, content)
    with serving(elsewhere(), other):
        with serving(create_app(settings, runtime), port):
            open_chat(browser, base)
        browser.find_element(By.ID, "quick-exit").click()
        assert left_within(browser, "/weather", WAIT) < LEAVES_WITHIN_SECONDS
        assert runtime.store.count_sessions() == 1  # nothing could reach the server
        browser.back()
        time.sleep(0.5)
        assert browser.current_url.endswith("/healthz?before"), browser.current_url

        with serving(create_app(settings, runtime), port):
            browser.get(f"{base}/")  # whoever opens the chat again
            wait_for(browser, lambda d: runtime.store.count_sessions() == 0, "not erased")
            time.sleep(0.5)  # the page has asked for what it showed
            assert shown(browser) == []
            assert browser.get_cookies() == []


def test_the_quick_exit_button_has_a_label_and_is_reached_by_keyboard(
    browser: WebDriver, live: Live
) -> None:
    browser.get(f"{live.base}/")
    button = browser.find_element(By.ID, "quick-exit")
    assert (button.get_attribute("aria-label") or "").startswith("Quick exit")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='message']").get_attribute(
        "textContent"
    )
    assert button.is_displayed()


def test_the_first_screen_says_what_the_browser_history_keeps(
    browser: WebDriver, live: Live
) -> None:
    browser.get(f"{live.base}/")
    advice = browser.find_element(By.ID, "tracks").text
    assert "history keeps this visit" in advice and "private window" in advice


# -- messages -----------------------------------------------------------------------------------


def test_html_in_a_message_is_shown_as_text(browser: WebDriver, live: Live) -> None:
    browser.get(f"{live.base}/")
    type_message(browser, "<b>bold</b>")
    wait_for(browser, lambda d: said(d, "person"), "not shown")
    assert said(browser, "person") == ["<b>bold</b>"]
    assert browser.find_elements(By.CSS_SELECTOR, "#log b") == []


def test_each_message_has_a_speaker_label_for_screen_readers(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live.base)
    labels = [
        (item.get_attribute("class"), item.get_attribute("textContent"))
        for item in browser.find_elements(By.CSS_SELECTOR, "#log .message .speaker")
    ]
    assert labels == [
        ("speaker visually-hidden", "You:"),
        ("speaker visually-hidden", "Haven:"),
    ]


def test_a_message_typed_offline_is_marked_not_sent_and_a_retry_sends_it(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live.base)
    browser.set_network_conditions(  # type: ignore[attr-defined]
        offline=True, latency=0, download_throughput=0, upload_throughput=0
    )
    type_message(browser, "menu")
    failed = wait_for(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".message.person.failed"), "not marked"
    )[0]
    assert failed.find_element(By.CSS_SELECTOR, ".text").text == "menu"
    assert "Not sent." in failed.text
    greeted = len(said(browser))

    browser.set_network_conditions(  # type: ignore[attr-defined]
        offline=False, latency=0, download_throughput=-1, upload_throughput=-1
    )
    failed.find_element(By.CSS_SELECTOR, "button.retry").click()
    wait_for(browser, lambda d: len(said(d)) > greeted, "no answer after the retry")
    assert browser.find_elements(By.CSS_SELECTOR, ".message.failed, .retry") == []
    assert said(browser, "person") == ["hi", "menu"]


def test_a_reload_shows_the_conversation_again_from_the_server(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live.base)
    choose(browser, "yes")
    wait_for(browser, lambda d: len(said(d)) == 2, "no menu")
    before = shown(browser)
    browser.refresh()
    wait_for(browser, lambda d: shown(d) == before, "not restored")
    assert browser.find_elements(By.CSS_SELECTOR, "#options button[data-choice='help']")
    kept = browser.execute_script("return localStorage.length + sessionStorage.length")
    assert kept == 0


def test_a_reload_while_queued_shows_the_queue_and_what_comes_next(
    browser: WebDriver, live: Live
) -> None:
    with advocate(live, "ana") as ana:
        ask_for_a_person(browser, live.base)
        before = shown(browser)
        browser.refresh()
        wait_for(browser, lambda d: shown(d) == before, "not restored")
        assert "You are in line for a person" in status(browser)
        ana.post(f"{PREFIX}/conversations/{first_waiting(ana)}/claim").raise_for_status()
        wait_for(browser, lambda d: said(d, "notice"), "the page stopped listening")


# -- who speaks ---------------------------------------------------------------------------------


def test_advocate_messages_are_labelled_and_join_transfer_and_close_are_told_in_order(
    browser: WebDriver, live: Live
) -> None:
    with advocate(live, "ana") as ana, advocate(live, "ben") as ben:
        ask_for_a_person(browser, live.base)
        queued = len(shown(browser))
        chat = first_waiting(ana)
        ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
        for text in ("Hi, I'm Ana. <i>Hello</i>", "Call (888) 373-7888 any time."):
            sent = ana.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": text})
            sent.raise_for_status()
        ana.post(f"{PREFIX}/conversations/{chat}/transfer", json={"to": "ben"}).raise_for_status()
        ben.post(f"{PREFIX}/conversations/{chat}/messages", json={"text": "I'm Ben."})
        ben.post(f"{PREFIX}/conversations/{chat}/close", json={}).raise_for_status()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#options button"), "no menu")

    after = shown(browser)[queued:]
    assert after[:5] == [
        ("notice", "An advocate has joined this chat."),
        ("advocate", "Hi, I'm Ana. <i>Hello</i>"),
        ("advocate", "Call (888) 373-7888 any time."),
        ("notice", "Your chat is now with another advocate."),
        ("advocate", "I'm Ben."),
    ]
    (who, text), (then, menu) = after[5:]
    assert (who, text) == ("notice", "The chat with the person has ended. You are back with Haven.")
    assert then == "haven" and menu.endswith("What would you like to do?")
    labels = browser.find_elements(By.CSS_SELECTOR, ".message.advocate .speaker")
    assert [label.text for label in labels] == ["Advocate"] * 3
    assert browser.find_elements(By.CSS_SELECTOR, "#log i") == []
    assert status(browser) == ""


# -- the page in the person's language ------------------------------------------------------------


def test_the_page_is_in_spanish_in_a_spanish_conversation(browser: WebDriver, live: Live) -> None:
    browser.get(f"{live.base}/")
    type_message(browser, "hola")
    wait_for(browser, lambda d: d.find_element(By.ID, "send").text == "Enviar", "not in Spanish")
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("es", "ltr")
    field = browser.find_element(By.ID, "message")
    assert field.get_attribute("placeholder") == "Escribe un mensaje"
    button = browser.find_element(By.ID, "quick-exit")
    assert (button.text, button.get_attribute("aria-label")) == (
        "Salida rápida",
        "Salida rápida: salir de esta página ahora y borrar este chat",
    )
    assert browser.find_element(By.ID, "log").get_attribute("aria-label") == "Conversación"
    label = browser.find_element(By.CSS_SELECTOR, "label[for='message']")
    assert label.get_attribute("textContent") == "Tu mensaje"
    speakers = browser.find_elements(By.CSS_SELECTOR, "#log .speaker")
    assert [s.get_attribute("textContent") for s in speakers] == ["Tú:", "Haven:"]

    browser.refresh()  # served in the conversation's language from the start
    assert browser.find_element(By.ID, "send").text == "Enviar"
    assert "historial" in browser.find_element(By.ID, "tracks").text


def arabic_hotline(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/")
    type_message(driver, "مرحبا")
    choose(driver, "yes")
    choose(driver, "help")
    type_message(driver, "الولايات المتحدة")
    choose(driver, "shelter")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "a.number"), "no number")


def test_the_page_is_in_arabic_right_to_left_with_a_us_number_readable(
    browser: WebDriver, live: Live
) -> None:
    arabic_hotline(browser, live.base)
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert browser.find_element(By.ID, "send").text == "إرسال"
    assert browser.find_element(By.ID, "quick-exit").text == "خروج سريع"

    call, text = browser.find_elements(By.CSS_SELECTOR, "bdi[dir='ltr'] > a.number")[:2]
    assert (call.text, call.get_attribute("href")) == ("(888) 373-7888", "tel:8883737888")
    assert (text.text, text.get_attribute("href")) == ("233733", "sms:233733")
    first_and_last = browser.execute_script(
        """const node = arguments[0].firstChild, range = document.createRange();
        const left = (i) => { range.setStart(node, i); range.setEnd(node, i + 1);
                              return range.getBoundingClientRect().left; };
        return [left(0), left(node.length - 1)];""",
        call,
    )
    assert first_and_last[0] < first_and_last[1]  # "(888)" is drawn left of "7888"


def test_a_spanish_message_keeps_its_direction_when_the_chat_turns_to_arabic(
    browser: WebDriver, live: Live
) -> None:
    browser.get(f"{live.base}/")
    type_message(browser, "hola")
    choose(browser, "yes")
    choose(browser, "language")
    arabic = wait_for(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button[data-choice='ar']"), "none"
    )[0]
    assert arabic.get_attribute("lang") == "ar"  # a language's name is in its language
    arabic.click()
    wait_for(
        browser,
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl",
        "the page did not turn right to left",
    )
    first = browser.find_element(By.CSS_SELECTOR, "#log .message.haven")
    assert (first.get_attribute("lang"), first.get_attribute("dir")) == ("es", "ltr")


def test_the_page_stays_right_to_left_when_the_person_writes_during_a_handoff(
    browser: WebDriver, live: Live
) -> None:
    with advocate(live, "ana"):
        browser.get(f"{live.base}/")
        type_message(browser, "مرحبا")
        choose(browser, "yes")
        choose(browser, "person")
        type_message(browser, "المكسيك")
        choose(browser, "share")
        wait_for(browser, lambda d: status(d), "not queued")
        for text in ("hello", "are you there?"):
            type_message(browser, text)
        wait_for(browser, lambda d: len(said(d, "person")) == 7, "not sent")
        time.sleep(0.5)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
        mine = browser.find_elements(By.CSS_SELECTOR, ".message.person")[-1]
        assert mine.get_attribute("dir") == "auto"
