"""The advocate console in a real browser (Debian's Chromium), against a real server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from datetime import timedelta
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from sqlalchemy import select, update

from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.store.models import AdvocateRow, ConsoleSessionRow, HandoffRow
from common.clock import aware, utcnow
from tests.live_server import Live, chromium, free_port, wait_for
from tests.settings import TEST_HASHER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long enough password"


@pytest.fixture
def live(live: Live) -> Live:
    """Two advocates, ana ("Ana") and ben ("Ben"), and an admin, root."""
    store = live.runtime.store
    add_advocate(store, "ana", PASSWORD, display_name="Ana", hasher=TEST_HASHER)
    add_advocate(store, "ben", PASSWORD, display_name="Ben", hasher=TEST_HASHER)
    add_advocate(store, "root", PASSWORD, admin=True, hasher=TEST_HASHER)
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


def sign_in(browser: WebDriver, base: str, username: str = "ana") -> None:
    if not browser.current_url.startswith(base):
        browser.get(f"{base}/advocate")
    wait_for(browser, lambda d: d.find_element(By.ID, "login").is_displayed(), "no sign-in form")
    browser.find_element(By.ID, "login-username").clear()
    browser.find_element(By.ID, "login-username").send_keys(username)
    browser.find_element(By.ID, "login-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "console").is_displayed(), "not signed in")


def sign_out(browser: WebDriver) -> None:
    browser.find_element(By.ID, "logout").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "login").is_displayed(), "still signed in")


def sign_in_and_take_chats(
    browser: WebDriver, live: Live, base: str | None = None, username: str = "ana"
) -> None:
    sign_in(browser, base or live.base, username)
    browser.find_element(By.ID, "available").click()
    wait_for(browser, lambda d: available(live, username), "availability not saved")


def advocate_api(live: Live, username: str, available: bool = False) -> httpx.Client:
    """Another advocate's browser, signed in through the API; its CSRF token set."""
    client = live.client()
    login = client.post(f"{PREFIX}/login", json={"username": username, "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.raise_for_status().json()["csrf_token"]
    if available:  # counts as a sign of life for a minute, without a stream
        client.post(f"{PREFIX}/me/availability", json={"available": True}).raise_for_status()
    return client


def held_by(live: Live, conversation_id: str) -> str | None:
    with live.runtime.store.transaction() as tx:
        row = tx.db.get(HandoffRow, conversation_id)
        holder = tx.db.get(AdvocateRow, row.assigned_to) if row and row.assigned_to else None
        return holder.username if holder else None


def claim_first(browser: WebDriver) -> None:
    claim = wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li button.claim"),
        "the new chat did not appear without a reload",
    )
    claim[0].click()
    wait_for(browser, lambda d: d.find_element(By.ID, "conversation").is_displayed(), "not open")


def current_chat(browser: WebDriver) -> str:
    """The id of the open chat, once the list of held chats shows it."""
    found = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#held li.current"), "")
    return str(found[0].get_attribute("data-id"))


def shown_messages(browser: WebDriver, kind: str) -> list[str]:
    selector = f"#messages .message.{kind} .text"
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, selector)]


def from_advocates(page: httpx.Client) -> list[dict[str, Any]]:
    """What the person's web chat got from advocates (not the notices about them)."""
    items = page.get("/chat/inbox").json()["items"]
    return [item for item in items if item["from"] == "advocate"]


NOTIFICATIONS_RECORDED = """
window.shownNotifications = [];
window.Notification = class {
  constructor(title, options) {
    window.shownNotifications.push({ title: title, body: options.body });
  }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""
"""Desktop notifications, granted and recorded: headless Chromium shows none to look at."""

TONES_RECORDED = """
window.tonesPlayed = [];
window.AudioContext = class extends window.AudioContext {
  createOscillator() {
    const oscillator = super.createOscillator();
    const start = oscillator.start.bind(oscillator);
    oscillator.start = function (when) { window.tonesPlayed.push(oscillator.type); start(when); };
    return oscillator;
  }
};
"""
"""The page's sounds, recorded by their waveform (the emergency's is the harsh square)."""


def before_every_page(browser: WebDriver, script: str) -> None:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})


def screen(browser: WebDriver, width: int, height: int) -> None:
    """A viewport of exactly this size, as a laptop's or a phone's."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def box(browser: WebDriver, element_id: str) -> dict[str, float]:
    rect: dict[str, float] = browser.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().toJSON();",
        element_id,
    )
    return rect


