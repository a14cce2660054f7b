"""A local stand-in for Telegram's Bot API: records every call, answers like Telegram."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.loopback import loopback_server

METHOD_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    token: str
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    """Answers to give for a method before it succeeds: (HTTP status, JSON body)."""
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def of(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def sent_texts(self) -> list[str]:
        return [str(params["text"]) for params in self.of("sendMessage")]

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        pending = self.failures.get(method)
        if pending:
            return pending.pop(0)
        self.calls.append(Call(method, params))
        if method == "getMe":
            result: Any = {
                "id": 4242,
                "is_bot": True,
                "first_name": "Haven",
                "username": "haven_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif method == "sendMessage":
            result = {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
        elif method in ("answerCallbackQuery", "deleteMessages", "setWebhook", "deleteWebhook"):
            result = True
        else:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": result}


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        decoded: dict[str, Any] = json.loads(body or b"{}")
        return decoded
    params: dict[str, Any] = {}
    for name, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


def _handler(fake: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            match = METHOD_PATH.match(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not match or match["token"] != fake.token:
                status, answer = (
                    401,
                    {"ok": False, "error_code": 401, "description": "Unauthorized"},
                )
            else:
                params = _decode(body, self.headers.get("Content-Type", ""))
                status, answer = fake.answer(match["method"], params)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def fake_bot_api(token: str, port: int = 0) -> Iterator[FakeBotApi]:
    """The fake on ``port`` (a free one by default), for as long as the context lasts."""
    fake = FakeBotApi(token)
    with loopback_server(_handler(fake), port) as url:
        fake.url = url
        yield fake
