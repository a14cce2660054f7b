"""The advocate console in a real browser (Debian's Chromium), against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from bot.console.accounts import add_advocate
from bot.store.models import AdvocateRow
from tests.live_server import Live, chromium, wait_for
from tests.settings import TEST_HASHER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long enough password"


@pytest.fixture
def live(live: Live) -> Live:
    """One advocate, ana."""
    add_advocate(live.runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
    return live


def available(live: Live, username: str) -> bool:
    with live.runtime.store.transaction() as tx:
        row = tx.db.scalars(select(AdvocateRow).where(AdvocateRow.username == username)).one()
        return row.available


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Debian's driver and browser; never a download
    with chromium(window="1280,900") as driver:
        yield driver


def sign_in_and_take_chats(browser: WebDriver, live: Live) -> None:
    browser.get(f"{live.base}/advocate")
    wait_for(browser, lambda d: d.find_element(By.ID, "login").is_displayed(), "no sign-in form")
    browser.find_element(By.ID, "login-username").send_keys("ana")
    browser.find_element(By.ID, "login-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "console").is_displayed(), "not signed in")
    browser.find_element(By.ID, "available").click()
    wait_for(browser, lambda d: available(live, "ana"), "availability not saved")


def claim_first(browser: WebDriver) -> None:
    claim = wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li button.claim"),
        "the new chat did not appear without a reload",
    )
    claim[0].click()
    wait_for(browser, lambda d: d.find_element(By.ID, "conversation").is_displayed(), "not open")


def shown_messages(browser: WebDriver, kind: str) -> list[str]:
    selector = f"#messages .message.{kind} .text"
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_an_advocate_sees_a_new_chat_claims_it_replies_and_closes_it(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    page = live.person("hi", "Mexico")
    claim_first(browser)
    assert browser.find_element(By.ID, "conversation-language").text.startswith("EN")

    browser.find_element(By.ID, "reply-text").send_keys(
        "Hi, I'm Ana. <b>You are safe to write.</b>"
    )
    browser.find_element(By.ID, "reply-send").click()
    wait_for(browser, lambda d: shown_messages(d, "adv"), "the reply is not shown")
    (item,) = page.get("/chat/inbox").json()["items"]
    assert item["replies"][0]["text"] == "Hi, I'm Ana. <b>You are safe to write.</b>"

    page.post("/chat/messages", json={"text": "thank you <b>Ana</b>"})
    wait_for(
        browser,
        lambda d: "thank you <b>Ana</b>" in shown_messages(d, "in"),
        "the person's message did not arrive without a reload",
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#messages b") == []  # shown as text

    Select(browser.find_element(By.ID, "close-outcome")).select_by_value("information")
    browser.find_element(By.ID, "close-button").click()
    wait_for(browser, lambda d: not d.find_element(By.ID, "conversation").is_displayed(), "open")
    assert "back with Haven" in browser.find_element(By.ID, "status").text
    closing = page.get(f"/chat/inbox?after={item['id']}").json()
    assert closing["items"][0]["replies"][0]["text"].startswith(
        "The chat with the person has ended"
    )
    assert closing["with_person"] is False


def test_an_arabic_chat_shows_its_language_and_reads_right_to_left(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    page = live.person("مرحبا", "المكسيك")
    claim_first(browser)
    assert browser.find_element(By.ID, "conversation-language").text.startswith("AR")
    page.post("/chat/messages", json={"text": "هل أنت هناك؟"})
    wait_for(browser, lambda d: "هل أنت هناك؟" in shown_messages(d, "in"), "no message")
    bubble = browser.find_elements(By.CSS_SELECTOR, "#messages .message.in")[-1]
    assert bubble.get_attribute("dir") == "rtl"
