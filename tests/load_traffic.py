"""Traffic for the load tests: people on SMS, Telegram and the web chat, each with a script.

Every sender says their script's messages in order, one after the answer to the other, as a
person does; ``talk`` keeps ``concurrency`` requests in flight over all senders. A request is
what the provider sends: a Twilio webhook signed for the public address, a Telegram update
with the webhook secret and an update id of its own, a web chat post with the page's
cookie (the one the server set on the first answer, as a browser keeps it).

The client is a bare keep-alive HTTP/1.1 client on asyncio, so that the test process takes
little of the machine from the server it measures.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bot.channels.web.routes import COOKIE
from tests.fake_telegram import FakeBotApi

TWILIO_ACCOUNT, TWILIO_TOKEN = "AC" + "9" * 32, "load-test-twilio-token"
TELEGRAM_TOKEN, TELEGRAM_SECRET = "424242:load-test-token", "load-test-webhook-secret"
CHANNELS = ("sms", "telegram", "web")
REDELIVERY_PAUSE = 0.05
"""Seconds before a provider sends again what failed (theirs are longer; the test has no time)."""
ANSWER_TIMEOUT = 60.0


@dataclass(frozen=True)
class Press:
    """A button pressed on Telegram or the web chat; on SMS, its number typed."""

    choice: str
    number: str


Step = str | Press
"""A message a person sends: words, or a button."""

SCRIPTS: tuple[tuple[Step, ...], ...] = (
    ("hi", "yes", "1", "Mexico", "2", "menu", "2", "1", "more", "menu"),
    ("hello", Press("yes", "1"), Press("signs", "3"), "1", "2", "menu", "4", "menu", "5", "2"),
    ("hola", "sí", "2", "México", "1", "1", "menu", "3", "3", "menu"),
    ("hi", "yes", "I need a lawyer", "USA", "menu", "what are my rights", "1", "2", "3", "menu"),
    ("bonjour", "oui", Press("help", "1"), "France", "3", "menu", "2", "3", "1", "menu"),
    ("hi", "no", "hi", "yes", "3", "1", "menu", "2", "Canada", "1"),
    ("hi", "yes", "he took my passport", "2", "Mexico", "menu", "menu", "4", "menu", "EXIT"),
    ("hi", "yes", "5", "3", "1", "Mexique", "1", "menu", "menu", "menu"),
    ("hello", "yes", "4", "Mexico", "menu", "1", "menu", "3", "more", "2"),
    ("olá", "sim", "1", "Brasil", "4", "menu", "2", "4", "menu", "3"),
    ("hi", "yes", "I want to talk to a person", "Spain", "1", "2", "menu", "1", "5", "menu"),
    (
        "hi",
        Press("yes", "1"),
        Press("rights", "2"),
        "UK",
        Press("wages", "3"),
        "menu",
        "menu",
        "DELETE",
        "no",
        "menu",
    ),
)


@dataclass
class Sender:
    """One person: a channel, an address there, and the script they follow."""

    channel: str
    address: str
    script: tuple[Step, ...]
    cookie: str | None = None
    """The web chat page's cookie, once the server has set it (None again after an exit)."""
    pages: list[str] = field(default_factory=list)
    """Every cookie the page was given, in order: a new one after each exit."""
    answers: list[Answer] = field(default_factory=list)
    """The last answer to each message (after any redeliveries)."""
    sent: list[int] = field(default_factory=list)
    """On Telegram: how many messages the bot had sent to the chat once each message of
    the script was answered."""
    tries: list[int] = field(default_factory=list)
    """How often each message was sent: more than once when it was delivered again."""

    @property
    def key_address(self) -> str | None:
        """The sender as the conversation's key knows it: the phone, the chat, the page's
        last cookie."""
        if self.channel == "web":
            return self.pages[-1] if self.pages else None
        return self.address


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    """By lower-case name; a header given several times, its values a line each."""
    body: bytes


class NoAnswerError(Exception):
    """The server closed or reset the connection before it answered."""


