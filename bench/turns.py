"""Turns through signed Twilio webhooks: latency, throughput and server CPU per turn.

Targets (issue 13): no error at any concurrency; p99 within 3 times the floor's at
concurrency 16; at least 300 turns a second per worker on SQLite and on PostgreSQL; two
PostgreSQL workers at least 1.6 times one; at most 2 ms of server CPU per plain turn.

Each target is a real ``haven serve`` (or the floor, ``bench/floor.py``, on the same
uvicorn) in its own process, with Twilio's REST API replaced by the test suite's local
fake, so that the deletion of Twilio's copies runs as in production. Every sender says
"hi" (a new conversation); then every sender says "menu" three times (plain menu turns),
one message after another; ``concurrency`` senders talk at once. Latency and throughput
are over both phases; server CPU, the user and system time of the server's processes,
over the plain turns, divided by them. The client is a minimal
keep-alive HTTP/1.1 client, so that it takes little of the machine's CPU from the server.

Run with ``make bench``; the table is printed and written under ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
import sqlalchemy
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
ACCOUNT = "AC" + "0" * 32
TOKEN = "bench-auth-token"
SCRIPT = ("hi", "menu", "menu", "menu")
"""What each sender says, in order: a first message, then plain menu turns."""
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "haven_bench_turns"
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Result:
    target: str
    workers: int
    concurrency: int
    turns: int
    errors: int
    p50_ms: float
    p99_ms: float
    turns_per_s: float
    cpu_ms_per_plain_turn: float


# -- the servers ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's workers are its children)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += process_tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for one in process_tree(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def running(argv: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def haven_env(
    database_url: str, port: int, twilio_url: str, var: Path, copies_deleted: bool
) -> dict[str, str]:
    return {
        **os.environ,
        "HAVEN_ENV": "development",
        "HAVEN_VAR_DIR": str(var),
        "HAVEN_MODEL_DIR": str(ROOT / "var" / "models"),
        "HAVEN_DATABASE_URL": database_url,
        "HAVEN_SECRET_KEY": secrets.token_urlsafe(48),
        "HAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HAVEN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HAVEN_TWILIO_ACCOUNT_SID": ACCOUNT,
        "HAVEN_TWILIO_AUTH_TOKEN": TOKEN,
        "HAVEN_TWILIO_API_URL": twilio_url,
        "HAVEN_RASA_URL": "",
        "HAVEN_TWILIO_DELETE_AFTER": "0" if copies_deleted else "3600",
        "HAVEN_LOG_LEVEL": "WARNING",
    }


def fresh_postgres() -> str:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"


# -- the client ----------------------------------------------------------------------------


def signed_request(port: int, sender: str, body: str, number: int) -> bytes:
    url = f"http://127.0.0.1:{port}/webhooks/twilio"
    form = {
        "MessageSid": f"SM{number:032x}",
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": "+15550000000",
        "Body": body,
        "FromCountry": "US",
    }
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    payload = urlencode(form).encode()
    head = (
        "POST /webhooks/twilio HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, raw: bytes) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            writer.close()
            self.streams = None
        return status

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


def scripts_for(
    port: int, senders: int, run: int, texts: tuple[str, ...], first: int
) -> list[list[bytes]]:
    """Each sender's requests saying ``texts``; message ids numbered from ``first``."""
    return [
        [
            signed_request(
                port, f"+1555{run:02d}{index:05d}", text, first + index * len(texts) + step
            )
            for step, text in enumerate(texts)
        ]
        for index in range(senders)
    ]


async def drive(port: int, scripts: list[list[bytes]], concurrency: int) -> tuple[list[float], int]:
    """Every script, ``concurrency`` senders at once; latencies (s) and errors."""
    waiting: asyncio.Queue[list[bytes]] = asyncio.Queue()
    for script in scripts:
        waiting.put_nowait(script)
    latencies: list[float] = []
    errors = 0

    async def talk() -> None:
        nonlocal errors
        connection = Connection(port)
        try:
            while not waiting.empty():
                for raw in waiting.get_nowait():
                    started = time.perf_counter()
                    try:
                        status = await connection.send(raw)
                    except (OSError, asyncio.IncompleteReadError):
                        connection.close()
                        connection = Connection(port)
                        status = 0
                    latencies.append(time.perf_counter() - started)
                    errors += status != 200
        finally:
            connection.close()

    await asyncio.gather(*(talk() for _ in range(concurrency)))
    return latencies, errors


