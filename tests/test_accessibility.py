"""axe-core finds no WCAG 2.0, 2.1 or 2.2 A or AA failure in the web chat or the console, in the
states a survivor and an advocate go through, in English and in Arabic (right to left).

The web chat is checked at a phone's size (390x844), the console at a laptop's (1366x768) and,
with a chat open, at a phone's too.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import select

from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.store.models import AdvocateRow
from tests.axe import described, violations
from tests.live_server import WAIT, Live, chromium, wait_for
from tests.settings import TEST_HASHER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE, LAPTOP = "390,844", "1366,768"
PASSWORD = "a long enough password"


@pytest.fixture
def live(live: Live) -> Live:
    """One advocate, ana."""
    add_advocate(live.runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
    return live


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Debian's driver and browser; never a download
    with chromium(window=PHONE) as driver:
        yield driver


@pytest.fixture
def laptop(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")
    with chromium(window=LAPTOP) as driver:
        yield driver


def assert_no_violation(driver: WebDriver, state: str) -> None:
    found = violations(driver)
    assert not found, described(state, found)


# -- the web chat ---------------------------------------------------------------------------------


def write(driver: WebDriver, text: str) -> None:
    field = driver.find_element(By.ID, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def choose(driver: WebDriver, choice: str) -> None:
    selector = f"#options button[data-choice='{choice}']"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector), f"no {choice!r}")[
        0
    ].click()


def answered(driver: WebDriver, count: int) -> None:
    """Wait until Haven has said ``count`` messages and offers options."""
    wait_for(
        driver,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#log .message.haven")) >= count
            and d.find_elements(By.CSS_SELECTOR, "#options button")
        ),
        f"Haven's message {count} and its options did not come",
    )


def queue_status(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "status").text)


@pytest.fixture
def available_advocate(live: Live) -> Iterator[httpx.Client]:
    """ana, signed in to the console API and available, so a person can queue for her."""
    with httpx.Client(base_url=live.base, timeout=WAIT) as client:
        login = client.post(f"{PREFIX}/login", json={"username": "ana", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        client.post(f"{PREFIX}/me/availability", json={"available": True}).raise_for_status()
        yield client


def test_the_web_chat_at_first_load(phone: WebDriver, live: Live) -> None:
    phone.get(f"{live.base}/")
    wait_for(phone, lambda d: d.find_element(By.ID, "message").is_displayed(), "no message field")
    assert_no_violation(phone, "the English web chat at first load")


def test_the_web_chat_mid_conversation_with_options(phone: WebDriver, live: Live) -> None:
    phone.get(f"{live.base}/")
    write(phone, "hi")
    answered(phone, 1)
    choose(phone, "yes")
    answered(phone, 2)
    assert_no_violation(phone, "the English web chat mid-conversation, options offered")


def test_the_web_chat_queued_for_a_person(
    phone: WebDriver, live: Live, available_advocate: httpx.Client
) -> None:
    phone.get(f"{live.base}/")
    write(phone, "hi")
    choose(phone, "yes")
    choose(phone, "person")
    write(phone, "Mexico")
    choose(phone, "share")
    wait_for(phone, lambda d: "in line" in queue_status(d), "not queued")
    assert_no_violation(phone, "the English web chat queued for a person")


def test_the_web_chat_in_arabic_mid_conversation(phone: WebDriver, live: Live) -> None:
    phone.get(f"{live.base}/")
    write(phone, "مرحبا")
    choose(phone, "yes")
    choose(phone, "help")
    write(phone, "الولايات المتحدة")
    choose(phone, "shelter")
    wait_for(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#log a"), "no number to call")
    answered(phone, 4)
    html = phone.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert_no_violation(phone, "the Arabic web chat mid-conversation, numbers and options shown")


# -- the console ----------------------------------------------------------------------------------


def available(live: Live) -> bool:
    with live.runtime.store.transaction() as tx:
        row = tx.db.scalars(select(AdvocateRow).where(AdvocateRow.username == "ana")).one()
        return row.available


def sign_in(driver: WebDriver, live: Live) -> None:
    driver.get(f"{live.base}/advocate")
    wait_for(driver, lambda d: d.find_element(By.ID, "login").is_displayed(), "no sign-in form")
    driver.find_element(By.ID, "login-username").send_keys("ana")
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "console").is_displayed(), "not signed in")
    driver.find_element(By.ID, "available").click()
    wait_for(driver, lambda d: available(live), "availability not saved")


def waiting(driver: WebDriver) -> None:
    wait_for(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li button.claim"),
        "the chat did not reach the queue",
    )


def open_first(driver: WebDriver) -> None:
    waiting(driver)
    driver.find_element(By.CSS_SELECTOR, "#queue li button.claim").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "conversation").is_displayed(), "not open")


def reply_and_hear_back(driver: WebDriver, page: httpx.Client, reply: str, answer: str) -> None:
    """An advocate's reply and the person's answer, both shown in the open chat."""
    driver.find_element(By.ID, "reply-text").send_keys(reply)
    driver.find_element(By.ID, "reply-send").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#messages .adv"), "no reply")
    page.post("/chat/messages", json={"text": answer}).raise_for_status()
    wait_for(driver, lambda d: answer in d.find_element(By.ID, "messages").text, "no answer")


def test_the_console_signed_out(laptop: WebDriver, live: Live) -> None:
    laptop.get(f"{live.base}/advocate")
    wait_for(laptop, lambda d: d.find_element(By.ID, "login").is_displayed(), "no sign-in form")
    assert_no_violation(laptop, "the console signed out (sign-in form)")


def test_the_console_with_a_chat_in_the_queue(laptop: WebDriver, live: Live) -> None:
    sign_in(laptop, live)
    live.person("hi", "Mexico")
    waiting(laptop)
    assert_no_violation(laptop, "the console signed in, available, one chat in the queue")


def test_the_console_with_a_chat_open(laptop: WebDriver, live: Live) -> None:
    sign_in(laptop, live)
    page = live.person("hi", "Mexico")
    open_first(laptop)
    reply_and_hear_back(laptop, page, "Hi, I'm Ana. You are safe to write.", "thank you")
    assert_no_violation(laptop, "the console with an English chat open")


def test_the_console_with_a_chat_open_on_a_phone(phone: WebDriver, live: Live) -> None:
    sign_in(phone, live)
    page = live.person("hi", "Mexico")
    open_first(phone)
    reply_and_hear_back(phone, page, "Hi, I'm Ana. You are safe to write.", "thank you")
    assert_no_violation(phone, "the console on a phone (390x844) with an English chat open")


def test_the_console_with_an_arabic_chat_open(laptop: WebDriver, live: Live) -> None:
    sign_in(laptop, live)
    page = live.person("مرحبا", "المكسيك")
    open_first(laptop)
    assert laptop.find_element(By.ID, "conversation-language").text.startswith("AR")
    reply_and_hear_back(laptop, page, "مرحبا، أنا آنا.", "هل أنت هناك؟")
    assert_no_violation(laptop, "the console with an Arabic chat open")