def senders(count: int, first: int = 0) -> list[Sender]:
    """``count`` people, the channels and scripts taken in turn; addresses from ``first``."""
    made = []
    for number in range(first, first + count):
        channel = CHANNELS[number % len(CHANNELS)]
        script = SCRIPTS[number // len(CHANNELS) % len(SCRIPTS)]
        made.append(Sender(channel, address(channel, number), script))
    return made


def references(first: int) -> list[Sender]:
    """One sender for each script on each channel: the sequential run to compare with."""
    return [
        Sender(channel, address(channel, first + n * len(CHANNELS) + c), script)
        for n, script in enumerate(SCRIPTS)
        for c, channel in enumerate(CHANNELS)
    ]


def address(channel: str, number: int) -> str:
    """A phone number on SMS (all in one country), a chat id on Telegram; the web chat's
    page gets its address, the cookie, from the server."""
    if channel == "sms":
        return f"+1555{number:07d}"
    if channel == "telegram":
        return str(700_000_000 + number)
    return f"page-{number}"


# -- the requests ---------------------------------------------------------------------------


class Requests:
    """The raw requests of one server: its port, and the public address Twilio signs."""

    def __init__(self, port: int, public_url: str) -> None:
        self.port = port
        self.public = public_url.rstrip("/")
        self.validator = RequestValidator(TWILIO_TOKEN)
        self.ids: Iterator[int] = itertools.count(1)

    def says(self, sender: Sender, said: Step) -> bytes:
        """The request of the sender's provider (or page) that carries ``said``."""
        if sender.channel == "sms":
            return self.sms(sender.address, said if isinstance(said, str) else said.number)
        if sender.channel == "telegram":
            return self.telegram(int(sender.address), said)
        return self.web(sender.cookie, said)

    def sms(self, phone: str, body: str) -> bytes:
        path = "/webhooks/twilio"
        form = {
            "MessageSid": f"SM{next(self.ids):032x}",
            "AccountSid": TWILIO_ACCOUNT,
            "From": phone,
            "To": "+15005550001",
            "Body": body,
            "FromCountry": "US",
        }
        signature = self.validator.compute_signature(self.public + path, form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }
        return self.post(path, urlencode(form).encode(), headers)

    def telegram(self, chat: int, said: Step) -> bytes:
        update_id = next(self.ids)
        person = {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"}
        message: dict[str, Any] = {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": person,
        }
        if isinstance(said, str):
            update: dict[str, Any] = {"update_id": update_id, "message": {**message, "text": said}}
        else:
            query = {"id": f"cb{update_id}", "from": person, "chat_instance": "1"}
            query |= {"data": said.choice, "message": {**message, "text": "menu"}}
            update = {"update_id": update_id, "callback_query": query}
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
        }
        return self.post("/webhooks/telegram", json.dumps(update).encode(), headers)

    def exit(self, sender: Sender) -> bytes:
        """The quick exit: EXIT by SMS, /exit on Telegram, the web chat page's button."""
        if sender.channel == "sms":
            return self.sms(sender.address, "EXIT")
        if sender.channel == "telegram":
            return self.telegram(int(sender.address), "/exit")
        return self.post("/chat/exit", b"", {"Cookie": f"{COOKIE}={sender.cookie}"})

    def web(self, cookie: str | None, said: Step) -> bytes:
        payload = {"text": said} if isinstance(said, str) else {"choice": said.choice}
        headers = {"Content-Type": "application/json", "Accept-Language": "en-US,en"}
        if cookie:
            headers["Cookie"] = f"{COOKIE}={cookie}"
        return self.post("/chat/messages", json.dumps(payload).encode(), headers)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- the client -----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, opened again when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        return self.streams

    async def exchange(self, raw: bytes) -> Answer:
        """Send one request, read its answer; ``NoAnswerError`` when there was none."""
        try:
            reader, writer = await self.open()
            writer.write(raw)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT)
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers: dict[str, str] = {}
            for line in lines:
                if ": " in line:
                    name, value = line.split(": ", 1)
                    headers[name.lower()] = (
                        f"{headers[name.lower()]}\n{value}" if name.lower() in headers else value
                    )
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.close()
            raise NoAnswerError(type(exc).__name__) from exc
        if headers.get("connection") == "close":
            self.close()
        return Answer(int(status_line.split()[1]), headers, body)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class Sends:
    """The messages the bot sent through the fake Bot API, by chat, read as they come."""

    def __init__(self, bot_api: FakeBotApi) -> None:
        self.bot_api = bot_api
        self.read = 0
        self.texts: dict[str, list[str]] = defaultdict(list)

    def to(self, chat: str) -> list[str]:
        calls = self.bot_api.calls[self.read :]  # the fake's threads append meanwhile
        self.read += len(calls)
        for call in calls:
            if call.method == "sendMessage" and "chat_id" in call.params:  # not cut by a kill
                self.texts[str(call.params["chat_id"])].append(str(call.params["text"]))
        return self.texts[chat]


