"""Load and faults against real servers: thousands of messages, a killed worker, quick exits.

A real ``haven serve`` (``tests/load_server.py``): one worker on SQLite, or two on one
PostgreSQL database. Twilio's and Telegram's APIs are local fakes. A thousand people
(``tests/load_traffic.py``) follow twelve scripts of ten messages on SMS, Telegram and the
web chat, 64 requests in flight; the rate limit is the default (20 a minute), which no
script reaches. What each person must receive, and where each conversation must end, is
what the same script gets when it is the only one talking: the sequential run, through
the same routes of the same server, before the burst. Conversations are independent, so
one sequential run of each script on each channel is the reference for all who follow it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from bot.store.crypto import KeyRing
from bot.store.db import make_engine
from bot.store.models import SessionRow
from bot.store.store import Store
from tests.load_server import Server, haven_serving
from tests.load_traffic import (
    SCRIPTS,
    Connection,
    Requests,
    Sender,
    Sends,
    heard,
    references,
    senders,
    talk,
)
from tests.settings import TEST_SECRET
from tests.test_cascade import rows_of
from tests.test_postgres import ADMIN_URL

pytestmark = [pytest.mark.load, pytest.mark.slow, pytest.mark.xdist_group("load")]

PEOPLE = 1000
IN_FLIGHT = 64
DATABASES = [("sqlite", 1), pytest.param(("postgres", 2), marks=pytest.mark.postgres)]
"""Where the server runs, and with how many workers."""
IDS = ["sqlite-1-worker", "postgres-2-workers"]


@dataclass(frozen=True)
class Final:
    """Where a conversation ended: its place in the flows and its transcript, in order."""

    flow: str
    step: str
    language: str
    handoff: str
    transcript: tuple[tuple[str, str], ...]


def final_state(store: Store, sender: Sender) -> Final | None:
    address = sender.key_address
    if address is None:
        return None
    key = store.keys.session_key(sender.channel, address)
    with store.reading() as tx:
        row = tx.db.execute(
            select(SessionRow.flow, SessionRow.step, SessionRow.language, SessionRow.handoff).where(
                SessionRow.key == key
            )
        ).first()
        lines = tuple((str(direction), said) for direction, said in tx.transcript(key))
    if row is None:
        assert lines == (), "a transcript outlived its conversation"
        return None
    return Final(row.flow, row.step, row.language, row.handoff, lines)


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'haven.db'}"
        return
    name = f"haven_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def served(
    kind: str, workers: int, tmp_path: Path, model_dir: Path, encryption_key: str
) -> Iterator[tuple[Server, Store]]:
    """A ready server on a new database, and a store of the test's own to read it."""
    with (
        database(kind, tmp_path) as url,
        haven_serving(url, workers, tmp_path, model_dir, encryption_key) as server,
    ):
        store = Store(make_engine(url), KeyRing.from_strings(encryption_key, TEST_SECRET))
        try:
            yield server, store
        finally:
            store.engine.dispose()


def expected(reference: list[Sender]) -> dict[tuple[str, tuple[object, ...]], Sender]:
    return {(sender.channel, sender.script): sender for sender in reference}


# -- ten thousand messages ------------------------------------------------------------------------


@dataclass
class Burst:
    reference: list[Sender]
    people: list[Sender]
    heard: dict[int, list[list[str]]]
    """What each sender (by ``id``) received for each message."""
    finals: dict[int, Final | None]
    worker_cpu: list[float]
    """Seconds of CPU each worker spent during the burst."""


@pytest.fixture(scope="module", params=DATABASES, ids=IDS)
def burst(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    model_dir: Path,
    encryption_key: str,
) -> Iterator[Burst]:
    """The sequential run, then a thousand people at once, on one server."""
    kind, workers = request.param
    tmp_path = tmp_path_factory.mktemp(f"burst-{kind}")
    with served(kind, workers, tmp_path, model_dir, encryption_key) as (server, store):
        requests, sends = server.requests, Sends(server.bot_api)
        reference = references(first=0)
        talk(requests, reference, 1, sends)
        people = senders(PEOPLE, first=len(reference))
        pids = server.worker_pids()
        before = [server.cpu_seconds(pid) for pid in pids]
        talk(requests, people, IN_FLIGHT, sends)
        cpu = [server.cpu_seconds(pid) - spent for pid, spent in zip(pids, before, strict=True)]
        everyone = reference + people
        yield Burst(
            reference=reference,
            people=people,
            heard={id(sender): heard(sender, sends) for sender in everyone},
            finals={id(sender): final_state(store, sender) for sender in everyone},
            worker_cpu=cpu,
        )


