"""A real Haven server on a loopback port, and Debian's Chromium to drive it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bot.app import create_app
from bot.runtime import Content, Runtime, Understanding, build_runtime
from tests.console_harness import web_handoff
from tests.settings import SettingsMaker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 15
SHUTDOWN_GRACE_SECONDS = 1
"""What a stopping test server gives open requests. A test's server stops while its browser
is still open (the browser fixture is set up first, so it ends last), and the console's
event stream ends only when its browser goes: uvicorn would wait for it until ``WAIT``."""
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[None]:
    """Run ``app`` under uvicorn on ``port`` until the block ends."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT)


@dataclass
class Live:
    """A running Haven: its address, its runtime, and HTTP clients closed at the end."""

    base: str
    runtime: Runtime
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A browser of its own (its own cookies)."""
        client = httpx.Client(base_url=self.base, timeout=WAIT)
        self.clients.append(client)
        return client

    def person(self, greeting: str = "hi", country: str = "Mexico") -> httpx.Client:
        """A survivor's web chat that has asked for a person."""
        page = self.client()
        for payload in web_handoff(greeting, country):
            page.post("/chat/messages", json=payload).raise_for_status()
        return page


@contextmanager
def live_haven(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Live]:
    """Haven served on a free loopback port; its web chat's quick exit goes to /healthz?left."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_with(public_url=base, web_exit_url=f"{base}/healthz?left")
    runtime = build_runtime(settings, understanding, content)
    with serving(create_app(settings, runtime), port):
        live = Live(base, runtime)
        try:
            yield live
        finally:
            for client in live.clients:
                client.close()


@contextmanager
def chromium(window: str = "400,800") -> Iterator[WebDriver]:
    """Debian's Chromium, headless; callers set ``SE_OFFLINE`` so nothing is downloaded."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--window-size={window}",
        "--disable-dev-shm-usage",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str) -> T:
    result: Any = WebDriverWait(driver, WAIT).until(condition, message)
    return result
