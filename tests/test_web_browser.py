"""The web chat in a real browser: Debian's Chromium, driven by Selenium, against a real server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bot.app import create_app
from bot.runtime import Runtime, Understanding, build_runtime
from tests.conftest import make_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 15


@dataclass
class Served:
    base: str
    runtime: Runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(
    tmp_path: Path, model_dir: Path, encryption_key: str, understanding: Understanding
) -> Iterator[Served]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        tmp_path, model_dir, encryption_key, public_url=base, web_exit_url=f"{base}/healthz?left"
    )
    runtime = build_runtime(settings, understanding)
    config = uvicorn.Config(
        create_app(settings, runtime), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Served(base, runtime)
    server.should_exit = True
    thread.join(timeout=WAIT)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Debian's driver and browser; never a download
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=400,800",
        "--disable-dev-shm-usage",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, condition, message: str):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, WAIT).until(condition, message)


def bot_messages(driver: WebDriver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".message.bot")]


def type_message(driver: WebDriver, text: str) -> None:
    field = driver.find_element(By.ID, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def open_chat(driver: WebDriver, served: Served) -> None:
    driver.get(f"{served.base}/healthz?before")  # the page the person came from
    driver.get(f"{served.base}/")
    type_message(driver, "hi")
    wait_for(
        driver, lambda d: any(t.startswith("Hi, I'm Haven") for t in bot_messages(d)), "no greeting"
    )


def test_a_conversation_with_buttons_and_a_quick_exit_that_back_does_not_undo(
    browser: WebDriver, served: Served
) -> None:
    open_chat(browser, served)
    browser.find_element(By.CSS_SELECTOR, "#options button[data-choice='yes']").click()
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#options button[data-choice='help']"),
        "no menu",
    )
    assert served.runtime.store.count_sessions() == 1

    browser.find_element(By.ID, "quick-exit").click()
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: served.runtime.store.count_sessions() == 0, "session kept")
    assert browser.get_cookies() == []

    browser.back()
    time.sleep(0.5)
    assert browser.current_url.endswith("/healthz?before"), browser.current_url


def test_escape_pressed_twice_leaves_at_once(browser: WebDriver, served: Served) -> None:
    open_chat(browser, served)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ESCAPE)
    body.send_keys(Keys.ESCAPE)
    wait_for(browser, lambda d: d.current_url.endswith("/healthz?left"), "did not leave")
    wait_for(browser, lambda d: served.runtime.store.count_sessions() == 0, "session kept")


def test_arabic_is_shown_right_to_left(browser: WebDriver, served: Served) -> None:
    browser.get(f"{served.base}/")
    type_message(browser, "مرحبا")
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".message.bot[dir='rtl']"),
        "no right-to-left reply",
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"


def test_html_in_a_message_is_shown_as_text(browser: WebDriver, served: Served) -> None:
    browser.get(f"{served.base}/")
    type_message(browser, "<b>bold</b>")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".message.person"), "not shown")
    shown = browser.find_element(By.CSS_SELECTOR, ".message.person")
    assert shown.text == "<b>bold</b>"
    assert shown.find_elements(By.TAG_NAME, "b") == []


def test_the_quick_exit_button_has_a_label_and_is_reached_by_keyboard(
    browser: WebDriver, served: Served
) -> None:
    browser.get(f"{served.base}/")
    button = browser.find_element(By.ID, "quick-exit")
    assert "Quick exit" in (button.get_attribute("aria-label") or "")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='message']").get_attribute(
        "textContent"
    )
    assert button.is_displayed()