def test_ten_thousand_messages_64_at_a_time_get_no_server_error(burst: Burst) -> None:
    statuses = [answer.status for sender in burst.people for answer in sender.answers]
    assert len(statuses) == PEOPLE * 10
    assert set(statuses) == {200}


def test_every_message_of_the_burst_is_answered_once_as_in_the_sequential_run(
    burst: Burst,
) -> None:
    """SMS: the TwiML of each webhook's answer; the web chat: the replies in each answer;
    Telegram: the messages the bot sent to the chat for each update, no more, no fewer."""
    alone = expected(burst.reference)
    silent = [
        (sender.channel, sender.script[step])
        for sender in burst.reference
        for step, texts in enumerate(burst.heard[id(sender)])
        if not texts and sender.script[step] != "EXIT"  # a quick exit is not answered
    ]
    differ = [
        (sender.channel, sender.address)
        for sender in burst.people
        if burst.heard[id(sender)] != burst.heard[id(alone[sender.channel, sender.script])]
    ]
    assert silent == []
    assert differ == []


def test_every_conversation_of_the_burst_ends_as_in_the_sequential_run(burst: Burst) -> None:
    alone = expected(burst.reference)
    differ = [
        (sender.channel, sender.address)
        for sender in burst.people
        if burst.finals[id(sender)] != burst.finals[id(alone[sender.channel, sender.script])]
    ]
    ended = [final for final in burst.finals.values() if final is not None]
    assert len(ended) > PEOPLE // 2  # most scripts leave a conversation to compare
    assert differ == []


@pytest.mark.parametrize("burst", [DATABASES[1]], ids=IDS[1:], indirect=True)
def test_both_postgres_workers_take_a_share_of_the_burst(burst: Burst) -> None:
    assert len(burst.worker_cpu) == 2
    assert min(burst.worker_cpu) > 0.25 * sum(burst.worker_cpu)


# -- a worker killed mid-burst --------------------------------------------------------------------

KILLED_PEOPLE = 180
"""People on SMS and Telegram in the burst during which a worker is killed."""
KILL_AFTER = 1 / 3
"""The share of their messages answered when one of the two workers is killed."""


@dataclass
class AfterKill:
    reference: list[Sender]
    people: list[Sender]
    heard: dict[int, list[list[str]]]
    finals: dict[int, Final | None]
    killed: int
    workers_after: list[int]