async def converse(
    connection: Connection, requests: Requests, sender: Sender, redeliver: bool, sends: Sends
) -> None:
    """Say the sender's script, each message after the answer to the one before.

    With ``redeliver``, a message that got no answer or a 5xx is sent again, the same
    update id or message SID, until it gets a 2xx, as Telegram does (and as a Twilio
    message is modelled here); without it, the failure is kept and the script goes on.
    """
    for step in range(len(sender.script)):
        raw = requests.says(sender, sender.script[step])
        sender.tries.append(0)
        while True:
            sender.tries[-1] += 1
            try:
                answer = await connection.exchange(raw)
            except NoAnswerError:
                answer = Answer(0, {}, b"")
            if not redeliver or 200 <= answer.status < 300:
                break
            await asyncio.sleep(REDELIVERY_PAUSE)
        sender.answers.append(answer)
        if sender.channel == "telegram":
            sender.sent.append(len(sends.to(sender.address)))
        if sender.channel == "web":
            sender.cookie = kept_cookie(answer, sender.cookie)
            if sender.cookie is not None and sender.cookie not in sender.pages:
                sender.pages.append(sender.cookie)


def kept_cookie(answer: Answer, cookie: str | None) -> str | None:
    """The page's cookie after ``answer``: set, deleted (by an exit), or left as it was."""
    for header in answer.headers.get("set-cookie", "").split("\n"):
        name, _, rest = header.partition("=")
        if name.strip() == COOKIE:
            value = rest.split(";", 1)[0].strip('"')
            return None if not value or "Max-Age=0" in rest else value
    return cookie


async def talk_async(
    requests: Requests, people: list[Sender], concurrency: int, redeliver: bool, sends: Sends
) -> None:
    waiting = list(reversed(people))

    async def one_line() -> None:
        connection = Connection(requests.port)
        try:
            while waiting:
                await converse(connection, requests, waiting.pop(), redeliver, sends)
        finally:
            connection.close()

    await asyncio.gather(*(one_line() for _ in range(min(concurrency, len(people)))))


def talk(
    requests: Requests,
    people: list[Sender],
    concurrency: int,
    sends: Sends,
    redeliver: bool = False,
) -> None:
    """Every sender's script, ``concurrency`` requests in flight."""
    asyncio.run(talk_async(requests, people, concurrency, redeliver, sends))


# -- what came back ---------------------------------------------------------------------------


def heard(sender: Sender, sends: Sends) -> list[list[str]]:
    """What the person received for each message: the TwiML's messages, the web chat's
    replies, or what the bot sent to the chat before the update was acknowledged."""
    if sender.channel == "telegram":
        texts = sends.to(sender.address)
        return [texts[start:end] for start, end in itertools.pairwise([0, *sender.sent])]
    return [replies(answer, sender.channel) for answer in sender.answers]


def replies(answer: Answer, channel: str) -> list[str]:
    if answer.status != 200:
        return []
    if channel == "sms":
        twiml = ET.fromstring(answer.body)  # noqa: S314 (Haven's own TwiML, not untrusted input)
        return ["".join(message.itertext()) for message in twiml]
    return [reply["text"] for reply in json.loads(answer.body)["replies"]]