def status(browser: WebDriver) -> str:
    return str(browser.find_element(By.ID, "status").text)


def idle_for(live: Live, seconds: int) -> None:
    """Every console session without activity for ``seconds``, as after a break."""
    with live.runtime.store.transaction() as tx:
        tx.db.execute(
            update(ConsoleSessionRow).values(last_seen=utcnow() - timedelta(seconds=seconds))
        )


def end_sessions(live: Live) -> None:
    """Every console session left idle for longer than the timeout, as after a long break."""
    idle_for(live, live.runtime.settings.console_idle + 5)


class Relay:
    """A TCP relay on a loopback port in front of the server, as a network between the
    browser and Haven: ``cut`` drops every connection and refuses new ones, ``mend`` takes
    them again on the same port."""

    def __init__(self, upstream: str) -> None:
        self.upstream = int(upstream.rsplit(":", 1)[1])
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener = self._listen()

    def cut(self) -> None:
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        self.listener.close()
        with self.lock:
            for each in self.sockets:
                with suppress(OSError):
                    each.shutdown(socket.SHUT_RDWR)
                each.close()
            self.sockets.clear()

    def mend(self) -> None:
        self.listener = self._listen()

    def _listen(self) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            with self.lock:
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay(live: Live) -> Iterator[Relay]:
    relayed = Relay(live.base)
    yield relayed
    relayed.cut()


def page_metrics(browser: WebDriver) -> dict[str, Any]:
    metrics: dict[str, Any] = browser.execute_script(
        "const page = document.scrollingElement;"
        "return {width: innerWidth, height: innerHeight,"
        " scrollWidth: page.scrollWidth, scrollHeight: page.scrollHeight};"
    )
    return metrics


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
    (item,) = from_advocates(page)
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


def test_a_new_chat_raises_a_desktop_notification(browser: WebDriver, live: Live) -> None:
    before_every_page(browser, NOTIFICATIONS_RECORDED)
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    shown = wait_for(
        browser,
        lambda d: d.execute_script("return window.shownNotifications;"),
        "no notification for the new chat",
    )
    assert [item["title"] for item in shown] == ["New chat waiting"]
    assert "English" in shown[0]["body"] and "Mexico" in shown[0]["body"]


def test_an_emergency_raises_the_louder_alert_even_for_an_advocate_not_taking_chats(
    browser: WebDriver, live: Live
) -> None:
    before_every_page(browser, NOTIFICATIONS_RECORDED + TONES_RECORDED)
    sign_in(browser, live.base)
    advocate_api(live, "ben", available=True)  # someone takes chats, so the person is queued
    page = live.client()
    page.post("/chat/messages", json={"text": "I'm in danger, he will kill me"})
    page.post("/chat/messages", json={"choice": "person"})
    shown = wait_for(
        browser,
        lambda d: d.execute_script("return window.shownNotifications;"),
        "no notification for the emergency",
    )
    assert [item["title"] for item in shown] == ["Emergency: a chat is waiting"]
    assert "square" in browser.execute_script("return window.tonesPlayed;")