def measure(
    target: Target, pid: int, port: int, concurrency: int, turns: int, run: int, drained: Drain
) -> Result:
    """First messages from every sender, then their plain menu turns; CPU over the latter.

    ``drained`` waits until the copies of the messages sent so far are deleted at the fake
    Twilio (for a target that deletes them at once), so that each phase's CPU holds the
    deletion of its own copies and no other's.
    """
    senders = max(concurrency, turns // len(SCRIPT))
    first, plain = SCRIPT[:1], SCRIPT[1:]
    started = time.perf_counter()
    latencies, errors = asyncio.run(
        drive(port, scripts_for(port, senders, run, first, 0), concurrency)
    )
    drained()
    before = cpu_seconds(pid)
    more, more_errors = asyncio.run(
        drive(port, scripts_for(port, senders, run, plain, senders), concurrency)
    )
    elapsed = time.perf_counter() - started
    drained()
    plain_cpu = cpu_seconds(pid) - before
    latencies += more
    ordered = sorted(latencies)
    return Result(
        target=target.label,
        workers=target.workers,
        concurrency=concurrency,
        turns=len(latencies),
        errors=errors + more_errors,
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        turns_per_s=round(len(latencies) / elapsed, 1),
        cpu_ms_per_plain_turn=round(plain_cpu * 1000 / len(more), 2),
    )


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str
    database: str | None
    """None: the floor; "sqlite" or "postgres"."""
    workers: int = 1
    copies_deleted: bool = False
    """Twilio's copies deleted as soon as final (production's default), their deletion in
    the CPU; otherwise due an hour later, so that the CPU is the turn's alone."""


TARGETS = (
    Target("floor", None),
    Target("sqlite", "sqlite"),
    Target("postgres", "postgres"),
    Target("postgres", "postgres", workers=2),
    Target("sqlite, copies deleted", "sqlite", copies_deleted=True),
)
Drain = Callable[[], None]
DRAIN_TIMEOUT = 120.0
WARM_UP = 400
"""Turns before the first level: every lazily loaded part (a language model) loaded."""


FAKE_TWILIO = (
    "import sys, time; sys.path.insert(0, '.'); from tests.fake_twilio import fake_twilio\n"
    f"with fake_twilio({ACCOUNT!r}, {TOKEN!r}) as fake:\n"
    "    print(fake.url, flush=True); time.sleep(10**6)"
)
"""The test suite's fake Twilio API, in a process of its own as Twilio is a server apart."""


@contextmanager
def fake_twilio_process() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", FAKE_TWILIO], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait()


def copies_left(database_url: str) -> int:
    """The provider copies Haven still has to delete."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(sqlalchemy.text("SELECT count(*) FROM provider_copies")))
    finally:
        engine.dispose()


def bench_target(target: Target, levels: list[int], turns: int) -> list[Result]:
    results = []
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="haven-bench-") as scratch,
        fake_twilio_process() as twilio_url,
    ):
        url = ""
        if target.database is None:
            argv = [str(BIN / "uvicorn"), "bench.floor:app", "--no-access-log"]
            argv += ["--port", str(port), "--log-level", "warning"]
            env = dict(os.environ)
        else:
            url = fresh_postgres() if target.database == "postgres" else f"sqlite:///{scratch}/h.db"
            env = haven_env(url, port, twilio_url, Path(scratch), target.copies_deleted)
            subprocess.run([str(BIN / "haven"), "db", "upgrade"], env=env, check=True, cwd=ROOT)
            argv = [str(BIN / "haven"), "serve", "--port", str(port)]
            argv += ["--workers", str(target.workers)]

        def drained() -> None:
            """Wait until every copy of what was sent is deleted (copies deleted only)."""
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while target.copies_deleted and (left := copies_left(url)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{left} copies still at the fake Twilio")
                time.sleep(0.1)

        with running(argv, env, port) as process:
            measure(target, process.pid, port, 4, WARM_UP, 99, drained)
            for run, concurrency in enumerate(levels):
                result = measure(target, process.pid, port, concurrency, turns, run, drained)
                print(format_row(result), flush=True)
                results.append(result)
    return results


HEADER = (
    "| target | workers | concurrency | turns | errors "
    "| p50 ms | p99 ms | turns/s | CPU ms/plain turn |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def format_row(result: Result) -> str:
    values = asdict(result).values()
    return "| " + " | ".join(str(value) for value in values) + " |"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000, help="turns per concurrency level")
    parser.add_argument("--levels", default="1,16,64", help="concurrency levels")
    parser.add_argument("--only", help="one target: floor, sqlite, postgres, postgres-2")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    print(HEADER, flush=True)
    results: list[Result] = []
    for target in TARGETS:
        name = target.label if target.workers == 1 else f"{target.label}-{target.workers}"
        if args.only and args.only != name:
            continue
        results += bench_target(target, levels, args.turns)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = "\n".join([HEADER, *(format_row(result) for result in results)])
    if not args.only:  # the README's table is the whole run's
        (RESULTS / "turns-latest.md").write_text(f"{stamp} on {machine()}\n\n{table}\n")
    (RESULTS / f"turns-{stamp}.json").write_text(
        json.dumps(
            {"at": stamp, "machine": machine(), "results": [asdict(r) for r in results]}, indent=1
        )
    )
    print(f"\n{stamp} on {machine()}; written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
