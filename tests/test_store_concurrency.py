"""Many requests at once on one database: no lock error, no lost update, quick exit always wins.

The races run on SQLite (one file, as ``haven serve`` uses it) and again on PostgreSQL
(marker ``postgres``), with real threads against the engine or a real uvicorn server.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

import httpx
import pytest
from alembic import command
from sqlalchemy import delete, func, insert, select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.channels.web.routes import COOKIE
from bot.config import Settings
from bot.core.messages import Inbound
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.db import BUSY_TIMEOUT, alembic_config, make_engine, upgrade
from bot.store.models import Base, ErasureRow, SessionRow
from bot.store.store import ERASURE_KEPT
from bot.store.writes import BusyError, Writers
from common.clock import utcnow
from tests.fake_twilio import fake_twilio
from tests.live_server import free_port, serving
from tests.settings import SettingsMaker, make_settings
from tests.test_cascade import rows_of, session_values
from tests.test_postgres import postgres_url  # noqa: F401 (a fixture, asked for by name)

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
CONCURRENT = 16
TRIALS = 90
"""Races run per test: before the fix, quick exit lost about one race in eight."""
RATE = "20/60"
ACCOUNT, TWILIO_TOKEN = "AC" + "3" * 32, "twilio-concurrency-token"
PUBLIC = "https://haven.example.org"
T = TypeVar("T")


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls in threads of their own, released together; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture(params=DATABASES)
def settings_for(
    request: pytest.FixtureRequest,
    settings_with: SettingsMaker,
    tmp_path: Path,
    model_dir: Path,
    encryption_key: str,
) -> SettingsMaker:
    """Settings on the migrated SQLite copy (``settings_with`` made it), or on a fresh
    PostgreSQL database."""
    url = f"sqlite:///{tmp_path / 'haven.db'}"  # settings_with copied the migrated template here
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres_url"))

    def make(**overrides: object) -> Settings:
        return make_settings(
            tmp_path, model_dir, encryption_key, database_url=url, rate_limit=RATE, **overrides
        )

    return make


@pytest.fixture
def runtime_on(
    settings_for: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Runtime]:
    built = build_runtime(settings_for(), understanding, content)
    yield built
    built.close()


@dataclass
class Web:
    """Haven under uvicorn: the web chat's pages, each with a cookie of its own."""

    base: str
    runtime: Runtime

    def page(self, cookie: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, timeout=2 * BUSY_TIMEOUT, cookies={COOKIE: cookie} if cookie else {}
        )

    def started(self) -> str:
        """A new conversation; returns its cookie."""
        with self.page() as page:
            page.post("/chat/messages", json={"text": "hi"}).raise_for_status()
            return str(page.cookies[COOKIE])

    def post(
        self, cookie: str, path: str, payload: dict[str, str] | None, delay: float = 0.0
    ) -> int:
        """Post from the page with ``cookie`` after ``delay`` seconds; the status."""
        time.sleep(delay)
        with self.page(cookie) as page:
            return page.post(path, json=payload).status_code

    def key(self, cookie: str) -> str:
        return self.runtime.store.keys.session_key("web", cookie)


@pytest.fixture
def web(
    settings_for: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Web]:
    port = free_port()
    settings = settings_for(public_url=f"http://127.0.0.1:{port}")
    runtime = build_runtime(settings, understanding, content)
    with serving(create_app(settings, runtime), port):  # the app closes the runtime
        yield Web(f"http://127.0.0.1:{port}", runtime)


# -- SQLite set up for one machine ---------------------------------------------------------------


def test_sqlite_logs_ahead_and_waits_for_its_write_lock(runtime: Runtime) -> None:
    with runtime.store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert mode == "wal"
    assert timeout == BUSY_TIMEOUT * 1000


def test_a_writing_transaction_holds_the_write_lock_from_its_first_read(
    runtime: Runtime, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "haven.db", timeout=0, isolation_level=None)
    with runtime.store.transaction() as tx:
        tx.session_exists("nobody")  # only a read so far
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        assert other.execute("SELECT count(*) FROM sessions").fetchone() == (0,)  # readers read
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_a_reading_transaction_leaves_the_write_lock_free(runtime: Runtime, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "haven.db", timeout=0, isolation_level=None)
    with runtime.store.reading() as tx:
        tx.session_exists("nobody")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


def test_a_read_inside_a_writing_transaction_does_not_wait_for_it(runtime: Runtime) -> None:
    """The turn asks for the opening hours while it writes: on another connection, in the
    same thread; waiting there for the write lock would be waiting for itself."""
    with runtime.store.transaction() as tx:
        tx.session_exists("nobody")
        started = time.monotonic()
        assert runtime.availability.has_advocates() is False
    assert time.monotonic() - started < 1


