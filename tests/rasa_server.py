"""Starting a real ``rasa run`` for the tests (through nlu/rasa.sh, as ``make rasa`` does).

It always runs with ``--auth-token``, as in docker-compose.yml, so every Rasa test
sends the token the way Haven does in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "nlu" / "rasa.sh"
# Building Rasa's environment on a machine without the cache takes minutes.
ENV_TIMEOUT = 1800
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_rasa(log_path: Path, token: str) -> Iterator[str]:
    """A trained Rasa server on a free loopback port, refusing requests without ``token``;
    yields its base URL."""
    subprocess.run(["bash", str(SCRIPT), "train"], check=True, timeout=ENV_TIMEOUT)
    port = free_port()
    env = {
        **os.environ,
        "RASA_HOST": "127.0.0.1",
        "RASA_PORT": str(port),
        "HAVEN_RASA_TOKEN": token,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(SCRIPT), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_parsing(url, token, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_parsing(
    url: str, token: str, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rasa run exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            response = httpx.post(
                f"{url}/model/parse", params={"token": token}, json={"text": "hello"}, timeout=5
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError("rasa run did not answer in time")
