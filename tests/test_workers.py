"""Several workers on one database: background work claimed once, live events heard by all.

Each worker is a ``Store`` of its own (its own engine and claims), as each process of
``haven serve --workers N`` has; the last tests run the command itself.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.sms.copies import TwilioCopies
from bot.config import Settings
from bot.console import events as console_events
from bot.console.accounts import add_advocate
from bot.console.auth import PREFIX
from bot.console.listen import Wakeups
from bot.runtime import Content, Understanding, open_store
from bot.store.copies import LEASE
from bot.store.models import MessageRow
from bot.store.store import Store
from common.clock import utcnow
from tests.conftest import Chat
from tests.fake_twilio import fake_twilio
from tests.haven_cli import HAVEN, Haven
from tests.live_server import free_port, live_haven
from tests.settings import TEST_HASHER, SettingsMaker, make_settings
from tests.test_console_events import PASSWORD, events, next_event, signed_in
from tests.test_postgres import postgres_url  # noqa: F401 (a fixture)
from tests.test_twilio import ACCOUNT, TOKEN

T = TypeVar("T")
COPIES = 200
START_TIMEOUT = 90
"""Seconds two workers may take to start: each loads the models on a shared machine."""
STOP_TIMEOUT = 15


def keep_copies(store: Store, count: int) -> set[str]:
    """``count`` copies of no conversation, so due at once; returns their refs."""
    refs = {f"SM{number:032x}" for number in range(count)}
    with store.transaction() as tx:
        for ref in refs:
            tx.keep_copy("sms", None, ref, None, utcnow())
    return refs


def claim_all(store: Store, start: threading.Barrier) -> list[str]:
    """Claim ten at a time until nothing is left; the refs, in the order claimed."""
    start.wait()
    claimed: list[str] = []
    while batch := store.copies.claim("sms", utcnow(), 10):
        claimed += [copy.ref for copy in batch]
    return claimed


@pytest.fixture
def two_workers_on_sqlite(settings: Settings) -> Iterator[tuple[Store, Store]]:
    """Two stores on one file: ``haven serve`` runs one worker on SQLite, but the leases
    are the same as on PostgreSQL, and quicker to test here."""
    first, second = open_store(settings), open_store(settings)
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def pg_settings(
    postgres_url: str,  # noqa: F811 (the fixture)
    tmp_path: Path,
    model_dir: Path,
    encryption_key: str,
) -> Settings:
    return make_settings(tmp_path, model_dir, encryption_key, database_url=postgres_url)


@pytest.fixture
def two_workers_on_postgres(pg_settings: Settings) -> Iterator[tuple[Store, Store]]:
    first, second = open_store(pg_settings), open_store(pg_settings)
    yield first, second
    first.close()
    second.close()


# -- provider copies: claimed once --------------------------------------------------------------


@pytest.mark.postgres
def test_two_workers_claiming_at_once_on_postgres_take_each_copy_exactly_once(
    two_workers_on_postgres: tuple[Store, Store],
) -> None:
    first, second = two_workers_on_postgres
    refs = keep_copies(first, COPIES)
    start = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        mine, theirs = pool.map(partial(claim_all, start=start), (first, second))
    assert sorted(mine + theirs) == sorted(refs)
    assert not set(mine) & set(theirs)


@pytest.mark.postgres
def test_two_workers_deleting_at_once_on_postgres_delete_each_copy_at_twilio_once(
    two_workers_on_postgres: tuple[Store, Store], pg_settings: Settings
) -> None:
    refs = keep_copies(two_workers_on_postgres[0], COPIES)
    start = threading.Barrier(2)
    with fake_twilio(ACCOUNT, TOKEN) as twilio:
        settings = pg_settings.model_copy(
            update={
                "twilio_account_sid": ACCOUNT,
                "twilio_auth_token": TOKEN,
                "twilio_api_url": twilio.url,
            }
        )

        def rounds(store: Store) -> int:
            copies = TwilioCopies(settings, store)
            start.wait()
            # round after round, until none is due
            return sum(iter(lambda: asyncio.run(copies.delete_due()), 0))

        with ThreadPoolExecutor(max_workers=2) as pool:
            deleted = list(pool.map(rounds, two_workers_on_postgres))
    assert sorted(twilio.deleted) == sorted(refs)
    assert sum(deleted) == COPIES


def test_a_claimed_copy_is_due_for_no_other_worker_until_its_lease_ends(
    two_workers_on_sqlite: tuple[Store, Store],
) -> None:
    first, second = two_workers_on_sqlite
    (ref,) = keep_copies(first, 1)
    now = utcnow()
    assert [copy.ref for copy in first.copies.claim("sms", now, 10)] == [ref]
    assert second.copies.claim("sms", now + LEASE - timedelta(seconds=1), 10) == []
    assert [copy.ref for copy in second.copies.claim("sms", now + LEASE, 10)] == [ref]


def test_a_stopping_worker_gives_back_the_copies_it_did_not_finish(
    two_workers_on_sqlite: tuple[Store, Store],
) -> None:
    first, second = two_workers_on_sqlite
    refs = keep_copies(first, 3)
    done, *_unfinished = first.copies.claim("sms", utcnow(), 10)
    first.copies.deleted([done.digest])
    first.close()
    assert {copy.ref for copy in second.copies.claim("sms", utcnow(), 10)} == refs - {done.ref}


def test_a_copy_taken_over_after_its_lease_ran_out_is_settled_by_its_new_holder_only(
    two_workers_on_sqlite: tuple[Store, Store],
) -> None:
    """The first worker's late failure must not send the copy back to the queue while the
    second is deleting it."""
    first, second = two_workers_on_sqlite
    keep_copies(first, 1)
    now = utcnow()
    (late,) = first.copies.claim("sms", now, 10)
    (taken,) = second.copies.claim("sms", now + LEASE, 10)
    first.copies.retry({late.digest: now})
    assert second.copies.due("sms", now + 2 * LEASE - timedelta(seconds=1), 10) == []
    second.copies.deleted([taken.digest])
    assert second.copies.due("sms", now + 3 * LEASE, 10) == []


# -- the purge: every worker runs it ------------------------------------------------------------


@pytest.mark.postgres
def test_two_workers_purging_at_once_on_postgres_delete_each_conversation_once(
    two_workers_on_postgres: tuple[Store, Store],
    pg_settings: Settings,
    understanding: Understanding,
    content: Content,
) -> None:
    from bot.runtime import build_runtime

    runtime = build_runtime(pg_settings, understanding, content)
    try:
        for number in range(20):
            Chat(runtime.engine, sender=f"+1555010{number:04d}").to_menu()
    finally:
        runtime.close()
    with two_workers_on_postgres[0].reading() as tx:
        messages = tx.db.scalar(select(func.count()).select_from(MessageRow))
    later = utcnow() + timedelta(days=2)
    start = threading.Barrier(2)

    def purge(store: Store) -> tuple[int, int]:
        start.wait()
        counts = store.purge_idle(86400, now=later)
        return counts.sessions, counts.messages

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(purge, two_workers_on_postgres))
    assert sorted(counts) == [(0, 0), (20, messages)]
    assert two_workers_on_postgres[0].count_sessions() == 0


# -- the console's live events across workers ---------------------------------------------------


def within(seconds: float, wait: Callable[[], T]) -> T:
    """What ``wait`` returns, failing the test after ``seconds`` rather than waiting for ever."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(wait).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


