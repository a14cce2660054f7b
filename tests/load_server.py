"""A real ``haven serve`` in a process of its own, with its providers replaced by local fakes.

The command is ``tests.unpaced_haven`` (``haven`` with Telegram's pacing lifted, see
there); Telegram's and Twilio's APIs are the fakes of ``tests/fake_telegram.py`` and
``tests/fake_twilio.py`` on loopback. The server is ready when every worker has reached
the fake Bot API (each asks it who the bot is) and ``/readyz`` says Telegram is ``ok``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.fake_telegram import FakeBotApi, fake_bot_api
from tests.fake_twilio import FakeTwilio, fake_twilio
from tests.live_server import free_port
from tests.load_traffic import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT,
    TWILIO_TOKEN,
    Requests,
)
from tests.settings import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120.0
"""Seconds a server may take to get ready: each worker loads the models, on a busy machine."""
STOP_TIMEOUT = 30.0


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    bot_api: FakeBotApi
    twilio: FakeTwilio
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> Requests:
        return Requests(self.port, self.base)

    def worker_pids(self) -> list[int]:
        """The processes that serve: the command itself, or uvicorn's workers (its
        spawned children; not the helper that tracks their semaphores)."""
        if self.workers == 1:
            return [self.process.pid]
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            for child in task.read_text().split():
                try:
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:
                    continue  # gone meanwhile
                if b"spawn_main" in command:
                    found.append(int(child))
        return sorted(found)

    def cpu_seconds(self, pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def wait_ready(self, connected: int) -> None:
        """Until ``connected`` workers reached Telegram in all, and ``/readyz`` says ok."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process.poll() is None, self.tail()
            assert time.monotonic() < deadline, f"not ready in time\n{self.tail()}"
            if len(self.bot_api.of("getMe")) >= connected:
                try:
                    answer = httpx.get(f"{self.base}/readyz", timeout=2)
                    if answer.status_code == 200 and answer.json()["channels"] == {
                        "sms": "ok",
                        "telegram": "ok",
                        "web": "ok",
                    }:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def server_env(
    database_url: str,
    port: int,
    var: Path,
    model_dir: Path,
    encryption_key: str,
    bot_api: FakeBotApi,
    twilio: FakeTwilio,
) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HAVEN_")}
    env.update(
        PYTHONPATH=str(ROOT),
        HAVEN_ENV="test",
        HAVEN_VAR_DIR=str(var),
        HAVEN_MODEL_DIR=str(model_dir),
        HAVEN_DATABASE_URL=database_url,
        HAVEN_SECRET_KEY=TEST_SECRET,
        HAVEN_ENCRYPTION_KEYS=encryption_key,
        HAVEN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HAVEN_TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT,
        HAVEN_TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        HAVEN_TWILIO_API_URL=twilio.url,
        HAVEN_TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        HAVEN_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        HAVEN_TELEGRAM_API_URL=bot_api.url,
        HAVEN_RASA_URL="",
        HAVEN_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def haven_serving(
    database_url: str, workers: int, tmp_path: Path, model_dir: Path, encryption_key: str
) -> Iterator[Server]:
    """``haven serve`` with ``workers`` on ``database_url``, ready; stopped with SIGTERM."""
    port = free_port()
    log = tmp_path / "serve.log"
    cwd = tmp_path / "cwd"  # no stray .env file can reach the command from here
    cwd.mkdir(exist_ok=True)
    with (
        fake_bot_api(TELEGRAM_TOKEN) as bot_api,
        fake_twilio(TWILIO_ACCOUNT, TWILIO_TOKEN) as twilio,
    ):
        env = server_env(
            database_url, port, tmp_path / "var", model_dir, encryption_key, bot_api, twilio
        )
        argv = [sys.executable, "-m", "tests.unpaced_haven", "serve", "--port", str(port)]
        argv += ["--workers", str(workers)] if workers > 1 else []
        with log.open("wb") as output:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=output, stderr=output)
        server = Server(process, port, workers, bot_api, twilio, log)
        try:
            server.wait_ready(connected=workers)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