def test_writers_on_sqlite_take_their_turns_in_the_order_they_asked() -> None:
    writers = Writers(queued=True, timeout=5)
    order: list[int] = []

    def write(n: int) -> None:
        with writers.turn():
            order.append(n)

    with writers.turn():
        threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # each one queued before the next asks
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_gets_no_turn_within_the_busy_timeout_gives_up() -> None:
    writers = Writers(queued=True, timeout=0.05)
    failed: list[BaseException] = []

    def write() -> None:
        try:
            with writers.turn():
                pass
        except BusyError as exc:
            failed.append(exc)

    with writers.turn():
        waiting = threading.Thread(target=write)
        waiting.start()
        waiting.join()
    assert len(failed) == 1
    with writers.turn():  # and the queue it left goes on
        pass


# -- many people at once ---------------------------------------------------------------------------


def test_sixteen_people_texting_at_once_are_all_answered(
    settings_for: SettingsMaker, understanding: Understanding, content: Content
) -> None:
    """Signed Twilio webhooks through uvicorn, 16 at a time. Before the fix, on a SQLite file
    that syncs every commit, about one in 300 got a 500 (``database is locked``); here the
    suite's files do not sync, so this guards the whole path, and the tests above pin how."""
    port = free_port()
    sids = itertools.count(1)
    lock = threading.Lock()
    with fake_twilio(ACCOUNT, TWILIO_TOKEN) as twilio:
        settings = settings_for(
            public_url=PUBLIC,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_api_url=twilio.url,
            twilio_from="+15005550001",
        )
        runtime = build_runtime(settings, understanding, content)
        with serving(create_app(settings, runtime), port), httpx.Client(timeout=60) as client:

            def text(sender: str, body: str) -> int:
                with lock:
                    sid = f"SM{next(sids):032d}"
                params = {"MessageSid": sid, "From": sender, "To": "+15005550001", "Body": body}
                signature = RequestValidator(TWILIO_TOKEN).compute_signature(
                    PUBLIC + "/webhooks/twilio", params
                )
                response = client.post(
                    f"http://127.0.0.1:{port}/webhooks/twilio",
                    content=urlencode(params),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature,
                    },
                )
                return response.status_code if "<Message" in response.text else -1

            def person(n: int) -> Callable[[], list[int]]:
                sender = f"+1555030{n:04d}"
                return lambda: [text(sender, body) for body in ("hi", "yes", "3", "menu", "2")]

            statuses = at_once([person(n) for n in range(CONCURRENT)])
            sessions = runtime.store.count_sessions()
    assert statuses == [[200] * 5] * CONCURRENT
    assert sessions == CONCURRENT


def test_thirty_messages_at_once_from_one_page_keep_to_the_rate_limit(web: Web) -> None:
    """20 a minute: the first message and 19 more are answered, then one notice, then silence;
    the counter holds every message (before the fix all 31 were answered, the counter said 5)."""
    cookie = web.started()
    notice = web.runtime.engine.catalogs.text("en", "rate.slow_down")

    def send() -> tuple[int, list[str]]:
        with web.page(cookie) as page:
            response = page.post("/chat/messages", json={"text": "hello"})
            return response.status_code, [reply["text"] for reply in response.json()["replies"]]

    answers = at_once([send] * 30)
    assert {status for status, _ in answers} == {200}
    replies = [texts for _, texts in answers]
    assert replies.count([notice]) == 1
    assert sum(1 for texts in replies if texts and texts != [notice]) == 19
    assert replies.count([]) == 10
    with web.runtime.store.reading() as tx:
        row = tx.db.get(SessionRow, web.key(cookie))
        assert row is not None and row.rate_count == 31


# -- quick exit always wins ------------------------------------------------------------------------


def test_a_quick_exit_racing_a_message_leaves_nothing_every_time(web: Web) -> None:
    """Before the fix, in 90 races the conversation lived on 3 times, came back holding the
    message 5 times, and the message got a 500 (``StaleDataError``) 3 times."""
    database = web.runtime.store.engine
    left: list[str] = []
    statuses: set[tuple[int, int]] = set()
    for trial in range(TRIALS):
        cookie = web.started()
        sent, exited = at_once(
            [
                partial(web.post, cookie, "/chat/messages", {"text": "he took my passport"}),
                partial(web.post, cookie, "/chat/exit", None, trial % 6 * 0.003),
            ]
        )
        statuses.add((sent, exited))
        if any(rows_of(database, web.key(cookie)).values()):
            left.append(f"trial {trial}: {rows_of(database, web.key(cookie))}")
    assert statuses == {(200, 204)}
    assert left == []


def test_a_first_message_racing_an_exit_opens_no_conversation(runtime_on: Runtime) -> None:
    """An SMS "hi" and an "EXIT" from the same phone, both on their way, no conversation yet."""
    engine = runtime_on.engine
    for trial in range(TRIALS):
        sender = f"+1555040{trial:04d}"
        hello = Inbound(channel="sms", sender=sender, text="hi")
        leaving = Inbound(channel="sms", sender=sender, text="EXIT")
        at_once([partial(engine.handle, hello), partial(engine.handle, leaving)])
    assert runtime_on.store.count_sessions() == 0


