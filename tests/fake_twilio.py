"""A local stand-in for Twilio's REST API: records message deletions, can fail on demand."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.loopback import loopback_server

MESSAGE_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>\w+)/Messages/(?P<sid>\w+)\.json$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>\w+)/Messages\.json$")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    deleted: list[str] = field(default_factory=list)
    sent: list[dict[str, str]] = field(default_factory=list)
    """Messages created through the REST API: To, From, Body, StatusCallback."""
    failures: dict[str, list[int]] = field(default_factory=dict)
    """Statuses to answer for a SID before its deletion succeeds."""
    refused: int = 0
    """Requests with wrong credentials or an unknown path."""

    def authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            match = MESSAGES_PATH.match(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            if not match or not fake.authorised(self.headers.get("Authorization")):
                fake.refused += 1
                self._answer(401)
                return
            sid = f"SM{len(fake.sent) + 1:032d}"
            fake.sent.append(form)
            body = json.dumps(
                {
                    "sid": sid,
                    "account_sid": fake.account_sid,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                }
            ).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_DELETE(self) -> None:
            match = MESSAGE_PATH.match(self.path)
            if (
                not match
                or match["account"] != fake.account_sid
                or not fake.authorised(self.headers.get("Authorization"))
            ):
                fake.refused += 1
                self._answer(401 if match else 404)
                return
            pending = fake.failures.get(match["sid"])
            if pending:
                self._answer(pending.pop(0))
                return
            fake.deleted.append(match["sid"])
            self._answer(204)

        def _answer(self, status: int) -> None:
            body = (
                b""
                if status == 204
                else b'{"code": 20500, "message": "error", "status": %d}' % status
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # keep test output quiet

    return Handler


@contextmanager
def fake_twilio(account_sid: str, auth_token: str) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid, auth_token)
    with loopback_server(_handler(fake)) as url:
        fake.url = url
        yield fake