def test_the_tab_title_counts_the_waiting_chats(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    assert browser.title == "Haven console"
    live.person("hi", "Mexico")
    wait_for(browser, lambda d: d.title == "(1) Haven console", "the title does not count it")
    claim_first(browser)
    wait_for(browser, lambda d: d.title == "Haven console", "the title still counts a claimed chat")


def test_a_banner_says_so_when_the_live_stream_drops(
    browser: WebDriver, live: Live, relay: Relay
) -> None:
    sign_in_and_take_chats(browser, live, relay.base)
    assert not browser.find_element(By.ID, "connection").is_displayed()
    relay.cut()
    wait_for(
        browser,
        lambda d: d.find_element(By.ID, "connection").is_displayed(),
        "no banner while the stream is down",
    )


def test_the_banner_goes_when_the_live_stream_is_back(
    browser: WebDriver, live: Live, relay: Relay
) -> None:
    sign_in_and_take_chats(browser, live, relay.base)
    relay.cut()
    wait_for(browser, lambda d: d.find_element(By.ID, "connection").is_displayed(), "no banner")
    relay.mend()
    wait_for(
        browser,
        lambda d: not d.find_element(By.ID, "connection").is_displayed(),
        "the banner stays once the stream is back",
    )


def test_a_session_that_ends_leaves_no_stale_chat_on_the_page(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    end_sessions(live)
    wait_for(browser, lambda d: d.find_element(By.ID, "login").is_displayed(), "still signed in")
    assert "session ended" in browser.find_element(By.ID, "login-note").text
    assert not browser.find_element(By.ID, "console").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#messages *, #queue li, #held li") == []
    assert browser.find_element(By.ID, "reply-send").get_attribute("disabled") is not None
    assert browser.title == "Haven console"

    sign_in(browser, live.base)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#held li"), "no held chat")
    assert not browser.find_element(By.ID, "conversation").is_displayed()
    assert browser.find_element(By.ID, "no-conversation").is_displayed()


def test_a_laptop_screen_shows_queue_conversation_and_reply_box_without_scrolling(
    browser: WebDriver, live: Live
) -> None:
    screen(browser, 1366, 768)
    sign_in_and_take_chats(browser, live)
    page = live.person("hi", "Mexico")
    claim_first(browser)
    for number in range(8):  # within the web chat's rate limit, and more than the log shows
        page.post("/chat/messages", json={"text": f"message {number}\nwith\nfour\nlines"})
    wait_for(browser, lambda d: "message 7\nwith\nfour\nlines" in shown_messages(d, "in"), "none")
    live.person("hola", "Mexico")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li"), "no queue")

    metrics = page_metrics(browser)
    assert metrics["scrollHeight"] <= metrics["height"]
    assert metrics["scrollWidth"] <= metrics["width"]
    for element_id in ("queue", "messages", "reply-text", "reply-send"):
        shown = box(browser, element_id)
        assert shown["top"] >= 0 and shown["bottom"] <= metrics["height"], element_id
        assert shown["left"] >= 0 and shown["right"] <= metrics["width"], element_id
    assert box(browser, "messages")["height"] >= 150


def test_a_phone_320_pixels_wide_never_scrolls_sideways(browser: WebDriver, live: Live) -> None:
    screen(browser, 320, 640)
    sign_in_and_take_chats(browser, live)
    page = live.person("hi", "Mexico")
    claim_first(browser)
    page.post("/chat/messages", json={"text": "call me on +1 (888) 373-7888 " + "x" * 120})
    wait_for(browser, lambda d: any("x" * 120 in text for text in shown_messages(d, "in")), "none")

    metrics = page_metrics(browser)
    assert metrics["width"] == 320
    assert metrics["scrollWidth"] <= metrics["width"]


def test_ctrl_enter_sends_the_reply(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    page = live.person("hi", "Mexico")
    claim_first(browser)
    browser.find_element(By.ID, "reply-text").send_keys("Hi, I'm Ana.", Keys.CONTROL, Keys.ENTER)
    wait_for(browser, lambda d: shown_messages(d, "adv") == ["Hi, I'm Ana."], "not sent")
    (item,) = from_advocates(page)
    assert [reply["text"] for reply in item["replies"]] == ["Hi, I'm Ana."]


def test_enter_alone_starts_a_new_line_in_the_reply(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    reply = browser.find_element(By.ID, "reply-text")
    reply.send_keys("first line", Keys.ENTER, "second line")
    assert reply.get_attribute("value") == "first line\nsecond line"
    assert shown_messages(browser, "adv") == []


def test_a_status_message_does_not_carry_over_to_the_next_chat(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    live.person("hola", "Mexico")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue li")) == 2, "queue")
    claim_first(browser)
    browser.find_element(By.ID, "note-text").send_keys("asked about the passport")
    browser.find_element(By.ID, "note-add").click()
    wait_for(browser, lambda d: status(d) == "Note added.", "no status for the note")

    second = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li"), "queue")
    second_id = second[0].get_attribute("data-id")
    second[0].find_element(By.CSS_SELECTOR, "button.claim").click()
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#held li.current[data-id="{second_id}"]'),
        "the second chat did not open",
    )
    assert status(browser) == ""


def test_the_close_and_transfer_forms_start_empty_in_each_chat(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    live.person("hola", "Mexico")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue li")) == 2, "queue")
    claim_first(browser)
    first = current_chat(browser)
    Select(browser.find_element(By.ID, "close-outcome")).select_by_value("referred")
    browser.find_element(By.ID, "close-wipe").click()
    Select(browser.find_element(By.ID, "transfer-to")).select_by_value("ben")
    browser.find_element(By.ID, "transfer-note").send_keys("meant for the first chat")

    browser.find_element(By.CSS_SELECTOR, "#queue li button.claim").click()
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#held li.current:not([data-id="{first}"])'),
        "the second chat did not open",
    )
    values = [
        browser.find_element(By.ID, element_id).get_attribute("value")
        for element_id in ("close-outcome", "transfer-to", "transfer-note")
    ]
    assert values == ["", "", ""]
    assert not browser.find_element(By.ID, "close-wipe").is_selected()


def test_a_transfer_asks_for_confirmation_before_it_happens(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    chat = current_chat(browser)
    Select(browser.find_element(By.ID, "transfer-to")).select_by_value("ben")
    browser.find_element(By.ID, "transfer-send").click()

    question = browser.find_element(By.ID, "transfer-question")
    assert question.is_displayed() and "Ben" in question.text
    browser.find_element(By.ID, "transfer-no").click()
    assert not question.is_displayed()
    assert held_by(live, chat) == "ana"


def test_the_new_holder_sees_the_handover_note(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    Select(browser.find_element(By.ID, "transfer-to")).select_by_value("ben")
    browser.find_element(By.ID, "transfer-note").send_keys("She is safe to call after 6 pm.")
    browser.find_element(By.ID, "transfer-send").click()
    browser.find_element(By.ID, "transfer-yes").click()
    wait_for(browser, lambda d: status(d).startswith("Transferred to Ben"), "not transferred")

    sign_out(browser)
    sign_in(browser, live.base, "ben")
    opened = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#held li .open"), "")
    opened[0].click()
    note = wait_for(
        browser,
        lambda d: (
            d.find_element(By.ID, "handover").is_displayed()
            and d.find_element(By.ID, "handover-text")
        ),
        "no handover note",
    )
    assert "From Ana" in note.text and "She is safe to call after 6 pm." in note.text


def test_an_admin_sees_every_held_chat_and_its_holder_live(browser: WebDriver, live: Live) -> None:
    sign_in(browser, live.base, "root")
    ana = advocate_api(live, "ana", available=True)
    live.person("hi", "Mexico")
    (item,) = ana.get(f"{PREFIX}/queue").json()["items"]
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim").raise_for_status()

    held = wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#everyone li[data-id="{item["id"]}"]'),
        "the held chat did not appear without a reload",
    )
    assert "held by Ana" in held[0].text


def test_an_admin_takes_a_chat_over_before_writing_in_it(browser: WebDriver, live: Live) -> None:
    sign_in(browser, live.base, "root")
    ana = advocate_api(live, "ana", available=True)
    live.person("hi", "Mexico")
    (item,) = ana.get(f"{PREFIX}/queue").json()["items"]
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim").raise_for_status()
    opened = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#everyone li .open"), "")
    opened[0].click()
    wait_for(browser, lambda d: d.find_element(By.ID, "takeover").is_displayed(), "no question")
    assert "Ana holds this chat" in browser.find_element(By.ID, "takeover-text").text
    assert not browser.find_element(By.ID, "reply-text").is_enabled()

    browser.find_element(By.ID, "takeover-button").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "reply-text").is_enabled(), "not taken")
    assert held_by(live, item["id"]) == "root"
    assert not browser.find_element(By.ID, "takeover").is_displayed()


def test_a_reply_shows_as_read_once_the_web_chat_has_shown_it(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    page = live.person("hi", "Mexico")
    claim_first(browser)
    browser.find_element(By.ID, "reply-text").send_keys("Are you safe?", Keys.CONTROL, Keys.ENTER)
    label = wait_for(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, ".message.adv .delivery"), "no state"
    )
    wait_for(browser, lambda d: label.text == "Sent", "not shown as sent")
    items = page.get("/chat/inbox").json()["items"]
    page.get(f"/chat/inbox?after={items[-1]['id']}")  # what the page asks once it showed them
    wait_for(browser, lambda d: label.text == "Read", "not shown as read")


def test_a_phone_number_in_an_arabic_message_reads_left_to_right(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    page = live.person("مرحبا", "المكسيك")
    claim_first(browser)
    page.post("/chat/messages", json={"text": "رقمي هو +1 (888) 373-7888 شكرا"})
    number = wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".message.in .text bdi[dir='ltr']"),
        "no isolated number",
    )
    assert number[0].text == "+1 (888) 373-7888"


def test_the_available_toggle_is_fresh_after_signing_out_and_in(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    sign_out(browser)
    sign_in(browser, live.base)
    assert not browser.find_element(By.ID, "available").is_selected()
    assert not available(live, "ana")


def test_escape_hides_the_open_chat_and_keeps_it_held(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    chat = current_chat(browser)
    browser.find_element(By.ID, "reply-text").send_keys(Keys.ESCAPE)
    assert not browser.find_element(By.ID, "conversation").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, f'#held li[data-id="{chat}"]')


def test_a_question_mark_lists_the_shortcuts(browser: WebDriver, live: Live) -> None:
    sign_in(browser, live.base)
    browser.find_element(By.TAG_NAME, "body").send_keys("?")
    shortcuts = browser.find_element(By.ID, "shortcuts")
    assert shortcuts.is_displayed() and "Ctrl" in shortcuts.text


def test_a_warning_comes_a_minute_before_the_idle_timeout(browser: WebDriver, live: Live) -> None:
    sign_in(browser, live.base)
    assert not browser.find_element(By.ID, "idle").is_displayed()
    idle_for(live, live.runtime.settings.console_idle - 50)
    wait_for(browser, lambda d: d.find_element(By.ID, "idle").is_displayed(), "no warning")
    assert "signed out" in browser.find_element(By.ID, "idle").text


def test_typing_a_reply_counts_as_activity(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    idle_for(live, live.runtime.settings.console_idle - 50)
    wait_for(browser, lambda d: d.find_element(By.ID, "idle").is_displayed(), "no warning")
    browser.find_element(By.ID, "reply-text").send_keys("I am still here")
    wait_for(
        browser,
        lambda d: not d.find_element(By.ID, "idle").is_displayed(),
        "typing did not keep the session",
    )
    with live.runtime.store.transaction() as tx:
        (last_seen,) = tx.db.scalars(select(ConsoleSessionRow.last_seen)).all()
    assert utcnow() - aware(last_seen) < timedelta(seconds=30)


def test_the_summary_shows_what_the_person_wrote_about_as_tags(
    browser: WebDriver, live: Live
) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("They keep my passport and I can't leave", "Mexico")
    claim_first(browser)
    tags = [chip.text for chip in browser.find_elements(By.CSS_SELECTOR, "#summary .chip")]
    assert "documents taken" in tags and "can't leave" in tags


def test_an_arabic_summary_line_reads_right_to_left(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("مرحبا", "المكسيك")
    claim_first(browser)
    line = browser.find_element(By.CSS_SELECTOR, "#summary .lines li")
    assert "مرحبا" in line.text
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction;", line) == "rtl"


def test_a_session_that_ended_while_the_stream_was_down_signs_the_page_out(
    browser: WebDriver, live: Live, relay: Relay
) -> None:
    sign_in_and_take_chats(browser, live, relay.base)
    relay.cut()
    wait_for(browser, lambda d: d.find_element(By.ID, "connection").is_displayed(), "no banner")
    end_sessions(live)
    relay.mend()
    wait_for(browser, lambda d: d.find_element(By.ID, "login").is_displayed(), "still signed in")
    assert not browser.find_element(By.ID, "available").is_selected()


def test_j_and_k_move_through_the_chats(browser: WebDriver, live: Live) -> None:
    sign_in_and_take_chats(browser, live)
    live.person("hi", "Mexico")
    claim_first(browser)
    first = current_chat(browser)
    live.person("hola", "Mexico")
    claim_first(browser)
    wait_for(browser, lambda d: current_chat(d) != first, "the second chat did not open")
    browser.find_element(By.ID, "reply-text").send_keys(Keys.ESCAPE)
    held = [
        line.get_attribute("data-id") for line in browser.find_elements(By.CSS_SELECTOR, "#held li")
    ]

    browser.switch_to.active_element.send_keys("j")
    wait_for(browser, lambda d: current_chat(d) == held[0], "j did not open the first chat")
    browser.switch_to.active_element.send_keys("j")
    wait_for(browser, lambda d: current_chat(d) == held[1], "j did not open the next chat")
    browser.switch_to.active_element.send_keys("k")
    wait_for(browser, lambda d: current_chat(d) == held[0], "k did not go back")