def kill_when_answered(people: list[Sender], share: float, pid: int) -> None:
    """SIGKILL ``pid`` once ``share`` of the people's messages are answered."""
    total = sum(len(sender.script) for sender in people)
    while sum(len(sender.answers) for sender in people) < share * total:
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def after_a_kill(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, encryption_key: str
) -> Iterator[AfterKill]:
    """Two workers on PostgreSQL, people on SMS and Telegram (whose providers deliver again
    what failed); one worker SIGKILLed a third of the way through."""
    tmp_path = tmp_path_factory.mktemp("kill")
    with served("postgres", 2, tmp_path, model_dir, encryption_key) as (server, store):
        requests, sends = server.requests, Sends(server.bot_api)
        reference = [sender for sender in references(first=0) if sender.channel != "web"]
        talk(requests, reference, 1, sends)
        everyone = senders(KILLED_PEOPLE * 3 // 2, first=len(SCRIPTS) * 3)
        people = [sender for sender in everyone if sender.channel != "web"]
        victim = server.worker_pids()[0]
        killer = threading.Thread(target=kill_when_answered, args=(people, KILL_AFTER, victim))
        killer.start()
        talk(requests, people, IN_FLIGHT, sends, redeliver=True)
        killer.join()
        yield AfterKill(
            reference=reference,
            people=people,
            heard={id(sender): heard(sender, sends) for sender in reference + people},
            finals={id(sender): final_state(store, sender) for sender in reference + people},
            killed=victim,
            workers_after=server.worker_pids(),
        )


@pytest.mark.postgres
def test_redeliveries_after_a_worker_is_killed_complete_every_conversation(
    after_a_kill: AfterKill,
) -> None:
    alone = expected(after_a_kill.reference)
    redelivered = [sender for sender in after_a_kill.people if max(sender.tries) > 1]
    assert redelivered  # the kill caught messages on their way
    assert {answer.status for sender in after_a_kill.people for answer in sender.answers} == {200}
    differ = [
        (sender.channel, sender.address)
        for sender in after_a_kill.people
        if after_a_kill.finals[id(sender)]
        != after_a_kill.finals[id(alone[sender.channel, sender.script])]
    ]
    assert differ == []


@pytest.mark.postgres
def test_every_reply_reaches_the_person_after_a_worker_is_killed(after_a_kill: AfterKill) -> None:
    """A message is answered as in the sequential run. One delivered again after the kill
    is recognised and not handled again; its answer, which the killed worker committed
    but may not have sent (or sent in part), is sent again in full (``bot.store.answers``):
    such a person hears every reply of the sequential run, in order, perhaps some of them
    once more."""
    alone = expected(after_a_kill.reference)
    wrong = []
    for sender in after_a_kill.people:
        reference = after_a_kill.heard[id(alone[sender.channel, sender.script])]
        got = after_a_kill.heard[id(sender)]
        if max(sender.tries) == 1:
            if got != reference:
                wrong.append((sender.channel, sender.address))
            continue
        whole = [text for step in reference for text in step]
        if not in_order(whole, [text for step in got for text in step]):
            wrong.append((sender.channel, sender.address))
    assert wrong == []


def in_order(wanted: list[str], heard: list[str]) -> bool:
    """Whether ``heard`` holds every item of ``wanted``, in that order (others between)."""
    rest = iter(heard)
    return all(any(item == text for text in rest) for item in wanted)


@pytest.mark.postgres
def test_uvicorn_starts_a_worker_in_the_place_of_the_killed_one(after_a_kill: AfterKill) -> None:
    assert len(after_a_kill.workers_after) == 2
    assert after_a_kill.killed not in after_a_kill.workers_after


# -- quick exit racing messages in flight ---------------------------------------------------------

RACES = 200
RACED = "he took my passport"


async def race(requests: Requests, trial: int, sender: Sender) -> tuple[int, int]:
    """The message and the quick exit on two connections, the exit 0 to 15 ms later."""
    message, leaving = Connection(requests.port), Connection(requests.port)
    await message.open()
    await leaving.open()

    async def exit_later() -> int:
        await asyncio.sleep(trial % 6 * 0.003)
        return (await leaving.exchange(requests.exit(sender))).status

    try:
        sent = message.exchange(requests.says(sender, RACED))
        said, left = await asyncio.gather(sent, exit_later())
        return said.status, left
    finally:
        message.close()
        leaving.close()


async def races(requests: Requests, people: list[Sender]) -> list[tuple[int, int]]:
    width = asyncio.Semaphore(IN_FLIGHT // 2)

    async def one(trial: int, sender: Sender) -> tuple[int, int]:
        async with width:
            return await race(requests, trial, sender)

    return await asyncio.gather(*(one(trial, sender) for trial, sender in enumerate(people)))


def trace_of_the_old_conversation(store: Store, sender: Sender) -> str | None:
    """What is left of the conversation after the race, if anything should not be.

    The web chat's page lost its cookie to the exit: nothing may be left. An SMS or a
    Telegram message that reached the server after the exit was committed opens a new
    conversation, as any message after an exit does (``test_store_concurrency``); that
    one may be there, begun by the raced message, holding nothing of the old one.
    """
    key = store.keys.session_key(sender.channel, str(sender.key_address))
    rows = {table: count for table, count in rows_of(store.engine, key).items() if count}
    final = final_state(store, sender)
    if sender.channel == "web" or final is None:
        return f"{sender.channel}: {rows}" if rows else None
    if final.transcript[0] != ("in", RACED) or ("in", "hi") in final.transcript:
        return f"{sender.channel}: {final.transcript[:2]}"
    return None


@pytest.mark.parametrize("where", DATABASES, ids=IDS)
def test_a_quick_exit_racing_a_message_in_flight_leaves_nothing_200_times(
    where: tuple[str, int], tmp_path: Path, model_dir: Path, encryption_key: str
) -> None:
    with served(*where, tmp_path, model_dir, encryption_key) as (server, store):
        requests = server.requests
        people = [
            Sender(sender.channel, sender.address, ("hi", "yes"))
            for sender in senders(RACES, first=0)
        ]
        talk(requests, people, IN_FLIGHT, Sends(server.bot_api))
        assert store.count_sessions() == RACES
        statuses = asyncio.run(races(requests, people))
        traces = [trace_of_the_old_conversation(store, sender) for sender in people]
    assert [trace for trace in traces if trace] == []
    assert {(sender.channel, status) for sender, status in zip(people, statuses, strict=True)} == {
        ("sms", (200, 200)),
        ("telegram", (200, 200)),
        ("web", (200, 204)),
    }