def test_a_message_sent_before_the_exit_and_handled_after_it_is_dropped(
    runtime_on: Runtime,
) -> None:
    engine = runtime_on.engine
    engine.handle(Inbound(channel="sms", sender="+15550500001", text="hi"))
    late = Inbound(channel="sms", sender="+15550500001", text="my boss took my passport")
    engine.handle(Inbound(channel="sms", sender="+15550500001", text="EXIT"))
    outcome = engine.handle(late)
    assert (outcome.replies, outcome.exited) == ((), True)
    assert runtime_on.store.count_sessions() == 0


def test_a_message_sent_after_the_exit_starts_a_new_conversation(runtime_on: Runtime) -> None:
    engine = runtime_on.engine
    engine.handle(Inbound(channel="sms", sender="+15550500002", text="hi"))
    engine.handle(Inbound(channel="sms", sender="+15550500002", text="EXIT"))
    outcome = engine.handle(Inbound(channel="sms", sender="+15550500002", text="hi"))
    assert outcome.flow == "welcome"
    assert outcome.replies


def test_a_page_whose_conversation_was_erased_is_not_heard_again(web: Web) -> None:
    """Its cookie was revoked by the exit: a message still carrying it (sent before, arriving
    after) is taken by no conversation, and the answer expires the cookie again."""
    cookie = web.started()
    assert web.post(cookie, "/chat/exit", None) == 204
    with web.page(cookie) as page:
        late = page.post("/chat/messages", json={"text": "he took my passport"})
    assert (late.status_code, late.json()["replies"], late.json()["exited"]) == (200, [], True)
    assert f"{COOKIE}=" in late.headers["set-cookie"] and "Max-Age=0" in late.headers["set-cookie"]
    assert not any(rows_of(web.runtime.store.engine, web.key(cookie)).values())


def test_an_answer_to_a_page_that_has_its_cookie_sets_no_cookie(web: Web) -> None:
    """The answer to a message that raced a quick exit may arrive after the exit's answer,
    which deleted the cookie: it must not bring the cookie back."""
    cookie = web.started()
    with web.page(cookie) as page:
        answer = page.post("/chat/messages", json={"text": "yes"})
    assert answer.status_code == 200 and answer.json()["replies"]
    assert "set-cookie" not in answer.headers


def test_an_erasure_is_remembered_by_its_key_alone_for_ten_minutes(runtime_on: Runtime) -> None:
    engine, store = runtime_on.engine, runtime_on.store
    engine.handle(Inbound(channel="sms", sender="+15550500003", text="hi"))
    engine.handle(Inbound(channel="sms", sender="+15550500003", text="EXIT"))
    with store.reading() as tx:
        (erasure,) = tx.db.scalars(select(ErasureRow)).all()
    assert erasure.key == store.keys.session_key("sms", "+15550500003")
    assert set(Base.metadata.tables["erasures"].c.keys()) == {"key", "at"}
    day = runtime_on.settings.retention
    store.purge_idle(day, now=utcnow() + ERASURE_KEPT - timedelta(seconds=5))
    with store.reading() as tx:
        assert tx.db.scalars(select(ErasureRow)).all() != []
    store.purge_idle(day, now=utcnow() + ERASURE_KEPT + timedelta(seconds=1))
    with store.reading() as tx:
        assert tx.db.scalars(select(ErasureRow)).all() == []


# -- cursors that never go back --------------------------------------------------------------------


@pytest.fixture(params=DATABASES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no table yet."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'empty.db'}"


def test_after_the_migration_the_highest_deleted_id_is_not_handed_out_again(
    empty_database: str,
) -> None:
    command.upgrade(alembic_config(empty_database), "0006")
    database = make_engine(empty_database)
    sessions, messages = Base.metadata.tables["sessions"], Base.metadata.tables["messages"]
    outbox = Base.metadata.tables["web_outbox"]
    now = utcnow()
    with database.begin() as connection:
        connection.execute(insert(sessions), [session_values("k")])
        for table in (messages, outbox):
            extra = {"direction": "in"} if table is messages else {}
            for _ in range(3):
                connection.execute(
                    insert(table).values(session_key="k", body=b"x", created_at=now, **extra)
                )
    database.dispose()
    upgrade(empty_database)
    database = make_engine(empty_database)
    with database.begin() as connection:
        for table in (messages, outbox):
            extra = {"direction": "in"} if table is messages else {}
            assert connection.scalar(select(func.count()).select_from(table)) == 3  # rows kept
            connection.execute(delete(table).where(table.c.id == 3))
            new = insert(table).values(session_key="k", body=b"x", created_at=now, **extra)
            assert connection.execute(new.returning(table.c.id)).scalar() == 4
    database.dispose()