@pytest.mark.postgres
def test_a_stream_on_one_worker_hears_at_once_of_a_message_another_worker_took(
    settings_with: SettingsMaker,
    understanding: Understanding,
    content: Content,
    postgres_url: str,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(console_events, "POLL_SECONDS", 120.0)  # only a notification is in time
    on_postgres = partial(settings_with, database_url=postgres_url)
    with (
        live_haven(on_postgres, understanding, content) as first,
        live_haven(on_postgres, understanding, content) as second,
    ):
        add_advocate(first.runtime.store, "ana", PASSWORD, hasher=TEST_HASHER)
        ana = signed_in(first, "ana")
        page = second.person()
        chat = ana.get(f"{PREFIX}/queue").json()["items"][0]["id"]
        ana.post(f"{PREFIX}/conversations/{chat}/claim").raise_for_status()
        with ana.stream("GET", f"{PREFIX}/events") as response:
            stream = events(response.iter_lines())
            next_event(stream, "held")
            page.post("/chat/messages", json={"text": "are you there?"}).raise_for_status()
            try:
                message = within(10, lambda: next_event(stream, "message"))
            finally:
                response.close()
    assert (message["conversation"], message["text"]) == (chat, "are you there?")


def test_a_listener_that_cannot_connect_leaves_the_streams_polling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wakeups = Wakeups(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")

    async def two_polls() -> float:
        began = time.monotonic()
        for _ in range(2):
            await wakeups.wait(wakeups.ticket(), 0.2)
        return time.monotonic() - began

    assert 0.4 <= asyncio.run(two_polls()) < 2
    assert not wakeups.listening
    assert "event=console_listen_failed error=OperationalError" in caplog.messages


# -- haven serve --workers ----------------------------------------------------------------------


@pytest.mark.slow
def test_serve_refuses_several_workers_on_sqlite(haven: Haven) -> None:
    for result in (
        haven.run("serve", "--workers", "2"),
        haven.run("serve", HAVEN_WORKERS="2"),
    ):
        assert result.returncode == 2
        message = result.stderr.decode()
        assert "SQLite serves one worker" in message and "PostgreSQL" in message


def workers_of(parent: int) -> list[int]:
    """The worker processes uvicorn's supervisor ``parent`` started (not its helpers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent_id = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent_id == parent and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def ready(server: subprocess.Popen[bytes], base: str, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert server.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, "haven serve --workers 2 did not get ready in time"
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
            if response.status_code == 200:
                answer: dict[str, Any] = response.json()
                return answer
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_with_two_workers_on_postgres_answers_and_stops_cleanly_on_sigterm(
    haven: Haven,
    postgres_url: str,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(HAVEN), "serve", "--workers", "2", "--port", str(port)],
            env={**haven.env, "HAVEN_DATABASE_URL": postgres_url},
            cwd=haven.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert ready(server, base, log)["database"] == "ok"
        workers = workers_of(server.pid)
        assert len(workers) == 2
        # A connection each, which the kernel hands to either worker.
        answers = [httpx.post(f"{base}/chat/messages", json={"text": "hi"}) for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200] * 4
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=STOP_TIMEOUT) == 0, log.read_text(errors="replace")
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=STOP_TIMEOUT)
