"""The web chat in a real browser: Debian's Chromium, driven by Selenium, against a real server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from tests.live_server import WAIT, Live, chromium, wait_for

ADVOCATE_PASSWORD = "a long enough password"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Debian's driver and browser; never a download
    with chromium() as driver:
        yield driver


def bot_messages(driver: WebDriver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".message.bot")]


def type_message(driver: WebDriver, text: str) -> None:
    field = driver.find_element(By.ID, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def open_chat(driver: WebDriver, live: Live) -> None:
    driver.get(f"{live.base}/healthz?before")  # the page the person came from
    driver.get(f"{live.base}/")
    type_message(driver, "hi")
    wait_for(
        driver, lambda d: any(t.startswith("Hi, I'm Haven") for t in bot_messages(d)), "no greeting"
    )


def test_a_conversation_with_buttons_and_a_quick_exit_that_back_does_not_undo(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live)
    browser.find_element(By.CSS_SELECTOR, "#options button[data-choice='yes']").click()
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#options button[data-choice='help']"),
        "no menu",
    )
    assert live.runtime.store.count_sessions() == 1

    browser.find_element(By.ID, "quick-exit").click()
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")
    assert browser.get_cookies() == []

    browser.back()
    time.sleep(0.5)
    assert browser.current_url.endswith("/healthz?before"), browser.current_url


def test_escape_pressed_twice_leaves_at_once(browser: WebDriver, live: Live) -> None:
    open_chat(browser, live)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ESCAPE)
    body.send_keys(Keys.ESCAPE)
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")


def test_typing_the_quick_exit_word_leaves_as_the_button_does(
    browser: WebDriver, live: Live
) -> None:
    open_chat(browser, live)
    type_message(browser, "exit")
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: live.runtime.store.count_sessions() == 0, "session kept")


def test_arabic_is_shown_right_to_left(browser: WebDriver, live: Live) -> None:
    browser.get(f"{live.base}/")
    type_message(browser, "مرحبا")
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".message.bot[dir='rtl']"),
        "no right-to-left reply",
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"


def test_html_in_a_message_is_shown_as_text(browser: WebDriver, live: Live) -> None:
    browser.get(f"{live.base}/")
    type_message(browser, "<b>bold</b>")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".message.person"), "not shown")
    shown = browser.find_element(By.CSS_SELECTOR, ".message.person")
    assert shown.text == "<b>bold</b>"
    assert shown.find_elements(By.TAG_NAME, "b") == []


def test_the_quick_exit_button_has_a_label_and_is_reached_by_keyboard(
    browser: WebDriver, live: Live
) -> None:
    browser.get(f"{live.base}/")
    button = browser.find_element(By.ID, "quick-exit")
    assert "Quick exit" in (button.get_attribute("aria-label") or "")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='message']").get_attribute(
        "textContent"
    )
    assert button.is_displayed()


def test_an_advocates_reply_appears_in_the_page_without_a_reload(
    browser: WebDriver, live: Live
) -> None:
    add_advocate(live.runtime.store, "ana", ADVOCATE_PASSWORD)
    with httpx.Client(base_url=live.base, timeout=WAIT) as ana:
        login = ana.post(
            f"{PREFIX}/login", json={"username": "ana", "password": ADVOCATE_PASSWORD}
        ).json()
        ana.headers["X-CSRF-Token"] = login["csrf_token"]
        ana.post(f"{PREFIX}/me/availability", json={"available": True}).raise_for_status()
        open_chat(browser, live)
        for choice in ("yes", "person"):
            button = wait_for(
                browser,
                lambda d, c=choice: d.find_elements(
                    By.CSS_SELECTOR, f"#options button[data-choice='{c}']"
                ),
                f"no {choice!r} button",
            )
            button[0].click()
        type_message(browser, "Mexico")
        wait_for(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#options button[data-choice='share']"),
            "no consent question",
        )[0].click()
        wait_for(browser, lambda d: ana.get(f"{PREFIX}/queue").json()["items"], "not queued")
        chat = ana.get(f"{PREFIX}/queue").json()["items"][0]["id"]
        ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
        ana.post(
            f"{PREFIX}/conversations/{chat}/messages", json={"text": "Hi, I'm Ana. <i>Hello</i>"}
        ).raise_for_status()
        wait_for(
            browser,
            lambda d: "Hi, I'm Ana. <i>Hello</i>" in bot_messages(d),
            "the advocate's reply did not appear",
        )
        assert browser.find_elements(By.CSS_SELECTOR, "#log i") == []
        ana.post(f"{PREFIX}/conversations/{chat}/close", json={}).raise_for_status()
        wait_for(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#options button[data-choice='help']"),
            "the menu did not come back after closing",
        )
